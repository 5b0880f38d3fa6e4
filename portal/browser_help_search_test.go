package portal_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/browsertest"
	"parley/templates"
)

// TestBrowserHelpSearchFallbacks types the search box's own example and
// opens searches that need the other language or keyboard layout, in both
// languages, on a phone and a desktop: suggestions come, the notices say
// what is shown, «Не нашли ответ?» leads to a new ticket, and nothing
// scrolls sideways. PARLEY_SHOTS=DIR saves a screenshot of each page.
func TestBrowserHelpSearchFallbacks(t *testing.T) {
	env := start(t)
	shots := os.Getenv("PARLEY_SHOTS")
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Lang(lang))
			browsertest.ScreenshotOnFailure(t, ctx)
			consoleErrors := browsertest.ConsoleErrors(ctx)
			_, example, ok := strings.Cut(templates.T(lang, "help.search_placeholder"), ": ")
			if !ok {
				t.Fatalf("the placeholder %q gives no example", templates.T(lang, "help.search_placeholder"))
			}
			for _, width := range []int64{360, 1440} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
					t.Fatal(err)
				}
				// The placeholder's example, typed, is answered while typing.
				if err := chromedp.Do(ctx,
					chromedp.Navigate(env.URL+"/help/"+lang),
					chromedp.WaitVisible(`#help-q`),
					chromedp.SendKeys(`#help-q`, example),
					chromedp.WaitVisible(`#help-suggest li a`),
				); err != nil {
					t.Fatalf("suggestions for %q: %v", example, err)
				}
				n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#help-suggest li").length`))
				if err != nil || n < 3 {
					t.Errorf("%q: %d suggestions (%v), want at least 3", example, n, err)
				}
				save(t, ctx, shots, fmt.Sprintf("help-suggest-%s-%d.png", lang, width), false)

				for _, tc := range []struct{ name, q, notice string }{
					{"other-lang", map[string]string{"ru": "forgot password", "en": "забыл пароль"}[lang], "#other-lang-notice"},
					{"retyped", map[string]string{"ru": "ytn edtljvktybq", "en": "ащкпще зфыыцщкв"}[lang], "#retyped-notice"},
				} {
					if err := chromedp.Do(ctx,
						chromedp.Navigate(env.URL+"/help/"+lang+"/search?q="+url.QueryEscape(tc.q)),
						chromedp.WaitVisible(tc.notice),
						chromedp.WaitVisible(`#results li a`),
						chromedp.WaitVisible(`#new-ticket-link`),
					); err != nil {
						t.Fatalf("%s search %q: %v", tc.name, tc.q, err)
					}
					href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("new-ticket-link").getAttribute("href")`))
					if err != nil || href != "/support/new?subject="+url.QueryEscape(tc.q) {
						t.Errorf("ticket link %q (%v)", href, err)
					}
					wide, err := browsertest.SidewaysScroll(ctx)
					if err != nil || wide != "" && width == 360 {
						t.Errorf("%s search at %d px scrolls sideways: %s (%v)", tc.name, width, wide, err)
					}
					save(t, ctx, shots, fmt.Sprintf("help-%s-%s-%d.png", tc.name, lang, width), true)
				}
			}
			if errs := consoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %v", errs)
			}
		})
	}
}

// save writes a screenshot of the window, or of the whole page, to
// dir/name when dir is set.
func save(t *testing.T, ctx context.Context, dir, name string, full bool) {
	t.Helper()
	if dir == "" {
		return
	}
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
