package support

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"parley/server/store"
)

// PostKind tells replies, internal notes and events apart.
type PostKind string

const (
	PostReply PostKind = "reply" // public: the requester sees it
	PostNote  PostKind = "note"  // internal: support staff only
	PostEvent PostKind = "event" // something happened: status, assignee, links
)

// Post is one entry of a ticket's thread.
type Post struct {
	ID          int64
	Kind        PostKind
	Author      *Person // nil for the system (Jira, automation)
	Body        string  // replies and notes
	Event       Event   // events
	CreatedAt   time.Time
	Attachments []Attachment
}

// Event is a change recorded in the thread; pages render it in the reader's
// language from Code and Args.
type Event struct {
	Code string            `json:"code"` // status, priority, assignee, escalated, jira_linked, jira_failed, upload_linked
	Args map[string]string `json:"args,omitempty"`
}

// NewPost is a reply or an internal note with its files.
type NewPost struct {
	Body     string
	Internal bool
	Files    []IncomingFile
}

// Reply adds a public reply or (staff only) an internal note. A public reply
// is mirrored to the ticket's Jira issue when it has one, and tells the other
// side by mail.
func (s *Service) Reply(ctx context.Context, v Viewer, id int64, np NewPost) (Post, error) {
	t, access, err := s.Get(ctx, v, id)
	if err != nil {
		return Post{}, err
	}
	if access < AccessOwner {
		return Post{}, ErrForbidden
	}
	if np.Internal && access < AccessStaff {
		return Post{}, ErrForbidden
	}
	np.Body = strings.TrimSpace(strings.ReplaceAll(np.Body, "\r\n", "\n"))
	switch {
	case np.Body == "" && len(np.Files) == 0:
		return Post{}, invalid("body", "required", "write a reply or attach a file")
	case utf8.RuneCountInString(np.Body) > MaxBody:
		return Post{}, invalid("body", "too_long", fmt.Sprintf("the reply is longer than %d characters", MaxBody))
	}
	staged, err := s.stage(ctx, v.ID, np.Files)
	if err != nil {
		return Post{}, err
	}
	defer func() { staged.discard() }() // after done, nothing left to remove

	kind := PostReply
	if np.Internal {
		kind = PostNote
	}
	mirror := kind == PostReply && s.inJira(ctx, t)
	now := s.now()
	var postID int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO ticket_posts (ticket_id, author_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?)",
			id, v.ID, kind, np.Body, store.FormatTime(now))
		if err != nil {
			return err
		}
		postID, _ = res.LastInsertId()
		if err := staged.commit(ctx, tx, id, postID, v.ID, np.Internal, now); err != nil {
			return err
		}
		if err := s.afterReply(ctx, tx, t, access, kind, now); err != nil {
			return err
		}
		if mirror {
			author, err := s.personName(ctx, tx, v.ID)
			if err != nil {
				return err
			}
			return s.jira.EnqueueComment(ctx, tx, id, postID, author, commentText(np.Body, staged.names()))
		}
		return nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("reply to ticket %d: %w", id, err)
	}
	staged.done()
	if mirror {
		s.jira.Kick()
	}
	switch {
	case kind == PostReply && access == AccessStaff:
		s.mailRequester(ctx, t, "support.mail.reply", np.Body)
	case kind == PostReply:
		s.mailStaff(ctx, t, v.ID, "support.mail.requester_replied", np.Body)
	}
	posts, err := s.Posts(ctx, access, id)
	if err != nil {
		return Post{}, err
	}
	for _, p := range posts {
		if p.ID == postID {
			return p, nil
		}
	}
	return Post{}, fmt.Errorf("reply %d vanished", postID)
}

