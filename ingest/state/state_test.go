package state

import (
	"strings"
	"testing"

	"parley/ingest"
	"parley/ingest/internal/ingesttest"
)

func TestClientStateDocExampleInSync(t *testing.T) {
	if !strings.Contains(ingesttest.DocText(t), ingesttest.StateDocExample) {
		t.Errorf("the client state example in docs/formats.md differs from stateDocExample")
	}
}

func TestParseClientStateDocExample(t *testing.T) {
	if !LooksLike([]byte(ingesttest.StateDocExample)) {
		t.Errorf("not detected")
	}
	res, evs := ingesttest.MustRun(t, Parse, "state.json", []byte(ingesttest.StateDocExample))
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if res.Format != ingest.FormatClientState || len(evs) != 6 || res.Crashes != 1 {
		t.Fatalf("result = %+v", res)
	}
	if res.Levels["I"] != 1 || res.Levels["W"] != 3 || res.Levels["E"] != 2 {
		t.Errorf("levels = %v", res.Levels)
	}
	if !res.First.Equal(ingesttest.Time(t, "2026-11-20T09:12:03.004Z")) || !res.Last.Equal(ingesttest.Time(t, "2026-11-20T10:58:02.001Z")) {
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
	rc := ingesttest.Where(evs, ingesttest.Attr("ws.reconnect", "1"))
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
	_, _, err := ingesttest.Run(t, Parse, "state.json", []byte("{\"format\": \"parley-client-state\",\n \"version\": 1,\n \"app\": {\"platform\": \"web\"\n}"))
	if err == nil || !strings.Contains(err.Error(), "state.json:4") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("err = %v", err)
	}
	// Wrong types and unknown format: read what can be read, report the rest.
	res, evs := ingesttest.MustRun(t, Parse, "odd.json", []byte("\ufeff"+`{"format":"other","version":2,"app":{"platform":"Desktop","version":3.2},
		"session":{"stats_started_at":"yesterday"},"websocket":{"reconnects":[{"at":"2026-01-01T00:00:00Z","code":"1006"}]},
		"errors":"none"}`))
	if res.Env.Platform != "desktop" || res.Env.AppVersion != "3.2" {
		t.Errorf("env = %+v", res.Env)
	}
	if !ingesttest.ErrorsMention(res, "format is \"other\"") || !ingesttest.ErrorsMention(res, "version 2") || !ingesttest.ErrorsMention(res, "cannot read time \"yesterday\"") {
		t.Errorf("errors = %v", res.Errors)
	}
	if len(ingesttest.Where(evs, ingesttest.Attr("ws.close_code", "1006"))) != 1 {
		t.Errorf("events = %+v", evs)
	}
	if LooksLike([]byte(`{"log":{"entries":[]}}`)) {
		t.Errorf("HAR taken for a state dump")
	}
}

func FuzzParseClientState(f *testing.F) {
	f.Add([]byte(ingesttest.StateDocExample))
	f.Add([]byte(`{"format":"parley-client-state","version":1,"errors":[{"kind":"uncaught","stack":"a@b:1:2\nat c"}]}`))
	f.Add([]byte(`{"device_meta":{"permissions":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ingesttest.FuzzCheck(t, Parse, data)
		LooksLike(data)
	})
}
