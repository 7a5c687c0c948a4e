-- Invite tokens are kept as SHA-256 hashes (hex), never in clear: a copy of the database does
-- not hand out staff roles. An invite can be revoked, and is listed by its id.
-- SQLite cannot hash, so links printed before this migration can no longer be used: their rows
-- stay (with no hash) for the record, the unused ones marked revoked now. Print new links with
-- `qatysu invite`.
CREATE TABLE invites_hashed (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT UNIQUE,  -- NULL for invites made before tokens were hashed
    role        TEXT NOT NULL CHECK (role IN ('staff', 'coordinator')),
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('all', 'region', 'district', 'village')),
    scope_code  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT,
    revoked_at  TEXT
);
INSERT INTO invites_hashed (role, scope_kind, scope_code, created_at, expires_at, used_by,
                            used_at, revoked_at)
SELECT role, scope_kind, scope_code, created_at, expires_at, used_by, used_at,
       CASE WHEN used_by IS NULL THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') END
FROM invites ORDER BY created_at, token;
DROP TABLE invites;
ALTER TABLE invites_hashed RENAME TO invites;
