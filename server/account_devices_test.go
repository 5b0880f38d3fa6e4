package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/server/accounts"
	"parley/server/servertest"
)

// TestAccountEndsADeviceWithAllItsSessions: a device is one row, so "Sign
// out there" ends every session of that device and nothing else.
func TestAccountEndsADeviceWithAllItsSessions(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	env.CreateUser("dev@example.org", "device-secret-1", accounts.RoleUser)
	other := env.CreateUser("else@example.org", "device-secret-2", accounts.RoleUser)
	laptop := []string{
		env.Login("dev@example.org", "device-secret-1", map[string]any{"udid": "laptop-1", "platform": "desktop", "app_version": "2.9.0"}),
		env.Login("dev@example.org", "device-secret-1", map[string]any{"udid": "laptop-1", "platform": "desktop", "app_version": "2.9.0"}),
	}
	phone := env.Login("dev@example.org", "device-secret-1", map[string]any{"udid": "phone-1", "platform": "ios", "app_version": "3.2.1"})
	c := signIn(t, env, "dev@example.org", "device-secret-1")
	_, html := page(t, c, env, "GET", "/account", nil)
	rows := regexp.MustCompile(`id="session-(\d+)" data-udid="([^"]+)"`).FindAllStringSubmatch(html, -1)
	ids := map[string]string{}
	for _, m := range rows {
		if _, dup := ids[m[2]]; dup {
			t.Fatalf("device %s listed twice", m[2])
		}
		ids[m[2]] = m[1]
	}
	if len(ids) != 3 || ids["laptop-1"] == "" || ids["phone-1"] == "" {
		t.Fatalf("devices listed: %v", ids)
	}
	for _, want := range []string{"Parley 2.9.0 для Desktop", "Parley 3.2.1 для iOS"} {
		if !strings.Contains(html, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	csrf := csrfOf(t, html)

	// Without the form's token nothing ends.
	if resp, _ := page(t, c, env, "POST", "/account/sessions/"+ids["laptop-1"]+"/end-device", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("end a device without CSRF: %d", resp.StatusCode)
	}
	// Another person's session is not this person's device.
	otherToken := env.Login("else@example.org", "device-secret-2", map[string]any{"udid": "other-1"})
	otherID := env.Count("SELECT max(id) FROM sessions WHERE user_id = ?", other.ID)
	resp, _ := page(t, c, env, "POST", "/account/sessions/"+itoa(otherID)+"/end-device", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("end another person's device: %d", resp.StatusCode)
	}
	if resp, _ := env.Do("GET", "/api/v1/me", otherToken, nil); resp.StatusCode != http.StatusOK {
		t.Fatal("another person's session ended")
	}

	resp, _ = page(t, c, env, "POST", "/account/sessions/"+ids["laptop-1"]+"/end-device", url.Values{"_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end the laptop: %d", resp.StatusCode)
	}
	for i, tok := range laptop {
		if resp, _ := env.Do("GET", "/api/v1/me", tok, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("laptop session %d still signed in: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := env.Do("GET", "/api/v1/me", phone, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the phone was signed out with the laptop: %d", resp.StatusCode)
	}
	// The laptop is now history, its reason in the page's language.
	_, html = page(t, c, env, "GET", "/account", nil, "Accept-Language", "en")
	if !strings.Contains(html, "Ended sessions (1)") || !strings.Contains(html, "ended from another device") {
		t.Errorf("history after ending the laptop:\n%s", html)
	}
}
