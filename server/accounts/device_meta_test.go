package accounts_test

import (
	"strings"
	"testing"

	"parley/server/servertest"
)

// A session reports its device's permissions as they change; the seed's
// flags must be true or false, flat or nested.
func TestSessionReportsDeviceMeta(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t)
	ann := env.Person("ann")
	cases := []struct {
		meta   map[string]any
		status int
	}{
		{map[string]any{"permissions.microphone": true, "pushes": false, "app_theme": "dark"}, 200},
		{map[string]any{"permissions": map[string]any{"notifications": false, "storage": true}}, 200},
		{map[string]any{"permissions.microphone": "yes"}, 400},
		{map[string]any{"permissions": map[string]any{"contacts": 1}}, 400},
		{map[string]any{"pushes": nil}, 400},
	}
	for _, c := range cases {
		resp, body := env.Do("PATCH", "/api/v1/me/sessions/current", ann.Token, map[string]any{"meta": c.meta, "timezone": "Europe/Moscow"})
		if resp.StatusCode != c.status {
			t.Errorf("meta %v: %d %s", c.meta, resp.StatusCode, body)
		}
		if c.status == 200 && (!strings.Contains(string(body), "Europe/Moscow") || !strings.Contains(string(body), `"meta"`)) {
			t.Errorf("meta %v: the session reads back %s", c.meta, body)
		}
	}
}
