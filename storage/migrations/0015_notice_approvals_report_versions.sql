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
