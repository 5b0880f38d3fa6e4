package support

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/portal/diagnostics"
	"parley/portal/jira"
	"parley/portal/schema"
	"parley/server/accounts"
	"parley/server/files"
	"parley/server/servertest"
	"parley/server/store"
)

// desk is a support service on a real database file, with a clock the test
// moves and a mailbox that records every notification.
type desk struct {
	t        *testing.T
	svc      *Service
	accounts *accounts.Service
	db       *store.DB
	dir      string
	mu       sync.Mutex
	now      time.Time
	mail     []sentMail
}

type sentMail struct{ to, subject, text string }

func newDesk(t *testing.T) *desk {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := files.New(ctx, db, filepath.Join(dir, "files", "store"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Apply(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	diag, err := diagnostics.New(db, store, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { diag.Close() })
	d := &desk{t: t, db: db, dir: dir, now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	d.accounts = accounts.New(db, accounts.Options{Hasher: accounts.NewHasher(servertest.CheapArgon2)})
	d.svc, err = New(db, diag, Options{Log: log, PublicURL: "https://parley.example.org", DataDir: dir, Files: store, Lang: "en",
		Now: d.clock, Notify: func(_ context.Context, to, subject, text string) error {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.mail = append(d.mail, sentMail{to, subject, text})
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *desk) clock() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.now
}

func (d *desk) advance(by time.Duration) {
	d.mu.Lock()
	d.now = d.now.Add(by)
	d.mu.Unlock()
}

func (d *desk) mailTo(addr string) []sentMail {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []sentMail
	for _, m := range d.mail {
		if m.to == addr {
			out = append(out, m)
		}
	}
	return out
}

func (d *desk) user(email string, role accounts.Role) Viewer {
	d.t.Helper()
	u, err := d.accounts.CreateUser(context.Background(), accounts.NewUser{Password: "correct horse battery", Role: role,
		Profile: accounts.Profile{Email: email, Name: strings.Split(email, "@")[0]}})
	if err != nil {
		d.t.Fatal(err)
	}
	return ViewerOf(u)
}

func (d *desk) file(v Viewer, nt NewTicket) Ticket {
	d.t.Helper()
	t, err := d.svc.Create(context.Background(), v, nt)
	if err != nil {
		d.t.Fatalf("create %q: %v", nt.Subject, err)
	}
	return t
}

func feature(subject string) NewTicket {
	return NewTicket{Kind: KindFeature, Subject: subject, Fields: map[string]string{
		"what": "Let us pin messages in channels", "where": "Channel header, on desktop and web",
		"platform": "web, desktop", "frequency": "often", "priority": "high"}}
}

func TestCreateRefusesWhatTheDeskCannotUse(t *testing.T) {
	d := newDesk(t)
	user := d.user("ann@example.org", accounts.RoleUser)
	admin := d.user("root@example.org", accounts.RoleAdmin)
	long := strings.Repeat("я", MaxSubject+1)
	withField := func(k, v string) NewTicket {
		nt := feature("Pinned messages")
		nt.Fields[k] = v
		return nt
	}
	cases := []struct {
		name  string
		who   Viewer
		in    NewTicket
		field string
	}{
		{"unknown kind", user, NewTicket{Kind: "sales", Subject: "x", Body: "y"}, "kind"},
		{"technical desk is for administrators", user, NewTicket{Kind: KindTechnical, Subject: "Server down", Body: "502"}, "kind"},
		{"no subject", user, NewTicket{Kind: KindClient, Subject: "  ", Body: "it crashes"}, "subject"},
		{"subject too long", user, NewTicket{Kind: KindClient, Subject: long, Body: "it crashes"}, "subject"},
		{"subject of two lines", user, NewTicket{Kind: KindClient, Subject: "a\nb", Body: "it crashes"}, "subject"},
		{"no description", user, NewTicket{Kind: KindClient, Subject: "Crash"}, "body"},
		{"priority outside technical", user, NewTicket{Kind: KindClient, Subject: "Crash", Body: "x", Priority: PriorityUrgent}, "priority"},
		{"unknown priority", admin, NewTicket{Kind: KindTechnical, Subject: "Crash", Body: "x", Priority: "asap"}, "priority"},
		{"fields on a client ticket", user, NewTicket{Kind: KindClient, Subject: "Crash", Body: "x", Fields: map[string]string{"what": "x"}}, "fields"},
		{"feature without what", user, withField("what", ""), "fields.what"},
		{"feature without where", user, withField("where", " "), "fields.where"},
		{"feature without platform", user, withField("platform", ""), "fields.platform"},
		{"feature with unknown platform", user, withField("platform", "web, symbian"), "fields.platform"},
		{"feature with unknown frequency", user, withField("frequency", "hourly"), "fields.frequency"},
		{"feature without importance", user, withField("priority", ""), "fields.priority"},
		{"feature with an unknown field", user, withField("budget", "1M"), "fields.budget"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.svc.Create(context.Background(), c.who, c.in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error on %s", err, c.field)
			}
			if ve.Field != c.field || ve.Message == "" {
				t.Errorf("error on %q (%q), want on %q", ve.Field, ve.Message, c.field)
			}
		})
	}
	mine, _, err := d.svc.Mine(context.Background(), user, 0, 10)
	if err != nil || len(mine) != 0 {
		t.Errorf("refused tickets were stored: %d, %v", len(mine), err)
	}
}

func TestFeatureRequestKeepsItsAnswersTidy(t *testing.T) {
	d := newDesk(t)
	user := d.user("ann@example.org", accounts.RoleUser)
	nt := feature("Pinned messages")
	nt.Fields["platform"] = "Desktop,web, desktop"
	tk := d.file(user, nt)
	if tk.Fields["platform"] != "web,desktop" || tk.Fields["frequency"] != "often" || tk.Status != StatusNew {
		t.Errorf("fields %v status %s", tk.Fields, tk.Status)
	}
	if got := d.mailTo("ann@example.org"); len(got) != 1 || !strings.Contains(got[0].text, "https://parley.example.org/support/tickets/") {
		t.Errorf("confirmation mail: %+v", got)
	}
}

func TestWhoSeesWhat(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ann := d.user("ann@example.org", accounts.RoleUser)
	bob := d.user("bob@example.org", accounts.RoleUser)
	staff := d.user("sam@example.org", accounts.RoleSupport)
	private := d.file(ann, NewTicket{Kind: KindClient, Subject: "My phone number leaks", Body: "+7 900 000 00 00"})
	idea := d.file(ann, feature("Pinned messages"))

	if _, _, err := d.svc.Get(ctx, bob, private.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another user reads a client ticket: %v", err)
	}
	if _, a, err := d.svc.Get(ctx, bob, idea.ID); err != nil || a != AccessReader {
		t.Errorf("feature request for a colleague: access %v, %v", a, err)
	}
	if _, err := d.svc.Reply(ctx, bob, idea.ID, NewPost{Body: "me too"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a reader replied: %v", err)
	}
	if _, err := d.svc.Reply(ctx, ann, private.ID, NewPost{Body: "secret", Internal: true}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a requester wrote an internal note: %v", err)
	}
	if _, err := d.svc.Reply(ctx, staff, private.ID, NewPost{Body: "Looks like a duplicate of #7", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.Reply(ctx, staff, private.ID, NewPost{Body: "Which app version do you use?"}); err != nil {
		t.Fatal(err)
	}
	count := func(v Viewer) (replies, notes int) {
		_, a, err := d.svc.Get(ctx, v, private.ID)
		if err != nil {
			t.Fatal(err)
		}
		posts, err := d.svc.Posts(ctx, a, private.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			switch p.Kind {
			case PostReply:
				replies++
			case PostNote:
				notes++
			}
		}
		return
	}
	if r, n := count(ann); r != 1 || n != 0 {
		t.Errorf("requester sees %d replies, %d notes; want 1, 0", r, n)
	}
	if r, n := count(staff); r != 1 || n != 1 {
		t.Errorf("staff see %d replies, %d notes; want 1, 1", r, n)
	}
	if got := d.mailTo("ann@example.org"); len(got) != 3 || !strings.Contains(got[2].text, "Which app version") {
		t.Errorf("the requester's mail after a reply: %+v", got)
	}
}

func TestSLAClocksAndTheQueue(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	admin := d.user("root@example.org", accounts.RoleAdmin)
	staff := d.user("sam@example.org", accounts.RoleSupport)
	urgent := d.file(admin, NewTicket{Kind: KindTechnical, Subject: "Calls drop for everyone", Body: "TURN down?", Priority: PriorityUrgent})
	calm := d.file(admin, NewTicket{Kind: KindTechnical, Subject: "Update the certificate", Body: "expires next month", Priority: PriorityLow})
	client := d.file(admin, NewTicket{Kind: KindClient, Subject: "App does not start", Body: "since yesterday"})
	if !urgent.FirstResponseDue.Equal(urgent.CreatedAt.Add(time.Hour)) || !client.FirstResponseDue.IsZero() {
		t.Fatalf("due times: urgent %v, client %v", urgent.FirstResponseDue, client.FirstResponseDue)
	}
	breached := func() []int64 {
		list, _, err := d.svc.Queue(ctx, staff, QueueFilter{Breached: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, tk := range list {
			ids = append(ids, tk.ID)
		}
		return ids
	}
	if got := breached(); len(got) != 0 {
		t.Fatalf("breached at once: %v", got)
	}
	d.advance(90 * time.Minute)
	if got := breached(); len(got) != 1 || got[0] != urgent.ID {
		t.Fatalf("after 90 min breached = %v, want only %d", got, urgent.ID)
	}
	// Breached and words together: the words' parameter binds where it should.
	for _, tc := range []struct {
		words string
		want  int
	}{{"calls", 1}, {"certificate", 0}} {
		list, _, err := d.svc.Queue(ctx, staff, QueueFilter{Breached: true, Query: tc.words, Kind: KindTechnical})
		if err != nil || len(list) != tc.want {
			t.Errorf("breached with %q: %d tickets (%v), want %d", tc.words, len(list), err, tc.want)
		}
	}
	// Answering late stops the clock but the breach stays on record.
	if _, err := d.svc.Reply(ctx, staff, urgent.ID, NewPost{Body: "Looking into it"}); err != nil {
		t.Fatal(err)
	}
	tk, _, _ := d.svc.Get(ctx, staff, urgent.ID)
	first, _ := tk.Clocks(d.clock())
	if first.Running() || !first.Breached || tk.Status != StatusOpen {
		t.Errorf("after a late answer: clock %+v, status %s", first, tk.Status)
	}
	// Raising the priority of the calm ticket moves its clocks from when it was opened.
	up := PriorityUrgent
	tk, err := d.svc.Update(ctx, staff, calm.ID, Change{Priority: &up})
	if err != nil {
		t.Fatal(err)
	}
	if !tk.FirstResponseDue.Equal(calm.CreatedAt.Add(time.Hour)) {
		t.Errorf("new due %v, want an hour after %v", tk.FirstResponseDue, calm.CreatedAt)
	}
	if got := breached(); len(got) != 2 {
		t.Errorf("breached after raising priority = %v, want both technical tickets", got)
	}

	me := staff.ID
	if _, err := d.svc.Update(ctx, staff, client.ID, Change{AssigneeID: &me}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    QueueFilter
		want []int64
	}{
		// Both technical tickets are breached; the unanswered one is due first.
		{"everything, breaches first", QueueFilter{}, []int64{calm.ID, urgent.ID, client.ID}},
		{"client desk", QueueFilter{Kind: KindClient}, []int64{client.ID}},
		{"mine", QueueFilter{Assignee: "me"}, []int64{client.ID}},
		{"unassigned", QueueFilter{Assignee: "none"}, []int64{calm.ID, urgent.ID}},
		{"new only", QueueFilter{Status: "new"}, []int64{calm.ID, client.ID}},
		{"urgent", QueueFilter{Priority: PriorityUrgent}, []int64{calm.ID, urgent.ID}},
		{"words", QueueFilter{Query: "сертификат certificate"}, []int64{calm.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, total, err := d.svc.Queue(ctx, staff, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, tk := range list {
				got = append(got, tk.ID)
			}
			if total != len(c.want) || !equalIDs(got, c.want) {
				t.Errorf("got %v (total %d), want %v", got, total, c.want)
			}
		})
	}
	if _, _, err := d.svc.Queue(ctx, admin, QueueFilter{}); err != nil {
		t.Errorf("an admin cannot read the queue: %v", err)
	}
	user := d.user("ann@example.org", accounts.RoleUser)
	if _, _, err := d.svc.Queue(ctx, user, QueueFilter{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a user read the queue: %v", err)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSimilarFindsWhatTheViewerMaySee(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ann := d.user("ann@example.org", accounts.RoleUser)
	bob := d.user("bob@example.org", accounts.RoleUser)
	d.file(ann, NewTicket{Kind: KindClient, Subject: "Не приходят уведомления на Android", Body: "после обновления"})
	idea := d.file(ann, feature("Закреплённые сообщения в каналах"))
	d.file(bob, NewTicket{Kind: KindClient, Subject: "Уведомления опаздывают", Body: "на iOS"})

	got, err := d.svc.Similar(ctx, bob, "уведомлени", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Requester.ID != bob.ID {
		t.Errorf("bob's search for notifications found %d tickets (want only his own)", len(got))
	}
	got, _ = d.svc.Similar(ctx, bob, "закреплённые сообщения", 5)
	if len(got) != 1 || got[0].ID != idea.ID {
		t.Errorf("bob does not see ann's feature request: %v", got)
	}
	if got, err := d.svc.Similar(ctx, bob, `"* OR ( NEAR`, 5); err != nil || len(got) != 0 {
		t.Errorf("FTS syntax typed by a person: %v, %v", got, err)
	}
}

func TestPlusOneJoinsAndLeaves(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ann := d.user("ann@example.org", accounts.RoleUser)
	bob := d.user("bob@example.org", accounts.RoleUser)
	idea := d.file(ann, feature("Pinned messages"))
	if _, err := d.svc.PlusOne(ctx, ann, idea.ID); err == nil {
		t.Error("the requester +1'd their own request")
	}
	joined, err := d.svc.PlusOne(ctx, bob, idea.ID)
	if err != nil || !joined {
		t.Fatalf("join: %v %v", joined, err)
	}
	tk, access, _ := d.svc.Get(ctx, bob, idea.ID)
	if tk.PlusOnes != 1 || access != AccessFollower {
		t.Errorf("after +1: %d plus ones, access %v", tk.PlusOnes, access)
	}
	mine, _, err := d.svc.Mine(ctx, bob, 0, 10)
	if err != nil || len(mine) != 1 || mine[0].ID != idea.ID {
		t.Errorf("bob's list after +1: %v", mine)
	}
	// Followers hear where the request goes.
	staff := d.user("sam@example.org", accounts.RoleSupport)
	planned := StatusPlanned
	if _, err := d.svc.Update(ctx, staff, idea.ID, Change{Status: &planned}); err != nil {
		t.Fatal(err)
	}
	if got := d.mailTo("bob@example.org"); len(got) != 1 || !strings.Contains(got[0].text, "Planned") {
		t.Errorf("follower's mail: %+v", got)
	}
	if joined, _ := d.svc.PlusOne(ctx, bob, idea.ID); joined {
		t.Error("a second +1 did not leave")
	}
	tk, _, _ = d.svc.Get(ctx, bob, idea.ID)
	if tk.PlusOnes != 0 {
		t.Errorf("plus ones after leaving: %d", tk.PlusOnes)
	}
}

func TestRefusedAttachmentsLeaveNothingBehind(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ann := d.user("ann@example.org", accounts.RoleUser)
	tk := d.file(ann, NewTicket{Kind: KindClient, Subject: "Crash", Body: "see the screenshot"})
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	cases := []struct {
		name  string
		files []IncomingFile
		code  string
	}{
		{"script named as a picture", []IncomingFile{{"ok.png", bytes.NewReader(png)}, {"shot.png", strings.NewReader("#!/bin/sh\nrm -rf ~\n")}}, "forbidden_type"},
		{"too large", []IncomingFile{{"big.txt", strings.NewReader(strings.Repeat("log line\n", MaxAttachmentBytes/9+10))}}, "too_large"},
		{"empty", []IncomingFile{{"empty.txt", strings.NewReader("")}}, "empty"},
		{"content nobody can name", []IncomingFile{{"blob.bin", bytes.NewReader([]byte{0, 1, 2, 3, 0xfe, 0xff, 0, 0, 9, 9})}}, "unknown_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.svc.Reply(ctx, ann, tk.ID, NewPost{Body: "here", Files: c.files})
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Code != c.code {
				t.Fatalf("err = %v, want code %s", err, c.code)
			}
			if !strings.Contains(ve.Message, c.files[len(c.files)-1].Name) {
				t.Errorf("the reason does not name the file: %q", ve.Message)
			}
		})
	}
	posts, _ := d.svc.Posts(ctx, AccessStaff, tk.ID)
	files, _ := d.svc.Attachments(ctx, AccessStaff, tk.ID)
	var left []string
	if err := filepath.WalkDir(filepath.Join(d.dir, "files"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			left = append(left, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := d.db.Read.QueryRow("SELECT count(*) FROM files").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if len(posts) != 0 || len(files) != 0 || len(left) != 0 || rows != 0 {
		t.Errorf("refused replies left %d posts, %d attachments, %d stored files, files on disk %v", len(posts), len(files), rows, left)
	}
	p, err := d.svc.Reply(ctx, ann, tk.ID, NewPost{Body: "now the real one", Files: []IncomingFile{{"../../etc/shot.png", bytes.NewReader(png)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Name != "shot.png" || p.Attachments[0].MIME != "image/png" {
		t.Fatalf("stored attachment: %+v", p.Attachments)
	}
	a, err := d.svc.Attachment(ctx, ann, tk.ID, p.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := d.svc.store.Get(ctx, a.FileID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != int64(len(png)) || stored.Size != a.Size || stored.Name != "shot.png" || stored.MIME != "image/png" {
		t.Errorf("attachment %+v stored as %+v", a, stored)
	}
	bob := d.user("bob@example.org", accounts.RoleUser)
	if _, err := d.svc.Attachment(ctx, bob, tk.ID, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another user downloads the attachment: %v", err)
	}
}

func TestJiraReportsReachTheRequester(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ann := d.user("ann@example.org", accounts.RoleUser)
	idea := d.file(ann, feature("Pinned messages"))
	d.svc.JiraLinked(ctx, idea.ID, "FEAT-7", "https://jira.example.org/browse/FEAT-7")
	d.svc.JiraStatus(ctx, idea.ID, jira.StatusInSprint, "In Progress")
	tk, access, err := d.svc.Get(ctx, ann, idea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.JiraKey != "FEAT-7" || tk.Status != StatusInSprint {
		t.Errorf("after Jira: key %q status %s", tk.JiraKey, tk.Status)
	}
	posts, _ := d.svc.Posts(ctx, access, idea.ID)
	var codes []string
	for _, p := range posts {
		codes = append(codes, p.Event.Code)
	}
	if strings.Join(codes, ",") != "jira_linked,status" {
		t.Errorf("thread events %v", codes)
	}
	if got := d.mailTo("ann@example.org"); len(got) != 2 || !strings.Contains(got[1].text, "sprint") {
		t.Errorf("mail to the requester: %+v", got)
	}
	d.svc.JiraStatus(ctx, idea.ID, jira.StatusDone, "Done")
	tk, _, _ = d.svc.Get(ctx, ann, idea.ID)
	if tk.Status != StatusDone || tk.ResolvedAt.IsZero() {
		t.Errorf("done from Jira: %s resolved %v", tk.Status, tk.ResolvedAt)
	}
}

// More than 200 tickets filed through the service: Mine pages through
// every one exactly once, newest activity first, and counts them all.
func TestMinePagesEveryTicketOnce(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ann := d.user("ann@example.org", accounts.RoleUser)
	const n = 205
	for i := range n {
		d.file(ann, NewTicket{Kind: KindClient, Subject: fmt.Sprintf("Ticket %d", i), Body: "body"})
		if i%2 == 0 {
			d.advance(time.Second) // some share a time: the id orders them
		}
	}
	seen := map[int64]bool{}
	var last Ticket
	for offset := 0; ; offset += MinePage {
		page, total, err := d.svc.Mine(ctx, ann, offset, MinePage)
		if err != nil {
			t.Fatal(err)
		}
		if total != n {
			t.Fatalf("total %d, want %d", total, n)
		}
		if len(page) == 0 {
			break
		}
		for _, tk := range page {
			if seen[tk.ID] {
				t.Fatalf("ticket %d on two pages", tk.ID)
			}
			seen[tk.ID] = true
			if last.ID != 0 && (tk.UpdatedAt.After(last.UpdatedAt) || tk.UpdatedAt.Equal(last.UpdatedAt) && tk.ID > last.ID) {
				t.Fatalf("ticket %d comes after %d out of order", tk.ID, last.ID)
			}
			last = tk
		}
	}
	if len(seen) != n {
		t.Errorf("%d tickets reached, want %d", len(seen), n)
	}
}
