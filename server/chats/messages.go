package chats

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"parley/server/chats/markdown"
	"parley/server/web"
)

// Actor is who does something: the signed-in user.
type Actor struct {
	ID          int64
	HUID        string
	Name        string
	ServerAdmin bool
}

// Draft is a message to send.
type Draft struct {
	SyncID   string   `json:"sync_id"`
	Body     string   `json:"body"`
	ReplyTo  int64    `json:"reply_to"`
	Mentions []string `json:"mentions"` // HUIDs, or "all"
	FileID   string   `json:"file_id"`
}

var tagMention = regexp.MustCompile(`(?:^|[^\p{L}\p{N}#])#([\p{L}\p{N}_-]{1,64})`)

// checkBody refuses what cannot be a message, before anything is written.
func checkBody(body string, allowEmpty bool) error {
	switch {
	case !utf8.ValidString(body):
		return web.Invalid("body", "bad_text", "the message is not valid UTF-8 text")
	case strings.ContainsRune(body, 0):
		return web.Invalid("body", "bad_text", "the message contains a NUL character")
	case len(body) > MaxBodyLen:
		return web.Invalid("body", "too_long", fmt.Sprintf("a message holds at most %d bytes; this one has %d: split it or send it as a file", MaxBodyLen, len(body)))
	case strings.TrimSpace(body) == "" && !allowEmpty:
		return web.Invalid("body", "empty", "the message is empty")
	}
	return nil
}

// Send posts a message. A sync_id the same user already used returns that
// first message (created false) and stores nothing new, so a client may
// retry a send whose answer it never got.
func (s *Service) Send(ctx context.Context, a Actor, chatUID string, d Draft) (MessageJSON, bool, error) {
	if len(d.SyncID) > MaxSyncID {
		return MessageJSON{}, false, web.Invalid("sync_id", "too_long", fmt.Sprintf("sync_id holds at most %d characters", MaxSyncID))
	}
	// A retried sync_id is found inside the writer's transaction below: a
	// check here as well would cost every send a query for the rare retry.
	if err := checkBody(d.Body, d.FileID != ""); err != nil {
		return MessageJSON{}, false, err
	}
	// Rendering is the costly part of a send; it happens before the
	// message joins the writer's queue.
	html := markdown.Render(d.Body)
	indexTerms := terms(d.Body)
	mentions, err := normalizeMentions(d.Mentions, d.Body)
	if err != nil {
		return MessageJSON{}, false, err
	}
	var out MessageJSON
	created := false
	err = s.writeSend(ctx, func(tx *stmtTx, log *eventLog) error {
		p, err := s.lookupForSend(ctx, tx, a.ID, chatUID)
		if err != nil {
			return err
		}
		poster := false
		if p.Kind == Global {
			if poster, err = isGlobalPoster(ctx, tx, a.ID); err != nil {
				return err
			}
		}
		if !p.canPost(poster) {
			if !p.canRead() {
				return ErrNotFound
			}
			return ErrCannotPost
		}
		if p.E2E {
			// Encrypted envelopes come with the end-to-end issue; until then
			// nothing readable may enter an E2E chat.
			return ErrE2ERequired
		}
		if d.ReplyTo != 0 {
			if err := messageInChat(tx, p.ID, d.ReplyTo); err != nil {
				return err
			}
		}
		for _, m := range mentions {
			if strings.HasPrefix(m, "##") {
				var open bool
				err := tx.QueryRow("SELECT open FROM chats WHERE uid = ?", m[2:]).Scan(&open)
				if err != nil || !open {
					return web.Invalid("mentions", "not_open", "## links only to an open chat, which everyone may join")
				}
			}
		}
		var file *FileJSON
		if d.FileID != "" {
			if file, err = s.attachable(ctx, tx, p.ID, p.UID, d.FileID); err != nil {
				return err
			}
		}
		if p.Kind == Discussion && !p.In {
			// Whoever comments follows the discussion from then on.
			if _, _, err := s.addMember(tx, log, p.Chat, a.ID, "member"); err != nil {
				return err
			}
		}
		out, err = s.insertMessage(tx, log, p.Chat, a, newMessage{syncID: d.SyncID, body: d.Body, html: html, terms: indexTerms,
			replyTo: d.ReplyTo, mentions: mentions, fileID: d.FileID, file: file})
		if errors.Is(err, errSyncIDUsed) {
			// A retry: answer with the first message, store nothing.
			m, _, err := s.bySyncID(ctx, tx, a, chatUID, d.SyncID)
			out = m
			return err
		}
		created = err == nil
		return err
	})
	return out, created, err
}

