-- A resident who blocked the bot gets no more messages until they write again.
ALTER TABLE people ADD COLUMN blocked_at TEXT;

-- Public hearings (қоғамдық тыңдау / публичные слушания) announced by staff.
CREATE TABLE hearings (
    id          INTEGER PRIMARY KEY,
    topic       TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    place       TEXT NOT NULL,
    latitude    REAL,
    longitude   REAL,
    agenda      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'cancelled', 'held')),
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    attendance  INTEGER,
    decisions   TEXT,
    concluded_at TEXT
);
CREATE INDEX hearings_starts ON hearings(starts_at);

CREATE TABLE hearing_villages (
    hearing_id   INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL REFERENCES villages(code),
    PRIMARY KEY (hearing_id, village_code)
) WITHOUT ROWID;
CREATE INDEX hearing_villages_village ON hearing_villages(village_code);

-- A hearing with its villages as a JSON array, as the repository reads it.
CREATE VIEW hearing_rows AS
SELECT h.*, (SELECT json_group_array(village_code) FROM hearing_villages v
             WHERE v.hearing_id = h.id) AS villages
FROM hearings h;

-- "I will come" (Қатысамын / Приду).
CREATE TABLE hearing_rsvps (
    hearing_id INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (hearing_id, person_id)
) WITHOUT ROWID;

-- A reminder is claimed here before it is sent, so it never goes out twice.
CREATE TABLE hearing_reminders (
    hearing_id     INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
    offset_minutes INTEGER NOT NULL,
    claimed_at     TEXT NOT NULL,
    PRIMARY KEY (hearing_id, offset_minutes)
) WITHOUT ROWID;

-- The broadcast engine: one row per message to many, one outbox row per recipient.
CREATE TABLE broadcasts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref_id       INTEGER,
    created_by   INTEGER NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'sending'
                 CHECK (status IN ('sending', 'done', 'cancelled')),
    report_chat_id    INTEGER,
    report_language   TEXT,
    report_message_id INTEGER,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);

CREATE TABLE outbox (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sent', 'blocked', 'failed', 'skipped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  TEXT,  -- a worker claimed this row until then
    updated_at   TEXT,
    PRIMARY KEY (broadcast_id, person_id)
) WITHOUT ROWID;
CREATE INDEX outbox_pending ON outbox(broadcast_id, status);
