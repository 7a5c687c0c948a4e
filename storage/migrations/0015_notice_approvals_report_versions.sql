-- A staff notice to at least BROADCAST_APPROVAL_MIN residents waits here for a second staff
-- member or a coordinator of its villages; once approved it becomes a broadcast (whose
-- ref_id is the request's id). Requests count towards their author's BROADCASTS_PER_DAY.
CREATE TABLE notice_requests (
    id              INTEGER PRIMARY KEY,
    created_by      INTEGER NOT NULL,  -- the author's Telegram id
    payload         TEXT NOT NULL,     -- JSON, as the broadcast will carry it
    village_codes   TEXT NOT NULL,     -- JSON array
    recipients      INTEGER NOT NULL,  -- residents counted when it was asked for
    report_chat_id  INTEGER NOT NULL,
    report_language TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (status IN ('waiting', 'approved', 'rejected', 'withdrawn', 'expired')),
    created_at      TEXT NOT NULL,
    decided_by      INTEGER,           -- Telegram id of who approved, rejected or withdrew it
    decided_at      TEXT,
    broadcast_id    INTEGER REFERENCES broadcasts(id)
);
CREATE INDEX notice_requests_status ON notice_requests(status, created_at);
CREATE INDEX notice_requests_author ON notice_requests(created_by, created_at);
CREATE INDEX broadcasts_author ON broadcasts(created_by, kind, created_at);

-- The reports' data version: one counter, raised by every change to what a report reads, so
-- that a workbook built for one version is reused until the data changes (bot/reports/cache.py).
-- Every table that storage/reports.py reads has the three triggers (a test checks it); people
-- raise it only when a column a report reads changes, not at every contact; the outbox only
-- when a message's outcome changes.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO data_version (id, n) VALUES (1, 1);

CREATE TRIGGER regions_insert_version AFTER INSERT ON regions BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER regions_update_version AFTER UPDATE ON regions BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER regions_delete_version AFTER DELETE ON regions BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER districts_insert_version AFTER INSERT ON districts BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER districts_update_version AFTER UPDATE ON districts BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER districts_delete_version AFTER DELETE ON districts BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER villages_insert_version AFTER INSERT ON villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER villages_update_version AFTER UPDATE ON villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER villages_delete_version AFTER DELETE ON villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeals_insert_version AFTER INSERT ON appeals BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeals_update_version AFTER UPDATE ON appeals BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeals_delete_version AFTER DELETE ON appeals BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeal_events_insert_version AFTER INSERT ON appeal_events BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeal_events_update_version AFTER UPDATE ON appeal_events BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER appeal_events_delete_version AFTER DELETE ON appeal_events BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearings_insert_version AFTER INSERT ON hearings BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearings_update_version AFTER UPDATE ON hearings BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearings_delete_version AFTER DELETE ON hearings BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_villages_insert_version AFTER INSERT ON hearing_villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_villages_update_version AFTER UPDATE ON hearing_villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_villages_delete_version AFTER DELETE ON hearing_villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_rsvps_insert_version AFTER INSERT ON hearing_rsvps BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_rsvps_update_version AFTER UPDATE ON hearing_rsvps BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER hearing_rsvps_delete_version AFTER DELETE ON hearing_rsvps BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER polls_insert_version AFTER INSERT ON polls BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER polls_update_version AFTER UPDATE ON polls BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER polls_delete_version AFTER DELETE ON polls BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_options_insert_version AFTER INSERT ON poll_options BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_options_update_version AFTER UPDATE ON poll_options BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_options_delete_version AFTER DELETE ON poll_options BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_villages_insert_version AFTER INSERT ON poll_villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_villages_update_version AFTER UPDATE ON poll_villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_villages_delete_version AFTER DELETE ON poll_villages BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_votes_insert_version AFTER INSERT ON poll_votes BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_votes_update_version AFTER UPDATE ON poll_votes BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_votes_delete_version AFTER DELETE ON poll_votes BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_paper_votes_insert_version AFTER INSERT ON poll_paper_votes BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_paper_votes_update_version AFTER UPDATE ON poll_paper_votes BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER poll_paper_votes_delete_version AFTER DELETE ON poll_paper_votes BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER broadcasts_insert_version AFTER INSERT ON broadcasts BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER broadcasts_update_version AFTER UPDATE ON broadcasts BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER broadcasts_delete_version AFTER DELETE ON broadcasts BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER broadcast_reach_insert_version AFTER INSERT ON broadcast_reach BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER broadcast_reach_update_version AFTER UPDATE ON broadcast_reach BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER broadcast_reach_delete_version AFTER DELETE ON broadcast_reach BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER people_insert_version AFTER INSERT ON people BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER people_update_version AFTER UPDATE ON people
WHEN OLD.village_code IS NOT NEW.village_code OR OLD.language IS NOT NEW.language
    OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
    OR OLD.blocked_at IS NOT NEW.blocked_at BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER people_delete_version AFTER DELETE ON people BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
-- An outbox is written (and, once compacted, deleted) between changes of its broadcast's row,
-- whose triggers raise the version: a row per recipient would cost 100,000 raises.
CREATE TRIGGER outbox_update_version AFTER UPDATE ON outbox
WHEN OLD.status IS NOT NEW.status OR OLD.person_id IS NOT NEW.person_id BEGIN
    UPDATE data_version SET n = n + 1 WHERE id = 1;
END;
