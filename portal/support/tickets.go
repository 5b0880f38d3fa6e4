package support

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/portal/jira"
	"parley/server/accounts"
	"parley/server/store"
)

// Person is someone a ticket names: its requester, assignee or a post's author.
type Person struct {
	ID    int64
	HUID  string
	Name  string
	Staff bool
}

// Ticket is one support request.
type Ticket struct {
	ID        int64
	Kind      Kind
	Status    Status
	Priority  Priority
	Subject   string
	Body      string
	Fields    map[string]string // feature requests: see FeatureFields
	Requester Person
	Assignee  *Person
	PlusOnes  int
	JiraKey   string
	CreatedAt time.Time
	UpdatedAt time.Time
	// SLA clocks of a technical ticket; zero times mean "none" or "not yet".
	FirstResponseDue, ResolutionDue time.Time
	FirstResponseAt, ResolvedAt     time.Time
}

// Limits of what a person may type.
const (
	MaxSubject = 200
	MaxBody    = 20000
	MaxField   = 4000
)

// NewTicket is what a requester submits.
type NewTicket struct {
	Kind     Kind
	Subject  string
	Body     string
	Priority Priority // technical support only; empty means normal
	Fields   map[string]string
}

// Viewer is who asks, as the desks need to know them.
type Viewer struct {
	ID    int64
	Staff bool // support staff and administrators
	Admin bool
}

// ViewerOf turns the signed-in user into a Viewer.
func ViewerOf(u accounts.User) Viewer {
	return Viewer{ID: u.ID, Staff: u.IsStaff(), Admin: u.Role == accounts.RoleAdmin}
}

// CanFile reports whether the viewer may open a ticket at this desk: the
// technical desk serves administrators under a service contract.
func (v Viewer) CanFile(k Kind) bool {
	return k != KindTechnical || v.Staff
}

// validate checks and tidies a new ticket, reporting the first problem.
func (nt *NewTicket) validate(v Viewer) error {
	nt.Subject = strings.TrimSpace(nt.Subject)
	nt.Body = strings.TrimSpace(strings.ReplaceAll(nt.Body, "\r\n", "\n"))
	switch {
	case !nt.Kind.valid():
		return invalid("kind", "bad_choice", "choose client, technical or feature")
	case !v.CanFile(nt.Kind):
		return invalid("kind", "forbidden", "technical support is for administrators under a service contract")
	case nt.Subject == "":
		return invalid("subject", "required", "write a short subject")
	case utf8.RuneCountInString(nt.Subject) > MaxSubject:
		return invalid("subject", "too_long", fmt.Sprintf("the subject is longer than %d characters", MaxSubject))
	case strings.ContainsAny(nt.Subject, "\r\n"):
		return invalid("subject", "one_line", "the subject must be one line")
	case nt.Body == "" && nt.Kind != KindFeature:
		return invalid("body", "required", "describe the problem")
	case utf8.RuneCountInString(nt.Body) > MaxBody:
		return invalid("body", "too_long", fmt.Sprintf("the description is longer than %d characters", MaxBody))
	}
	if nt.Priority == "" {
		nt.Priority = PriorityNormal
	}
	if !nt.Priority.valid() {
		return invalid("priority", "bad_choice", "choose low, normal, high or urgent")
	}
	if nt.Priority != PriorityNormal && nt.Kind != KindTechnical {
		return invalid("priority", "technical_only", "only technical support tickets have a priority; a feature request gives its importance in fields.priority")
	}
	if nt.Kind == KindFeature {
		fields, err := validateFeature(nt.Fields)
		if err != nil {
			return err
		}
		nt.Fields = fields
	} else if len(nt.Fields) > 0 {
		return invalid("fields", "feature_only", "fields belong to feature requests only")
	}
	return nil
}

