package jira

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"parley/server/store"
)

// link is a ticket's row of jira_links.
type link struct {
	TicketID     int64
	Kind         Kind
	BaseURL      string
	Key, IssueID string
	Announced    bool
	Status       Status
	JiraStatus   string
	Category     string
	Resolution   string
	Sprint       string
	SprintActive bool
	StatusAtMS   int64
	Failed       bool
	Error        string
}

const selectLink = `SELECT ticket_id, kind, base_url, issue_key, issue_id, announced, status, jira_status, status_category,
	resolution, sprint, sprint_active, status_at_ms, failed, error FROM jira_links`

func scanLink(row interface{ Scan(...any) error }) (link, error) {
	var l link
	var status string
	err := row.Scan(&l.TicketID, &l.Kind, &l.BaseURL, &l.Key, &l.IssueID, &l.Announced, &status, &l.JiraStatus, &l.Category,
		&l.Resolution, &l.Sprint, &l.SprintActive, &l.StatusAtMS, &l.Failed, &l.Error)
	l.Status = Status(status)
	return l, err
}

func (s *Service) readLink(ctx context.Context, ticketID int64) (link, bool, error) {
	l, err := scanLink(s.db.Read.QueryRowContext(ctx, selectLink+" WHERE ticket_id = ?", ticketID))
	if errors.Is(err, sql.ErrNoRows) {
		return link{}, false, nil
	}
	if err != nil {
		return link{}, false, fmt.Errorf("read jira link of ticket %d: %w", ticketID, err)
	}
	return l, true, nil
}

// browseURL is where people open an issue.
func browseURL(base, key string) string {
	if base == "" || key == "" {
		return ""
	}
	return base + "/browse/" + key
}

// globalID names a ticket's remote link, the same on every retry.
func (s *Service) globalID(ticketID int64) string {
	return fmt.Sprintf("parley:%s:ticket:%d", s.instance, ticketID)
}

// attempt is what run needs to know of how an op was tried.
type attempt struct {
	host    string // the Jira it talked to; "" when it never got that far
	credKey string // the credentials it used; "" when no call was made
}

// execute performs one op against Jira.
func (s *Service) execute(ctx context.Context, o op) (attempt, error) {
	var at attempt
	l, ok, err := s.readLink(context.WithoutCancel(ctx), o.TicketID)
	if err != nil {
		return at, err
	}
	if !ok {
		return at, &failure{msg: "the ticket is not linked to Jira"}
	}
	ks, _ := s.kindSettings(l.Kind)
	if !ks.Configured() {
		return at, &callError{Class: classConfig, Msg: fmt.Sprintf("Jira is not set up for %s tickets: an administrator sets its address, token and project in the Jira settings", l.Kind)}
	}
	at.host = ks.BaseURL
	now := s.opt.Now()
	if admitted, until := s.circuits.admit(at.host, o.probe && at.host == o.BaseURL, now); !admitted {
		return at, &deferredError{until: until}
	}
	key := credentialsKey(ks)
	if admitted, _, until := s.circuits.admitCreds(key, now); !admitted {
		return at, &deferredError{until: until}
	}
	at.credKey = key
	jc, err := s.client(ks)
	if err != nil {
		return at, err
	}
	if err := s.stopping(); err != nil {
		return at, err
	}
	switch o.Op {
	case opCreate:
		return at, s.create(ctx, jc, ks, o, l)
	case opComment:
		return at, s.comment(ctx, jc, o, l)
	case opRefresh:
		return at, s.refresh(ctx, jc, ks, l)
	}
	return at, &failure{msg: "unknown jira op " + o.Op}
}

// credentialsKey names a Jira account without keeping its token in clear.
func credentialsKey(ks KindSettings) string {
	sum := sha256.Sum256([]byte(ks.Token))
	return ks.BaseURL + "\x00" + ks.User + "\x00" + hex.EncodeToString(sum[:8])
}

