-- "Remind me about this message": at its time the message comes back in the
-- user's Saved Messages.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    chat_id    INTEGER NOT NULL REFERENCES chats (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    due_at     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    fired_at   INTEGER
);

CREATE INDEX reminders_due ON reminders (due_at) WHERE fired_at IS NULL;
CREATE INDEX reminders_by_user ON reminders (user_id, due_at);
