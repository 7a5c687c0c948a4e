-- Scheduled digests and weekly summaries: each delivery is claimed here before it is sent, so
-- that a restart, a catch-up run or a second worker never sends it twice. kind is 'digest'
-- (a staff member), 'summary' (a coordinator) or 'group' (the staff chat, one per village);
-- recipient is a Telegram id, or '<chat id>:<village code>' for the staff chat; slot is the
-- local date of the scheduled run.
CREATE TABLE report_deliveries (
    kind       TEXT NOT NULL CHECK (kind IN ('digest', 'summary', 'group')),
    recipient  TEXT NOT NULL,
    slot       TEXT NOT NULL,  -- local calendar date, YYYY-MM-DD
    week       TEXT NOT NULL,  -- the ISO week reported, YYYY-Www
    claimed_at TEXT NOT NULL,
    sent_at    TEXT,
    outcome    TEXT,           -- sent, failed (the recipient blocked the bot or never wrote)
    PRIMARY KEY (kind, recipient, slot)
) WITHOUT ROWID;

-- The forum topic of each village in the staff chat, created once and reused.
CREATE TABLE report_topics (
    chat_id      INTEGER NOT NULL,
    village_code TEXT NOT NULL REFERENCES villages(code),
    thread_id    INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (chat_id, village_code)
) WITHOUT ROWID;

-- Weekly aggregates: appeals and broadcasts by creation time; covering indexes so that the
-- per-village counts of residents and of overdue items read narrow index rows, not whole rows.
CREATE INDEX appeals_created ON appeals(created_at);
CREATE INDEX poll_votes_voted ON poll_votes(voted_at, village_code);
CREATE INDEX broadcasts_created ON broadcasts(created_at);
CREATE INDEX people_report ON people(village_code, language, created_at, deleted_at, blocked_at);
CREATE INDEX appeals_report ON appeals(due_on, kind, village_code, category, created_at);
CREATE INDEX appeal_events_answers ON appeal_events(appeal_id, action, created_at);
