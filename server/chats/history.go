package chats

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"parley/server/files"
	"parley/server/web"
)

// Page is a stretch of a chat's history, oldest first, and the event number
// it reflects: a client applies only events after Seq.
type Page struct {
	Seq      int64         `json:"seq"`
	Messages []MessageJSON `json:"messages"`
	// Before is the cursor for the older page; null at the chat's start.
	Before *string `json:"before"`
	// After is the cursor for newer messages around a permalink; null when
	// the page reaches the newest.
	After *string `json:"after,omitempty"`
}

const messageColumns = `m.id, c.uid, m.kind, coalesce(u.huid, ''), coalesce(u.name, ''), coalesce(m.sync_id, ''), m.body, m.html,
	coalesce(m.system, ''), coalesce(m.reply_to, 0), coalesce(m.forwarded, ''), coalesce(m.file_id, ''), m.mentions,
	m.created_at, m.edited_at, m.deleted_at`

const messageFrom = ` FROM messages m JOIN chats c ON c.id = m.chat_id LEFT JOIN users u ON u.id = m.sender_id `

func scanMessage(rows *sql.Rows) (MessageJSON, error) {
	var m MessageJSON
	var huid, name, system, forwarded, mentions string
	var replyTo, created int64
	var edited, deleted sql.NullInt64
	if err := rows.Scan(&m.ID, &m.ChatID, &m.Kind, &huid, &name, &m.SyncID, &m.Body, &m.HTML, &system, &replyTo,
		&forwarded, &m.FileID, &mentions, &created, &edited, &deleted); err != nil {
		return m, fmt.Errorf("read message: %w", err)
	}
	if huid != "" {
		m.Sender = &UserRef{HUID: huid, Name: name}
	}
	if system != "" {
		m.System = json.RawMessage(system)
	}
	if forwarded != "" {
		m.Forwarded = json.RawMessage(forwarded)
	}
	if replyTo != 0 {
		m.ReplyTo = &replyTo
	}
	m.Mentions = []string{}
	if mentions != "[]" { // most mention nobody: decoding "[]" was 3 % of a history page
		if err := json.Unmarshal([]byte(mentions), &m.Mentions); err != nil || m.Mentions == nil {
			m.Mentions = []string{}
		}
	}
	m.CreatedAt = fromMS(created)
	m.EditedAt = fromNullMS(edited)
	m.Deleted = deleted.Valid
	m.Reactions = []ReactionJSON{}
	return m, nil
}

// readMessages runs a message query and decorates the result with
// reactions, pins and threads, as userID sees them.
func (s *Service) readMessages(ctx context.Context, q querier, userID int64, where string, args ...any) ([]MessageJSON, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+messageColumns+messageFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	var out []MessageJSON
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	if err := s.decorate(ctx, q, userID, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) messagesByID(ctx context.Context, q querier, userID int64, ids []int64) ([]MessageJSON, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.readMessages(ctx, q, userID, "WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id", idsJSON(ids))
}

// decorate adds reaction counts, pin marks and discussion links.
func (s *Service) decorate(ctx context.Context, q querier, userID int64, ms []MessageJSON) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]int64, len(ms))
	at := map[int64]int{}
	for i, m := range ms {
		ids[i] = m.ID
		at[m.ID] = i
	}
	list := idsJSON(ids)
	rows, err := q.QueryContext(ctx, `SELECT message_id, emoji, count(*), max(user_id = ?) FROM reactions
		WHERE message_id IN (SELECT value FROM json_each(?)) GROUP BY message_id, emoji ORDER BY message_id, min(created_at)`, userID, list)
	if err != nil {
		return fmt.Errorf("read reactions: %w", err)
	}
	for rows.Next() {
		var id int64
		var r ReactionJSON
		if err := rows.Scan(&id, &r.Emoji, &r.Count, &r.Mine); err != nil {
			rows.Close()
			return fmt.Errorf("read reactions: %w", err)
		}
		ms[at[id]].Reactions = append(ms[at[id]].Reactions, r)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT message_id FROM pins WHERE message_id IN (SELECT value FROM json_each(?))`, list)
	if err != nil {
		return fmt.Errorf("read pins: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("read pins: %w", err)
		}
		ms[at[id]].Pinned = true
	}
	rows.Close()
	if err := s.decorateFiles(ctx, q, ms, at); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT d.parent_message, d.uid, (SELECT count(*) FROM messages x WHERE x.chat_id = d.id AND x.kind = 'text' AND x.deleted_at IS NULL)
		FROM chats d WHERE d.parent_message IN (SELECT value FROM json_each(?))`, list)
	if err != nil {
		return fmt.Errorf("read discussions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t ThreadRef
		if err := rows.Scan(&id, &t.ChatID, &t.Comments); err != nil {
			return fmt.Errorf("read discussions: %w", err)
		}
		ms[at[id]].Thread = &t
	}
	return rows.Err()
}

