// Package mail sends Parley's outgoing mail. Every message is first recorded
// in the outbox table, then delivered in the background through SMTP when a
// server is configured. Without one, messages stay in the outbox, where an
// administrator reads them (GET /admin/mail): that is how an invitation link
// reaches a person on a server that cannot send mail yet.
package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"parley/server/store"
)

// Message is one plain-text mail to one person.
type Message struct {
	To      string // an address, optionally with a name: "Anna <anna@example.org>"
	Subject string
	Text    string // plain text, UTF-8

	// Set by the Service from the outbox, so that a retried message keeps
	// its identity; a direct Sender call leaves them empty.
	messageID string
	date      time.Time
}

// Sender delivers one message; SMTPSender is the real one.
type Sender interface {
	Send(ctx context.Context, from string, m Message) error
}

// State is where a recorded message stands.
type State string

const (
	StateQueued  State = "queued"   // waiting for (another) delivery attempt
	StateSent    State = "sent"     // the SMTP server accepted it
	StateFailed  State = "failed"   // refused, or every attempt failed
	StateNotSent State = "not_sent" // no SMTP server configured: read it on the outbox page
)

// ErrNotFound is returned for an unknown outbox message.
var ErrNotFound = errors.New("no such message in the outbox")

// Options configure the Service.
type Options struct {
	// SMTPURL is smtp://user:pass@host:587 or smtps://user:pass@host:465;
	// empty means no mail is sent, only recorded.
	SMTPURL string
	// From is the sender address, e.g. "Parley <parley@example.org>";
	// default parley@localhost.
	From string
	Log  *slog.Logger
	Now  func() time.Time
	// Sender replaces the SMTP sender built from SMTPURL (tests).
	Sender Sender
	// RetryDelays are the waits before the second, third… attempts after a
	// temporary failure; their number is the number of retries. Default
	// DefaultRetryDelays.
	RetryDelays []time.Duration
}

// DefaultRetryDelays spread retries over about two and a half hours, long
// enough to outlast a mail server's restart or a greylisting delay.
var DefaultRetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}

