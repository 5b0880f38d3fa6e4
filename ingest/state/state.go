// Package state reads the client-state JSON the web and desktop clients
// export from their engineering menu ("download state", docs/formats.md).
package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
)

// The web and desktop clients' state dump, saved with the engineering
// menu's "DOWNLOAD STATE" button ("СКАЧАТЬ СТЕЙТ"). Its JSON format is
// Parley's own and is defined in docs/formats.md ("parley-client-state",
// version 1).

// stateFormatName is the value of the dump's "format" field.
const stateFormatName = "parley-client-state"

// stateMaxSize bounds how much of a state dump is read.
const stateMaxSize = 64 << 20

type stateDump struct {
	Format     string            `json:"format"`
	Version    ingest.JSONNumber `json:"version"`
	ExportedAt string            `json:"exported_at"`
	App        struct {
		Platform      string            `json:"platform"`
		Version       ingest.JSONString `json:"version"`
		Build         ingest.JSONString `json:"build"`
		ServerVersion ingest.JSONString `json:"server_version"`
		ServerURL     string            `json:"server_url"`
		UserAgent     string            `json:"user_agent"`
		OS            string            `json:"os"`
		Locale        string            `json:"locale"`
		Electron      ingest.JSONString `json:"electron"`
	} `json:"app"`
	User struct {
		HUID string `json:"huid"`
	} `json:"user"`
	Session struct {
		UDID           string `json:"udid"`
		StatsStartedAt string `json:"stats_started_at"`
	} `json:"session"`
	DeviceMeta map[string]any `json:"device_meta"`
	Chats      map[string]any `json:"chats"`
	Settings   map[string]any `json:"settings"`
	WebSocket  struct {
		State      string `json:"state"`
		Reconnects []struct {
			At         string            `json:"at"`
			Reason     string            `json:"reason"`
			Code       ingest.JSONNumber `json:"code"`
			DowntimeMS ingest.JSONNumber `json:"downtime_ms"`
		} `json:"reconnects"`
	} `json:"websocket"`
	Errors []struct {
		At      string `json:"at"`
		Kind    string `json:"kind"`
		Name    string `json:"name"`
		Message string `json:"message"`
		Stack   string `json:"stack"`
		Source  string `json:"source"`
	} `json:"errors"`
	Console []struct {
		At      string `json:"at"`
		Level   string `json:"level"`
		Tag     string `json:"tag"`
		Message string `json:"message"`
	} `json:"console"`
}

// Parse reads a web or desktop client state dump. Env gets the
// platform, app and server versions, HUID, UDID, browser, and in Extra the
// device meta under the names the admin panel uses (permissions.microphone,
// permissions.notifications, …, pushes), chat statistics (chats.total, …),
// settings (settings.…) and session.stats_started_at, the WebSocket connect
// time. Events: the WebSocket connection, each reconnect (W, Attrs
// ws.reconnect=1), each recorded error (E; uncaught ones carry a js Crash)
// and the console tail, in time order.
func Parse(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatClientState}
	j, err := ingest.NewJSONInput(name, io.LimitReader(r, stateMaxSize+1))
	if err != nil {
		return res, ingest.Fatal(&res, ingest.ParseError{File: name, Msg: err.Error()})
	}
	var d stateDump
	if err := j.Dec.Decode(&d); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			if j.Pos.Consumed > stateMaxSize {
				return res, ingest.Fatal(&res, ingest.ParseError{File: name, Msg: fmt.Sprintf("state dump larger than %d MiB", stateMaxSize>>20)})
			}
			return res, ingest.Fatal(&res, j.Fail(err))
		}
		res.AddError(0, "unexpected field type: %v", te)
	}
	if d.Format != stateFormatName {
		res.AddError(1, "format is %q, expected %q; read as one anyway", d.Format, stateFormatName)
	}
	if d.Version.Valid && d.Version.V > 1 {
		res.AddError(1, "format version %v is newer than this reader (1); known fields read", d.Version.V)
	}
	stateEnv(&d, &res.Env)

	var evs []ingest.Event
	if d.Session.StatsStartedAt != "" {
		ev := ingest.Event{Level: ingest.LevelInfo, Tag: "websocket", Message: "WebSocket connected; statistics collection started",
			Attrs: map[string]string{"ws.event": "connected"}}
		ev.Time = stateTime(&res, d.Session.StatsStartedAt, "session.stats_started_at")
		evs = append(evs, ev)
	}
	for i, rc := range d.WebSocket.Reconnects {
		ev := ingest.Event{Level: ingest.LevelWarn, Tag: "websocket", Attrs: map[string]string{"ws.reconnect": "1"}}
		ev.Time = stateTime(&res, rc.At, fmt.Sprintf("websocket.reconnects[%d].at", i))
		var msg strings.Builder
		msg.WriteString("WebSocket reconnect")
		if rc.Reason != "" {
			ev.Attrs["ws.reason"] = rc.Reason
			msg.WriteString(": " + rc.Reason)
		}
		if rc.Code.Valid {
			c := strconv.Itoa(int(rc.Code.V))
			ev.Attrs["ws.close_code"] = c
			msg.WriteString(" (close code " + c + ")")
		}
		if rc.DowntimeMS.Valid {
			ms := int64(math.Round(rc.DowntimeMS.V))
			ev.Attrs["ws.downtime_ms"] = strconv.FormatInt(ms, 10)
			fmt.Fprintf(&msg, ", offline %d ms", ms)
		}
		ev.Message = msg.String()
		evs = append(evs, ev)
	}
	for i, e := range d.Errors {
		ev := ingest.Event{Level: ingest.LevelError, Tag: e.Source, Attrs: map[string]string{}}
		if ev.Tag == "" {
			ev.Tag = "js"
		}
		ev.Time = stateTime(&res, e.At, fmt.Sprintf("errors[%d].at", i))
		kind := e.Kind
		if kind == "" {
			kind = "error"
		}
		ev.Attrs["js.kind"] = kind
		typ := e.Name
		if typ == "" {
			typ = "Error"
		}
		ev.Message = typ + ": " + e.Message
		if e.Stack != "" {
			ev.Message += "\n" + e.Stack
		}
		if kind == "uncaught" || kind == "unhandledrejection" {
			ev.Crash = &ingest.Crash{Kind: "js", Type: typ, Reason: e.Message, Frames: stateFrames(e.Stack)}
		}
		evs = append(evs, ev)
	}
	for i, c := range d.Console {
		ev := ingest.Event{Tag: c.Tag, Message: c.Message}
		if ev.Tag == "" {
			ev.Tag = "console"
		}
		ev.Time = stateTime(&res, c.At, fmt.Sprintf("console[%d].at", i))
		switch strings.ToLower(c.Level) {
		case "error":
			ev.Level = ingest.LevelError
		case "warn", "warning":
			ev.Level = ingest.LevelWarn
		case "info", "log", "":
			ev.Level = ingest.LevelInfo
		case "debug":
			ev.Level = ingest.LevelDebug
		case "trace", "verbose":
			ev.Level = ingest.LevelVerbose
		default:
			ev.Level = ingest.LevelInfo
		}
		evs = append(evs, ev)
	}
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time) })
	for _, ev := range evs {
		if err := res.Emit(sink, ev); err != nil {
			return res, err
		}
	}
	return res, nil
}

