package portal_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"parley/server/browsertest"
)

// TestBrowserHelpCenter is a visitor's way through the help center in
// Chromium: a misspelled Russian search, the first result, a vote, and the
// English version of the article.
func TestBrowserHelpCenter(t *testing.T) {
	env := start(t)
	ctx := browsertest.New(t)
	consoleErrors := browsertest.ConsoleErrors(ctx)

	// Search-as-you-type offers titles while typing.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/help"),
		chromedp.WaitVisible(`#help-q`),
		chromedp.SendKeys(`#help-q`, "очистка кэ"),
		chromedp.WaitVisible(`#help-suggest li a`),
	); err != nil {
		t.Fatalf("suggestions: %v", err)
	}
	suggestion, err := chromedp.Run(ctx, chromedp.Text(`#help-suggest li a`))
	if err != nil || !strings.Contains(strings.ToLower(suggestion), "кэш") {
		t.Fatalf("first suggestion %q (%v)", suggestion, err)
	}

	// A misspelled query ("уведомленя", "приходт") still finds the article.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/help/ru"),
		chromedp.WaitVisible(`#help-q`),
		chromedp.SendKeys(`#help-q`, "не приходт уведомленя"+kb.Enter),
		chromedp.WaitVisible(`#results li a`),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	first, err := chromedp.Run(ctx, chromedp.Text(`#results li:first-child h2 a`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(first), "уведомлен") {
		t.Errorf("first result for a misspelled notifications query is %q", first)
	}
	marks, err := chromedp.Run(ctx, chromedp.Text(`#results li:first-child .snippet mark`))
	if err != nil || marks == "" {
		t.Errorf("the snippet highlights nothing (%v)", err)
	}

	// Open it, vote, and read it in English.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#results li:first-child h2 a`),
		chromedp.WaitVisible(`#article-title`),
		chromedp.Click(`#vote-yes`),
		chromedp.WaitVisible(`#vote-status`),
	); err != nil {
		t.Fatalf("open and vote: %v", err)
	}
	status, _ := chromedp.Run(ctx, chromedp.Text(`#vote-status`))
	if !strings.Contains(status, "Спасибо") {
		t.Errorf("after voting the page says %q", status)
	}
	ruTitle, _ := chromedp.Run(ctx, chromedp.Text(`#article-title`))
	if err := chromedp.Do(ctx,
		chromedp.Click(`#lang-switch`),
		chromedp.WaitVisible(`html[lang=en] #article-title`),
	); err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	enTitle, _ := chromedp.Run(ctx, chromedp.Text(`#article-title`))
	if enTitle == "" || enTitle == ruTitle {
		t.Errorf("English title %q after Russian %q", enTitle, ruTitle)
	}
	// The vote counts for the article in both languages.
	status, _ = chromedp.Run(ctx, chromedp.Text(`#vote-status`))
	if !strings.Contains(status, "already") {
		t.Errorf("English page after voting says %q", status)
	}
	if errs := consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