// Create files a new ticket for the viewer. When the desk is linked to Jira
// and creates issues on submit, the Jira issue is queued in the same
// transaction, so the ticket never exists without its pending Jira call.
func (s *Service) Create(ctx context.Context, v Viewer, nt NewTicket) (Ticket, error) {
	if err := nt.validate(v); err != nil {
		return Ticket{}, err
	}
	now := s.now()
	fields, _ := json.Marshal(nt.Fields)
	if nt.Fields == nil {
		fields = []byte("{}")
	}
	var firstDue, resolveDue string
	if nt.Kind == KindTechnical {
		sla, err := s.SLA(ctx)
		if err != nil {
			return Ticket{}, err
		}
		first, resolve := sla.Due(nt.Priority, now)
		firstDue, resolveDue = store.FormatTime(first), store.FormatTime(resolve)
	}
	var id int64
	toJira := s.jira != nil && s.jira.Configured(string(nt.Kind)) && s.jira.CreateOnSubmit(string(nt.Kind))
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tickets (kind, status, priority, subject, body, fields, requester_id,
			created_at, updated_at, requester_at, first_response_due, resolution_due) VALUES (?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nt.Kind, nt.Priority, nt.Subject, nt.Body, string(fields), v.ID, store.FormatTime(now), store.FormatTime(now),
			store.FormatTime(now), firstDue, resolveDue)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		if toJira {
			return s.enqueueCreate(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return Ticket{}, fmt.Errorf("create ticket: %w", err)
	}
	if toJira {
		s.jira.Kick()
	}
	t, err := s.get(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	s.log.Info("ticket created", "ticket", id, "kind", nt.Kind, "jira", toJira)
	s.mailRequester(ctx, t, "support.mail.created", "")
	s.mailStaff(ctx, t, v.ID, "support.mail.staff_new", t.Body)
	s.announceToStaff(ctx, t, "support.channel.new_ticket")
	return t, nil
}

// enqueueCreate queues the Jira issue of a ticket inside tx.
func (s *Service) enqueueCreate(ctx context.Context, tx *sql.Tx, id int64) error {
	t, err := scanTicket(tx.QueryRowContext(ctx, selectTicket+" WHERE t.id = ?", id))
	if err != nil {
		return err
	}
	return s.jira.EnqueueCreate(ctx, tx, jira.Issue{
		TicketID:  t.ID,
		Kind:      string(t.Kind),
		Subject:   t.Subject,
		Body:      t.Body,
		URL:       s.TicketURL(t.ID),
		Requester: t.Requester.Name,
		Priority:  string(t.Priority),
		Fields:    t.Fields,
	})
}

const selectTicket = `SELECT t.id, t.kind, t.status, t.priority, t.subject, t.body, t.fields, t.plus_ones, t.jira_key,
	t.created_at, t.updated_at, t.first_response_due, t.resolution_due, t.first_response_at, t.resolved_at,
	r.id, r.huid, coalesce(nullif(r.name, ''), r.email, r.login, ''), r.role,
	a.id, a.huid, coalesce(nullif(a.name, ''), a.email, a.login, ''), a.role
	FROM tickets t JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assignee_id`

func scanTicket(row interface{ Scan(...any) error }) (Ticket, error) {
	var t Ticket
	var fields, created, updated, firstDue, resolveDue, firstAt, resolvedAt, reqRole string
	var aID sql.NullInt64
	var aHUID, aName, aRole sql.NullString
	err := row.Scan(&t.ID, &t.Kind, &t.Status, &t.Priority, &t.Subject, &t.Body, &fields, &t.PlusOnes, &t.JiraKey,
		&created, &updated, &firstDue, &resolveDue, &firstAt, &resolvedAt,
		&t.Requester.ID, &t.Requester.HUID, &t.Requester.Name, &reqRole,
		&aID, &aHUID, &aName, &aRole)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read ticket: %w", err)
	}
	t.Requester.Staff = reqRole != string(accounts.RoleUser)
	if aID.Valid {
		t.Assignee = &Person{ID: aID.Int64, HUID: aHUID.String, Name: aName.String, Staff: aRole.String != string(accounts.RoleUser)}
	}
	if err := json.Unmarshal([]byte(fields), &t.Fields); err != nil {
		return t, fmt.Errorf("read ticket %d fields: %w", t.ID, err)
	}
	t.CreatedAt, _ = store.ParseTime(created)
	t.UpdatedAt, _ = store.ParseTime(updated)
	t.FirstResponseDue = optionalTime(firstDue)
	t.ResolutionDue = optionalTime(resolveDue)
	t.FirstResponseAt = optionalTime(firstAt)
	t.ResolvedAt = optionalTime(resolvedAt)
	return t, nil
}

func optionalTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := store.ParseTime(s)
	return t
}

