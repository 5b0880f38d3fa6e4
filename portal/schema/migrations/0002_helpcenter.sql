-- Help center: what people search for, and whether articles helped.

-- Every submitted search, for the admin report of top, zero-result and
-- no-click queries. clicked_position is 1-based and set by the first click.
CREATE TABLE help_queries (
    id               INTEGER PRIMARY KEY,
    query            TEXT NOT NULL,
    lang             TEXT NOT NULL,
    results          INTEGER NOT NULL,
    fuzzy            INTEGER NOT NULL DEFAULT 0,
    source           TEXT NOT NULL CHECK (source IN ('page', 'api')),
    clicked_position INTEGER,
    clicked_slug     TEXT,
    created_at       TEXT NOT NULL
);

CREATE INDEX help_queries_by_time ON help_queries (created_at);

-- "Was this helpful?" votes. An article and its translation share a slug, so
-- one vote counts for the article in both languages.
CREATE TABLE help_votes (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    visitor    TEXT NOT NULL,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE INDEX help_votes_by_visitor ON help_votes (visitor, slug, created_at);
