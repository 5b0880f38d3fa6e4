package helpcenter

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"

	"parley/search"
	"parley/server/store"
)

// What people search for is kept counted per day (help_query_stats), not
// one row per search: anyone may search without signing in, and a stored
// row per search let a few anonymous clients grow the database by tens of
// megabytes a minute. The bounds below make the log's size independent of
// how many searches arrive: at most maxQueriesPerDay rows per day and
// language of at most maxLoggedQuery characters each, kept for
// queryLogDays days.
const (
	// maxLoggedQuery is how much of a normalised query is kept, in
	// characters. Longer queries (pasted logs) are counted under their
	// beginning.
	maxLoggedQuery = 100
	// maxQueriesPerDay bounds the distinct queries kept per day and
	// language. A search for a query not yet seen that day, past the
	// bound, is counted in the day's overflow row (the empty query): the
	// totals stay right and the text is not kept.
	maxQueriesPerDay = 500
	// queryLogDays is how long the counts are kept.
	queryLogDays = 90
)

// overflowQuery is the query of the row that counts the searches past the
// day's bound.
const overflowQuery = ""

// searchOutcome is what one search found, as the log counts it.
type searchOutcome struct {
	query, lang string
	results     int
	fuzzy       bool
	fallback    bool   // answered in the other language or keyboard layout
	source      string // "page" or "api"
}

// outcome is how the log counts a search's results.
func outcome(query, lang string, res search.HelpResults, source string) searchOutcome {
	return searchOutcome{query: query, lang: lang, results: res.Total, fuzzy: res.Fuzzy,
		fallback: res.OtherLang || res.SearchedFor != "", source: source}
}

// normalizeQuery is the form queries are counted under: lower case, ё as
// е, runs of spaces as one, cut to maxLoggedQuery characters.
func normalizeQuery(q string) string {
	q = strings.Join(strings.FieldsFunc(strings.ToValidUTF8(q, ""), unicode.IsSpace), " ")
	q = strings.ReplaceAll(strings.ToLower(q), "ё", "е")
	if r := []rune(q); len(r) > maxLoggedQuery {
		q = strings.TrimSpace(string(r[:maxLoggedQuery]))
	}
	return q
}

