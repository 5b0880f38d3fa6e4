package portal_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/templates"
)

// A support engineer opens the upload of an Android bug report made while
// two apps deadlocked through binder calls, and the triage page names the
// deadlock and the stuck binder call with the threads and locks involved,
// in both languages and on a phone as on a desktop.
func TestBrowserBugreportShowsTheDeadlock(t *testing.T) {
	t.Parallel()
	report, err := os.ReadFile(filepath.Join(samplesDir(t), "bugreport", "chkbugreport_aidl_deadlock_dumpstate.txt"))
	if err != nil {
		t.Fatal(err)
	}
	env := start(t)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	tok := env.Login("desk@example.org", "desk-secret-1", nil)
	id := apiUpload(t, env, tok, "bugreport.txt", report)
	if sum := waitReady(t, env, tok, id); sum["status"] != "ready" {
		t.Fatalf("the bug report was not read: %v", sum)
	}
	shots := os.Getenv("PARLEY_SHOTS")
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Lang(lang))
			signInChromium(t, ctx, env, "desk@example.org", "desk-secret-1")
			for _, width := range []int64{360, 1440} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900),
					chromedp.Navigate(fmt.Sprintf("%s/diagnostics/%d", env.URL, id)),
					chromedp.WaitVisible("#findings")); err != nil {
					t.Fatal(err)
				}
				findings, err := chromedp.Run(ctx, chromedp.Text("#findings"))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{
					templates.T(lang, "rule.android-java-deadlock"), templates.T(lang, "rule.android-binder-stuck"),
					`"main"`, "Binder Thread", "com.sonymobile.chkbugreport.testapp", "waiting to lock", "IDeadlock.doStep2",
				} {
					if !strings.Contains(findings, want) {
						t.Errorf("%d px: the findings lack %q:\n%s", width, want, findings)
					}
				}
				if wide, err := browsertest.SidewaysScroll(ctx); err != nil || wide != "" && width == 360 {
					t.Errorf("the triage page scrolls sideways at 360 px: %s %v", wide, err)
				}
				if shots != "" {
					if err := browsertest.SaveScreens(ctx, shots, fmt.Sprintf("bugreport-%s-%d", lang, width), 900); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}
