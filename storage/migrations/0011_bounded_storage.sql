-- A broadcast's outbox is written in chunks, so that other writes go in between. Until the
-- whole outbox is written, `audience` holds who it is for (JSON: villages and people) and the
-- engine does not see the broadcast; a crash meanwhile leaves it there, to be finished at start.
ALTER TABLE broadcasts ADD COLUMN audience TEXT;

-- A finished broadcast's outbox rows are deleted after a retention period: its counts stay
-- here (set when `compacted_at` is), and its reach per village in `broadcast_reach`.
ALTER TABLE broadcasts ADD COLUMN compacted_at TEXT;
ALTER TABLE broadcasts ADD COLUMN total INTEGER;
ALTER TABLE broadcasts ADD COLUMN sent INTEGER;
ALTER TABLE broadcasts ADD COLUMN blocked INTEGER;
ALTER TABLE broadcasts ADD COLUMN failed INTEGER;
ALTER TABLE broadcasts ADD COLUMN skipped INTEGER;
ALTER TABLE broadcasts ADD COLUMN text_only INTEGER;
CREATE INDEX broadcasts_finished ON broadcasts(finished_at) WHERE compacted_at IS NULL;

-- Per village of its recipients (as they lived when it was compacted): outbox rows, and of
-- them delivered. The weekly reports read this for compacted broadcasts.
CREATE TABLE broadcast_reach (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL,
    messages     INTEGER NOT NULL,
    delivered    INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, village_code)
) WITHOUT ROWID;

-- When a dialog's state last changed: dialogs abandoned longer than DIALOG_TIMEOUT_HOURS are
-- forgotten. Dialogs open now count from this upgrade.
ALTER TABLE conversations ADD COLUMN updated_at TEXT;
UPDATE conversations SET updated_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now');
-- A writer that does not set it (a state stored with other writes) still marks the change.
CREATE TRIGGER conversations_inserted AFTER INSERT ON conversations
WHEN NEW.updated_at IS NULL BEGIN
    UPDATE conversations SET updated_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
    WHERE name = NEW.name AND key = NEW.key;
END;
CREATE TRIGGER conversations_changed AFTER UPDATE OF state ON conversations
WHEN NEW.updated_at IS OLD.updated_at AND NEW.state IS NOT OLD.state BEGIN
    UPDATE conversations SET updated_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
    WHERE name = NEW.name AND key = NEW.key;
END;