func stateTime(res *ingest.Result, s, field string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		res.AddError(0, "%s: cannot read time %q (RFC 3339 expected)", field, ingest.Truncate(s, 64))
		return time.Time{}
	}
	return t
}

// stateFrames splits a JavaScript stack into frames: Chrome's "at f
// (url:1:2)" lines without their "at ", Firefox's and Safari's "f@url:1:2"
// lines as they are; other lines (the message Chrome puts first) are dropped.
func stateFrames(stack string) []string {
	var out []string
	for _, l := range strings.Split(stack, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "at "); ok {
			l = rest
		} else if !strings.Contains(l, "@") {
			continue
		}
		out = append(out, l)
		if len(out) == ingest.MaxFrames {
			break
		}
	}
	return out
}

func stateEnv(d *stateDump, env *ingest.Environment) {
	env.Platform = strings.ToLower(strings.TrimSpace(d.App.Platform))
	env.AppVersion = string(d.App.Version)
	ingest.AddExtra(env, "app.build", string(d.App.Build))
	env.ServerVersion = string(d.App.ServerVersion)
	env.HUID = d.User.HUID
	env.UDID = d.Session.UDID
	env.OS = d.App.OS
	env.Browser = ingest.BrowserFromUA(d.App.UserAgent)
	if env.Browser == "" && d.App.Electron != "" {
		env.Browser = "Electron " + string(d.App.Electron)
	}
	ingest.AddExtra(env, "user_agent", d.App.UserAgent)
	ingest.AddExtra(env, "server_url", d.App.ServerURL)
	ingest.AddExtra(env, "locale", d.App.Locale)
	ingest.AddExtra(env, "exported_at", d.ExportedAt)
	ingest.AddExtra(env, "session.stats_started_at", d.Session.StatsStartedAt)
	ingest.AddExtra(env, "websocket.state", d.WebSocket.State)
	// Device meta keeps the admin panel's names: permissions.microphone, pushes.
	stateFlatten(env, "", d.DeviceMeta, 0)
	stateFlatten(env, "chats.", d.Chats, 0)
	stateFlatten(env, "settings.", d.Settings, 0)
}

// stateFlatten puts the scalars of m into env.Extra under dotted names.
func stateFlatten(env *ingest.Environment, prefix string, m map[string]any, depth int) {
	for k, v := range m {
		key := prefix + k
		switch x := v.(type) {
		case map[string]any:
			if depth < 4 {
				stateFlatten(env, key+".", x, depth+1)
			}
		case nil:
		case string:
			if env.Extra == nil {
				env.Extra = map[string]string{}
			}
			env.Extra[key] = ingest.Truncate(x, 500)
		case bool:
			ingest.AddExtra(env, key, strconv.FormatBool(x))
		case float64:
			ingest.AddExtra(env, key, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			ingest.AddExtra(env, key, ingest.JSONText(x, 500))
		}
	}
}

var stateFormatRE = regexp.MustCompile(`"format"\s*:\s*"parley-client-state"`)

// LooksLike reports whether head is a Parley client state dump.
func LooksLike(head []byte) bool {
	head = bytes.TrimLeft(ingest.TrimBOM(ingest.GunzipHead(head)), " \t\r\n")
	return len(head) > 0 && head[0] == '{' && stateFormatRE.Match(head)
}
