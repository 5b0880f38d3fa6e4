-- Support tickets: client support (free, no SLA), technical support (under a
-- service contract, with SLA clocks) and feature requests. The Jira side of a
-- ticket (outbox, key, sync state) lives in the jira_* tables.

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('client', 'technical', 'feature')),
    status             TEXT NOT NULL CHECK (status IN ('new', 'open', 'waiting', 'planned', 'in_sprint', 'done', 'rejected')),
    priority           TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    subject            TEXT NOT NULL,
    body               TEXT NOT NULL,
    -- A feature request's answers (what, where, platform, frequency, priority) as a JSON object.
    fields             TEXT NOT NULL DEFAULT '{}',
    requester_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assignee_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    plus_ones          INTEGER NOT NULL DEFAULT 0,
    jira_key           TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    -- SLA clocks (technical support only; empty otherwise). Times are
    -- store.TimeLayout, fixed width, so they compare as text.
    first_response_due TEXT NOT NULL DEFAULT '',
    resolution_due     TEXT NOT NULL DEFAULT '',
    first_response_at  TEXT NOT NULL DEFAULT '',
    resolved_at        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX tickets_by_requester ON tickets (requester_id, id);
CREATE INDEX tickets_by_status ON tickets (status, updated_at);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, status);

-- The thread of a ticket: public replies, internal notes (staff only) and
-- events (status changes, assignment, links), oldest first.
CREATE TABLE ticket_posts (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('reply', 'note', 'event')),
    -- Text for replies and notes; a JSON object {"code":…, …} for events,
    -- rendered in the reader's language.
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX ticket_posts_by_ticket ON ticket_posts (ticket_id, id);

-- Files attached to a ticket, stored under DATA/files/tickets/TICKET/ID.
CREATE TABLE ticket_attachments (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    post_id     INTEGER REFERENCES ticket_posts (id) ON DELETE SET NULL,
    uploader_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    internal    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE INDEX ticket_attachments_by_ticket ON ticket_attachments (ticket_id, id);

-- Diagnostics uploads linked to a ticket (their triage pages).
CREATE TABLE ticket_uploads (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    upload_id INTEGER NOT NULL REFERENCES diag_uploads (id) ON DELETE CASCADE,
    linked_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, upload_id)
);

CREATE INDEX ticket_uploads_by_upload ON ticket_uploads (upload_id);

-- People who joined a ticket with "+1" instead of filing a duplicate.
CREATE TABLE ticket_followers (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);

CREATE INDEX ticket_followers_by_user ON ticket_followers (user_id);

-- Full-text index of subjects and bodies, for deflection ("is this already
-- asked?") and the queue's search box.
CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    subject, body,
    content = 'tickets', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject, body) VALUES (NEW.id, NEW.subject, NEW.body);
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, body) VALUES ('delete', OLD.id, OLD.subject, OLD.body);
END;

CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, body ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, body) VALUES ('delete', OLD.id, OLD.subject, OLD.body);
    INSERT INTO tickets_fts (rowid, subject, body) VALUES (NEW.id, NEW.subject, NEW.body);
END;
