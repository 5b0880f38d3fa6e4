package portal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
)

// TestBrowserDiagnosticsUpload uploads a zip of field samples through the
// page in Chromium, watches the progress bar, and works the triage page:
// crash group, a finding's article, and a filtered timeline.
func TestBrowserDiagnosticsUpload(t *testing.T) {
	dir := samplesDir(t)
	zipPath := filepath.Join(t.TempDir(), "field-logs.zip")
	os.WriteFile(zipPath, zipSamples(t, dir, "logcat/themis_markor_threadtime_fatal_noclassdef.txt",
		"webrtc/rtcstats_chrome99_pc_failed.jsonl", "har/mitmproxy_chrome.har"), 0o600)

	env := start(t)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	ctx := browsertest.New(t, browsertest.Lang("en"))
	consoleErrors := browsertest.ConsoleErrors(ctx)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/signin"),
		chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "desk@example.org"),
		chromedp.SendKeys("#password", "desk-secret-1"),
		chromedp.Click("#signin-submit"),
		chromedp.WaitVisible("#huid"),
		chromedp.Navigate(env.URL+"/diagnostics/new"),
		chromedp.WaitVisible("#files"),
		chromedp.SetUploadFiles("#files", []string{zipPath}),
	); err != nil {
		t.Fatalf("choose file: %v", err)
	}
	// The upload of a small zip is over in a moment, so the bar's states are
	// recorded as they happen (sessionStorage outlives the navigation).
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const bar = document.getElementById("upload-progress");
		new MutationObserver(() => {
			if (!bar.hidden) sessionStorage.setItem("barShown", "1");
			sessionStorage.setItem("barMax", String(Math.max(Number(sessionStorage.getItem("barMax") || 0), bar.value)));
		}).observe(bar, {attributes: true});
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click("#upload-submit"), chromedp.WaitVisible("#upload-state")); err != nil {
		t.Fatalf("no triage page after the upload: %v", err)
	}
	bar, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[sessionStorage.getItem("barShown"), sessionStorage.getItem("barMax")]`))
	if err != nil || len(bar) != 2 || bar[0] != "1" || bar[1] != "100" {
		t.Errorf("progress bar: shown %v, max %v (%v)", bar, bar, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("#crashes details")); err != nil {
		t.Fatalf("no crash group: %v", err)
	}
	crash, _ := chromedp.Run(ctx, chromedp.Text("#crashes"))
	if !strings.Contains(crash, "NoClassDefFoundError") {
		t.Errorf("crash groups: %q", crash)
	}
	triage, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	// A finding links the help-center article that fixes it.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#findings a[href="/help/en/call-network-requirements"]`),
		chromedp.WaitVisible("#article-title"),
	); err != nil {
		t.Fatalf("finding's article: %v", err)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text("#article-title"))
	if !strings.Contains(strings.ToLower(title), "network") {
		t.Errorf("article title %q", title)
	}
	// Back on the triage page: errors only, then zoom the chart.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(triage),
		chromedp.WaitVisible("#event-filter"),
		chromedp.SetValue("#ev-level", "E"),
		chromedp.Click(`#event-filter button[type=submit]`),
		// Only the reloaded page marks the option selected in its HTML.
		chromedp.WaitReady(`#ev-level option[value="E"][selected]`),
	); err != nil {
		t.Fatalf("filter: %v", err)
	}
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](
		`[document.querySelectorAll("#events tbody span.lv-E, #events tbody span.lv-F").length,
		  document.querySelectorAll("#events tbody span.lv-I, #events tbody span.lv-D, #events tbody span.lv-W").length]`))
	if err != nil || counts[0] == 0 || counts[1] != 0 {
		t.Errorf("errors-only filter shows %v error and %v other rows (%v)", counts[0], counts[1], err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click("#timeline-chart a"),
		chromedp.WaitVisible(`#timeline figcaption a`),
	); err != nil {
		t.Fatalf("zoom: %v", err)
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
