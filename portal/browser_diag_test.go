package portal_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"parley/server/accounts"
	"parley/server/browsertest"
	"parley/server/servertest"
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
	signInChromium(t, ctx, env, "desk@example.org", "desk-secret-1")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/diagnostics/new"),
		chromedp.WaitVisible("#files"),
		chromedp.SetUploadFiles("#files", []string{zipPath}),
	); err != nil {
		t.Fatalf("choose file: %v", err)
	}
	recordProgress(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click("#upload-submit"), chromedp.WaitVisible("#upload-state")); err != nil {
		t.Fatalf("no triage page after the upload: %v", err)
	}
	checkProgress(t, ctx)
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

// recordProgress notes the progress bar's states as they happen: the upload
// of a small file is over in a moment, and sessionStorage outlives the
// navigation to the triage page.
func recordProgress(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		sessionStorage.removeItem("barShown");
		sessionStorage.removeItem("barValues");
		const bar = document.getElementById("upload-progress");
		const status = document.getElementById("upload-status");
		new MutationObserver(() => {
			if (!bar.hidden) sessionStorage.setItem("barShown", "1");
		}).observe(bar, {attributes: true});
		// The bar's value is a property, not an attribute: the status line
		// the page writes with every progress event says it.
		new MutationObserver(() => {
			const m = /^(\d+) %$/.exec(status.textContent);
			if (m) sessionStorage.setItem("barValues", (sessionStorage.getItem("barValues") || "") + m[1] + " ");
		}).observe(status, {childList: true, characterData: true, subtree: true});
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
}

// checkProgress asserts that the bar was shown and that progress events,
// not the end of the request, brought it to 100 %.
func checkProgress(t *testing.T, ctx context.Context) {
	t.Helper()
	bar, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[sessionStorage.getItem("barShown") || "", sessionStorage.getItem("barValues") || ""]`))
	if err != nil || len(bar) != 2 || bar[0] != "1" || !strings.HasSuffix(bar[1], "100 ") {
		t.Errorf("progress bar: shown %q, values %q (%v)", bar[0], bar[1], err)
	}
}

// TestBrowserDiagnosticsDragAndDrop drops two files on the drop zone (a
// log and a web client's state dump), sees them listed, is stopped before
// sending when they are over the limit, uploads them, and finds the
// state dump's user, session and server on the triage page.
func TestBrowserDiagnosticsDragAndDrop(t *testing.T) {
	env := start(t)
	env.CreateUser("desk@example.org", "desk-secret-1", accounts.RoleSupport)
	ctx := browsertest.New(t, browsertest.Lang("en"))
	consoleErrors := browsertest.ConsoleErrors(ctx)
	signInChromium(t, ctx, env, "desk@example.org", "desk-secret-1")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/diagnostics/new"),
		chromedp.WaitVisible("#dropzone"),
	); err != nil {
		t.Fatal(err)
	}
	// drop makes the files in the page, as a file manager's drag would hand
	// them over, and drops them on the zone.
	const drop = `(() => {
		const state = JSON.stringify({format: "parley-client-state", version: 1,
			app: {platform: "web", version: "3.14.0", server_version: "3.14.2"},
			user: {huid: "5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f"},
			session: {udid: "9b7e2c10-3f4a-4d5b-8c6d-7e8f9a0b1c2d", stats_started_at: "2026-11-20T09:12:03.004Z"},
			console: [{at: "2026-11-20T09:13:00Z", level: "error", tag: "chats", message: "sync failed"}]});
		const log = "05-01 10:00:00.000  4242  4242 I Parley.Main: started\n".repeat(20000);
		const dt = new DataTransfer();
		dt.items.add(new File([log], "main.log", {type: "text/plain"}));
		dt.items.add(new File([state], "state.json", {type: "application/json"}));
		const zone = document.getElementById("dropzone");
		for (const type of ["dragenter", "dragover", "drop"]) {
			zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		}
		return document.getElementById("upload-status").textContent;
	})()`
	// Over the limit (lowered for the test): a clear word, nothing sent.
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		document.getElementById("upload-form").dataset.maxBytes = "1000";
		return `+drop+`;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("upload-submit").disabled`))
	if !strings.Contains(listed, "more than 1.0 GB") || !disabled {
		t.Fatalf("files over the limit: status %q, submit disabled %v", listed, disabled)
	}
	// Within the limit: both files listed, sent with progress.
	listed, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		document.getElementById("upload-form").dataset.maxBytes = String(1 << 30);
		return `+drop+`;
	})()`))
	if err != nil || !strings.Contains(listed, "main.log, state.json") {
		t.Fatalf("dropped files: status %q (%v)", listed, err)
	}
	recordProgress(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click("#upload-submit"), chromedp.WaitVisible("#upload-state")); err != nil {
		t.Fatalf("no triage page after the upload: %v", err)
	}
	checkProgress(t, ctx)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(".status-ready"), chromedp.WaitVisible("#env")); err != nil {
		t.Fatalf("no environment card: %v", err)
	}
	page, _ := chromedp.Run(ctx, chromedp.Text("main"))
	for _, want := range []string{"5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f", "9b7e2c10-3f4a-4d5b-8c6d-7e8f9a0b1c2d", "3.14.2", "main.log", "state.json"} {
		if !strings.Contains(page, want) {
			t.Errorf("the triage page lacks %q", want)
		}
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// signInChromium signs in through the sign-in page and waits for the
// account page.
func signInChromium(t *testing.T, ctx context.Context, env *servertest.Env, login, password string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/signin?next=/account"),
		chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", login),
		chromedp.SendKeys("#password", password),
		chromedp.Click("#signin-submit"),
		chromedp.WaitVisible("#huid"),
	); err != nil {
		t.Fatalf("sign in as %s: %v", login, err)
	}
}
