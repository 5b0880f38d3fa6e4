-- Files attached in chats. The bytes and their metadata live in the one file
-- store (files); this says which chat a file was sent or forwarded to, which
-- is what decides who may download it.
CREATE TABLE chat_files (
    chat_id     INTEGER NOT NULL REFERENCES chats (id),
    file_id     TEXT NOT NULL REFERENCES files (id),
    uploader_id INTEGER NOT NULL REFERENCES users (id),
    as_file     INTEGER NOT NULL DEFAULT 0, -- an image sent "as a file", uncompressed
    width       INTEGER,
    height      INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, file_id)
) WITHOUT ROWID;
