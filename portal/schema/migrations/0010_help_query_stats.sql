-- Help searches are counted per day instead of kept one by one: anonymous
-- visitors could otherwise grow the database without limit. One row per day,
-- language and normalised query (lower case, ё as е, spaces collapsed, at
-- most 100 characters), and at most 500 such rows per day and language; the
-- searches past that bound are counted in the day's row with the empty
-- query. Rows older than the retention (90 days) are deleted. The rows of
-- help_queries are folded in here by the help center when it starts, and
-- nothing writes to that table any more.
CREATE TABLE help_query_stats (
    id           INTEGER PRIMARY KEY,
    day          TEXT NOT NULL,              -- YYYY-MM-DD, UTC
    lang         TEXT NOT NULL,
    query        TEXT NOT NULL,              -- '' collects the searches past the day's bound
    searches     INTEGER NOT NULL DEFAULT 0,
    api_searches INTEGER NOT NULL DEFAULT 0, -- of searches, those made through the JSON API
    zero_results INTEGER NOT NULL DEFAULT 0, -- searches that found nothing at all
    fuzzy        INTEGER NOT NULL DEFAULT 0, -- searches answered with typo tolerance
    fallbacks    INTEGER NOT NULL DEFAULT 0, -- searches answered in the other language or keyboard layout
    results      INTEGER NOT NULL DEFAULT 0, -- how many articles the day's last search found
    clicks       INTEGER NOT NULL DEFAULT 0, -- searches followed by opening a result (at most one each)
    UNIQUE (day, lang, query)
);

-- Which result was opened, at which place, how many times.
CREATE TABLE help_query_clicks (
    stat_id  INTEGER NOT NULL REFERENCES help_query_stats (id) ON DELETE CASCADE,
    slug     TEXT NOT NULL,
    position INTEGER NOT NULL,
    clicks   INTEGER NOT NULL,
    PRIMARY KEY (stat_id, slug, position)
) WITHOUT ROWID;