// Service records and delivers outgoing mail.
type Service struct {
	db     *store.DB
	sender Sender // nil: no SMTP server configured
	from   string
	log    *slog.Logger
	now    func() time.Time
	retry  []time.Duration

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New checks the options and starts delivering queued mail, including what
// was still queued when the server last stopped. A bad SMTP URL or sender
// address is an error that never repeats the SMTP password.
func New(db *store.DB, opt Options) (*Service, error) {
	s := &Service{db: db, log: opt.Log, now: opt.Now, retry: opt.RetryDelays, sender: opt.Sender,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.retry == nil {
		s.retry = DefaultRetryDelays
	}
	s.from = strings.TrimSpace(opt.From)
	if s.from == "" {
		s.from = "parley@localhost"
	}
	if a, err := netmail.ParseAddress(s.from); err != nil || !strings.Contains(a.Address, "@") {
		return nil, fmt.Errorf("mail sender address %q is not an e-mail address", s.from)
	}
	if s.sender == nil && strings.TrimSpace(opt.SMTPURL) != "" {
		smtpSender, err := NewSMTPSender(opt.SMTPURL)
		if err != nil {
			return nil, err
		}
		s.sender = smtpSender
		s.log.Info("outgoing mail goes through SMTP", "server", smtpSender.String(), "from", s.from)
	}
	if s.sender == nil {
		close(s.done)
		// Mail queued while SMTP was configured cannot go now; an admin reads it instead.
		res, err := db.Write.Exec("UPDATE mail_outbox SET state = 'not_sent', error = 'no SMTP server configured' WHERE state = 'queued'")
		if err != nil {
			return nil, fmt.Errorf("mark queued mail as not sent: %w", err)
		}
		n, _ := res.RowsAffected()
		s.log.Info("no SMTP server configured: outgoing mail is kept on the outbox page /admin/mail", "was_queued", n)
		return s, nil
	}
	go s.run()
	return s, nil
}

// Configured reports whether mail is really sent (an SMTP server is set).
func (s *Service) Configured() bool { return s.sender != nil }

// From is the sender address of every message.
func (s *Service) From() string { return s.from }

// Send records m in the outbox and, when SMTP is configured, queues it for
// delivery in the background; it does not wait for the SMTP server. An
// error means nothing was recorded.
func (s *Service) Send(ctx context.Context, m Message) error {
	to, err := netmail.ParseAddress(strings.TrimSpace(m.To))
	if err != nil || !strings.Contains(to.Address, "@") {
		return fmt.Errorf("mail to %q: not an e-mail address", m.To)
	}
	toText := strings.TrimSpace(m.To)
	subject := oneLine(m.Subject)
	text := strings.ToValidUTF8(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\uFFFD")
	now := s.now()
	state := StateQueued
	if s.sender == nil {
		state = StateNotSent
	}
	var id int64
	err = s.db.Write.QueryRowContext(ctx, `INSERT INTO mail_outbox (message_id, to_addr, subject, body, state, error,
		created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		newMessageID(s.from), toText, subject, text, state, notSentReason(state), store.FormatTime(now), store.FormatTime(now),
	).Scan(&id)
	if err != nil {
		return fmt.Errorf("record mail to %s: %w", to.Address, err)
	}
	if s.sender == nil {
		// Recipient and subject only: bodies carry secrets such as invitation links.
		s.log.Info("mail not sent: no SMTP server configured; an administrator can read it on the outbox page",
			"to", to.Address, "subject", subject, "outbox", fmt.Sprintf("/admin/mail/%d", id))
		return nil
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

func notSentReason(st State) string {
	if st == StateNotSent {
		return "no SMTP server configured"
	}
	return ""
}

// oneLine keeps a subject on one header line and within a sane length.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " ")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 250 {
		s = string([]rune(s)[:249]) + "…"
	}
	return s
}

// Close stops the background delivery, letting an attempt in progress
// finish. Mail still queued goes out after the next start.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		if s.sender != nil {
			close(s.stop)
		}
	})
	<-s.done
	return nil
}

// run delivers due messages one at a time until Close.
func (s *Service) run() {
	defer close(s.done)
	for {
		next, err := s.deliverDue()
		if err != nil {
			s.log.Error("deliver queued mail", "err", err)
			next = s.now().Add(30 * time.Second)
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if !next.IsZero() {
			timer = time.NewTimer(max(0, next.Sub(s.now())))
			fire = timer.C
		}
		select {
		case <-s.stop:
			if timer != nil {
				timer.Stop()
			}
			return
		case <-s.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// deliverDue sends every queued message whose time has come and returns when
// the next one falls due (zero when none waits).
func (s *Service) deliverDue() (time.Time, error) {
	ctx := context.Background()
	for {
		select {
		case <-s.stop:
			return time.Time{}, nil
		default:
		}
		e, err := scanEntry(s.db.Read.QueryRowContext(ctx, "SELECT "+entryColumns+
			" FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1",
			store.FormatTime(s.now())))
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return time.Time{}, err
		}
		if err := s.deliver(ctx, e); err != nil {
			return time.Time{}, err
		}
	}
	var next sql.NullString
	if err := s.db.Read.QueryRowContext(ctx, "SELECT min(next_attempt_at) FROM mail_outbox WHERE state = 'queued'").Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("find next mail attempt: %w", err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	return store.ParseTime(next.String)
}

// deliver makes one attempt and records its outcome.
func (s *Service) deliver(ctx context.Context, e Entry) error {
	m := Message{To: e.To, Subject: e.Subject, Text: e.Text, messageID: e.messageID, date: e.CreatedAt}
	sendErr := s.sender.Send(ctx, s.from, m)
	attempts := e.Attempts + 1
	now := s.now()
	var err error
	switch {
	case sendErr == nil:
		_, err = s.db.Write.ExecContext(ctx, `UPDATE mail_outbox SET state = 'sent', attempts = ?, error = '', sent_at = ?
			WHERE id = ?`, attempts, store.FormatTime(now), e.ID)
		s.log.Info("mail sent", "id", e.ID, "to", e.To, "attempts", attempts)
	case Temporary(sendErr) && attempts <= len(s.retry):
		wait := s.retry[attempts-1]
		_, err = s.db.Write.ExecContext(ctx, `UPDATE mail_outbox SET attempts = ?, error = ?, next_attempt_at = ? WHERE id = ?`,
			attempts, errorText(sendErr), store.FormatTime(now.Add(wait)), e.ID)
		s.log.Warn("mail not delivered; will try again", "id", e.ID, "to", e.To, "attempts", attempts, "retry_in", wait, "err", sendErr)
	default:
		_, err = s.db.Write.ExecContext(ctx, `UPDATE mail_outbox SET state = 'failed', attempts = ?, error = ? WHERE id = ?`,
			attempts, errorText(sendErr), e.ID)
		s.log.Error("mail not delivered; giving up", "id", e.ID, "to", e.To, "attempts", attempts, "err", sendErr)
	}
	if err != nil {
		return fmt.Errorf("record delivery of mail %d: %w", e.ID, err)
	}
	return nil
}

func errorText(err error) string {
	s := strings.ToValidUTF8(err.Error(), "\uFFFD")
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}

// Entry is one recorded message as the outbox page shows it.
type Entry struct {
	ID            int64
	To            string
	Subject       string
	Text          string
	State         State
	Attempts      int
	Error         string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	SentAt        *time.Time
	messageID     string
}

const entryColumns = "id, message_id, to_addr, subject, body, state, attempts, error, created_at, next_attempt_at, sent_at"

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var (
		e             Entry
		created, next string
		sent          sql.NullString
	)
	err := row.Scan(&e.ID, &e.messageID, &e.To, &e.Subject, &e.Text, &e.State, &e.Attempts, &e.Error, &created, &next, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("read outbox message: %w", err)
	}
	if e.CreatedAt, err = store.ParseTime(created); err != nil {
		return e, err
	}
	if next != "" {
		if e.NextAttemptAt, err = store.ParseTime(next); err != nil {
			return e, err
		}
	}
	e.SentAt, err = store.NullTime(sent)
	return e, err
}

// List returns a page of the outbox, newest first, and how many messages
// it holds in all.
func (s *Service) List(ctx context.Context, offset, limit int) ([]Entry, int, error) {
	var total int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM mail_outbox").Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count outbox: %w", err)
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+entryColumns+" FROM mail_outbox ORDER BY id DESC LIMIT ? OFFSET ?",
		limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// Get returns one message with its whole text.
func (s *Service) Get(ctx context.Context, id int64) (Entry, error) {
	return scanEntry(s.db.Read.QueryRowContext(ctx, "SELECT "+entryColumns+" FROM mail_outbox WHERE id = ?", id))
}
