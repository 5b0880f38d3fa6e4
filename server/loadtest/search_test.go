package loadtest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"parley/server/servertest"
)

// Seed a real server's chats in process, then search them the way the
// search run does: common words find messages, nothing fails, and the
// report gives the handler's share within the target.
func TestSeededServerAnswersTheSearchRun(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ctx := context.Background()
	const password = "load-test-password-5"
	if _, err := CreateUsers(ctx, env.Server.Accounts, 1, 30, password, nil); err != nil {
		t.Fatal(err)
	}
	list, err := env.Server.Accounts.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, u := range list {
		ids[u.Profile.Email] = u.ID
	}
	now := time.Now()
	plan := SeedPlan{Users: 30, Chats: 40, Messages: 3000, Seed: 3, Since: now.AddDate(0, -1, 0), Until: now}
	seeded, err := Seed(ctx, env.Server.Chats, plan, func(n int) int64 { return ids[LoadEmail(n)] }, 500, nil)
	if err != nil {
		t.Fatal(err)
	}
	if seeded.Messages != 3000 || seeded.Chats+seeded.Skipped["discussion"] != 40 {
		t.Fatalf("seeded %+v, want 3000 messages in 40 chats less discussions", seeded)
	}

	var out bytes.Buffer
	res, err := RunSearch(ctx, SearchConfig{Target: &Target{URL: env.URL}, First: 1, Users: 30, Password: password,
		LoginPar: 4, Rate: 60, Duration: time.Second, Out: &out})
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.Queries < 20 || res.Errors != 0 || res.Latency.Count() != uint64(res.Queries) {
		t.Fatalf("%d queries, %d errors, %d timed", res.Queries, res.Errors, res.Latency.Count())
	}
	for _, want := range []string{"requests in the handler:", "p95", "results per query: mean"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out.String(), "results per query: mean 0, max 0") {
		t.Error("the most common words found nothing in 3,000 seeded messages")
	}
}
