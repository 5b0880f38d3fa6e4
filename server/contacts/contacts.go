// Package contacts is the messenger's people: the corporate directory
// search, and each user's contact list (the people they share chats with,
// or every corporate user when the administrator switches that on).
package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"parley/server/accounts"
	"parley/server/store"
	"parley/server/web"
)

// Contact is a person as the directory shows them.
type Contact struct {
	HUID       string   `json:"huid"`
	Name       string   `json:"name"`
	Email      string   `json:"email,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	Company    string   `json:"company,omitempty"`
	Department string   `json:"department,omitempty"`
	Position   string   `json:"position,omitempty"`
	Office     string   `json:"office,omitempty"`
	Domain     string   `json:"domain,omitempty"`
	Tags       []string `json:"tags"`
	Kind       string   `json:"kind"`
}

// Service answers who is there.
type Service struct {
	db *store.DB
	// ShowAll reports the administrator's "show all corporate users in
	// contacts" switch.
	ShowAll func(ctx context.Context) (bool, error)
}

// New makes the service.
func New(db *store.DB, showAll func(ctx context.Context) (bool, error)) *Service {
	return &Service{db: db, ShowAll: showAll}
}

const contactColumns = `u.huid, u.name, coalesce(u.email, ''), u.phone, u.company, u.department, u.position, u.office,
	CASE WHEN u.ad_domain <> '' THEN u.ad_domain ELSE coalesce(substr(u.email, instr(u.email, '@') + 1), '') END, u.tags, u.kind`

func scanContacts(rows *sql.Rows) ([]Contact, error) {
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		var c Contact
		var tags string
		if err := rows.Scan(&c.HUID, &c.Name, &c.Email, &c.Phone, &c.Company, &c.Department, &c.Position, &c.Office, &c.Domain, &tags, &c.Kind); err != nil {
			return nil, fmt.Errorf("read contacts: %w", err)
		}
		if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil || c.Tags == nil {
			c.Tags = []string{}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MaxResults bounds one directory answer.
const MaxResults = 100

// Search finds people by name, position, company, department, domain or
// corporate tag: every word typed must match one of them. "#tag" matches
// the tag exactly. Blocked accounts and bots are left out.
func (s *Service) Search(ctx context.Context, q string, limit int) ([]Contact, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, web.Invalid("q", "required", "type a name, position, company, department, domain or #tag")
	}
	if len(q) > 100 {
		return nil, web.Invalid("q", "too_long", "a search holds at most 100 characters")
	}
	if limit <= 0 || limit > MaxResults {
		limit = MaxResults
	}
	where := []string{"u.blocked_at IS NULL", "u.kind <> 'botx'"}
	var args []any
	param := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args))
	}
	for i, word := range strings.Fields(q) {
		if i == 8 {
			break
		}
		if tag, ok := strings.CutPrefix(word, "#"); ok && tag != "" {
			where = append(where, "EXISTS (SELECT 1 FROM json_each(u.tags) WHERE lower(value) = lower("+param(tag)+"))")
			continue
		}
		p := param("%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(word) + "%")
		var or []string
		for _, col := range []string{"u.name", "u.position", "u.company", "u.department", "u.ad_domain", "u.email"} {
			or = append(or, col+" LIKE "+p+` ESCAPE '\'`)
		}
		or = append(or, "EXISTS (SELECT 1 FROM json_each(u.tags) WHERE value LIKE "+p+` ESCAPE '\')`)
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+contactColumns+" FROM users u WHERE "+strings.Join(where, " AND ")+
		" ORDER BY u.name COLLATE NOCASE, u.id LIMIT "+param(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("directory search: %w", err)
	}
	return scanContacts(rows)
}

// List is the user's contacts: the people they share a chat with, or every
// corporate user when the switch is on. after pages by HUID order of names.
func (s *Service) List(ctx context.Context, me accounts.User, offset, limit int) ([]Contact, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	all, err := s.ShowAll(ctx)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if all {
		rows, err = s.db.Read.QueryContext(ctx, "SELECT "+contactColumns+` FROM users u
			WHERE u.kind = 'cts_user' AND u.blocked_at IS NULL AND u.id <> ? ORDER BY u.name COLLATE NOCASE, u.id LIMIT ? OFFSET ?`, me.ID, limit, offset)
	} else {
		rows, err = s.db.Read.QueryContext(ctx, "SELECT "+contactColumns+` FROM users u
			WHERE u.blocked_at IS NULL AND u.id <> ?1 AND u.id IN (
				SELECT o.user_id FROM chat_members mine JOIN chats c ON c.id = mine.chat_id AND c.kind IN ('personal', 'group')
				JOIN chat_members o ON o.chat_id = mine.chat_id WHERE mine.user_id = ?1)
			ORDER BY u.name COLLATE NOCASE, u.id LIMIT ?2 OFFSET ?3`, me.ID, limit, offset)
	}
	if err != nil {
		return nil, fmt.Errorf("contacts of user %d: %w", me.ID, err)
	}
	return scanContacts(rows)
}

// Handler serves the contacts API.
type Handler struct {
	svc  *Service
	site *web.Site
}

// NewHandler serves svc.
func NewHandler(svc *Service, site *web.Site) *Handler { return &Handler{svc: svc, site: site} }
