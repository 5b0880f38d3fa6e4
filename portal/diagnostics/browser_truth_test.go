package diagnostics_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/browsertest"
)

// The triage page of a mixed upload (an emulator's log, a Motorola's
// tombstone, an iPhone's crash) with a file that failed, as a person sees
// it in Chromium at 360 and 1440 px in ru and en: "partly read" and the
// reason at the top, crash findings first, one card per device, a chart per
// device, nothing scrolling sideways. With PARLEY_SHOTS=DIR the screens are
// saved for a person to look at.
func TestMixedPartlyReadUploadInTheBrowser(t *testing.T) {
	t.Parallel()
	read := func(rel string) []byte { return readSample(t, rel) }
	env, desk := start(t)
	triage := desk.upload(file{"boot.txt", read("logcat/logcat2csv_emulator_boot_threadtime_crlf.txt")},
		file{"tombstone.txt", read("logcat/sentry_unity_android9_tombstone_sigsegv.txt")},
		file{"demo.ips", read("ios/sym_ios15_iphone13_sigabrt.ips")},
		file{"bomb.zip", zipBomb(t)})
	shots := os.Getenv("PARLEY_SHOTS")
	for _, tc := range []struct{ lang, partly, crash string }{
		{"en", "Partly read", "The app crashed"},
		{"ru", "Прочитано частично", "Приложение упало"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Lang(tc.lang))
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
				if err := chromedp.Do(ctx,
					chromedp.EmulateViewport(width, 900),
					chromedp.Navigate(env.URL+triage),
					chromedp.WaitReady("footer"),
				); err != nil {
					t.Fatalf("open the triage page: %v", err)
				}
				seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
					document.querySelector("#upload-state").innerText,
					document.querySelector("#upload-error").innerText,
					document.querySelector("ol.findings li").innerText,
					String(document.querySelectorAll("#env, .env-more").length),
					String(document.querySelectorAll("#timeline svg").length)]`))
				if err != nil {
					t.Fatal(err)
				}
				state, top, firstFinding := seen[0], seen[1], seen[2]
				cards, charts := seen[3], seen[4]
				if !strings.Contains(state, tc.partly) || !strings.Contains(top, "bomb.zip") {
					t.Errorf("%d px: status %q, top %q", width, state, top)
				}
				if !strings.Contains(firstFinding, tc.crash) {
					t.Errorf("%d px: the first finding is %q", width, firstFinding)
				}
				if cards != "3" || charts != "3" {
					t.Errorf("%d px: %s environment cards and %s charts, want 3 of each (emulator, Motorola, iPhone)", width, cards, charts)
				}
				wide, err := browsertest.SidewaysScroll(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if width == 360 && wide != "" {
					t.Errorf("the triage page at 360 px scrolls sideways: %s", wide)
				}
				if shots != "" {
					if err := browsertest.SaveScreens(ctx, shots, fmt.Sprintf("truth-%s-%d", tc.lang, width), 900); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}
