package support

import (
	"testing"
	"time"
)

// What the pages say about time and files, word for word.

func TestClockWords(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		clock Clock
		lang  string
		want  string
	}{
		{"running, hours left", Clock{Due: now.Add(3*time.Hour - time.Second)}, "en", "due in 3 h"},
		{"running, just under an hour", Clock{Due: now.Add(time.Hour - time.Millisecond)}, "en", "due in 1 h"},
		{"running, minutes left", Clock{Due: now.Add(25 * time.Minute)}, "ru", "осталось 25 мин"},
		{"running, days left", Clock{Due: now.Add(7 * 24 * time.Hour)}, "en", "due in 7 d"},
		{"overdue", Clock{Due: now.Add(-2 * time.Hour), Breached: true}, "en", "overdue by 2 h"},
		{"overdue by seconds", Clock{Due: now.Add(-time.Second), Breached: true}, "ru", "просрочено на 1 мин"},
		{"met in time", Clock{Due: now, Met: now.Add(-time.Hour)}, "en", "met in time"},
		{"met late", Clock{Due: now.Add(-3 * time.Hour), Met: now, Breached: true}, "en", "met 3 h late"},
		{"no SLA", Clock{}, "en", ""},
	} {
		if got := clockText(tc.lang, tc.clock, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSLASummaryOfAList(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		ticket   Ticket
		breached bool
		text     string
	}{
		{"no SLA", Ticket{}, false, ""},
		{"first response running", Ticket{FirstResponseDue: now.Add(time.Hour), ResolutionDue: now.Add(8 * time.Hour)}, false, "first response: due in 1 h"},
		{"first response missed", Ticket{FirstResponseDue: now.Add(-time.Hour), ResolutionDue: now.Add(8 * time.Hour)}, true, "first response: overdue by 1 h"},
		{"answered, resolution running", Ticket{FirstResponseDue: now.Add(time.Hour), FirstResponseAt: now, ResolutionDue: now.Add(8 * time.Hour)}, false, "due in 8 h"},
		{"answered late, still breached", Ticket{FirstResponseDue: now.Add(-2 * time.Hour), FirstResponseAt: now.Add(-time.Hour), ResolutionDue: now.Add(8 * time.Hour)}, true, "due in 8 h"},
	} {
		got := slaSummary("en", tc.ticket, now)
		if got.Breached != tc.breached || got.Text != tc.text {
			t.Errorf("%s: %+v, want breached=%v %q", tc.name, got, tc.breached, tc.text)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ kind, name, want string }{
		{"attachment", "report.pdf", `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`},
		{"inline", "экран 1.png", `inline; filename="_____ 1.png"; filename*=UTF-8''%D1%8D%D0%BA%D1%80%D0%B0%D0%BD%201.png`},
		{"attachment", `a"b\c;d.txt`, `attachment; filename="a_b_c;d.txt"; filename*=UTF-8''a%22b%5Cc%3Bd.txt`},
	} {
		if got := contentDisposition(tc.kind, tc.name); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestCheckNewNamesEveryProblem(t *testing.T) {
	s := &Service{}
	user := Viewer{ID: 1}
	for _, tc := range []struct {
		name   string
		ticket NewTicket
		want   []string
	}{
		{"fine client ticket", NewTicket{Kind: KindClient, Subject: "s", Body: "b"}, nil},
		{"empty client ticket", NewTicket{Kind: KindClient}, []string{"subject", "body"}},
		{"unknown desk stops there", NewTicket{Kind: "sales"}, []string{"kind"}},
		{"technical for a user", NewTicket{Kind: KindTechnical, Subject: "s", Body: "b"}, []string{"kind"}},
		{"empty feature request", NewTicket{Kind: KindFeature, Fields: map[string]string{}},
			[]string{"subject", "fields.what", "fields.where", "fields.platform", "fields.frequency", "fields.priority"}},
		{"bad choices", NewTicket{Kind: KindFeature, Subject: "s", Fields: map[string]string{"what": "w", "where": "w",
			"platform": "web,fridge", "frequency": "daily", "priority": "high"}}, []string{"fields.platform", "fields.frequency"}},
	} {
		var got []string
		for _, ve := range s.CheckNew(user, tc.ticket) {
			got = append(got, ve.Field)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