// decorateFiles adds the attachments of the messages that have one.
func (s *Service) decorateFiles(ctx context.Context, q querier, ms []MessageJSON, at map[int64]int) error {
	var ids []int64
	for _, m := range ms {
		if m.FileID != "" {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT m.id, c.uid, f.id, f.name, f.mime, f.size, f.removed_at IS NOT NULL,
		coalesce(cf.as_file, 0), coalesce(cf.width, 0), coalesce(cf.height, 0)
		FROM messages m JOIN chats c ON c.id = m.chat_id JOIN files f ON f.id = m.file_id
		LEFT JOIN chat_files cf ON cf.chat_id = m.chat_id AND cf.file_id = m.file_id
		WHERE m.id IN (SELECT value FROM json_each(?))`, idsJSON(ids))
	if err != nil {
		return fmt.Errorf("read attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var chat string
		var f files.File
		var removed, asFile bool
		var w, h int
		if err := rows.Scan(&id, &chat, &f.ID, &f.Name, &f.MIME, &f.Size, &removed, &asFile, &w, &h); err != nil {
			return fmt.Errorf("read attachments: %w", err)
		}
		if removed {
			now := time.Now()
			f.RemovedAt = &now
		}
		fj := fileJSON(chat, f, asFile, w, h)
		ms[at[id]].File = &fj
	}
	return rows.Err()
}

// History returns up to limit messages before the cursor (the newest ones
// without one), oldest first.
func (s *Service) History(ctx context.Context, a Actor, chatUID, before, after string, limit int) (Page, error) {
	limit = pageSize(limit)
	if before != "" && after != "" {
		return Page{}, web.Invalid("after", "both_cursors", "page one way at a time: give before or after, not both")
	}
	beforeID, err := cursor(before, 1<<62-1)
	if err != nil {
		return Page{}, err
	}
	afterID, err := cursor(after, 0)
	if err != nil {
		return Page{}, err
	}
	tx, err := s.readTx(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("history: %w", err)
	}
	defer tx.done()
	page, p, filter, err := s.openPage(ctx, tx, a, chatUID)
	if err != nil {
		return Page{}, err
	}
	if after != "" {
		// Forward from a permalink's page: the next messages, oldest first.
		ms, next, err := s.stretch(ctx, tx, a.ID, p.ID, filter, ">", afterID, limit)
		if err != nil {
			return Page{}, err
		}
		page.After = next
		if len(ms) > 0 {
			c := strconv.FormatInt(ms[0].ID, 10)
			page.Before = &c
		}
		page.Messages = p.view(ms)
		return page, nil
	}
	ms, next, err := s.stretch(ctx, tx, a.ID, p.ID, filter, "<", beforeID, limit)
	if err != nil {
		return Page{}, err
	}
	page.Before = next
	slices.Reverse(ms)
	page.Messages = p.view(ms)
	return page, nil
}

// stretch reads up to limit messages of a chat beside message id: older
// ones newest first (op "<", or "<=" to include it) or newer ones oldest
// first (op ">"). next is the cursor past the last one read when more lie
// beyond, else nil.
func (s *Service) stretch(ctx context.Context, tx *stmtTx, userID, chatID int64, filter, op string, id int64, limit int) (ms []MessageJSON, next *string, err error) {
	order := " DESC"
	if op == ">" {
		order = ""
	}
	ms, err = s.readMessages(ctx, tx, userID, "WHERE m.chat_id = ? AND m.id "+op+" ?"+filter+" ORDER BY m.id"+order+" LIMIT ?", chatID, id, limit+1)
	if err != nil || len(ms) <= limit {
		return ms, nil, err
	}
	last := id // none read (limit 0): continue from the message itself
	if ms = ms[:limit]; limit > 0 {
		last = ms[limit-1].ID
	}
	c := strconv.FormatInt(last, 10)
	return ms, &c, nil
}

// pageSize is the asked-for page length: HistoryPage when none was asked,
// at most MaxPage.
func pageSize(limit int) int {
	if limit <= 0 {
		return HistoryPage
	}
	return min(limit, MaxPage)
}

// cursor reads a page cursor (a message id); "" gives otherwise.
func cursor(v string, otherwise int64) (int64, error) {
	if v == "" {
		return otherwise, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrBadCursor
	}
	return n, nil
}

// openPage starts a page of a chat the actor reads, in the read
// transaction tx: the event number it reflects, the actor's place, and the
// filter that keeps system messages from channel subscribers.
func (s *Service) openPage(ctx context.Context, tx *stmtTx, a Actor, chatUID string) (Page, place, string, error) {
	page := Page{Messages: []MessageJSON{}}
	var err error
	if page.Seq, err = currentSeq(ctx, tx); err != nil {
		return Page{}, place{}, "", err
	}
	p, err := s.lookup(ctx, tx, a.ID, chatUID)
	if err != nil {
		return Page{}, place{}, "", err
	}
	if !p.canRead() {
		return Page{}, place{}, "", ErrNotFound
	}
	filter := ""
	if p.subscriber() {
		filter = " AND m.kind = 'text'"
	}
	return page, p, filter, nil
}

// Around returns the page holding one message (a permalink): up to half a
// page on either side, with cursors both ways.
func (s *Service) Around(ctx context.Context, a Actor, chatUID string, messageID int64, limit int) (Page, error) {
	limit = pageSize(limit)
	tx, err := s.readTx(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("permalink: %w", err)
	}
	defer tx.done()
	page, p, filter, err := s.openPage(ctx, tx, a, chatUID)
	if err != nil {
		return Page{}, err
	}
	if err := messageInChat(tx, p.ID, messageID); err != nil {
		return Page{}, err
	}
	half := limit / 2
	olderN := limit - half // the message itself and those before it
	older, before, err := s.stretch(ctx, tx, a.ID, p.ID, filter, "<=", messageID, olderN)
	if err != nil {
		return Page{}, err
	}
	newer, after, err := s.stretch(ctx, tx, a.ID, p.ID, filter, ">", messageID, half)
	if err != nil {
		return Page{}, err
	}
	page.Before, page.After = before, after
	slices.Reverse(older)
	page.Messages = p.view(append(older, newer...))
	return page, nil
}

// view trims messages to what the user may see in this chat.
func (p place) view(ms []MessageJSON) []MessageJSON {
	if !p.subscriber() {
		return ms
	}
	for i := range ms {
		ms[i] = ms[i].forSubscriber()
	}
	return ms
}
