package diagnostics_test

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
)

// No page scrolls sideways on a 360 px phone, in either language: wide data
// tables scroll inside their own box, and words in article tables are not
// broken a letter off. With PARLEY_SHOTS=DIR the test also saves a
// screenshot of every page at 360 and 1440 px, for a person to look at.
func TestPagesFitNarrowScreens(t *testing.T) {
	t.Parallel()
	read := func(rel string) []byte { return readSample(t, rel) }
	logcat := read("logcat/themis_markor_threadtime_fatal_noclassdef.txt")
	tomb := read("logcat/sentry_unity_android9_tombstone_sigsegv.txt")
	har := read("har/mitmproxy_chrome.har")
	rtc := read("webrtc/rtcstats_chrome99_pc_failed.jsonl")
	env, desk := start(t)
	triage := desk.upload(file{"logcat.txt", logcat}, file{"tombstone.txt", tomb}, file{"network.har", har},
		file{"call.jsonl", rtc}, file{"state.json", []byte(clientState)}, file{"bomb.zip", zipBomb(t)})
	failed := desk.upload(file{"bomb.zip", zipBomb(t)})
	token := env.Login("desk@example.org", "desk-secret-1", nil)
	resp, body := env.Do("POST", "/api/v1/support/tickets", token, map[string]any{"kind": "technical", "priority": "high",
		"subject": "Звонки обрываются через минуту после начала на всех устройствах офиса",
		"body":    "Описание: https://example.org/a/very/long/address/without/any/spaces/that/could/push/the/page/wider/than/a/phone"})
	if resp.StatusCode != 201 {
		t.Fatalf("file ticket: %d %s", resp.StatusCode, body)
	}
	ticket := "/support/tickets/" + string(regexp.MustCompile(`"id":(\d+)`).FindSubmatch(body)[1])
	csrf := csrfRe.FindStringSubmatch(desk.page(ticket, "ru"))[1]
	if resp, _ := env.Page(desk.c, "POST", ticket+"/uploads", url.Values{"_csrf": {csrf}, "upload": {strings.TrimPrefix(triage, "/diagnostics/")}}); resp.StatusCode != 303 {
		t.Fatalf("link upload: %d", resp.StatusCode)
	}
	// Ann's ticket waits unread for desk: the header shows the count.
	env.CreateUser("ann@example.org", "ann-secret-1", accounts.RoleUser)
	annToken := env.Login("ann@example.org", "ann-secret-1", nil)
	if resp, body := env.Do("POST", "/api/v1/support/tickets", annToken, map[string]any{"kind": "client",
		"subject": "Не приходят уведомления", "body": "С утра ни одного push-уведомления."}); resp.StatusCode != 201 {
		t.Fatalf("file ann's ticket: %d %s", resp.StatusCode, body)
	}

	pages := []string{"/support", "/support/new", ticket, "/support/queue", "/support/queue?unread=1&status=", triage, failed, "/diagnostics", "/help/{lang}/engineering-menu-desktop"}
	shots := os.Getenv("PARLEY_SHOTS")
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Lang(lang))
			if err := chromedp.Do(ctx,
				chromedp.Navigate(env.URL+"/signin"),
				chromedp.WaitVisible("#login"),
				chromedp.SendKeys("#login", "desk@example.org"),
				chromedp.SendKeys("#password", "desk-secret-1"),
				chromedp.Click("#signin-submit"),
				chromedp.WaitNotPresent("#login"),
			); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			for _, width := range []int64{360, 1440} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
					t.Fatal(err)
				}
				for _, p := range pages {
					p = strings.ReplaceAll(p, "{lang}", lang)
					if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+p), chromedp.WaitReady("footer")); err != nil {
						t.Fatalf("open %s: %v", p, err)
					}
					wide, err := browsertest.SidewaysScroll(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if width == 360 && wide != "" {
						t.Errorf("%s at 360 px scrolls sideways: %s", p, wide)
					}
					// No word of an article's table is broken a letter off.
					broken, err := browsertest.BrokenTableWord(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if broken != "" {
						t.Errorf("%s at %d px breaks %q inside an article table", p, width, broken)
					}
					if shots != "" {
						name := fmt.Sprintf("%s-%d-%s", lang, width, strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(p, "-"), "-"))
						if err := browsertest.SaveScreens(ctx, shots, name, 900); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		})
	}
}
