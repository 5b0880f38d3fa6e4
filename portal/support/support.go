// Package support runs the support desks: client support tickets, technical
// support tickets with SLA clocks, and feature requests. Tickets live in
// Parley; when a desk is linked to Jira, the jira package mirrors them there
// and brings their status back.
package support

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"parley/portal/diagnostics"
	"parley/portal/jira"
	"parley/server/files"
	"parley/server/store"
	"parley/server/web"
)

// Kind is which desk a ticket belongs to.
type Kind string

const (
	KindClient    Kind = "client"    // end users; free; tracked without SLA
	KindTechnical Kind = "technical" // administrators under a service contract; SLA
	KindFeature   Kind = "feature"   // feature requests
)

// Kinds lists the desks in the order pages show them.
var Kinds = []Kind{KindClient, KindTechnical, KindFeature}

func (k Kind) valid() bool { return k == KindClient || k == KindTechnical || k == KindFeature }

// Status is where a ticket stands. The last four are what the seed's client
// desk promises to tell the user: taken into a sprint, planned, rejected, done.
type Status string

const (
	StatusNew      Status = "new"       // nobody from support has answered yet
	StatusOpen     Status = "open"      // support is working on it
	StatusWaiting  Status = "waiting"   // support waits for the requester's answer
	StatusPlanned  Status = "planned"   // accepted by development, not yet scheduled
	StatusInSprint Status = "in_sprint" // taken into a development sprint
	StatusDone     Status = "done"
	StatusRejected Status = "rejected"
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusOpen, StatusWaiting, StatusPlanned, StatusInSprint, StatusDone, StatusRejected}

func (s Status) valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Closed reports whether the ticket needs no more work.
func (s Status) Closed() bool { return s == StatusDone || s == StatusRejected }

// Priority orders work and picks the SLA of a technical ticket.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists priorities from the lowest.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

func (p Priority) valid() bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
}

// Errors a caller tells apart; each knows its answer (web.Site.Fail).
var (
	ErrNotFound  = web.Errorf(http.StatusNotFound, "not_found", "error.not_found", "no such ticket")
	ErrForbidden = web.Errorf(http.StatusForbidden, "forbidden", "error.forbidden", "only support staff may do that")
)

// ValidationError names the field that is wrong and why: the one shape
// shared by every package; pages translate it by Field and Code.
type ValidationError = web.ValidationError

func invalid(field, code, msg string) error { return web.Invalid(field, code, msg) }

// Notify delivers a notification e-mail; the server's mail service in
// production, a recorder in tests, nil to send none.
type Notify func(ctx context.Context, to, subject, text string) error

// Options configures the service.
type Options struct {
	Log       *slog.Logger
	PublicURL string // Parley's base URL, for links in mail and Jira
	DataDir   string
	Files     *files.Store // where attachments are kept
	Notify    Notify
	// MailConfigured reports whether mail is really sent (an SMTP server
	// is set); nil means it is not.
	MailConfigured func() bool
	Lang           string // language of mail to people who chose none
	// Announce posts to the organisation's support channel in the
	// messenger (new tickets, Jira links); nil posts nothing.
	Announce func(ctx context.Context, text string) error
	Now      func() time.Time
}

// Service is the support desks.
type Service struct {
	db     *store.DB
	jira   *jira.Service
	diag   *diagnostics.Service
	log    *slog.Logger
	public string
	store  *files.Store
	// oldFiles is DATA/files/tickets, where attachments were kept before
	// the file store; emptied at start (attachments_move.go).
	oldFiles string
	notify   Notify
	announce func(ctx context.Context, text string) error
	// mailConfigured: see Options.MailConfigured.
	mailConfigured func() bool
	lang           string
	now            func() time.Time
}

// New opens the support desks, kept in Parley only until LinkJira.
func New(db *store.DB, diag *diagnostics.Service, opt Options) (*Service, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Lang == "" {
		opt.Lang = "ru"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Files == nil {
		return nil, errors.New("support desks: no file store given")
	}
	s := &Service{db: db, diag: diag, log: opt.Log, public: opt.PublicURL, store: opt.Files,
		oldFiles: filepath.Join(opt.DataDir, "files", "tickets"),
		notify:   opt.Notify, announce: opt.Announce, mailConfigured: opt.MailConfigured, lang: opt.Lang, now: opt.Now}
	// Attachments are small (MaxAttachmentBytes), so the move is done
	// before the desks open; a file it cannot move is logged and still
	// served from its old place.
	if err := s.moveOldAttachments(context.Background()); err != nil {
		s.log.Error("move ticket attachments into the file store", "err", err)
	}
	return s, nil
}

// TicketURL is the page of a ticket, absolute when the public URL is known.
func (s *Service) TicketURL(id int64) string {
	return fmt.Sprintf("%s/support/tickets/%d", s.public, id)
}

// LinkJira connects the desks to the Jira outbox. It is separate from New
// because the jira service reports back through the desks' JiraLinked and
// JiraStatus, so each needs the other; call it before serving requests.
func (s *Service) LinkJira(j *jira.Service) { s.jira = j }
