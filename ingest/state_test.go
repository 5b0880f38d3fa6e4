package ingest

import (
	"strings"
	"testing"
)

// stateDocExample is the client state example of docs/formats.md, kept
// identical to it (TestClientStateDocExampleInSync checks).
const stateDocExample = `{
  "format": "parley-client-state",
  "version": 1,
  "exported_at": "2026-11-20T11:05:42.120Z",
  "app": {
    "platform": "web",
    "version": "3.14.0",
    "build": "3140027",
    "server_version": "3.14.2",
    "server_url": "https://parley.example.org",
    "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "os": "Windows 10",
    "locale": "ru"
  },
  "user": {"huid": "5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f"},
  "session": {
    "udid": "9b7e2c10-3f4a-4d5b-8c6d-7e8f9a0b1c2d",
    "stats_started_at": "2026-11-20T09:12:03.004Z"
  },
  "device_meta": {
    "permissions": {"microphone": true, "camera": false, "notifications": false, "screen_sharing": true},
    "pushes": true
  },
  "chats": {"total": 148, "unread": 3, "muted": 12,
            "by_kind": {"personal": 90, "group": 40, "channel": 12, "bot": 6}},
  "settings": {
    "theme": "dark",
    "language": "ru",
    "notifications": {"sound": true, "preview": false},
    "save_statistics": true,
    "log_socket_requests": true,
    "collect_smartapp_logs": false
  },
  "websocket": {
    "state": "open",
    "reconnects": [
      {"at": "2026-11-20T10:41:17.530Z", "reason": "ping timeout", "code": 1006, "downtime_ms": 4200},
      {"at": "2026-11-20T10:58:02.001Z", "reason": "network offline", "code": 1001, "downtime_ms": 65000}
    ]
  },
  "errors": [
    {"at": "2026-11-20T10:12:44.870Z", "kind": "uncaught", "name": "TypeError",
     "message": "Cannot read properties of undefined (reading 'members')",
     "stack": "TypeError: Cannot read properties of undefined (reading 'members')\n    at ChatHeader.render (https://parley.example.org/static/app.3f9a.js:1:48211)\n    at renderRoot (https://parley.example.org/static/app.3f9a.js:1:90210)",
     "source": "chats"},
    {"at": "2026-11-20T10:41:13.002Z", "kind": "network", "name": "FetchError",
     "message": "POST /api/v1/chats/42/messages failed: 502", "source": "messages"}
  ],
  "console": [
    {"at": "2026-11-20T10:41:13.100Z", "level": "warn", "tag": "ws", "message": "no pong in 10 s, reconnecting"}
  ]
}
`

func TestClientStateDocExampleInSync(t *testing.T) {
	if !strings.Contains(iwDocText(t), stateDocExample) {
		t.Errorf("the client state example in docs/formats.md differs from stateDocExample")
	}
}

