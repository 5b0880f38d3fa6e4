package web

import (
	"net/http/httptest"
	"testing"
)

func TestPickLang(t *testing.T) {
	for _, tc := range []struct {
		saved, cookie, accept, want string
	}{
		{"", "", "", "ru"},
		{"", "", "en-US,en;q=0.9", "en"},
		{"", "", "de-DE, en;q=0.3, ru;q=0.7", "ru"},
		{"", "", "fr, de", "ru"},
		{"", "en", "ru", "en"},
		{"", "xx", "en", "en"},
		{"ru", "en", "en", "ru"},
		{"de", "", "en", "en"},
		{"", "", "EN;q=0.5", "en"},
		{"", "", ";;;,q=,", "ru"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			r.Header.Set("Cookie", LangCookie+"="+tc.cookie)
		}
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if got := PickLang(r, tc.saved, LangCookie, "ru"); got != tc.want {
			t.Errorf("saved=%q cookie=%q accept=%q: %s, want %s", tc.saved, tc.cookie, tc.accept, got, tc.want)
		}
	}
}

func TestSafeRedirect(t *testing.T) {
	for in, want := range map[string]string{
		"/account":             "/account",
		"/help/ru/x?q=1":       "/help/ru/x?q=1",
		"":                     "/",
		"https://evil.example": "/",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"/x\r\nSet-Cookie: a":  "/",
		"javascript:alert(1)":  "/",
	} {
		if got := SafeRedirect(in, "/"); got != want {
			t.Errorf("SafeRedirect(%q) = %q, want %q", in, got, want)
		}
	}
}
