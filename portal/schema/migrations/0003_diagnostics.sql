-- Diagnostics uploads: files from the clients' engineering menus, parsed
-- and redacted. The redacted events themselves live beside the original
-- files in the data directory (files/diagnostics/ID/), not in SQLite: a
-- large log has millions of lines, which a scan reads faster than an index
-- can be built for them.

CREATE TABLE diag_uploads (
    id           INTEGER PRIMARY KEY,
    uploader_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
    error        TEXT NOT NULL DEFAULT '',
    env          TEXT NOT NULL DEFAULT '{}',
    redactions   TEXT NOT NULL DEFAULT '[]',
    events       INTEGER NOT NULL DEFAULT 0,
    levels       TEXT NOT NULL DEFAULT '{}',
    crashes      INTEGER NOT NULL DEFAULT 0,
    findings     INTEGER NOT NULL DEFAULT 0,
    first_at     TEXT NOT NULL DEFAULT '',
    last_at      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    processed_at TEXT NOT NULL DEFAULT ''
);

CREATE INDEX diag_uploads_by_uploader ON diag_uploads (uploader_id, id);

-- The files of an upload as they arrived (an archive is one file here; its
-- members are listed in diag_parsed).
CREATE TABLE diag_originals (
    upload_id INTEGER NOT NULL REFERENCES diag_uploads (id) ON DELETE CASCADE,
    n         INTEGER NOT NULL,
    name      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    PRIMARY KEY (upload_id, n)
);

-- Every diagnostics file parsed out of an upload.
CREATE TABLE diag_parsed (
    upload_id INTEGER NOT NULL REFERENCES diag_uploads (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    format    TEXT NOT NULL,
    events    INTEGER NOT NULL,
    crashes   INTEGER NOT NULL,
    first_at  TEXT NOT NULL DEFAULT '',
    last_at   TEXT NOT NULL DEFAULT '',
    errors    TEXT NOT NULL DEFAULT '[]'
);

CREATE INDEX diag_parsed_by_upload ON diag_parsed (upload_id);

CREATE TABLE diag_findings (
    upload_id INTEGER NOT NULL REFERENCES diag_uploads (id) ON DELETE CASCADE,
    rule      TEXT NOT NULL,
    severity  INTEGER NOT NULL,
    article   TEXT NOT NULL,
    title     TEXT NOT NULL,
    detail    TEXT NOT NULL,
    count     INTEGER NOT NULL,
    first_at  TEXT NOT NULL DEFAULT '',
    last_at   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX diag_findings_by_upload ON diag_findings (upload_id);

CREATE TABLE diag_crash_groups (
    upload_id   INTEGER NOT NULL REFERENCES diag_uploads (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    kind        TEXT NOT NULL,
    type        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    frames      TEXT NOT NULL DEFAULT '[]',
    count       INTEGER NOT NULL,
    first_at    TEXT NOT NULL DEFAULT '',
    last_at     TEXT NOT NULL DEFAULT '',
    file        TEXT NOT NULL,
    PRIMARY KEY (upload_id, fingerprint)
);

-- Events per minute and level, for the timeline chart.
CREATE TABLE diag_timeline (
    upload_id INTEGER NOT NULL REFERENCES diag_uploads (id) ON DELETE CASCADE,
    minute    TEXT NOT NULL,
    level     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (upload_id, minute, level)
);