// day is the UTC date a time falls on, as stored.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// logQuery counts a search and returns the id of the row it was counted
// in, which result links carry so that a click is counted there too.
func (h *Handler) logQuery(ctx context.Context, s searchOutcome) (int64, error) {
	var id int64
	err := h.db.InTx(withoutCancel(ctx), func(tx *sql.Tx) error {
		var err error
		id, err = countSearch(ctx, tx, day(h.now()), s, 1)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("log help query: %w", err)
	}
	return id, nil
}

// countSearch adds n searches with one outcome to the day's counts, under
// the query's own row while the day has room for it, else under the
// overflow row.
func countSearch(ctx context.Context, tx *sql.Tx, day string, s searchOutcome, n int) (int64, error) {
	q := normalizeQuery(s.query)
	b := func(v bool) int {
		if v {
			return n
		}
		return 0
	}
	api := 0
	if s.source == "api" {
		api = n
	}
	zero := 0
	if s.results == 0 {
		zero = n
	}
	add := func(query string) (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO help_query_stats
			(day, lang, query, searches, api_searches, zero_results, fuzzy, fallbacks, results)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (day, lang, query) DO UPDATE SET
				searches = searches + excluded.searches, api_searches = api_searches + excluded.api_searches,
				zero_results = zero_results + excluded.zero_results, fuzzy = fuzzy + excluded.fuzzy,
				fallbacks = fallbacks + excluded.fallbacks, results = excluded.results
			RETURNING id`, day, s.lang, query, n, api, zero, b(s.fuzzy), b(s.fallback), s.results).Scan(&id)
		return id, err
	}
	if q == overflowQuery {
		return add(overflowQuery)
	}
	var exists bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM help_query_stats WHERE day = ? AND lang = ? AND query = ?)`,
		day, s.lang, q).Scan(&exists)
	if err != nil {
		return 0, err
	}
	if !exists {
		var kept int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM help_query_stats WHERE day = ? AND lang = ? AND query <> ?`,
			day, s.lang, overflowQuery).Scan(&kept); err != nil {
			return 0, err
		}
		if kept >= maxQueriesPerDay {
			return add(overflowQuery)
		}
	}
	return add(q)
}

// recordClick counts the opening of the result at position of the search
// counted in row statID. A row takes no more clicks than it has searches,
// so replayed or forged links cannot grow the click table past the
// searches, which are bounded.
func (h *Handler) recordClick(ctx context.Context, statID int64, position int, slug string) error {
	err := h.db.InTx(withoutCancel(ctx), func(tx *sql.Tx) error {
		return countClick(ctx, tx, statID, position, slug, 1)
	})
	if err != nil {
		return fmt.Errorf("record help click: %w", err)
	}
	return nil
}

func countClick(ctx context.Context, tx *sql.Tx, statID int64, position int, slug string, n int) error {
	res, err := tx.ExecContext(ctx, `UPDATE help_query_stats SET clicks = clicks + ? WHERE id = ? AND clicks + ? <= searches`,
		n, statID, n)
	if err != nil {
		return err
	}
	if changed, err := res.RowsAffected(); err != nil || changed == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO help_query_clicks (stat_id, slug, position, clicks) VALUES (?, ?, ?, ?)
		ON CONFLICT (stat_id, slug, position) DO UPDATE SET clicks = clicks + excluded.clicks`, statID, slug, position, n)
	return err
}

// deleteOldQueries removes the counts of days past the retention; their
// clicks go with them.
func (h *Handler) deleteOldQueries(ctx context.Context) (int64, error) {
	cutoff := day(h.now().AddDate(0, 0, -queryLogDays))
	res, err := h.db.Write.ExecContext(ctx, `DELETE FROM help_query_stats WHERE day < ?`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("delete old help queries: %w", err)
	}
	return res.RowsAffected()
}

// legacyBatch is how many rows of the old one-row-per-search log are
// folded into the counts per transaction.
const legacyBatch = 500

// foldLegacyQueries moves the rows of the old log (help_queries, one row a
// search, from before the counts) into the counts, a batch at a time,
// deleting each batch in the same transaction: whatever is stopped midway
// is neither lost nor counted twice. Every search, zero result, typo
// correction and click is counted; distinct queries past a day's bound are
// counted under the overflow row, as new searches are. It returns how
// many rows it folded.
func (h *Handler) foldLegacyQueries(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := h.db.InTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id, query, lang, results, fuzzy, source, clicked_position, clicked_slug, created_at
				FROM help_queries ORDER BY id LIMIT ?`, legacyBatch)
			if err != nil {
				return err
			}
			type legacy struct {
				id        int64
				s         searchOutcome
				position  sql.NullInt64
				slug      sql.NullString
				createdAt string
			}
			var batch []legacy
			for rows.Next() {
				var l legacy
				if err := rows.Scan(&l.id, &l.s.query, &l.s.lang, &l.s.results, &l.s.fuzzy, &l.s.source, &l.position, &l.slug, &l.createdAt); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, l := range batch {
				d := l.createdAt
				if t, err := store.ParseTime(l.createdAt); err == nil {
					d = day(t)
				} else if len(d) >= len(time.DateOnly) {
					d = d[:len(time.DateOnly)]
				}
				id, err := countSearch(ctx, tx, d, l.s, 1)
				if err != nil {
					return fmt.Errorf("fold query %d: %w", l.id, err)
				}
				if l.position.Valid && l.slug.Valid {
					if err := countClick(ctx, tx, id, int(l.position.Int64), l.slug.String, 1); err != nil {
						return fmt.Errorf("fold click of query %d: %w", l.id, err)
					}
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM help_queries WHERE id = ?`, l.id); err != nil {
					return err
				}
			}
			n = len(batch)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("fold old help query log: %w", err)
		}
		total += n
		if n < legacyBatch {
			return total, nil
		}
	}
}

// janitorEvery is how often old counts are looked for.
const janitorEvery = time.Hour

// janitor folds the old log once, then deletes counts past the retention
// every janitorEvery until ctx ends.
func (h *Handler) janitor(ctx context.Context) {
	defer close(h.done)
	if n, err := h.foldLegacyQueries(ctx); err != nil && ctx.Err() == nil {
		h.log.Warn("fold old help query log", "err", err)
	} else if n > 0 {
		h.log.Info("folded the old help query log into daily counts", "searches", n)
	}
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		if n, err := h.deleteOldQueries(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("delete old help queries", "err", err)
		} else if n > 0 {
			h.log.Info("deleted help query counts past retention", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
