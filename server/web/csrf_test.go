package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestReadFormAnswersWhatIsWrong(t *testing.T) {
	site := &Site{DefaultLang: "en", Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	const token = "0123456789012345678901234567890123456789012"
	cases := []struct {
		name   string
		form   url.Values
		cookie bool
		status int // 0: the form is accepted
	}{
		{"good", url.Values{CSRFField: {token}, "x": {"1"}}, true, 0},
		{"no token", url.Values{"x": {"1"}}, true, http.StatusForbidden},
		{"no cookie", url.Values{CSRFField: {token}}, false, http.StatusForbidden},
		{"too large", url.Values{CSRFField: {token}, "x": {strings.Repeat("a", 2048)}}, true, http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(c.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if c.cookie {
				r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: token})
			}
			w := httptest.NewRecorder()
			ok := site.ReadForm(w, r, 1024)
			if ok != (c.status == 0) || (c.status != 0 && w.Code != c.status) {
				t.Errorf("ok %v, status %d; want status %d", ok, w.Code, c.status)
			}
			if ok && r.PostFormValue("x") != "1" {
				t.Errorf("form not read: %v", r.PostForm)
			}
		})
	}
}
