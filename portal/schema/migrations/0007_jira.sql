-- The Jira side of support tickets (package portal/jira). The tickets
-- themselves live in the tickets table; these tables refer to them by id
-- only, so the Jira link can be tested and reasoned about on its own.

-- One row per ticket that is, or is becoming, a Jira issue.
CREATE TABLE jira_links (
    ticket_id       INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    base_url        TEXT NOT NULL DEFAULT '',
    issue_key       TEXT NOT NULL DEFAULT '',
    issue_id        TEXT NOT NULL DEFAULT '',
    -- OnLinked has been told about issue_key.
    announced       INTEGER NOT NULL DEFAULT 0,
    -- What the requester sees (planned, in_sprint, rejected, done) and the
    -- Jira facts it was made from.
    status          TEXT NOT NULL DEFAULT '',
    jira_status     TEXT NOT NULL DEFAULT '',
    status_category TEXT NOT NULL DEFAULT '',
    resolution      TEXT NOT NULL DEFAULT '',
    sprint          TEXT NOT NULL DEFAULT '',
    sprint_active   INTEGER NOT NULL DEFAULT 0,
    -- Jira's own time of the last change applied (webhook timestamp or the
    -- issue's "updated"), in milliseconds, so an older webhook arriving late
    -- does not undo a newer state.
    status_at_ms    INTEGER NOT NULL DEFAULT 0,
    -- The issue was deleted in Jira; staff may escalate again.
    failed          INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX jira_links_by_key ON jira_links (issue_key) WHERE issue_key != '';

-- The outbox: every call to Jira is a row here first, committed together
-- with the change that caused it, and retried until Jira has it.
CREATE TABLE jira_ops (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('create', 'comment', 'refresh')),
    -- comment: the ticket post mirrored, which makes enqueueing idempotent.
    post_id     INTEGER,
    payload     TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
    -- Attempts started, counted when an op is claimed: an attempt that
    -- never reported back may still have reached Jira.
    attempts    INTEGER NOT NULL DEFAULT 0,
    -- The Jira this op talks to, so an open circuit holds back only its ops.
    base_url    TEXT NOT NULL DEFAULT '',
    next_try    TEXT NOT NULL,
    last_try    TEXT NOT NULL DEFAULT '',
    -- transient (network, 5xx, 429), config (400/401/403), gone (404/410)
    error_class TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE INDEX jira_ops_due ON jira_ops (state, next_try);
CREATE INDEX jira_ops_by_ticket ON jira_ops (ticket_id, id);
CREATE UNIQUE INDEX jira_ops_one_comment ON jira_ops (post_id) WHERE op = 'comment';
CREATE UNIQUE INDEX jira_ops_one_refresh ON jira_ops (ticket_id) WHERE op = 'refresh' AND state IN ('pending', 'running');

-- Webhook deliveries already applied (X-Atlassian-Webhook-Identifier, or a
-- hash of the body), pruned after 30 days.
CREATE TABLE jira_webhook_deliveries (
    id          TEXT PRIMARY KEY,
    received_at TEXT NOT NULL
);

CREATE INDEX jira_webhook_deliveries_by_time ON jira_webhook_deliveries (received_at);
