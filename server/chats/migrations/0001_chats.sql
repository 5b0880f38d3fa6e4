-- The messenger: chats, their members, messages and the numbered event log
-- that realtime delivery replays. Times in these high-volume tables are
-- Unix milliseconds (UTC): a message row is written thousands of times a
-- second and sorted by time, and an integer is a quarter of the text form.

CREATE TABLE chats (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE CHECK (length(uid) = 36),
    kind         TEXT NOT NULL CHECK (kind IN ('personal', 'group', 'channel', 'saved', 'discussion', 'global')),
    name         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    avatar_file  TEXT,
    open         INTEGER NOT NULL DEFAULT 0,
    e2e          INTEGER NOT NULL DEFAULT 0,
    confidential INTEGER NOT NULL DEFAULT 0,
    discussions  INTEGER NOT NULL DEFAULT 0, -- comments on posts switched on
    -- A discussion hangs off one message of a group or channel.
    parent_chat    INTEGER REFERENCES chats (id),
    parent_message INTEGER,
    -- One personal chat per pair ("p:LOW:HIGH"), one Saved Messages per user
    -- ("s:USER"), one global chat ("global").
    unique_key   TEXT UNIQUE,
    invite_code  TEXT UNIQUE,
    created_by   INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    members      INTEGER NOT NULL DEFAULT 0,
    last_message INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX chats_discussion ON chats (parent_chat, parent_message) WHERE parent_message IS NOT NULL;
CREATE INDEX chats_catalog ON chats (open) WHERE open = 1;

CREATE TABLE chat_members (
    chat_id        INTEGER NOT NULL REFERENCES chats (id),
    user_id        INTEGER NOT NULL REFERENCES users (id),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    joined_at      INTEGER NOT NULL,
    -- The event log position when the user joined: replays never show what
    -- happened in the chat before.
    joined_seq     INTEGER NOT NULL DEFAULT 0,
    -- Watermarks, not a row per message and reader: a chat has up to 8,000
    -- members. read_marks keeps when each watermark moved.
    read_upto      INTEGER NOT NULL DEFAULT 0,
    delivered_upto INTEGER NOT NULL DEFAULT 0,
    -- The member's own view of the chat.
    muted          INTEGER NOT NULL DEFAULT 0,
    pinned         INTEGER NOT NULL DEFAULT 0,
    hidden         INTEGER NOT NULL DEFAULT 0, -- removed from their own list
    notify         INTEGER NOT NULL DEFAULT 1,
    labels         TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

CREATE INDEX chat_members_by_user ON chat_members (user_id, chat_id);
-- A new message brings a chat back to the lists it was hidden from: found
-- without reading all 8,000 members of a big chat.
CREATE INDEX chat_members_hidden ON chat_members (chat_id) WHERE hidden = 1;

CREATE TABLE read_marks (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('read', 'delivered')),
    upto    INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id, kind, upto)
) WITHOUT ROWID;

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL REFERENCES chats (id),
    sender_id   INTEGER REFERENCES users (id), -- NULL for a system message
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'system')),
    sync_id     TEXT,
    body        TEXT NOT NULL DEFAULT '',
    html        TEXT NOT NULL DEFAULT '', -- body rendered once, at save
    system      TEXT, -- JSON describing a system message
    reply_to    INTEGER,
    forwarded   TEXT, -- JSON: where a forwarded message came from
    file_id     TEXT,
    mentions    TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    edited_at   INTEGER,
    deleted_at  INTEGER
);

CREATE INDEX messages_by_chat ON messages (chat_id, id);
CREATE UNIQUE INDEX messages_sync ON messages (sender_id, sync_id) WHERE sync_id IS NOT NULL;

CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    emoji      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
) WITHOUT ROWID;

CREATE TABLE pins (
    chat_id    INTEGER NOT NULL REFERENCES chats (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    pinned_by  INTEGER NOT NULL REFERENCES users (id),
    pinned_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;

-- Search: stemmed Russian and English terms of each message, written in the
-- message's own transaction so the index never misses or repeats one. chat
-- holds one token, "c" and the chat's id, so a search intersects the words'
-- lists with the searcher's chats inside the index instead of walking every
-- message that has a common word.
CREATE VIRTUAL TABLE message_terms USING fts5 (terms, chat, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

-- Numbered events, committed with the change they report, which the
-- realtime hub delivers and replays (?since=SEQ). seq is one counter for the
-- server; each user sees the events of their chats and their own, in seq
-- order (the gaps are other people's events). The log lives with the chats
-- because who receives an event is a question of chat membership.
--   audience: all      every member of chat_id gets payload
--             split    admins get payload, other members sub_payload (channels)
--             admins   only chat_id's admins
--             user     only user_id
--             everyone every user (the global chat)
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    audience    TEXT NOT NULL CHECK (audience IN ('all', 'split', 'admins', 'user', 'everyone')),
    chat_id     INTEGER,
    user_id     INTEGER,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    sub_payload TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX events_by_chat ON events (chat_id, seq) WHERE chat_id IS NOT NULL;
CREATE INDEX events_by_user ON events (user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX events_everyone ON events (seq) WHERE audience = 'everyone';

-- Events older than the retention are deleted; a client resuming from before
-- purged_upto is told to resync.
CREATE TABLE event_log (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    purged_upto INTEGER NOT NULL
);
INSERT INTO event_log (id, purged_upto) VALUES (1, 0);

-- Messenger settings an administrator switches (JSON under /api/v1/admin/).
CREATE TABLE messenger_settings (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value TEXT NOT NULL
);

-- Who may post in the global chat.
CREATE TABLE global_posters (
    user_id INTEGER PRIMARY KEY REFERENCES users (id)
);
