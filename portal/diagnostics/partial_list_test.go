package diagnostics_test

import (
	"strings"
	"testing"
)

// The uploads list filters by "partly read" apart from "ready", and says
// which is which; the API reports the status too.
func TestPartlyReadUploadsAreListedApart(t *testing.T) {
	t.Parallel()
	env, desk := start(t)
	good := []byte("05-01 10:00:00.000  4242  4242 I Sync: all fine\n")
	ready := desk.upload(file{"ready.log", good})
	partial := desk.upload(file{"partial.log", good}, file{"bomb.zip", zipBomb(t)})
	for _, tc := range []struct {
		status, lang string
		shows, hides string
		label        string
	}{
		{"partial", "en", partial, ready, "Partly read"},
		{"ready", "en", ready, partial, "Ready"},
		{"partial", "ru", partial, ready, "Прочитано частично"},
	} {
		page := desk.page("/diagnostics?status="+tc.status, tc.lang)
		table := between(page, "<table", "</table>")
		if !strings.Contains(table, `href="`+tc.shows+`"`) || strings.Contains(table, `href="`+tc.hides+`"`) || !strings.Contains(text(table), tc.label) {
			t.Errorf("status=%s (%s) lists:\n%s", tc.status, tc.lang, text(table))
		}
	}
	token := env.Login("desk@example.org", "desk-secret-1", nil)
	resp, body := env.Do("GET", "/api/v1/diagnostics/uploads/"+strings.TrimPrefix(partial, "/diagnostics/"), token, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"partial"`) {
		t.Errorf("API: %d %s", resp.StatusCode, body)
	}
}
