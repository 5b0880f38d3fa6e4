-- What support staff have not read yet: the requester's last activity on a
-- ticket (filing it, or a public reply) against when each staff member last
-- opened the ticket's page.
ALTER TABLE tickets ADD COLUMN requester_at TEXT NOT NULL DEFAULT '';

UPDATE tickets SET requester_at = max(created_at, coalesce((SELECT max(p.created_at) FROM ticket_posts p
    WHERE p.ticket_id = tickets.id AND p.kind = 'reply' AND p.author_id = tickets.requester_id), ''));

CREATE TABLE ticket_reads (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
) WITHOUT ROWID;

CREATE INDEX ticket_reads_by_user ON ticket_reads (user_id);
CREATE INDEX tickets_by_requester_activity ON tickets (assignee_id, requester_at);
