-- The error groups of an upload (errors that are the same error once their
-- numbers, ids and URLs are set aside), computed while parsing and shown on
-- its triage page: JSON, the most frequent first.
ALTER TABLE diag_uploads ADD COLUMN error_groups TEXT NOT NULL DEFAULT '{}';
