package jira

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"parley/server/store"
	"parley/server/web"
)

// maxWebhookBody bounds a webhook delivery; issues with long descriptions
// and many comments make big ones.
const maxWebhookBody = 4 << 20

// webhookEvent is the part of a Jira webhook Parley reads.
type webhookEvent struct {
	Timestamp    int64      `json:"timestamp"`
	WebhookEvent string     `json:"webhookEvent"`
	Issue        *issueJSON `json:"issue"`
	Changelog    *struct {
		Items []changelogItem `json:"items"`
	} `json:"changelog"`
}

// changelogItem is one changed field. Cloud names the field by fieldId and
// gives sprint ids as "3, 5"; older Server has no fieldId and may send nulls.
type changelogItem struct {
	Field      string  `json:"field"`
	FieldID    string  `json:"fieldId"`
	From       *string `json:"from"`
	FromString *string `json:"fromString"`
	To         *string `json:"to"`
	ToString   *string `json:"toString"`
}

// statusChange is a change OnStatus is told about after the commit.
type statusChange struct {
	TicketID   int64
	Status     Status
	JiraStatus string
}

// Webhook handles POST /api/v1/jira/webhook: Jira tells Parley an issue
// changed. The body must be signed (X-Hub-Signature: sha256=HMAC of the raw
// body with a configured webhook secret). Each delivery is applied once.
func (s *Service) Webhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		web.JSONError(w, http.StatusMethodNotAllowed, "method", "send webhooks with POST")
		return
	}
	secrets := s.webhookSecrets()
	if len(secrets) == 0 {
		web.JSONError(w, http.StatusForbidden, "not_configured", "Jira webhooks are not accepted: no webhook secret is configured")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			web.JSONError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the webhook body is larger than %d bytes", maxWebhookBody))
			return
		}
		web.JSONError(w, http.StatusBadRequest, "bad_body", "the webhook body could not be read")
		return
	}
	if !signedBy(r.Header, body, secrets) {
		web.JSONError(w, http.StatusUnauthorized, "bad_signature", "the webhook signature is missing or wrong")
		return
	}
	var ev webhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		web.JSONError(w, http.StatusBadRequest, "bad_json", "the webhook body is not a Jira event")
		return
	}
	delivery := r.Header.Get("X-Atlassian-Webhook-Identifier")
	if delivery == "" {
		sum := sha256.Sum256(body)
		delivery = "sha256:" + hex.EncodeToString(sum[:])
	}
	// Not the request's context: a client hanging up must not interrupt a
	// statement half-way (see DESIGN.md on modernc and cancellation).
	ctx := context.WithoutCancel(r.Context())
	dup, changes, refresh, err := s.applyWebhook(ctx, delivery, ev)
	if err != nil {
		s.log.Error("apply jira webhook", "event", ev.WebhookEvent, "err", err)
		web.JSONError(w, http.StatusInternalServerError, "internal", "the webhook could not be applied; Jira will send it again")
		return
	}
	if refresh {
		s.Kick()
	}
	s.announce(ctx, changes)
	web.JSON(w, http.StatusOK, map[string]any{"ok": true, "duplicate": dup})
}

