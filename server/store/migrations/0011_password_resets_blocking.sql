-- Forgotten passwords, blocked accounts and session end reasons as codes.

-- An administrator blocks an account from the command line (later the admin
-- panel): it cannot sign in and its sessions end at once.
ALTER TABLE users ADD COLUMN blocked_at TEXT;

-- "Forgot password?": a one-time link by mail. Only a hash of the link's
-- token is stored; a link works once, for an hour, and stops working when
-- the password changes in any other way.
CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Reset requests, by e-mail and by client address, counted over a window
-- to bound the mail anyone can make Parley send.
CREATE TABLE password_reset_requests (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);

CREATE INDEX password_reset_requests_by_key ON password_reset_requests (key, at);

-- End reasons were stored as English sentences; pages now word them in the
-- reader's language from a code.
UPDATE sessions SET end_reason = CASE end_reason
    WHEN 'signed out' THEN 'signed_out'
    WHEN 'ended from another session' THEN 'ended_remotely'
    WHEN 'password changed' THEN 'password_changed'
    WHEN 'unused for too long' THEN 'idle'
    ELSE end_reason END
WHERE end_reason <> '';
