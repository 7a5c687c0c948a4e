-- Complaints, suggestions and questions before a hearing (шағым / жалоба, ұсыныс / предложение).
-- village_code is where the resident lives; handler_village_code and level say whose staff work
-- the item now (a forward changes them): level 'district' is for district-level staff only.
CREATE TABLE appeals (
    id                   INTEGER PRIMARY KEY,
    year                 INTEGER NOT NULL,
    seq                  INTEGER NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion', 'question')),
    person_id            INTEGER NOT NULL REFERENCES people(id),
    village_code         TEXT NOT NULL REFERENCES villages(code),
    handler_village_code TEXT NOT NULL REFERENCES villages(code),
    level                TEXT NOT NULL DEFAULT 'village' CHECK (level IN ('village', 'district')),
    category             TEXT NOT NULL,
    text                 TEXT NOT NULL,
    text_key             TEXT NOT NULL,
    language             TEXT NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
    hide_name            INTEGER NOT NULL DEFAULT 0,
    voice_file_id        TEXT,
    latitude             REAL,
    longitude            REAL,
    hearing_id           INTEGER REFERENCES hearings(id),
    status               TEXT NOT NULL DEFAULT 'new'
                         CHECK (status IN ('new', 'in_progress', 'answered', 'resolved', 'rejected')),
    confirm_pending      INTEGER NOT NULL DEFAULT 0,
    due_on               TEXT NOT NULL,  -- local calendar date, YYYY-MM-DD
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX appeals_handler ON appeals(handler_village_code, status);
CREATE INDEX appeals_person ON appeals(person_id, created_at);
CREATE INDEX appeals_open_due ON appeals(due_on) WHERE status IN ('new', 'in_progress');
CREATE INDEX appeals_hearing ON appeals(hearing_id) WHERE hearing_id IS NOT NULL;

-- Per-year numbering (#2026-00042), allocated in the transaction that stores the appeal.
CREATE TABLE appeal_sequences (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- Photos sent along, kept as Telegram file ids.
CREATE TABLE appeal_photos (
    appeal_id INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    file_id   TEXT NOT NULL,
    PRIMARY KEY (appeal_id, position)
) WITHOUT ROWID;

-- The history of an item: who (Telegram id of the staff member; NULL for the resident or the
-- system) did what and when, with the text they wrote.
CREATE TABLE appeal_events (
    id          INTEGER PRIMARY KEY,
    appeal_id   INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    actor_id    INTEGER,
    note        TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX appeal_events_appeal ON appeal_events(appeal_id, id);

-- Deadline notices claimed before they are sent: one per item, kind and due date, never twice.
CREATE TABLE appeal_notices (
    appeal_id  INTEGER NOT NULL REFERENCES appeals(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    due_on     TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (appeal_id, kind, due_on)
) WITHOUT ROWID;
