-- Territory: region -> district -> village, each with a stable code and names in kk/ru/en.
CREATE TABLE regions (
    code     TEXT PRIMARY KEY,
    name_kk  TEXT NOT NULL,
    name_ru  TEXT NOT NULL,
    name_en  TEXT NOT NULL
);

CREATE TABLE districts (
    code        TEXT PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    name_en     TEXT NOT NULL
);
CREATE INDEX districts_region ON districts(region_code);

CREATE TABLE villages (
    code          TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES districts(code),
    name_kk       TEXT NOT NULL,
    name_ru       TEXT NOT NULL,
    name_en       TEXT NOT NULL
);
CREATE INDEX villages_district ON villages(district_code);

-- People who wrote to the bot. telegram_id and first_name are the personal data; a deleted
-- person keeps the row (telegram_id NULL, deleted_at set) so that aggregates stay correct.
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    telegram_id  INTEGER UNIQUE,
    first_name   TEXT,
    language     TEXT CHECK (language IN ('kk', 'ru', 'en')),
    village_code TEXT REFERENCES villages(code),
    created_at   TEXT NOT NULL,
    village_set_at TEXT,
    deleted_at   TEXT
);
CREATE INDEX people_village ON people(village_code) WHERE deleted_at IS NULL;

-- Roles beyond "resident", keyed by Telegram id so that a role can be granted before the
-- person first writes to the bot. scope_kind 'all' has scope_code ''.
CREATE TABLE role_grants (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('staff', 'coordinator', 'admin')),
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('all', 'region', 'district', 'village')),
    scope_code  TEXT NOT NULL DEFAULT '',
    granted_at  TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    UNIQUE (telegram_id, role, scope_kind, scope_code)
);

-- One-time deep links that grant a role when opened.
CREATE TABLE invites (
    token       TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('staff', 'coordinator')),
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('all', 'region', 'district', 'village')),
    scope_code  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

-- ConversationHandler states (telegram.ext.BasePersistence on SQLite, no pickle files).
CREATE TABLE conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

-- Update ids already handled: an update delivered twice has one effect.
CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL
);

-- Work in progress of a dialog (a complaint being written, a hearing being announced), so that a
-- restart in the middle of a dialog loses nothing. One draft per person and dialog.
CREATE TABLE drafts (
    telegram_id INTEGER NOT NULL,
    dialog      TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (telegram_id, dialog)
);
