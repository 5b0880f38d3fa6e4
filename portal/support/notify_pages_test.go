package support_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/portal"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
	"parley/templates"
)

// mailTo lists the subjects of the mail the outbox holds for addr, oldest first.
func mailTo(t *testing.T, b *browser, addr string) []string {
	t.Helper()
	rows, err := b.env.Server.DB.Read.Query("SELECT subject, body FROM mail_outbox WHERE to_addr = ? ORDER BY id", addr)
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var subject, body string
		if err := rows.Scan(&subject, &body); err != nil {
			t.Fatalf("read outbox: %v", err)
		}
		out = append(out, subject+"\n"+body)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return out
}

var unreadRe = regexp.MustCompile(`id="nav-unread"[^>]*>(\d+)</a>`)

// unreadInHeader is the count the header shows beside the queue; 0 when
// it shows none.
func unreadInHeader(t *testing.T, b *browser, path string) int {
	t.Helper()
	_, page := b.get(path)
	m := unreadRe.FindStringSubmatch(page)
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// Staff hear of new tickets and of the requester's replies by mail (the
// assignee, or all staff while nobody is; in the server's language, Russian
// here), never of their own actions; the
// header counts what they have not opened yet; and without SMTP nobody is
// promised an answer by mail.
func TestStaffHearOfNewTicketsAndReplies(t *testing.T) {
	t.Parallel()
	env := start(t)
	env.CreateUser("ann@example.org", "correct horse battery", accounts.RoleUser)
	env.CreateUser("sam@example.org", "correct horse battery", accounts.RoleSupport)
	env.CreateUser("ada@example.org", "correct horse battery", accounts.RoleAdmin)
	annToken := env.Login("ann@example.org", "correct horse battery", nil)
	sam := signIn(t, env, "sam@example.org", "correct horse battery")
	ada := signIn(t, env, "ada@example.org", "correct horse battery")
	ann := signIn(t, env, "ann@example.org", "correct horse battery")

	// Ann files through the page: no SMTP is configured, so the page sends
	// her back to it for the answer instead of to her mailbox.
	ann.get("/support/new")
	resp, _ := ann.post("/support/new", url.Values{"kind": {"client"}, "subject": {"Calls drop after a minute"},
		"body": {"Every call ends after about sixty seconds."}})
	id := ticketFromLocation(t, resp)
	_, page := ann.get(resp.Header.Get("Location"))
	if strings.Contains(page, "e-mail") || !strings.Contains(page, "answer will appear on this page") {
		t.Errorf("without SMTP the confirmation must point to the page, not to mail:\n%s", between(page, `class="notice"`, "</p>"))
	}
	for _, who := range []string{"sam@example.org", "ada@example.org"} {
		got := mailTo(t, sam, who)
		if len(got) != 1 || !strings.Contains(got[0], "Calls drop after a minute") || !strings.Contains(got[0], templates.T("ru", "support.mail.staff_new")) {
			t.Errorf("%s, unassigned staff, got %q; want one mail about the new ticket", who, got)
		}
	}
	if got := mailTo(t, sam, "ann@example.org"); len(got) != 1 || strings.Contains(got[0], templates.T("ru", "support.mail.staff_new")) {
		t.Errorf("ann gets only her own confirmation, got %q", got)
	}
	if n := unreadInHeader(t, sam, "/support"); n != 1 {
		t.Errorf("sam's header shows %d unread, want 1", n)
	}
	if n := unreadInHeader(t, ann, "/support"); n != 0 {
		t.Errorf("a user's header shows %d unread tickets", n)
	}
	// The count links to the queue filtered to them.
	ids, _ := queueRows(t, sam, "?unread=1&status=")
	if len(ids) != 1 || ids[0] != fmt.Sprint(id) {
		t.Errorf("sam's unread queue lists %v, want [%d]", ids, id)
	}

	// Sam opens it and takes it: it is read for him, still unread for Ada.
	sam.get(fmt.Sprintf("/support/tickets/%d", id))
	resp, _ = sam.post(fmt.Sprintf("/support/tickets/%d/update", id), url.Values{"assignee": {samID(t, sam)}})
	if resp.StatusCode != 303 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	if n := unreadInHeader(t, sam, "/help/en"); n != 0 {
		t.Errorf("after opening it sam's header shows %d unread on the help pages, want none", n)
	}

	// Ann answers: only the assignee hears of it, and it is unread for him
	// again; Ada no longer counts it, it is Sam's.
	if r, body := env.Do("POST", fmt.Sprintf("/api/v1/support/tickets/%d/replies", id), annToken,
		map[string]any{"body": "It happens on Wi-Fi only."}); r.StatusCode != 201 {
		t.Fatalf("reply: %d %s", r.StatusCode, body)
	}
	if got := mailTo(t, sam, "sam@example.org"); len(got) != 2 || !strings.Contains(got[1], "It happens on Wi-Fi only.") {
		t.Errorf("sam, the assignee, got %q; want the reply as the second mail", got)
	}
	if got := mailTo(t, sam, "ada@example.org"); len(got) != 1 {
		t.Errorf("ada, not the assignee, got %d mails, want only the first", len(got))
	}
	if n := unreadInHeader(t, sam, "/diagnostics"); n != 1 {
		t.Errorf("after ann's reply sam's header shows %d unread, want 1", n)
	}
	if n := unreadInHeader(t, ada, "/support"); n != 0 {
		t.Errorf("ada's header counts sam's ticket: %d", n)
	}

	// Sam answers: ann hears, no member of staff does.
	resp, _ = sam.multipart(fmt.Sprintf("/support/tickets/%d/reply", id), url.Values{"body": {"Please try the 5 GHz band."}}, nil)
	if resp.StatusCode != 303 {
		t.Fatalf("staff reply: %d", resp.StatusCode)
	}
	if got := mailTo(t, sam, "sam@example.org"); len(got) != 2 {
		t.Errorf("sam was mailed about his own reply: %d mails", len(got))
	}
	if got := mailTo(t, sam, "ann@example.org"); len(got) != 2 || !strings.Contains(got[1], "5 GHz") {
		t.Errorf("ann got %q; want support's reply", got)
	}
}

// samID is the id the assignee menu gives the signed-in staff member.
func samID(t *testing.T, b *browser) string {
	t.Helper()
	var id int64
	if err := b.env.Server.DB.Read.QueryRow("SELECT id FROM users WHERE email = 'sam@example.org'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(id)
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

// A requester's own list is paged like the queue: with more than 200
// tickets every one is reachable exactly once, through the API's pages and
// through /support's pager.
func TestOwnTicketsArePaged(t *testing.T) {
	t.Parallel()
	env := start(t)
	u := env.CreateUser("many@example.org", "correct horse battery", accounts.RoleUser)
	other := env.CreateUser("other@example.org", "correct horse battery", accounts.RoleUser)
	const n = 230
	// Rows straight into the table: hundreds of tickets through the form
	// would only slow the test. Equal update times make the id the order.
	if _, err := env.Server.DB.Write.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO tickets (kind, status, priority, subject, body, fields, requester_id, created_at, updated_at, requester_at)
		SELECT 'client', 'new', 'normal', 'Ticket ' || i, 'body', '{}', ?, '2026-11-02T09:00:00.000000Z',
			'2026-11-02T09:00:00.000000Z', '2026-11-02T09:00:00.000000Z' FROM seq`, n, u.ID); err != nil {
		t.Fatal(err)
	}
	// Someone else's ticket stays out; a feature request they joined is in.
	var joined int64
	if err := env.Server.DB.Write.QueryRow(`INSERT INTO tickets (kind, status, priority, subject, body, fields, requester_id, created_at, updated_at)
		VALUES ('feature', 'new', 'normal', 'Dark mode', '', '{}', ?, '2026-11-01T09:00:00.000000Z', '2026-11-01T09:00:00.000000Z') RETURNING id`,
		other.ID).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.DB.Write.Exec(`INSERT INTO tickets (kind, status, priority, subject, body, fields, requester_id, created_at, updated_at)
		VALUES ('client', 'new', 'normal', 'Not yours', 'x', '{}', ?, '2026-11-01T09:00:00.000000Z', '2026-11-01T09:00:00.000000Z')`, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Server.DB.Write.Exec("INSERT INTO ticket_followers (ticket_id, user_id, created_at) VALUES (?, ?, '2026-11-01T09:00:00.000000Z')", joined, u.ID); err != nil {
		t.Fatal(err)
	}
	want := n + 1
	token := env.Login("many@example.org", "correct horse battery", nil)

	t.Run("api", func(t *testing.T) {
		seen := map[int64]int{}
		for page := 1; ; page++ {
			resp, body := env.Do("GET", fmt.Sprintf("/api/v1/support/tickets?page=%d", page), token, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("page %d: %d %s", page, resp.StatusCode, body)
			}
			var out struct {
				Total   int `json:"total"`
				Tickets []struct {
					ID int64 `json:"id"`
				} `json:"tickets"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if out.Total != want {
				t.Fatalf("page %d: total %d, want %d", page, out.Total, want)
			}
			if len(out.Tickets) > 50 {
				t.Fatalf("page %d has %d tickets, more than the documented 50", page, len(out.Tickets))
			}
			if len(out.Tickets) == 0 {
				break
			}
			for _, tk := range out.Tickets {
				seen[tk.ID]++
			}
		}
		checkOnce(t, seen, want, joined)
		if resp, _ := env.Do("GET", "/api/v1/support/tickets?page=0", token, nil); resp.StatusCode != 400 {
			t.Errorf("page=0: %d, want 400", resp.StatusCode)
		}
	})
	t.Run("page", func(t *testing.T) {
		b := signIn(t, env, "many@example.org", "correct horse battery")
		seen := map[int64]int{}
		next, pages := "/support", 0
		rowRe := regexp.MustCompile(`<tr data-ticket="(\d+)"`)
		nextRe := regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
		for next != "" {
			pages++
			resp, page := b.get(next)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", next, resp.StatusCode)
			}
			for _, m := range rowRe.FindAllStringSubmatch(page, -1) {
				var id int64
				fmt.Sscan(m[1], &id)
				seen[id]++
			}
			next = ""
			if m := nextRe.FindStringSubmatch(page); m != nil {
				next = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if pages != (want+49)/50 {
			t.Errorf("walked %d pages, want %d", pages, (want+49)/50)
		}
		checkOnce(t, seen, want, joined)
	})
}

func checkOnce(t *testing.T, seen map[int64]int, want int, joined int64) {
	t.Helper()
	if len(seen) != want {
		t.Errorf("%d different tickets reached, want %d", len(seen), want)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("ticket %d listed %d times", id, c)
		}
	}
	if seen[joined] != 1 {
		t.Errorf("the joined feature request %d is missing", joined)
	}
}