func TestParseClientStateDocExample(t *testing.T) {
	if !looksLikeClientState([]byte(stateDocExample)) {
		t.Errorf("not detected")
	}
	res, evs := iwMustRun(t, ParseClientState, "state.json", []byte(stateDocExample))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if res.Format != FormatClientState || len(evs) != 6 || res.Crashes != 1 {
		t.Fatalf("result = %+v", res)
	}
	if res.Levels["I"] != 1 || res.Levels["W"] != 3 || res.Levels["E"] != 2 {
		t.Errorf("levels = %v", res.Levels)
	}
	if !res.First.Equal(iwTime(t, "2026-11-20T09:12:03.004Z")) || !res.Last.Equal(iwTime(t, "2026-11-20T10:58:02.001Z")) {
		t.Errorf("range = %v .. %v", res.First, res.Last)
	}
	// In time order: connected, uncaught error, network error, console warning, two reconnects.
	order := []string{}
	for _, e := range evs {
		order = append(order, e.Level.Letter()+":"+e.Tag)
	}
	if got := strings.Join(order, " "); got != "I:websocket E:chats E:messages W:ws W:websocket W:websocket" {
		t.Errorf("order = %s", got)
	}
	rc := iwWhere(evs, iwAttr("ws.reconnect", "1"))
	if len(rc) != 2 || rc[0].Attrs["ws.reason"] != "ping timeout" || rc[0].Attrs["ws.close_code"] != "1006" || rc[0].Attrs["ws.downtime_ms"] != "4200" {
		t.Errorf("reconnects = %+v", rc)
	}
	c := evs[1].Crash
	if c == nil || c.Kind != "js" || c.Type != "TypeError" || c.Reason != "Cannot read properties of undefined (reading 'members')" ||
		len(c.Frames) != 2 || !strings.HasPrefix(c.Frames[0], "ChatHeader.render (") {
		t.Errorf("crash = %+v", c)
	}
	if evs[2].Crash != nil || evs[2].Attrs["js.kind"] != "network" {
		t.Errorf("network error = %+v", evs[2])
	}
	env := res.Env
	if env.Platform != "web" || env.AppVersion != "3.14.0" || env.ServerVersion != "3.14.2" ||
		env.HUID != "5d1c4f6e-8a2b-4c3d-9e0f-1a2b3c4d5e6f" || env.UDID != "9b7e2c10-3f4a-4d5b-8c6d-7e8f9a0b1c2d" ||
		env.Browser != "Chrome 131.0.0.0" || env.OS != "Windows 10" {
		t.Errorf("env = %+v", env)
	}
	for k, v := range map[string]string{
		"permissions.microphone": "true", "permissions.notifications": "false", "permissions.camera": "false", "pushes": "true",
		"chats.total": "148", "chats.unread": "3", "chats.by_kind.channel": "12", "settings.notifications.sound": "true",
		"settings.theme": "dark", "session.stats_started_at": "2026-11-20T09:12:03.004Z", "app.build": "3140027",
	} {
		if env.Extra[k] != v {
			t.Errorf("Extra[%s] = %q, want %q", k, env.Extra[k], v)
		}
	}
}

func TestParseClientStateDamage(t *testing.T) {
	// Broken JSON: an error naming the file and position.
	_, _, err := iwRun(t, ParseClientState, "state.json", []byte("{\"format\": \"parley-client-state\",\n \"version\": 1,\n \"app\": {\"platform\": \"web\"\n}"))
	if err == nil || !strings.Contains(err.Error(), "state.json:4") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("err = %v", err)
	}
	// Wrong types and unknown format: read what can be read, report the rest.
	res, evs := iwMustRun(t, ParseClientState, "odd.json", []byte("\ufeff"+`{"format":"other","version":2,"app":{"platform":"Desktop","version":3.2},
		"session":{"stats_started_at":"yesterday"},"websocket":{"reconnects":[{"at":"2026-01-01T00:00:00Z","code":"1006"}]},
		"errors":"none"}`))
	if res.Env.Platform != "desktop" || res.Env.AppVersion != "3.2" {
		t.Errorf("env = %+v", res.Env)
	}
	if !iwErrorsMention(res, "format is \"other\"") || !iwErrorsMention(res, "version 2") || !iwErrorsMention(res, "cannot read time \"yesterday\"") {
		t.Errorf("errors = %v", res.Errors)
	}
	if len(iwWhere(evs, iwAttr("ws.close_code", "1006"))) != 1 {
		t.Errorf("events = %+v", evs)
	}
	if looksLikeClientState([]byte(`{"log":{"entries":[]}}`)) {
		t.Errorf("HAR taken for a state dump")
	}
}

func FuzzParseClientState(f *testing.F) {
	f.Add([]byte(stateDocExample))
	f.Add([]byte(`{"format":"parley-client-state","version":1,"errors":[{"kind":"uncaught","stack":"a@b:1:2\nat c"}]}`))
	f.Add([]byte(`{"device_meta":{"permissions":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		iwFuzzCheck(t, ParseClientState, data)
		looksLikeClientState(data)
	})
}
