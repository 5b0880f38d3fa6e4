-- Accounts shared by every Parley feature: people, bots and their sessions.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    -- HUID: lower-case UUID, assigned once and never changed (see trigger below).
    huid                 TEXT NOT NULL UNIQUE CHECK (length(huid) = 36 AND huid = lower(huid)),
    kind                 TEXT NOT NULL CHECK (kind IN ('cts_user', 'unregistered', 'botx')),
    role                 TEXT NOT NULL CHECK (role IN ('user', 'support', 'admin')),
    login                TEXT UNIQUE COLLATE NOCASE,
    email                TEXT UNIQUE COLLATE NOCASE,
    password_hash        TEXT NOT NULL DEFAULT '',
    must_change_password INTEGER NOT NULL DEFAULT 0,
    name                 TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    company              TEXT NOT NULL DEFAULT '',
    department           TEXT NOT NULL DEFAULT '',
    position             TEXT NOT NULL DEFAULT '',
    manager              TEXT NOT NULL DEFAULT '',
    office               TEXT NOT NULL DEFAULT '',
    ad_login             TEXT NOT NULL DEFAULT '',
    ad_domain            TEXT NOT NULL DEFAULT '',
    tags                 TEXT NOT NULL DEFAULT '[]',
    lang                 TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CHECK (login IS NOT NULL OR email IS NOT NULL)
);

CREATE TRIGGER users_huid_never_changes
BEFORE UPDATE OF huid ON users
WHEN NEW.huid <> OLD.huid
BEGIN
    SELECT RAISE(ABORT, 'a HUID never changes');
END;

-- One row per sign-in ("activation"). Ended sessions stay for the history an
-- administrator reads; only ended_at tells them apart.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB NOT NULL UNIQUE,
    udid         TEXT NOT NULL,
    platform     TEXT NOT NULL DEFAULT '',
    app_version  TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    timezone     TEXT NOT NULL DEFAULT '',
    device_meta  TEXT NOT NULL DEFAULT '{}',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at     TEXT,
    end_reason   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

-- Failed sign-in counters, by login and by client address.
CREATE TABLE signin_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     TEXT NOT NULL,
    locked_until TEXT NOT NULL DEFAULT ''
);
