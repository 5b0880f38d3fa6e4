package chats

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"parley/server/realtime"
)

// Who receives an event (events.audience).
const (
	toAll      = "all"      // every member of the chat, one payload
	toSplit    = "split"    // channel: admins the full payload, subscribers the trimmed one
	toAdmins   = "admins"   // the chat's admins only
	toUser     = "user"     // one user
	toEveryone = "everyone" // every user of the server (the global chat)
)

// EventRetention is how long numbered events are kept for replay; a client
// that was away longer resyncs.
const EventRetention = 7 * 24 * time.Hour

// event is one numbered event a change reports.
type event struct {
	audience string
	chatID   int64
	userID   int64
	typ      string
	payload  any // marshalled with "type" added
	sub      any // channel subscribers' version; nil with toSplit: they get nothing
	// endSession closes that session's sockets once the event is delivered.
	endSession int64
	// session limits live delivery to one session's sockets.
	session int64
}

// eventLog collects what one change reports: the events it writes in its
// savepoint (published holds what to hand the hub after commit) and the
// search index changes, which the batch writes after every savepoint is
// released — FTS5 flushes its pending index at each savepoint's end, and a
// flush per message cost more than the rest of a send.
type eventLog struct {
	now       time.Time
	plainSend bool // the change may use the writer's cache (writerCache)
	events    []event
	published []realtime.Delivery
	terms     []termChange
}

// termChange replaces a message's indexed terms ("" removes them).
type termChange struct {
	id     int64
	chat   int64
	terms  string
	remove bool // the message was indexed before
}

// chatToken is how the index names a chat.
func chatToken(id int64) string { return "c" + strconv.FormatInt(id, 10) }

// index adds a new message's words (its terms) to the search index.
func (l *eventLog) index(id, chat int64, t string) {
	if t != "" {
		l.terms = append(l.terms, termChange{id: id, chat: chat, terms: t})
	}
}

// reindex replaces an edited or deleted message's words.
func (l *eventLog) reindex(id, chat int64, body string) {
	l.terms = append(l.terms, termChange{id: id, chat: chat, terms: terms(body), remove: true})
}

// writeTerms applies the batch's index changes, in order, in the batch's
// transaction: a message and its terms commit together or not at all.
func writeTerms(tx *stmtTx, logs []*eventLog) error {
	for _, l := range logs {
		if l == nil {
			continue
		}
		for _, t := range l.terms {
			if t.remove {
				if _, err := tx.Exec("DELETE FROM message_terms WHERE rowid = ?", t.id); err != nil {
					return fmt.Errorf("unindex message %d: %w", t.id, err)
				}
			}
			if t.terms != "" {
				if _, err := tx.Exec("INSERT INTO message_terms (rowid, terms, chat) VALUES (?, ?, ?)", t.id, t.terms, chatToken(t.chat)); err != nil {
					return fmt.Errorf("index message %d: %w", t.id, err)
				}
			}
		}
	}
	return nil
}

func (l *eventLog) add(e event) { l.events = append(l.events, e) }