// The confirmation after filing promises an answer by mail only when mail
// really leaves the server; without SMTP it points to the ticket's page.
func TestConfirmationPromisesMailOnlyWithSMTP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, smtp    string
		want, wantNot string
	}{
		// Port 1 on loopback: configured, though nothing will be delivered.
		{"with SMTP", "smtp://127.0.0.1:1", templates.T("en", "support.done.created"), templates.T("en", "support.done.created_nomail")},
		{"without SMTP", "", templates.T("en", "support.done.created_nomail"), "e-mail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, servertest.Options{Mounts: []server.Mount{portal.Mount}, SMTPURL: tc.smtp})
			env.CreateUser("ann@example.org", "correct horse battery", accounts.RoleUser)
			ann := signIn(t, env, "ann@example.org", "correct horse battery")
			ann.get("/support/new")
			resp, _ := ann.post("/support/new", url.Values{"kind": {"client"}, "subject": {"Calls drop"}, "body": {"After a minute."}})
			_, page := ann.get(resp.Header.Get("Location"))
			notice := html.UnescapeString(between(page, `class="notice"`, "</p>"))
			if !strings.Contains(notice, tc.want) || strings.Contains(notice, tc.wantNot) {
				t.Errorf("confirmation %q; want %q without %q", notice, tc.want, tc.wantNot)
			}
		})
	}
}