// afterReply moves the ticket along: support's first public answer stops the
// first-response clock and opens a new ticket; the requester's answer to a
// question puts it back into support's hands.
func (s *Service) afterReply(ctx context.Context, tx *sql.Tx, t Ticket, access Access, kind PostKind, now time.Time) error {
	ts := store.FormatTime(now)
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET updated_at = ? WHERE id = ?", ts, t.ID); err != nil {
		return err
	}
	if kind != PostReply {
		return nil
	}
	if access == AccessStaff {
		if _, err := tx.ExecContext(ctx, "UPDATE tickets SET first_response_at = ? WHERE id = ? AND first_response_at = '' AND first_response_due <> ''", ts, t.ID); err != nil {
			return err
		}
		if t.Status == StatusNew {
			return s.setStatus(ctx, tx, t, StatusOpen, nil, now)
		}
		return nil
	}
	// The requester said something: it waits unread for support staff.
	if _, err := tx.ExecContext(ctx, "UPDATE tickets SET requester_at = ? WHERE id = ?", ts, t.ID); err != nil {
		return err
	}
	if t.Status == StatusWaiting {
		return s.setStatus(ctx, tx, t, StatusOpen, nil, now)
	}
	return nil
}

// commentText is a reply as the Jira comment shows it.
func commentText(body string, files []string) string {
	if len(files) > 0 {
		body = strings.TrimSpace(body + "\n\n(" + strings.Join(files, ", ") + ")")
	}
	return body
}

// inJira reports whether the ticket has, or is getting, a Jira issue.
func (s *Service) inJira(ctx context.Context, t Ticket) bool {
	if s.jira == nil {
		return false
	}
	if t.JiraKey != "" {
		return true
	}
	st, err := s.jira.State(ctx, t.ID)
	return err == nil && (st.Key != "" || st.Waiting > 0)
}

func (s *Service) personName(ctx context.Context, tx *sql.Tx, userID int64) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, "SELECT coalesce(nullif(name, ''), email, login, '') FROM users WHERE id = ?", userID).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("read user %d: %w", userID, err)
	}
	return name, nil
}

// addEvent records a change in the thread.
func addEvent(ctx context.Context, tx *sql.Tx, ticketID int64, author *int64, now time.Time, code string, args map[string]string) error {
	body, _ := json.Marshal(Event{Code: code, Args: args})
	_, err := tx.ExecContext(ctx, "INSERT INTO ticket_posts (ticket_id, author_id, kind, body, created_at) VALUES (?, ?, 'event', ?, ?)",
		ticketID, author, string(body), store.FormatTime(now))
	if err != nil {
		return fmt.Errorf("record %s on ticket %d: %w", code, ticketID, err)
	}
	return nil
}

// Posts returns the thread as the given access sees it: internal notes and
// their files only for staff.
func (s *Service) Posts(ctx context.Context, access Access, id int64) ([]Post, error) {
	q := `SELECT p.id, p.kind, p.body, p.created_at, u.id, u.huid, coalesce(nullif(u.name, ''), u.email, u.login, ''), u.role
		FROM ticket_posts p LEFT JOIN users u ON u.id = p.author_id WHERE p.ticket_id = ?`
	if access < AccessStaff {
		q += " AND p.kind <> 'note'"
	}
	rows, err := s.db.Read.QueryContext(ctx, q+" ORDER BY p.id", id)
	if err != nil {
		return nil, fmt.Errorf("read thread of ticket %d: %w", id, err)
	}
	defer rows.Close()
	var posts []Post
	index := map[int64]int{}
	for rows.Next() {
		var p Post
		var created string
		var uID sql.NullInt64
		var uHUID, uName, uRole sql.NullString
		if err := rows.Scan(&p.ID, &p.Kind, &p.Body, &created, &uID, &uHUID, &uName, &uRole); err != nil {
			return nil, fmt.Errorf("read thread of ticket %d: %w", id, err)
		}
		p.CreatedAt, _ = store.ParseTime(created)
		if uID.Valid {
			p.Author = &Person{ID: uID.Int64, HUID: uHUID.String, Name: uName.String, Staff: uRole.String != "user"}
		}
		if p.Kind == PostEvent {
			if err := json.Unmarshal([]byte(p.Body), &p.Event); err != nil {
				return nil, fmt.Errorf("read event %d: %w", p.ID, err)
			}
			p.Body = ""
		}
		index[p.ID] = len(posts)
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read thread of ticket %d: %w", id, err)
	}
	files, err := s.Attachments(ctx, access, id)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if i, ok := index[f.PostID]; ok {
			posts[i].Attachments = append(posts[i].Attachments, f)
		}
	}
	return posts, nil
}

// errNoTicket turns a missing row into ErrNotFound.
func errNoTicket(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
