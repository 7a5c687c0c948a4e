-- One person, one vote, in their own village (issue 13, part A).
-- person_key: HMAC-SHA256 of the Telegram user id under a secret kept outside the database
-- (bot/identity.py). /deletedata blanks the id and the name but keeps the key: the same account
-- coming back gets its row again, with its votes, answers and limits. Rows made before this
-- migration get their key at the person's next contact.
ALTER TABLE people ADD COLUMN person_key TEXT;
CREATE UNIQUE INDEX people_person_key ON people(person_key);
-- When the person last moved from one village to another (NULL: never moved). A first choice
-- is not a move. At most one move per VILLAGE_CHANGE_DAYS, unless staff confirm it; a resident
-- who moved after a poll opened does not vote in it.
ALTER TABLE people ADD COLUMN village_moved_at TEXT;

-- A move asked of the staff of the new village (one pending per person).
CREATE TABLE village_moves (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    from_village TEXT REFERENCES villages(code),
    to_village   TEXT NOT NULL REFERENCES villages(code),
    created_at   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn')),
    decided_by   INTEGER,  -- Telegram id of the staff member
    decided_at   TEXT
);
CREATE UNIQUE INDEX village_moves_pending ON village_moves(person_id) WHERE status = 'pending';

-- Deadline extensions are bounded (MAX_EXTENSIONS, MAX_EXTENSION_WORKDAYS): how many an item had,
-- and the working days they added. Items extended before count their extensions (days unknown).
ALTER TABLE appeals ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appeals ADD COLUMN extended_days INTEGER NOT NULL DEFAULT 0;
UPDATE appeals SET extensions = (
    SELECT COUNT(*) FROM appeal_events e WHERE e.appeal_id = appeals.id AND e.action = 'extended'
);

-- The resident erased their data: the text is blanked, photos, voice and location removed;
-- category, dates, statuses and the akimat's answers stay.
ALTER TABLE appeals ADD COLUMN redacted_at TEXT;

-- The fingerprint of the identity secret the keys were made with (a keyed hash of a constant):
-- a start with another secret (the file lost, a database restored elsewhere) is refused, since
-- every key would change and everyone could vote again in open polls.
CREATE TABLE identity_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
