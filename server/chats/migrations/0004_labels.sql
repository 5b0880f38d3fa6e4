-- A user's own labels on chats ("work", "family"), each with its own
-- notification setting: muting a label mutes every chat that carries it.
CREATE TABLE chat_labels (
    user_id INTEGER NOT NULL REFERENCES users (id),
    label   TEXT NOT NULL COLLATE NOCASE,
    notify  INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, label)
) WITHOUT ROWID;