// flush stores the change's events and resolves who gets each.
func (l *eventLog) flush(s *Service, tx *stmtTx) error {
	for _, e := range l.events {
		data, err := eventJSON(e.typ, e.payload)
		if err != nil {
			return err
		}
		var sub []byte
		if e.sub != nil {
			if sub, err = eventJSON(e.typ, e.sub); err != nil {
				return err
			}
		}
		var seq int64
		err = tx.QueryRow(`INSERT INTO events (audience, chat_id, user_id, type, payload, sub_payload, created_at)
			VALUES (?, nullif(?, 0), nullif(?, 0), ?, ?, ?, ?) RETURNING seq`,
			e.audience, e.chatID, e.userID, e.typ, data, nullBytes(sub), l.now.UnixMilli()).Scan(&seq)
		if err != nil {
			return fmt.Errorf("store %s event: %w", e.typ, err)
		}
		d := realtime.Delivery{Seq: seq, Data: data, SubData: sub, EndSession: e.endSession, Session: e.session}
		switch e.audience {
		case toEveryone:
			d.Everyone = true
		case toUser:
			d.Users = []int64{e.userID}
		default:
			if err := s.recipients(tx, e, &d); err != nil {
				return err
			}
		}
		l.published = append(l.published, d)
	}
	return nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// eventJSON is payload's JSON object with "type" first; realtime adds "seq".
func eventJSON(typ string, payload any) ([]byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", typ, err)
	}
	head, _ := json.Marshal(typ)
	out := make([]byte, 0, len(body)+len(head)+10)
	out = append(out, `{"type":`...)
	out = append(out, head...)
	if len(body) > 2 { // more than {}
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

// Replay returns the numbered events user may see after since, in order, at
// most limit of them. resync is true when since is older than what the log
// still holds (or newer than anything it ever held): the client must reload.
func (s *Service) Replay(ctx context.Context, userID, since int64, limit int) (frames []realtime.Frame, resync bool, err error) {
	tx, err := s.readTx(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("replay: %w", err)
	}
	defer tx.done()
	var purged, newest int64
	err = tx.QueryRowContext(ctx, `SELECT purged_upto, coalesce((SELECT max(seq) FROM events), purged_upto) FROM event_log`).Scan(&purged, &newest)
	if err != nil {
		return nil, false, fmt.Errorf("replay: event log state: %w", err)
	}
	if since < purged || since > newest {
		return nil, true, nil
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT e.seq, CASE WHEN e.audience = 'split' AND m.role <> 'admin' THEN e.sub_payload ELSE e.payload END
		FROM chat_members m JOIN events e ON e.chat_id = m.chat_id AND e.seq > ? AND e.seq > m.joined_seq
		WHERE m.user_id = ?
		  AND (e.audience = 'all' OR m.role = 'admin' OR (e.audience = 'split' AND e.sub_payload IS NOT NULL))
		UNION ALL
		SELECT seq, payload FROM events WHERE user_id = ? AND audience = 'user' AND seq > ?
		UNION ALL
		SELECT seq, payload FROM events WHERE audience = 'everyone' AND seq > ?
		ORDER BY 1 LIMIT ?`, since, userID, userID, since, since, limit)
	if err != nil {
		return nil, false, fmt.Errorf("replay for user %d since %d: %w", userID, since, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f realtime.Frame
		if err := rows.Scan(&f.Seq, &f.Data); err != nil {
			return nil, false, fmt.Errorf("replay: %w", err)
		}
		frames = append(frames, f)
	}
	return frames, false, rows.Err()
}

// CurrentSeq is the newest event number: what a snapshot taken now reflects.
func currentSeq(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT coalesce((SELECT max(seq) FROM events), (SELECT purged_upto FROM event_log))`).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("current event number: %w", err)
	}
	return seq, nil
}

// purgeChunk bounds one purge transaction: a week of a busy server's
// events deleted at once would hold the writer for seconds.
const purgeChunk = 10_000

// purgeEvents deletes events older than the retention, a chunk per
// transaction, and remembers how far it went, so that older resumes resync
// instead of silently missing events.
func (s *Service) purgeEvents(ctx context.Context) error {
	cutoff := s.now().Add(-EventRetention).UnixMilli()
	for {
		deleted := 0
		err := s.write(ctx, func(tx *stmtTx, _ *eventLog) error {
			var upto sql.NullInt64
			if err := tx.QueryRow(`SELECT max(seq) FROM (SELECT seq FROM events WHERE created_at < ? ORDER BY seq LIMIT ?)`,
				cutoff, purgeChunk).Scan(&upto); err != nil {
				return fmt.Errorf("purge events: %w", err)
			}
			if !upto.Valid {
				return nil
			}
			res, err := tx.Exec("DELETE FROM events WHERE seq <= ?", upto.Int64)
			if err != nil {
				return fmt.Errorf("purge events: %w", err)
			}
			n, _ := res.RowsAffected()
			deleted = int(n)
			_, err = tx.Exec("UPDATE event_log SET purged_upto = max(purged_upto, ?)", upto.Int64)
			return err
		})
		if err != nil || deleted < purgeChunk {
			return err
		}
	}
}