// create makes sure the ticket's issue exists (stored key, or found by its
// label on a retry, or created), then links it back to the ticket.
func (s *Service) create(ctx context.Context, jc *jiraClient, ks KindSettings, o op, l link) error {
	var is Issue
	if err := json.Unmarshal([]byte(o.Payload), &is); err != nil {
		return &failure{msg: "the queued issue is unreadable: " + err.Error()}
	}
	is.TicketID, is.Kind = o.TicketID, l.Kind
	marker := s.Marker(o.TicketID)
	key, id := l.Key, l.IssueID
	if key == "" {
		// A retry may follow an attempt whose answer was lost after Jira
		// created the issue: look for it first. The first attempt need not,
		// nor a retry after creates that Jira certainly refused.
		s.mu.Lock()
		if o.Attempts == 1 {
			s.absent[o.ID] = true
		}
		absent := s.absent[o.ID]
		s.mu.Unlock()
		if !absent {
			cloud, err := s.isCloud(ctx, jc)
			if err != nil {
				return err
			}
			if key, id, err = jc.findByLabel(ctx, cloud, marker); err != nil {
				return err
			}
			if key != "" {
				s.log.Info("found the jira issue an earlier attempt created", "ticket", o.TicketID, "key", key)
			}
		}
		if key == "" {
			if err := s.stopping(); err != nil {
				return err
			}
			var err error
			key, id, err = jc.createIssue(ctx, ks, is, []string{"parley", marker})
			var ce *callError
			if err != nil && errors.As(err, &ce) && !ce.MaybeDone && ctx.Err() == nil {
				return err // Jira did not create it: the retry may create at once
			}
			s.mu.Lock()
			delete(s.absent, o.ID)
			s.mu.Unlock()
			if err != nil {
				return err
			}
			s.log.Info("jira issue created", "ticket", o.TicketID, "key", key)
		} else {
			s.mu.Lock()
			delete(s.absent, o.ID)
			s.mu.Unlock()
		}
		if err := s.storeKey(o.TicketID, jc.base, key, id); err != nil {
			return err
		}
		l.BaseURL = jc.base
	}
	icon := ""
	if s.opt.PublicURL != "" {
		icon = s.opt.PublicURL + "/static/img/parley.svg"
	}
	title := fmt.Sprintf("Parley ticket #%d", o.TicketID)
	ticketURL := is.URL
	if !strings.HasPrefix(ticketURL, "http://") && !strings.HasPrefix(ticketURL, "https://") && s.opt.PublicURL != "" {
		ticketURL = s.opt.PublicURL + "/" + strings.TrimPrefix(ticketURL, "/")
	}
	if strings.HasPrefix(ticketURL, "http://") || strings.HasPrefix(ticketURL, "https://") {
		if err := jc.addRemoteLink(ctx, key, s.globalID(o.TicketID), ticketURL, title, is.Subject, icon); err != nil {
			return s.goneCheck(o.TicketID, key, err)
		}
	} else {
		// Jira refuses relative links; without Parley's public URL there is
		// nothing to link to, and the label still ties the issue to the ticket.
		s.log.Warn("no remote link from jira to the ticket: Parley's public URL is not known", "ticket", o.TicketID, "key", key)
	}
	if !l.Announced {
		if s.opt.OnLinked != nil {
			s.opt.OnLinked(context.WithoutCancel(ctx), o.TicketID, key, browseURL(l.BaseURL, key))
		}
		if _, err := s.db.Write.Exec("UPDATE jira_links SET announced = 1 WHERE ticket_id = ?", o.TicketID); err != nil {
			return fmt.Errorf("record jira link of ticket %d: %w", o.TicketID, err)
		}
	}
	return nil
}

// storeKey records the issue at once, before anything else can fail, so
// that no later attempt creates it again.
func (s *Service) storeKey(ticketID int64, base, key, id string) error {
	_, err := s.db.Write.Exec(`UPDATE jira_links SET base_url = ?, issue_key = ?, issue_id = ?, failed = 0, error = '', updated_at = ?
		WHERE ticket_id = ?`, base, key, id, store.FormatTime(s.opt.Now()), ticketID)
	if err != nil {
		return fmt.Errorf("store jira key %s of ticket %d: %w", key, ticketID, err)
	}
	return nil
}

// isCloud asks once per Jira whether it is Cloud (cached per base URL).
func (s *Service) isCloud(ctx context.Context, jc *jiraClient) (bool, error) {
	s.mu.RLock()
	dt, ok := s.deploy[jc.base]
	s.mu.RUnlock()
	if !ok {
		var err error
		if dt, err = jc.deploymentType(ctx); err != nil {
			return false, err
		}
		s.mu.Lock()
		s.deploy[jc.base] = dt
		s.mu.Unlock()
	}
	return dt == "Cloud", nil
}

