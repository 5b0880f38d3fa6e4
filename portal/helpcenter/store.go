package helpcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parley/server/store"
)

// voteWindow is how long one visitor's vote on an article stands before
// they may vote on it again.
const voteWindow = 30 * 24 * time.Hour

// recentVote returns the visitor's vote on slug within the vote window.
func (h *Handler) recentVote(ctx context.Context, visitor, slug string) (id int64, helpful bool, comment string, err error) {
	since := store.FormatTime(h.now().Add(-voteWindow))
	err = h.db.Read.QueryRowContext(ctx, `SELECT id, helpful, comment FROM help_votes
		WHERE visitor = ? AND slug = ? AND created_at > ? ORDER BY id DESC LIMIT 1`, visitor, slug, since).Scan(&id, &helpful, &comment)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, "", nil
	}
	if err != nil {
		return 0, false, "", fmt.Errorf("read help vote: %w", err)
	}
	return id, helpful, comment, nil
}

// errAlreadyVoted means the visitor voted on the article within the window.
var errAlreadyVoted = errors.New("already voted on this article")

// vote records a vote unless the visitor already voted within the window.
// The check and the insert share one write transaction, so two quick
// clicks cannot both count.
func (h *Handler) vote(ctx context.Context, visitor, slug, lang string, helpful bool) (int64, error) {
	var id int64
	since := store.FormatTime(h.now().Add(-voteWindow))
	err := h.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM help_votes WHERE visitor = ? AND slug = ? AND created_at > ?`,
			visitor, slug, since).Scan(&n); err != nil {
			return fmt.Errorf("check help vote: %w", err)
		}
		if n > 0 {
			return errAlreadyVoted
		}
		return tx.QueryRowContext(ctx, `INSERT INTO help_votes (slug, lang, visitor, helpful, created_at) VALUES (?, ?, ?, ?, ?)
			RETURNING id`, slug, lang, visitor, helpful, store.FormatTime(h.now())).Scan(&id)
	})
	return id, err
}

// addComment attaches the optional comment to the visitor's own "no" vote.
func (h *Handler) addComment(ctx context.Context, visitor string, voteID int64, comment string) (bool, error) {
	res, err := h.db.Write.ExecContext(ctx, `UPDATE help_votes SET comment = ? WHERE id = ? AND visitor = ? AND helpful = 0`,
		comment, voteID, visitor)
	if err != nil {
		return false, fmt.Errorf("save help comment: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