func (s *Service) get(ctx context.Context, id int64) (Ticket, error) {
	return scanTicket(s.db.Read.QueryRowContext(ctx, selectTicket+" WHERE t.id = ?", id))
}

// Access is what a viewer may do with a ticket.
type Access int

const (
	AccessNone     Access = iota
	AccessReader          // a feature request anyone in the organisation may read and +1
	AccessFollower        // joined it with "+1": reads it and gets its news
	AccessOwner           // the requester
	AccessStaff           // support staff: everything, internal notes included
)

func (s *Service) access(ctx context.Context, v Viewer, t Ticket) (Access, error) {
	switch {
	case v.Staff:
		return AccessStaff, nil
	case t.Requester.ID == v.ID:
		return AccessOwner, nil
	case t.Kind != KindFeature:
		return AccessNone, nil
	}
	var one int
	err := s.db.Read.QueryRowContext(ctx, "SELECT 1 FROM ticket_followers WHERE ticket_id = ? AND user_id = ?", t.ID, v.ID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return AccessReader, nil
	}
	if err != nil {
		return AccessNone, fmt.Errorf("read followers of ticket %d: %w", t.ID, err)
	}
	return AccessFollower, nil
}

// Get loads a ticket the viewer may see, and what they may do with it.
// Someone else's ticket is "not found", never "forbidden": its existence is
// not the viewer's business.
func (s *Service) Get(ctx context.Context, v Viewer, id int64) (Ticket, Access, error) {
	t, err := s.get(ctx, id)
	if err != nil {
		return Ticket{}, AccessNone, err
	}
	a, err := s.access(ctx, v, t)
	if err != nil {
		return Ticket{}, AccessNone, err
	}
	if a == AccessNone {
		return Ticket{}, AccessNone, ErrNotFound
	}
	return t, a, nil
}

// MinePage is how many of their own tickets one page shows a requester,
// on /support and through the API (the queue's page size).
const MinePage = 50

// Mine lists one page of the tickets the viewer filed or follows, newest
// activity first, and how many there are in all. The order ends on the id,
// so pages neither repeat nor skip a ticket while nothing changes.
func (s *Service) Mine(ctx context.Context, v Viewer, offset, limit int) ([]Ticket, int, error) {
	const mine = ` WHERE t.requester_id = ? OR t.id IN (SELECT ticket_id FROM ticket_followers WHERE user_id = ?)`
	var total int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM tickets t"+mine, v.ID, v.ID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count own tickets: %w", err)
	}
	if limit <= 0 {
		limit = MinePage
	}
	list, err := s.list(ctx, selectTicket+mine+` ORDER BY t.updated_at DESC, t.id DESC LIMIT ? OFFSET ?`,
		v.ID, v.ID, limit, max(offset, 0))
	return list, total, err
}

func (s *Service) list(ctx context.Context, q string, args ...any) ([]Ticket, error) {
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var out []Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return out, nil
}

// QueueFilter narrows the staff queue. Empty fields do not filter.
type QueueFilter struct {
	Kind     Kind
	Status   string // a Status, or "active" for every status not closed
	Priority Priority
	Breached bool   // only tickets past an SLA due time
	Assignee string // "me", "none" or a user id
	Query    string // words in the subject or body
	Unread   bool   // only tickets unread for the viewer (see unreadCond)
	Offset   int
	Limit    int
}

