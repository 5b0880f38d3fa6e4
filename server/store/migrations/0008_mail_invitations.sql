-- Outgoing mail and invitations to the support portal.

-- Every message Parley sends is recorded here first, then delivered in the
-- background. Without an SMTP server a message stays 'not_sent' and an
-- administrator reads it on the outbox page (/admin/mail).
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT NOT NULL,          -- the Message-ID header, kept across retries
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,          -- plain text; may hold secrets (invitation links)
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'not_sent')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL DEFAULT '',
    sent_at         TEXT
);

CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);

-- An administrator invites a person by e-mail; the link sets their password.
-- Only a hash of the link's token is stored.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL COLLATE NOCASE,
    role        TEXT NOT NULL CHECK (role IN ('user', 'support')),
    name        TEXT NOT NULL DEFAULT '',
    token_hash  BLOB NOT NULL UNIQUE,
    invited_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at  TEXT
);

-- At most one open invitation per address: inviting again replaces it.
CREATE UNIQUE INDEX invitations_open_by_email ON invitations (email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_by_created ON invitations (created_at);