type newMessage struct {
	kind      string
	syncID    string
	body      string
	html      string
	terms     string // the body's search terms, stemmed before the writer's turn
	system    any
	replyTo   int64
	forwarded any
	fileID    string
	file      *FileJSON
	mentions  []string
}

// insertMessage stores a message, its search terms and its event, and moves
// the chat's last message and the sender's read mark.
func (s *Service) insertMessage(tx *stmtTx, log *eventLog, c Chat, a Actor, m newMessage) (MessageJSON, error) {
	if m.kind == "" {
		m.kind = "text"
	}
	now := log.now
	var system, forwarded any
	if m.system != nil {
		b, _ := json.Marshal(m.system)
		system = string(b)
	}
	if m.forwarded != nil {
		b, _ := json.Marshal(m.forwarded)
		forwarded = string(b)
	}
	mentions, _ := json.Marshal(nonNil(m.mentions))
	var sender any
	if a.ID != 0 {
		sender = a.ID
	}
	var id int64
	// The sender's sync_ids are unique: a used one inserts nothing, which
	// is how a retried send is told apart without a query of its own.
	err := tx.QueryRow(`INSERT INTO messages (chat_id, sender_id, kind, sync_id, body, html, system, reply_to, forwarded, file_id, mentions, created_at)
		VALUES (?, ?, ?, nullif(?, ''), ?, ?, ?, nullif(?, 0), ?, nullif(?, ''), ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		c.ID, sender, m.kind, m.syncID, m.body, m.html, system, m.replyTo, forwarded, m.fileID, string(mentions), ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) && m.syncID != "" {
		return MessageJSON{}, errSyncIDUsed
	}
	if err != nil {
		return MessageJSON{}, fmt.Errorf("store message: %w", err)
	}
	if m.kind == "text" {
		log.index(id, c.ID, m.terms)
	}
	if _, err := tx.Exec("UPDATE chats SET last_message = ? WHERE id = ?", id, c.ID); err != nil {
		return MessageJSON{}, fmt.Errorf("update chat: %w", err)
	}
	// A chat someone removed from their list comes back with a new message.
	if !log.plainSend || !s.cache.unhidden[c.ID] {
		if _, err := tx.Exec("UPDATE chat_members SET hidden = 0 WHERE chat_id = ? AND hidden = 1", c.ID); err != nil {
			return MessageJSON{}, fmt.Errorf("update chat: %w", err)
		}
		if log.plainSend {
			s.cache.grow(1)
			s.cache.unhidden[c.ID] = true
		}
	}
	if a.ID != 0 {
		if _, err := tx.Exec("UPDATE chat_members SET read_upto = ?, delivered_upto = ? WHERE chat_id = ? AND user_id = ?", id, id, c.ID, a.ID); err != nil {
			return MessageJSON{}, fmt.Errorf("update read mark: %w", err)
		}
	}
	msg := MessageJSON{ID: id, ChatID: c.UID, Kind: m.kind, SyncID: m.syncID, Body: m.body, HTML: m.html,
		Mentions: nonNil(m.mentions), CreatedAt: now.Truncate(1e6), Reactions: []ReactionJSON{}, FileID: m.fileID, File: m.file}
	if m.replyTo != 0 {
		r := m.replyTo
		msg.ReplyTo = &r
	}
	if system != nil {
		msg.System = json.RawMessage(system.(string))
	}
	if forwarded != nil {
		msg.Forwarded = json.RawMessage(forwarded.(string))
	}
	if a.ID != 0 {
		msg.Sender = &UserRef{HUID: a.HUID, Name: a.Name}
	}
	log.add(messageEvent("message.new", c, msg))
	if c.Kind == Discussion && m.kind == "text" {
		if err := threadCount(tx, log, c); err != nil {
			return msg, err
		}
	}
	return msg, nil
}

// messageEvent addresses an event carrying a message: in a channel the
// subscribers get it without its author, and system messages reach the
// admins only.
func messageEvent(typ string, c Chat, m MessageJSON) event {
	// "mine" is per reader; an event goes to many.
	reactions := make([]ReactionJSON, len(m.Reactions))
	for i, r := range m.Reactions {
		r.Mine = false
		reactions[i] = r
	}
	m.Reactions = reactions
	e := event{audience: toAll, chatID: c.ID, typ: typ}
	full := struct {
		ChatID  string      `json:"chat_id"`
		Message MessageJSON `json:"message"`
	}{c.UID, m}
	e.payload = full
	if c.Kind == Channel {
		e.audience = toSplit
		if m.Kind != "system" {
			full.Message = m.forSubscriber()
			e.sub = full
		}
	}
	if c.Kind == Global {
		e.audience = toEveryone
	}
	return e
}

func messageInChat(q querier, chatID, messageID int64) error {
	var n int
	if err := q.QueryRowContext(context.Background(), "SELECT count(*) FROM messages WHERE id = ? AND chat_id = ?", messageID, chatID).Scan(&n); err != nil {
		return fmt.Errorf("find message: %w", err)
	}
	if n == 0 {
		return ErrNoMessage
	}
	return nil
}

// bySyncID finds the message the user already sent with syncID.
func (s *Service) bySyncID(ctx context.Context, q querier, a Actor, chatUID, syncID string) (MessageJSON, bool, error) {
	var id int64
	var uid string
	err := q.QueryRowContext(ctx, `SELECT m.id, c.uid FROM messages m JOIN chats c ON c.id = m.chat_id
		WHERE m.sender_id = ? AND m.sync_id = ?`, a.ID, syncID).Scan(&id, &uid)
	if errors.Is(err, sql.ErrNoRows) {
		return MessageJSON{}, false, nil
	}
	if err != nil {
		return MessageJSON{}, false, fmt.Errorf("find sent message: %w", err)
	}
	if uid != chatUID {
		return MessageJSON{}, false, web.Invalid("sync_id", "sync_id_used", "this sync_id was already used for a message in another chat; make a new one for each message")
	}
	ms, err := s.messagesByID(ctx, q, a.ID, []int64{id})
	if err != nil || len(ms) == 0 {
		return MessageJSON{}, false, err
	}
	return ms[0], true, nil
}

func normalizeMentions(in []string, body string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, m := range in {
		m = strings.ToLower(strings.TrimSpace(m))
		switch {
		case m == "all" || m == "@all":
			add("@all")
		case len(m) == 36:
			add(m)
		case strings.HasPrefix(m, "##") && len(m) == 38:
			// A link to an open chat, which anyone reading may join.
			add(m)
		default:
			return nil, web.Invalid("mentions", "bad_mention", fmt.Sprintf("a mention is a user's HUID, \"all\" or ## and an open chat's id, not %q", truncate(m, 40)))
		}
	}
	if strings.Contains(body, "#") { // the regexp costs more than a send's SQL
		for _, t := range tagMention.FindAllStringSubmatch(body, 20) {
			add("#" + strings.ToLower(t[1]))
		}
	}
	if len(out) > 100 {
		return nil, web.Invalid("mentions", "too_many", "a message mentions at most 100 people or tags")
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// errSyncIDUsed: the sender already sent a message with this sync_id.
var errSyncIDUsed = errors.New("sync_id already used")

var errTooManyIDs = web.Errorf(http.StatusBadRequest, "too_many", "", "too many messages at once")

// threadCount tells the parent chat of a discussion its new comment count.
func threadCount(tx *stmtTx, log *eventLog, d Chat) error {
	var parentUID, parentKind string
	var comments int
	err := tx.QueryRow(`SELECT p.uid, p.kind, (SELECT count(*) FROM messages WHERE chat_id = ? AND kind = 'text' AND deleted_at IS NULL)
		FROM chats p WHERE p.id = ?`, d.ID, d.ParentChat).Scan(&parentUID, &parentKind, &comments)
	if err != nil {
		return fmt.Errorf("discussion's parent: %w", err)
	}
	payload := map[string]any{"chat_id": parentUID, "message_id": d.ParentMessage, "thread": ThreadRef{ChatID: d.UID, Comments: comments}}
	ev := event{audience: toAll, chatID: d.ParentChat, typ: "thread.updated", payload: payload}
	if parentKind == Channel {
		ev.audience, ev.sub = toSplit, payload
	}
	log.add(ev)
	return nil
}
