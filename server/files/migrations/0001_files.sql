-- The one file store: what each stored object is. The bytes live on disk
-- under DATA/files/store/, named by id; a removed file keeps its row (with
-- removed_at set) so a link to it answers "this file is unavailable".
CREATE TABLE files (
    id         TEXT PRIMARY KEY CHECK (length(id) = 32),
    owner      TEXT NOT NULL,
    name       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size > 0),
    sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at TEXT NOT NULL,
    removed_at TEXT
);

CREATE INDEX files_owner ON files (owner, created_at);
