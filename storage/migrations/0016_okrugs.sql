-- The rural okrug (ауылдық округ / сельский округ) between district and village: since 2020 it
-- has its own budget and akim, and its akimat serves all its villages. A village of district
-- significance, or a town, has none (okrug_code NULL). Roles and invites may now cover an okrug.
CREATE TABLE okrugs (
    code          TEXT PRIMARY KEY,
    district_code TEXT NOT NULL REFERENCES districts(code),
    name_kk       TEXT NOT NULL,
    name_ru       TEXT NOT NULL,
    name_en       TEXT NOT NULL
);
CREATE INDEX okrugs_district ON okrugs(district_code);

ALTER TABLE villages ADD COLUMN okrug_code TEXT REFERENCES okrugs(code);
CREATE INDEX villages_okrug ON villages(okrug_code) WHERE okrug_code IS NOT NULL;

-- SQLite cannot change a CHECK constraint: both tables are rebuilt with every row kept.
CREATE TABLE role_grants_okrug (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('staff', 'coordinator', 'admin')),
    scope_kind  TEXT NOT NULL
                CHECK (scope_kind IN ('all', 'region', 'district', 'okrug', 'village')),
    scope_code  TEXT NOT NULL DEFAULT '',
    granted_at  TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    UNIQUE (telegram_id, role, scope_kind, scope_code)
);
INSERT INTO role_grants_okrug (id, telegram_id, role, scope_kind, scope_code, granted_at,
                               granted_by)
SELECT id, telegram_id, role, scope_kind, scope_code, granted_at, granted_by FROM role_grants;
DROP TABLE role_grants;
ALTER TABLE role_grants_okrug RENAME TO role_grants;

CREATE TABLE invites_okrug (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT UNIQUE,  -- NULL for invites made before tokens were hashed
    role        TEXT NOT NULL CHECK (role IN ('staff', 'coordinator')),
    scope_kind  TEXT NOT NULL
                CHECK (scope_kind IN ('all', 'region', 'district', 'okrug', 'village')),
    scope_code  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT,
    revoked_at  TEXT
);
INSERT INTO invites_okrug (id, token_hash, role, scope_kind, scope_code, created_at, expires_at,
                           used_by, used_at, revoked_at)
SELECT id, token_hash, role, scope_kind, scope_code, created_at, expires_at, used_by, used_at,
       revoked_at
FROM invites;
DROP TABLE invites;
ALTER TABLE invites_okrug RENAME TO invites;
