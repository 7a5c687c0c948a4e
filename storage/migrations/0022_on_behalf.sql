-- Residents without Telegram (issue 18 item 4): staff enter their complaints and suggestions,
-- and hearing attendance and "I will come", on their behalf, with the channel it came by and
-- who entered it when.

-- An item filed by staff for a named resident. The item belongs to a placeholder row of
-- people (no Telegram id, no name, no village: counted as nobody) until the resident joins and
-- shares the same phone; then it moves to them (claimed_by) and the name and phone go.
CREATE TABLE appeal_behalf (
    appeal_id   INTEGER PRIMARY KEY REFERENCES appeals(id),
    channel     TEXT NOT NULL CHECK (channel IN ('phone', 'visit', 'meeting', 'paper')),
    name        TEXT,            -- the resident's name as staff typed it; NULL once erased
    phone       TEXT,            -- E.164, shown to staff of the item's village; NULL once erased
    phone_hash  TEXT,            -- keyed hash of it (bot/identity.py), to find the resident
    entered_by  INTEGER NOT NULL, -- staff, by Telegram id
    entered_at  TEXT NOT NULL,
    claimed_by  INTEGER REFERENCES people(id),  -- the resident who shared that phone
    claimed_at  TEXT,
    erased_at   TEXT             -- staff erased the name, phone and words
);
CREATE INDEX appeal_behalf_phone ON appeal_behalf(phone_hash) WHERE claimed_at IS NULL;

-- Hearing attendance and "I will come" of residents without Telegram: a count, or one named
-- person, of one village of the hearing, with the channel and who entered it when.
CREATE TABLE hearing_behalf (
    id           INTEGER PRIMARY KEY,
    hearing_id   INTEGER NOT NULL REFERENCES hearings(id) ON DELETE CASCADE,
    village_code TEXT NOT NULL REFERENCES villages(code),
    kind         TEXT NOT NULL CHECK (kind IN ('coming', 'attended')),
    people       INTEGER NOT NULL CHECK (people BETWEEN 1 AND 100000),
    name         TEXT,           -- a named attendee (people = 1); NULL for a count or once erased
    channel      TEXT NOT NULL CHECK (channel IN ('phone', 'visit', 'meeting', 'paper')),
    entered_by   INTEGER NOT NULL,
    entered_at   TEXT NOT NULL,
    CHECK (name IS NULL OR people = 1)
);
CREATE INDEX hearing_behalf_hearing ON hearing_behalf(hearing_id, kind);