// signedBy checks the signature against every secret, in constant time.
func signedBy(h http.Header, body []byte, secrets []string) bool {
	sig := h.Get("X-Hub-Signature")
	if sig == "" {
		sig = h.Get("X-Hub-Signature-256")
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(sig), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	valid := false
	for _, sec := range secrets {
		m := hmac.New(sha256.New, []byte(sec))
		m.Write(body)
		if hmac.Equal(got, m.Sum(nil)) {
			valid = true
		}
	}
	return valid
}

// applyWebhook records the delivery and applies the event in one
// transaction, so a failure leaves nothing half-done for Jira's retry.
func (s *Service) applyWebhook(ctx context.Context, delivery string, ev webhookEvent) (dup bool, changes []statusChange, refresh bool, err error) {
	var gone []link
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO jira_webhook_deliveries (id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
			delivery, store.FormatTime(s.opt.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			dup = true
			return nil
		}
		if ev.Issue == nil || ev.Issue.Key == "" {
			return nil
		}
		links, err := linksOfIssue(ctx, tx, ev.Issue.Key, ev.Issue.ID)
		if err != nil || len(links) == 0 {
			return err
		}
		switch ev.WebhookEvent {
		case "jira:issue_deleted":
			for _, l := range links {
				msg := fmt.Sprintf("the Jira issue %s was deleted in Jira; the ticket stays in Parley and may be escalated again", l.Key)
				if _, err := tx.ExecContext(ctx, "UPDATE jira_links SET failed = 1, error = ?, updated_at = ? WHERE ticket_id = ?",
					msg, store.FormatTime(s.opt.Now()), l.TicketID); err != nil {
					return err
				}
				l.Error = msg
				gone = append(gone, l)
			}
			return nil
		case "jira:issue_updated", "jira:issue_created":
		default:
			return nil
		}
		base := links[0].BaseURL
		ks, _ := s.kindSettings(links[0].Kind)
		field := s.sprintFieldOf(base, ks)
		var sprintItem *changelogItem
		if ev.Changelog != nil {
			for i, it := range ev.Changelog.Items {
				if strings.EqualFold(it.Field, "sprint") {
					sprintItem = &ev.Changelog.Items[i]
					if field == "" && strings.HasPrefix(it.FieldID, "customfield_") {
						field = it.FieldID
					}
				}
			}
		}
		f := readIssue(*ev.Issue, field)
		if f.SprintKnown {
			s.learnSprintField(base, f.SprintField)
		} else if sprintItem != nil {
			// The issue's sprint field is not in the payload: the changelog
			// says whether it left every sprint; for a new sprint's state
			// the issue must be read.
			if to := deref(sprintItem.To); strings.Trim(to, " ,") == "" {
				f.SprintKnown, f.Sprint, f.SprintActive = true, "", false
			} else {
				refresh = true
			}
		}
		if !f.HasStatus {
			refresh = true
		}
		at := ev.Timestamp
		if at == 0 {
			at = f.UpdatedMS
		}
		if changes, err = s.applyFactsTx(ctx, tx, links, f, at, false); err != nil {
			return err
		}
		if refresh {
			for _, l := range links {
				if err := queueRefresh(ctx, tx, l, s.opt.Now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, nil, false, fmt.Errorf("apply jira webhook %s: %w", ev.WebhookEvent, err)
	}
	for _, l := range gone {
		s.log.Warn("jira issue deleted", "ticket", l.TicketID, "key", l.Key)
		if s.opt.OnFailed != nil {
			s.opt.OnFailed(ctx, l.TicketID, l.Key, l.Error)
		}
	}
	return dup, changes, refresh, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// linksOfIssue finds the tickets linked to an issue: by key, or by id when
// the issue moved to another project and got a new key.
func linksOfIssue(ctx context.Context, tx *sql.Tx, key, id string) ([]link, error) {
	find := func(q string, arg string) ([]link, error) {
		rows, err := tx.QueryContext(ctx, selectLink+" WHERE "+q+" AND failed = 0", arg)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []link
		for rows.Next() {
			l, err := scanLink(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		return out, rows.Err()
	}
	links, err := find("issue_key = ?", key)
	if err != nil || len(links) > 0 || id == "" {
		return links, err
	}
	return find("issue_id = ?", id)
}

// queueRefresh queues a re-read of a linked issue unless one is waiting.
func queueRefresh(ctx context.Context, tx *sql.Tx, l link, now time.Time) error {
	ts := store.FormatTime(now)
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO jira_ops (ticket_id, op, state, base_url, next_try, created_at, updated_at)
		VALUES (?, 'refresh', 'pending', ?, ?, ?, ?)`, l.TicketID, l.BaseURL, ts, ts, ts)
	return err
}

// applyFacts applies what was read of an issue to its links, in its own
// transaction, and returns the changes for OnStatus.
func (s *Service) applyFacts(ctx context.Context, links []link, f issueFacts, atMS int64) ([]statusChange, error) {
	var changes []statusChange
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		changes, err = s.applyFactsTx(ctx, tx, links, f, atMS, true)
		return err
	})
	return changes, err
}

// applyFactsTx updates the links' status from the facts. A webhook older
// than what a link already shows (by Jira's clock) is ignored, so one that
// arrives late does not undo a newer state; a re-read (current) always
// applies. Facts that were not in the payload keep their stored values.
func (s *Service) applyFactsTx(ctx context.Context, tx *sql.Tx, links []link, f issueFacts, atMS int64, current bool) ([]statusChange, error) {
	var changes []statusChange
	for _, l := range links {
		if !current && atMS != 0 && atMS < l.StatusAtMS {
			continue
		}
		n := l
		if f.HasStatus {
			n.JiraStatus, n.Category, n.Resolution = f.Status, f.Category, f.Resolution
		}
		if f.SprintKnown {
			n.Sprint, n.SprintActive = f.Sprint, f.SprintActive
		}
		if n.JiraStatus == "" {
			continue // nothing known yet to map
		}
		n.Status = mapStatus(n.Category, n.JiraStatus, n.Resolution, n.SprintActive)
		n.StatusAtMS = max(l.StatusAtMS, atMS)
		if n == l {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jira_links SET status = ?, jira_status = ?, status_category = ?, resolution = ?,
			sprint = ?, sprint_active = ?, status_at_ms = ?, updated_at = ? WHERE ticket_id = ?`,
			string(n.Status), n.JiraStatus, n.Category, n.Resolution, n.Sprint, n.SprintActive, n.StatusAtMS,
			store.FormatTime(s.opt.Now()), l.TicketID); err != nil {
			return nil, fmt.Errorf("update jira status of ticket %d: %w", l.TicketID, err)
		}
		if n.Status != l.Status || n.JiraStatus != l.JiraStatus {
			changes = append(changes, statusChange{TicketID: l.TicketID, Status: n.Status, JiraStatus: n.JiraStatus})
		}
	}
	return changes, nil
}

// announce tells OnStatus about committed changes.
func (s *Service) announce(ctx context.Context, changes []statusChange) {
	if s.opt.OnStatus == nil {
		return
	}
	for _, c := range changes {
		s.opt.OnStatus(ctx, c.TicketID, c.Status, c.JiraStatus)
	}
}
