package chats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Chat is one chat as stored.
type Chat struct {
	ID            int64
	UID           string
	Kind          string
	Name          string
	Description   string
	Avatar        string
	Open          bool
	E2E           bool
	Confidential  bool
	Discussions   bool
	ParentChat    int64
	ParentMessage int64
	InviteCode    string
	CreatedBy     int64
	CreatedAt     int64
	Members       int
	LastMessage   int64
}

// Member is one user's place in a chat: their role and their own view.
type Member struct {
	In            bool // false: not a member (an open chat's visitor, a global chat reader)
	Role          string
	JoinedSeq     int64
	ReadUpto      int64
	DeliveredUpto int64
	Muted         bool
	Pinned        bool
	Hidden        bool
	Notify        bool
}

// Admin reports whether the member is one of the chat's admins.
func (m Member) Admin() bool { return m.In && m.Role == "admin" }

const chatColumns = `c.id, c.uid, c.kind, c.name, c.description, coalesce(c.avatar_file, ''), c.open, c.e2e, c.confidential,
	c.discussions, coalesce(c.parent_chat, 0), coalesce(c.parent_message, 0), coalesce(c.invite_code, ''),
	coalesce(c.created_by, 0), c.created_at, c.members, c.last_message`

func scanChat(row interface{ Scan(...any) error }, extra ...any) (Chat, error) {
	var c Chat
	dest := append([]any{&c.ID, &c.UID, &c.Kind, &c.Name, &c.Description, &c.Avatar, &c.Open, &c.E2E, &c.Confidential,
		&c.Discussions, &c.ParentChat, &c.ParentMessage, &c.InviteCode, &c.CreatedBy, &c.CreatedAt, &c.Members, &c.LastMessage}, extra...)
	err := row.Scan(dest...)
	return c, err
}

// querier is what both a read transaction and the writer's one offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// place is a user's standing in a chat: what every action checks first.
type place struct {
	Chat
	Member
	// ParentMember is the user's place in a discussion's parent chat,
	// which is what lets them read and comment.
	Parent *place
}

// subscriber: a channel member who is not one of its admins sees posts
// only, never who wrote them, who else is there or who read what.
func (p place) subscriber() bool {
	switch p.Kind {
	case Channel:
		return !p.Admin()
	case Discussion:
		return false
	}
	return false
}

// canRead: members read; everyone reads the global chat; a discussion is
// read by whoever reads its parent.
func (p place) canRead() bool {
	switch p.Kind {
	case Global:
		return true
	case Discussion:
		return p.Parent != nil && p.Parent.canRead()
	}
	return p.In
}

// canPost follows the seeds: a channel's admins post; the global chat's
// designated posters post; discussions take comments from its readers.
func (p place) canPost(globalPoster bool) bool {
	switch p.Kind {
	case Channel:
		return p.Admin()
	case Global:
		return globalPoster
	case Discussion:
		return p.canRead()
	}
	return p.In
}

// lookup finds uid and the user's place in it. A chat the user may not read
// is reported as not found, so its existence does not leak.
func (s *Service) lookup(ctx context.Context, q querier, userID int64, uid string) (place, error) {
	if _, err := uuid.Parse(uid); err != nil {
		return place{}, ErrNotFound
	}
	p, err := s.placeBy(ctx, q, userID, "c.uid = ?", uid)
	if err != nil {
		return place{}, err
	}
	if !p.canRead() {
		// An open chat is visible to everyone as a catalog entry.
		if p.Open && p.Kind != Discussion {
			return p, nil
		}
		return place{}, ErrNotFound
	}
	return p, nil
}

func (s *Service) placeBy(ctx context.Context, q querier, userID int64, where string, arg any) (place, error) {
	var p place
	var role sql.NullString
	var joined, readUpto, delivered sql.NullInt64
	var muted, pinned, hidden, notify sql.NullBool
	c, err := scanChat(q.QueryRowContext(ctx, `SELECT `+chatColumns+`, m.role, m.joined_seq, m.read_upto, m.delivered_upto,
		m.muted, m.pinned, m.hidden, m.notify
		FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = ? WHERE `+where, userID, arg),
		&role, &joined, &readUpto, &delivered, &muted, &pinned, &hidden, &notify)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("look up chat: %w", err)
	}
	p.Chat = c
	p.Member = Member{In: role.Valid && role.String != "", Role: role.String, JoinedSeq: joined.Int64, ReadUpto: readUpto.Int64,
		DeliveredUpto: delivered.Int64, Muted: muted.Bool, Pinned: pinned.Bool, Hidden: hidden.Bool, Notify: !notify.Valid || notify.Bool}
	if c.Kind == Global {
		// Everyone is implicitly in; a row exists only once they keep state.
		p.In = role.Valid
	}
	if c.Kind == Discussion {
		parent, err := s.placeBy(ctx, q, userID, "c.id = ?", c.ParentChat)
		if err != nil {
			return p, err
		}
		p.Parent = &parent
	}
	return p, nil
}

// isGlobalPoster reports whether the user may post in the global chat.
func isGlobalPoster(ctx context.Context, q querier, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM global_posters WHERE user_id = ?`, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("global chat posters: %w", err)
	}
	return n > 0, nil
}

func newUID() string { return uuid.NewString() }