// comment mirrors a reply, unless a retry finds Jira already has it.
func (s *Service) comment(ctx context.Context, jc *jiraClient, o op, l link) error {
	if l.Key == "" || l.Failed {
		msg := "the ticket has no Jira issue to comment on"
		if l.Failed {
			msg = "the ticket's Jira issue was deleted; escalate the ticket again to create a new one"
		}
		return &failure{msg: msg}
	}
	var c commentPayload
	if err := json.Unmarshal([]byte(o.Payload), &c); err != nil {
		return &failure{msg: "the queued comment is unreadable: " + err.Error()}
	}
	if o.Attempts > 1 {
		existing, err := jc.comments(ctx, l.Key)
		if err != nil {
			return s.goneCheck(o.TicketID, l.Key, err)
		}
		for _, ec := range existing {
			if id, ok := commentPost(ec.Body); ok && id == o.PostID {
				s.log.Info("found the jira comment an earlier attempt posted", "ticket", o.TicketID, "key", l.Key, "post", o.PostID)
				return nil
			}
		}
	}
	if err := s.stopping(); err != nil {
		return err
	}
	if err := jc.addComment(ctx, l.Key, commentText(c.Author, c.Body, o.PostID)); err != nil {
		return s.goneCheck(o.TicketID, l.Key, err)
	}
	return nil
}

// refresh re-reads the issue and applies what changed.
func (s *Service) refresh(ctx context.Context, jc *jiraClient, ks KindSettings, l link) error {
	if l.Key == "" || l.Failed {
		return nil
	}
	is, err := jc.getIssue(ctx, l.Key)
	if err != nil {
		return s.goneCheck(l.TicketID, l.Key, err)
	}
	field := s.sprintFieldOf(jc.base, ks)
	f := readIssue(is, field)
	if !f.SprintKnown && field == "" {
		// No sprint in sight: ask Jira which field is the sprint field, once.
		if id, err := jc.sprintField(ctx); err == nil && id != "" {
			s.learnSprintField(jc.base, id)
			f = readIssue(is, id)
		}
	} else if f.SprintKnown && field == "" {
		s.learnSprintField(jc.base, f.SprintField)
	}
	if !f.HasStatus {
		return &callError{Class: classTransient, Msg: "read " + l.Key + ": Jira's answer has no status"}
	}
	at := f.UpdatedMS
	if at == 0 {
		at = s.opt.Now().UnixMilli()
	}
	changes, err := s.applyFacts(context.Background(), []link{l}, f, at)
	if err != nil {
		return err
	}
	s.announce(context.WithoutCancel(ctx), changes)
	return nil
}

// goneCheck turns a 404/410 on an issue that existed into a permanent
// failure and marks the link deleted; other errors pass through.
func (s *Service) goneCheck(ticketID int64, key string, err error) error {
	var ce *callError
	if !errors.As(err, &ce) || ce.Class != classGone {
		return err
	}
	msg := fmt.Sprintf("the Jira issue %s no longer exists (deleted or moved out of reach); the ticket stays in Parley and may be escalated again", key)
	s.markGone(ticketID, key, msg)
	return &failure{msg: msg}
}

// markGone records that a ticket's issue was deleted.
func (s *Service) markGone(ticketID int64, key, msg string) {
	res, err := s.db.Write.Exec("UPDATE jira_links SET failed = 1, error = ?, updated_at = ? WHERE ticket_id = ? AND issue_key = ? AND failed = 0",
		msg, store.FormatTime(s.opt.Now()), ticketID, key)
	if err != nil {
		s.log.Error("mark jira issue deleted", "ticket", ticketID, "key", key, "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Warn("jira issue deleted", "ticket", ticketID, "key", key)
		if s.opt.OnFailed != nil {
			s.opt.OnFailed(context.Background(), ticketID, key, msg)
		}
	}
}

func (s *Service) sprintFieldOf(base string, ks KindSettings) string {
	if id := ks.Fields["sprint"]; id != "" {
		return id
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sprintID[base]
}

func (s *Service) learnSprintField(base, id string) {
	if base == "" || id == "" {
		return
	}
	s.mu.Lock()
	s.sprintID[base] = id
	s.mu.Unlock()
}
