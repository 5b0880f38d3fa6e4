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
	for _, tc := range []struct {
		next, want string
	}{
		{"/account", "/account"},
		{"/help/ru/x?q=1", "/help/ru/x?q=1"},
		{"/support/new?subject=%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C", "/support/new?subject=%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C"},
		{"/help/ru/поиск", "/help/ru/поиск"},
		{"", "/"},
		{"account", "/"},
		{"https://evil.example", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example/", "/"},    // browsers drop the tab: //evil.example
		{"/\v/evil.example", "/"},     // answered as //evil.example before
		{"/\n/evil.example", "/"},     // line breaks are dropped too
		{"/\r/evil.example", "/"},     // and carriage returns
		{"/\x00/evil.example", "/"},   // NUL
		{"/\x7f/evil.example", "/"},   // DEL
		{"/\u200b/evil.example", "/"}, // zero-width space (a format character)
		{"/\u0085/evil.example", "/"}, // next line (C1 control)
		{"/x\r\nSet-Cookie: a", "/"},
		{"/%2F/evil.example", "/"}, // decodes to a path starting with //
		{"/a/\\evil", "/"},
		{"javascript:alert(1)", "/"},
		{" /account", "/"},
		{"/\xff", "/"}, // not UTF-8
	} {
		if got := SafeRedirect(tc.next, "/"); got != tc.want {
			t.Errorf("SafeRedirect(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

func TestClientIP(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	trusting := &Site{TrustedProxies: proxies}
	plain := &Site{}
	for _, tc := range []struct {
		site   *Site
		remote string
		xff    string
		want   string
	}{
		{plain, "203.0.113.9:5555", "198.51.100.1", "203.0.113.9"},                      // nobody trusted: header ignored
		{plain, "127.0.0.1:5555", "198.51.100.1", "127.0.0.1"},                          // not even loopback
		{trusting, "127.0.0.1:5555", "198.51.100.1", "198.51.100.1"},                    // the proxy says who
		{trusting, "127.0.0.1:5555", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"}, // skip trusted hops only
		{trusting, "203.0.113.9:5555", "198.51.100.1", "203.0.113.9"},                   // untrusted peer: header ignored
		{trusting, "[::1]:5555", "2001:db8::7", "2001:db8::7"},                          // IPv6
		{trusting, "127.0.0.1:5555", "", "127.0.0.1"},                                   // no header
		{trusting, "127.0.0.1:5555", "not-an-ip", "127.0.0.1"},                          // garbage
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := tc.site.ClientIP(r); got != tc.want {
			t.Errorf("remote %s xff %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("accepted a bad range")
	}
}
