// Package browsertest starts a headless Chromium for browser tests, driven
// through chromedp (see DESIGN.md, "Testing").
//
// A test asks for a browser tab with New and drives it with chromedp:
//
//	env := servertest.Start(t)
//	ctx := browsertest.New(t)
//	err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/signin"))
//
// New skips the test when no Chromium is installed, except when PARLEY_E2E=1,
// where a missing browser fails it. The browser and its profile live only as
// long as the test; every step shares one deadline (60 s by default), so a hung
// browser fails the test instead of hanging the suite. When the test fails, a
// screenshot of the tab is written to os.TempDir() and the console errors of
// the page are logged.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds everything one test does in its browser.
const DefaultTimeout = 60 * time.Second

// Option changes the browser that New starts.
type Option func(*config)

type config struct {
	timeout   time.Duration
	fakeMedia bool
	lang      string
}

// FakeMedia lets pages use a fake camera and microphone without asking,
// for call tests (--use-fake-ui-for-media-stream, --use-fake-device-for-media-stream).
func FakeMedia() Option { return func(c *config) { c.fakeMedia = true } }

// Timeout replaces DefaultTimeout.
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Lang sets the Accept-Language the tab sends, e.g. "en" or "ru-RU,ru;q=0.9".
// By default the tab asks for "ru", Parley's default language, so that pages
// do not depend on the locale of the machine running the tests. Lang("")
// keeps the browser's own header. It applies to New's tab only, not to tabs
// opened later with chromedp.NewContext(ctx).
func Lang(acceptLanguage string) Option { return func(c *config) { c.lang = acceptLanguage } }

// FindChromium returns the browser binary: $PARLEY_CHROMIUM if set, else the
// first of chromium, chromium-browser and google-chrome on PATH; "" if none.
func FindChromium() string {
	if p := os.Getenv("PARLEY_CHROMIUM"); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if full, err := exec.LookPath(name); err == nil {
			return full
		}
	}
	return ""
}

// New starts a headless Chromium for the test and returns the context of its
// tab, for chromedp.Do and chromedp.Run. The context ends when the timeout
// passes; the browser is closed and its profile removed when the test ends.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	cfg := config{timeout: DefaultTimeout, lang: "ru"}
	for _, o := range opts {
		o(&cfg)
	}
	exe := FindChromium()
	if exe == "" {
		msg := "no Chromium found (chromium, chromium-browser, google-chrome on PATH, or $PARLEY_CHROMIUM)"
		if p := os.Getenv("PARLEY_CHROMIUM"); p != "" {
			msg = fmt.Sprintf("PARLEY_CHROMIUM=%s is not an executable", p)
		}
		if os.Getenv("PARLEY_E2E") == "1" {
			t.Fatal("PARLEY_E2E=1 but no Chromium found; install Debian's chromium: " + msg)
		}
		t.Skip("browser test skipped: " + msg)
	}

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	if cfg.fakeMedia {
		allocOpts = append(allocOpts,
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-fake-device-for-media-stream", true))
	}

	// The browser itself lives a little longer than the test's deadline, so
	// that a failure screenshot can still be taken; then it is killed.
	base, cancelBase := context.WithTimeout(context.Background(), cfg.timeout+15*time.Second)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, allocOpts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelBase()
	})

	// The first Do starts the browser; its life is bound to browserCtx.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	if cfg.lang != "" {
		_, err := chromedp.Call(browserCtx, network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": cfg.lang}})
		if err != nil {
			t.Fatalf("set Accept-Language: %v", err)
		}
	}

	ctx, cancel := context.WithTimeout(browserCtx, cfg.timeout)
	t.Cleanup(cancel)

	consoleErrors := ConsoleErrors(ctx)
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range consoleErrors() {
				t.Logf("browser console: %s", e)
			}
		}
	})
	ScreenshotOnFailure(t, ctx)
	return ctx
}

// ScreenshotOnFailure registers a cleanup that, if the test has failed,
// saves a PNG of the tab of ctx into os.TempDir() and logs its path. New
// already does this for its tab; use it for further tabs. It works after
// ctx's deadline has passed, as long as the browser is still running, so call
// it after New (cleanups run last-registered first).
func ScreenshotOnFailure(t testing.TB, ctx context.Context) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		name := strings.NewReplacer("/", "_", " ", "_", "\\", "_").Replace(t.Name())
		path := filepath.Join(os.TempDir(), fmt.Sprintf("parley-%s-%s.png", name, time.Now().Format("150405.000")))
		if err := SaveScreenshot(sctx, path); err != nil {
			t.Logf("no failure screenshot: %v", err)
			return
		}
		t.Logf("failure screenshot: %s", path)
	})
}

// SaveScreenshot writes a PNG of the visible part of the tab to path.
func SaveScreenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("capture screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}

// ConsoleErrors starts collecting the errors the pages of the tab report:
// console.error calls, uncaught exceptions and error entries of the browser
// log, such as Content-Security-Policy violations. The returned func gives
// those seen so far.
// Collection stops when ctx ends; messages from before the call are missed.
func ConsoleErrors(ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
					mu.Lock()
					errs = append(errs, "collecting console: "+err.Error())
					mu.Unlock()
				}
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			s := m.String()
			if m.URL != "" {
				s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
			}
			mu.Lock()
			errs = append(errs, s)
			mu.Unlock()
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}
