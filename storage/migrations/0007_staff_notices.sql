-- The outbox of notices to staff about items: new (or forwarded to them) and reopened. A
-- resident's Send only adds rows here; a background sender tells each staff member, merging
-- what arrived for them within a few seconds into one message, and records the outcome. Rows
-- without sent_at are pending: after a restart they are sent.
CREATE TABLE staff_notices (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER NOT NULL,  -- the staff member
    appeal_id    INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
    event        TEXT NOT NULL CHECK (event IN ('new', 'reopened')),
    village_code TEXT NOT NULL REFERENCES villages(code),  -- whose staff work the item now
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    outcome      TEXT CHECK (outcome IN ('sent', 'blocked', 'failed'))
);
CREATE INDEX staff_notices_pending ON staff_notices(telegram_id, id) WHERE sent_at IS NULL;
CREATE INDEX staff_notices_sent ON staff_notices(sent_at) WHERE sent_at IS NOT NULL;
