-- Server settings an administrator changes at run time, as text values
-- keyed by a dotted name (diagnostics.retention_days, …).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
