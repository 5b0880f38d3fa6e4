-- Per-upload summaries for the network view (HAR) and the call view
-- (WebRTC dumps), computed while parsing.
ALTER TABLE diag_uploads ADD COLUMN network TEXT NOT NULL DEFAULT '{}';
ALTER TABLE diag_uploads ADD COLUMN calls TEXT NOT NULL DEFAULT '{}';
