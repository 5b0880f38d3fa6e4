-- Ticket attachments and diagnostics originals move into the one file store
-- (server/files, table files). file_id is set as each file is stored there;
-- rows of files still in their old places (DATA/files/tickets/<ticket>/<id>,
-- DATA/files/diagnostics/<upload>/original/<n>) have none until the move at
-- start has copied them.
ALTER TABLE ticket_attachments ADD COLUMN file_id TEXT REFERENCES files (id);
ALTER TABLE diag_originals ADD COLUMN file_id TEXT REFERENCES files (id);

-- Whether an original is kept redacted (originals_redact.go); it was a
-- marker file in the upload's folder before.
ALTER TABLE diag_originals ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;