// Queue lists tickets for support staff: SLA breaches first, then the
// nearest due time, then the most recently active.
func (s *Service) Queue(ctx context.Context, v Viewer, f QueueFilter) ([]Ticket, int, error) {
	if !v.Staff {
		return nil, 0, ErrForbidden
	}
	now := store.FormatTime(s.now())
	where := []string{"1 = 1"}
	var args []any
	if f.Kind != "" {
		where = append(where, "t.kind = ?")
		args = append(args, f.Kind)
	}
	switch {
	case f.Status == "active":
		where = append(where, "t.status NOT IN ('done', 'rejected')")
	case f.Status != "":
		where = append(where, "t.status = ?")
		args = append(args, f.Status)
	}
	if f.Priority != "" {
		where = append(where, "t.priority = ?")
		args = append(args, f.Priority)
	}
	breached := `((t.first_response_due <> '' AND ((t.first_response_at = '' AND t.first_response_due < @now) OR t.first_response_at > t.first_response_due))
		OR (t.resolution_due <> '' AND ((t.resolved_at = '' AND t.resolution_due < @now) OR t.resolved_at > t.resolution_due)))`
	switch f.Assignee {
	case "":
	case "me":
		where = append(where, "t.assignee_id = ?")
		args = append(args, v.ID)
	case "none":
		where = append(where, "t.assignee_id IS NULL")
	default:
		where = append(where, "t.assignee_id = ?")
		args = append(args, f.Assignee)
	}
	if match := ftsQuery(f.Query); match != "" {
		where = append(where, "t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)")
		args = append(args, match)
	}
	if f.Unread {
		where = append(where, unreadCond(v.ID))
	}
	// Last, after every "?": the driver binds a plain "?" by its position
	// among all parameters, so none may follow the named @now.
	if f.Breached {
		where = append(where, breached)
	}
	cond := strings.Join(where, " AND ")
	args = append(args, sql.Named("now", now))
	var total int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM tickets t WHERE "+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count queue: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	list, err := s.list(ctx, selectTicket+" WHERE "+cond+` ORDER BY (t.status IN ('done', 'rejected')), `+breached+` DESC,
		CASE WHEN t.first_response_at = '' AND t.first_response_due <> '' THEN t.first_response_due
		     WHEN t.resolved_at = '' AND t.resolution_due <> '' THEN t.resolution_due ELSE '9' END,
		t.updated_at DESC, t.id DESC LIMIT @limit OFFSET @offset`,
		append(args, sql.Named("limit", f.Limit), sql.Named("offset", max(f.Offset, 0)))...)
	return list, total, err
}

// ftsQuery turns what a person typed into an FTS5 query that matches any of
// the words by prefix, so "уведомлен" finds "уведомления". Punctuation and
// FTS syntax are dropped: the query can never be malformed.
func ftsQuery(typed string) string {
	var terms []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(typed), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if utf8.RuneCountInString(w) < 2 || seen[w] || stopWords[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, `"`+w+`"*`)
		if len(terms) == 12 {
			break
		}
	}
	return strings.Join(terms, " OR ")
}

// stopWords are too common to say anything about a ticket.
var stopWords = map[string]bool{
	"the": true, "and": true, "not": true, "for": true, "with": true, "when": true, "does": true, "can": true,
	"не": true, "и": true, "в": true, "на": true, "с": true, "по": true, "как": true, "что": true, "при": true, "это": true,
}

// Similar finds tickets like the typed subject that the viewer may see:
// their own, and every feature request (which anyone may join with "+1").
func (s *Service) Similar(ctx context.Context, v Viewer, typed string, limit int) ([]Ticket, error) {
	match := ftsQuery(typed)
	if match == "" {
		return nil, nil
	}
	visible := "(t.requester_id = ? OR t.kind = 'feature' OR ?)"
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rowid, bm25(tickets_fts, 3.0, 1.0) FROM tickets_fts WHERE tickets_fts MATCH ?
		ORDER BY bm25(tickets_fts, 3.0, 1.0) LIMIT 200`, match)
	if err != nil {
		return nil, fmt.Errorf("search tickets: %w", err)
	}
	rank := map[int64]float64{}
	var ids []any
	for rows.Next() {
		var id int64
		var score float64
		if err := rows.Scan(&id, &score); err != nil {
			rows.Close()
			return nil, fmt.Errorf("search tickets: %w", err)
		}
		rank[id] = score
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := s.list(ctx, selectTicket+" WHERE "+visible+" AND t.id IN (?"+strings.Repeat(", ?", len(ids)-1)+")",
		append([]any{v.ID, v.Staff}, ids...)...)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(list, func(i, j int) bool { return rank[list[i].ID] < rank[list[j].ID] })
	if len(list) > limit {
		list = list[:limit]
	}
	return list, nil
}
