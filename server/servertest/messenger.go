package servertest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"parley/server/accounts"
)

// Person is a signed-in test user of the messenger.
type Person struct {
	accounts.User
	Token string
	env   *Env
}

// TestPassword is the password Person accounts get.
const TestPassword = "Correct-Horse-9-bars"

// Person creates a user named name (name@example.org) and signs them in
// over the API.
func (e *Env) Person(name string) Person {
	e.t.Helper()
	return e.PersonWithRole(name, accounts.RoleUser)
}

// PersonWithRole is Person with a server role (admin, support).
func (e *Env) PersonWithRole(name string, role accounts.Role) Person {
	e.t.Helper()
	u := e.CreateUser(name+"@example.org", TestPassword, role)
	return Person{User: u, Token: e.Login(name+"@example.org", TestPassword, map[string]any{"platform": "web"}), env: e}
}

// Call sends an API request as p, checks the status and decodes the answer
// into out (when out is not nil).
func (p Person) Call(method, path string, body any, want int, out any) []byte {
	p.env.t.Helper()
	resp, data := p.env.Do(method, path, p.Token, body)
	if resp.StatusCode != want {
		p.env.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, p.Profile.Email, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			p.env.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return data
}

// Socket is a real WebSocket client of /api/v1/ws. A goroutine reads
// frames into a channel, so waiting for one with a timeout never breaks the
// connection (gorilla's read deadlines do).
type Socket struct {
	env    *Env
	Conn   *websocket.Conn
	frames chan Event
	// CloseErr is the error that ended reading, once frames is closed.
	CloseErr error
}

// Event is one frame a socket received.
type Event map[string]any

// Type is the event's type.
func (ev Event) Type() string { s, _ := ev["type"].(string); return s }

// Seq is the event's number (0 when unnumbered).
func (ev Event) Seq() int64 { f, _ := ev["seq"].(float64); return int64(f) }

// String is the event as JSON, for messages.
func (ev Event) String() string { b, _ := json.Marshal(ev); return string(b) }

// Socket opens p's WebSocket; query is appended as is ("since=5").
func (p Person) Socket(query string) *Socket {
	p.env.t.Helper()
	u := "ws" + strings.TrimPrefix(p.env.URL, "http") + "/api/v1/ws"
	if query != "" {
		u += "?" + query
	}
	h := http.Header{"Authorization": {"Bearer " + p.Token}}
	c, resp, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		p.env.t.Fatalf("open socket of %s: %v (status %d)", p.Profile.Email, err, status)
	}
	return p.env.WrapSocket(c)
}

// WrapSocket reads an open WebSocket in the background.
func (e *Env) WrapSocket(c *websocket.Conn) *Socket {
	s := &Socket{env: e, Conn: c, frames: make(chan Event, 100000)}
	e.t.Cleanup(func() { c.Close() })
	go func() {
		defer close(s.frames)
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				s.CloseErr = err
				return
			}
			var ev Event
			if err := json.Unmarshal(data, &ev); err != nil {
				ev = Event{"type": "!not-json", "raw": string(data)}
			}
			s.frames <- ev
		}
	}()
	return s
}

// Next returns the next frame, or nil when none came within d or the
// socket has ended.
func (s *Socket) Next(d time.Duration) Event {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case ev, ok := <-s.frames:
		if !ok {
			return nil
		}
		return ev
	case <-t.C:
		return nil
	}
}

// Ended waits up to d for the server to end the socket and returns why
// (nil if it is still open), skipping the frames still on the way.
func (s *Socket) Ended(d time.Duration) error {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-s.frames:
			if !ok {
				return s.CloseErr
			}
		case <-deadline:
			return nil
		}
	}
}

// Await returns the first frame of the given type, failing the test when
// none comes within 5 seconds. Frames of other types are skipped.
func (s *Socket) Await(typ string) Event {
	s.env.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ev := s.Next(time.Until(deadline))
		if ev == nil {
			break
		}
		if ev.Type() == typ {
			return ev
		}
	}
	s.env.t.Fatalf("no %s event within 5 s", typ)
	return nil
}

// Quiet reports the frames that arrive within d: for asserting that
// something was NOT delivered.
func (s *Socket) Quiet(d time.Duration) []Event {
	var out []Event
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return out
		}
		ev := s.Next(left)
		if ev == nil {
			return out
		}
		out = append(out, ev)
	}
}

// SignInBrowser goes through the sign-in form as a browser without
// JavaScript would and returns the client holding the session cookie.
func (e *Env) SignInBrowser(login, password string) *http.Client {
	e.t.Helper()
	c := e.Browser()
	_, html := e.Page(c, "GET", "/signin", nil)
	m := csrfInput.FindStringSubmatch(html)
	if m == nil {
		e.t.Fatal("the sign-in page has no CSRF field")
	}
	resp, _ := e.Page(c, "POST", "/signin", url.Values{"_csrf": {m[1]}, "login": {login}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in %s: %d", login, resp.StatusCode)
	}
	return c
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Again signs p in once more, as from another device: a second session.
func (p Person) Again(device map[string]any) Person {
	p.env.t.Helper()
	p.Token = p.env.Login(p.Profile.Email, TestPassword, device)
	return p
}
