package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as exported by
// Chrome and Firefox DevTools, Safari's Web Inspector and mitmproxy.
//
// The file is walked with encoding/json's tokenizer down to log.entries and
// the entries are decoded one at a time into a struct that names only the
// fields used here, so response bodies are skipped, never held, and memory
// stays flat whatever the size of the file.

// harEntry holds the fields of one HAR entry that Parley uses.
type harEntry struct {
	StartedDateTime string `json:"startedDateTime"`
	Time            iwNum  `json:"time"`
	Request         struct {
		Method  string      `json:"method"`
		URL     string      `json:"url"`
		Headers []harHeader `json:"headers"`
	} `json:"request"`
	Response struct {
		Status     iwNum  `json:"status"`
		StatusText string `json:"statusText"`
		Error      string `json:"_error"`
	} `json:"response"`
	Error             string  `json:"_error"`
	ResourceType      string  `json:"_resourceType"`
	ServerIPAddress   string  `json:"serverIPAddress"`
	WebSocketMessages []harWS `json:"_webSocketMessages"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harEntryNoHeaders decodes an entry without its request headers, once the
// User-Agent has been found: most of an entry's strings are headers.
type harEntryNoHeaders struct {
	harEntry
	Request struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
}

// harWS is one frame of Chrome's _webSocketMessages extension.
type harWS struct {
	Type   string `json:"type"` // send or receive
	Time   iwNum  `json:"time"` // seconds since the epoch
	Opcode iwNum  `json:"opcode"`
	Data   string `json:"data"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// harState is what ParseHAR learns along the way.
type harState struct {
	j         *iwJSON
	res       *Result
	sink      Sink
	entries   int
	creator   harCreator
	browser   harCreator
	userAgent string
}

// ParseHAR reads a HAR 1.2 file: one event per entry (the request, its status
// and duration) and one per WebSocket frame recorded in _webSocketMessages.
// A gzip-compressed file and a leading UTF-8 BOM are accepted. Invalid JSON
// stops the parse with an error naming the file and the line and column;
// events read before that point have already been passed to sink.
func ParseHAR(name string, r io.Reader, sink Sink) (Result, error) {
	res := Result{File: name, Format: FormatHAR}
	j, err := newIWJSON(name, r)
	if err != nil {
		return res, harFatal(&res, ParseError{File: name, Msg: err.Error()})
	}
	st := &harState{j: j, res: &res, sink: sink}
	if err := st.parse(); err != nil {
		return res, iwFinish(&res, err)
	}
	st.env()
	return res, nil
}

// harFatal records pe in res and returns it as the error.
func harFatal(res *Result, pe ParseError) error {
	if len(res.Errors) < maxErrors {
		res.Errors = append(res.Errors, pe)
	}
	return pe
}

// iwFinish turns the error that stopped a parse into the parser's returned
// error: the sink's own error as it is; a ParseError recorded in res too.
func iwFinish(res *Result, err error) error {
	var se iwSinkError
	if errors.As(err, &se) {
		return se.err
	}
	var pe ParseError
	if errors.As(err, &pe) {
		return harFatal(res, pe)
	}
	return err
}

// iwSinkError marks an error returned by the sink, which is passed up as it is.
type iwSinkError struct{ err error }

func (e iwSinkError) Error() string { return e.err.Error() }
func (e iwSinkError) Unwrap() error { return e.err }

func (st *harState) emit(ev Event) error {
	if err := st.res.emit(st.sink, ev); err != nil {
		return iwSinkError{err}
	}
	return nil
}

func (st *harState) parse() error {
	dec := st.j.dec
	ok, kind, err := iwExpectDelim(dec, '{')
	if err != nil {
		if err == io.ErrUnexpectedEOF && st.j.dec.InputOffset() == 0 {
			return ParseError{File: st.res.File, Msg: "empty file: no HAR data"}
		}
		return st.j.fail(err)
	}
	if !ok {
		return ParseError{File: st.res.File, Line: 1, Msg: fmt.Sprintf("not a HAR file: the top level is %s, not an object", kind)}
	}
	sawLog := false
	for dec.More() {
		key, err := st.key()
		if err != nil {
			return err
		}
		if key != "log" {
			if err := iwSkipValue(dec); err != nil {
				return st.j.fail(err)
			}
			continue
		}
		sawLog = true
		if err := st.parseLog(); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return st.j.fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		w, line := st.j.where(dec.InputOffset())
		st.res.addError(line, "unexpected data after the end of the HAR object at %s", w)
	}
	if !sawLog {
		st.res.addError(0, "not a HAR file: no \"log\" object")
	}
	return nil
}

// key reads an object key.
func (st *harState) key() (string, error) {
	t, err := st.j.dec.Token()
	if err != nil {
		return "", st.j.fail(err)
	}
	k, ok := t.(string)
	if !ok {
		return "", st.j.fail(fmt.Errorf("expected an object key, found %v", t))
	}
	return k, nil
}

func (st *harState) parseLog() error {
	dec := st.j.dec
	off := dec.InputOffset()
	ok, kind, err := iwExpectDelim(dec, '{')
	if err != nil {
		return st.j.fail(err)
	}
	if !ok {
		w, line := st.j.whereNext(off)
		st.res.addError(line, "\"log\" is %s at %s, expected an object", kind, w)
		return nil
	}
	for dec.More() {
		key, err := st.key()
		if err != nil {
			return err
		}
		switch key {
		case "entries":
			if err := st.parseEntries(); err != nil {
				return err
			}
		case "creator", "browser":
			off := dec.InputOffset()
			var c harCreator
			if err := dec.Decode(&c); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return st.j.fail(err)
				}
				w, line := st.j.whereNext(off)
				st.res.addError(line, "log.%s at %s: %v", key, w, err)
			}
			if key == "creator" {
				st.creator = c
			} else {
				st.browser = c
			}
		default:
			if err := iwSkipValue(dec); err != nil {
				return st.j.fail(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	return nil
}

func (st *harState) parseEntries() error {
	dec := st.j.dec
	off := dec.InputOffset()
	ok, kind, err := iwExpectDelim(dec, '[')
	if err != nil {
		return st.j.fail(err)
	}
	if !ok {
		w, line := st.j.whereNext(off)
		st.res.addError(line, "log.entries is %s at %s, expected an array", kind, w)
		return nil
	}
	for dec.More() {
		off := dec.InputOffset()
		line := st.j.lineOfNext(off)
		st.entries++
		var e harEntry
		var err error
		if st.userAgent == "" {
			err = dec.Decode(&e)
		} else {
			var n harEntryNoHeaders
			err = dec.Decode(&n)
			e = n.harEntry
			e.Request.Method, e.Request.URL = n.Request.Method, n.Request.URL
		}
		if err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return st.j.fail(err)
			}
			st.res.addError(line, "entry %d: %v", st.entries, err)
			if e.Request.URL == "" && e.StartedDateTime == "" {
				continue
			}
		}
		if err := st.entry(&e, line); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return st.j.fail(err)
	}
	return nil
}

// harTime reads startedDateTime: RFC 3339 with or without fractions, and
// a few variants seen in the wild (no colon in the offset, a space).
func harTime(s string) (time.Time, bool) {
	return iwParseTime(s, time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00")
}

func (st *harState) entry(e *harEntry, line int) error {
	ev := Event{Line: line, Attrs: map[string]string{}}
	if t, ok := harTime(e.StartedDateTime); ok {
		ev.Time = t
	} else if e.StartedDateTime != "" {
		st.res.addError(line, "entry %d: cannot read startedDateTime %q", st.entries, iwTruncate(e.StartedDateTime, 64))
	}
	method := e.Request.Method
	if method == "" {
		method = "?"
	}
	host := ""
	if u, err := url.Parse(e.Request.URL); err == nil {
		host = u.Host
	}
	status := -1
	if e.Response.Status.Valid {
		status = int(e.Response.Status.V)
	}
	errText := e.Response.Error
	if errText == "" {
		errText = e.Error
	}
	switch {
	case status <= 0 || errText != "" || status >= 500:
		ev.Level = LevelError
	case status >= 400:
		ev.Level = LevelWarn
	default:
		ev.Level = LevelInfo
	}
	ev.Tag = host
	ev.Attrs["http.method"] = method
	ev.Attrs["http.url"] = e.Request.URL
	if host != "" {
		ev.Attrs["http.host"] = host
	}
	if status < 0 {
		status = 0
	}
	ev.Attrs["http.status"] = strconv.Itoa(status)
	var msg strings.Builder
	fmt.Fprintf(&msg, "%s %s → %d", method, e.Request.URL, status)
	if errText != "" {
		ev.Attrs["http.error"] = errText
		msg.WriteString(" " + errText)
	}
	if e.Time.Valid && e.Time.V >= 0 {
		ms := int64(math.Round(e.Time.V))
		ev.Attrs["http.duration_ms"] = strconv.FormatInt(ms, 10)
		fmt.Fprintf(&msg, " (%d ms)", ms)
	}
	rt := e.ResourceType
	if rt == "" && status == 101 && len(e.WebSocketMessages) > 0 {
		rt = "websocket"
	}
	if rt != "" {
		ev.Attrs["http.resource_type"] = rt
	}
	if e.ServerIPAddress != "" {
		ev.Attrs["http.server_ip"] = strings.Trim(e.ServerIPAddress, "[]")
	}
	ev.Message = msg.String()
	if st.userAgent == "" {
		for _, h := range e.Request.Headers {
			if strings.EqualFold(h.Name, "User-Agent") {
				st.userAgent = h.Value
				break
			}
		}
	}
	if err := st.emit(ev); err != nil {
		return err
	}
	for i, m := range e.WebSocketMessages {
		if err := st.wsMessage(e, &ev, i, m); err != nil {
			return err
		}
	}
	return nil
}

// harWSMaxData is how much of a frame's payload goes into the message.
const harWSMaxData = 300

func (st *harState) wsMessage(e *harEntry, req *Event, i int, m harWS) error {
	ev := Event{Line: req.Line, Tag: req.Tag, Time: req.Time, Level: LevelDebug, Attrs: map[string]string{}}
	if m.Time.Valid && m.Time.V > 0 {
		sec, frac := math.Modf(m.Time.V) // float seconds: keep microseconds
		ev.Time = time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
	}
	dir := m.Type
	if dir == "" {
		dir = "unknown"
	}
	ev.Attrs["ws.direction"] = dir
	op := -1
	if m.Opcode.Valid {
		op = int(m.Opcode.V)
		ev.Attrs["ws.opcode"] = strconv.Itoa(op)
	}
	ev.Attrs["ws.size"] = strconv.Itoa(len(m.Data))
	ev.Attrs["http.url"] = e.Request.URL
	if h := req.Attrs["http.host"]; h != "" {
		ev.Attrs["http.host"] = h
	}
	var payload string
	switch op {
	case 2:
		payload = fmt.Sprintf("<binary, %d bytes>", len(m.Data))
	case 8:
		ev.Level = LevelWarn
		payload = "<close> " + iwTruncate(m.Data, harWSMaxData)
	case 9:
		payload = "<ping>"
	case 10:
		payload = "<pong>"
	default:
		payload = iwTruncate(m.Data, harWSMaxData)
	}
	ev.Message = "WebSocket " + dir + ": " + payload
	return st.emit(ev)
}

// env fills the environment: the browser from log.browser, else from the
// first request's User-Agent, else the exporting tool in log.creator.
func (st *harState) env() {
	env := &st.res.Env
	if st.creator.Name != "" {
		iwAddExtra(env, "har.creator", strings.TrimSpace(st.creator.Name+" "+st.creator.Version))
	}
	if st.userAgent != "" {
		iwAddExtra(env, "user_agent", st.userAgent)
	}
	switch {
	case st.browser.Name != "":
		env.Browser = strings.TrimSpace(st.browser.Name + " " + st.browser.Version)
	case iwBrowserFromUA(st.userAgent) != "":
		env.Browser = iwBrowserFromUA(st.userAgent)
	case st.creator.Name != "":
		env.Browser = strings.TrimSpace(st.creator.Name + " " + st.creator.Version)
	}
}

var harHeadRE = regexp.MustCompile(`^\{\s*"log"\s*:`)
var harLogRE = regexp.MustCompile(`"log"\s*:\s*\{`)
var harEntriesRE = regexp.MustCompile(`"(entries|creator)"\s*:\s*[\[{]`)

// looksLikeHAR reports whether the head of a file is a HAR: a JSON object
// whose first key is "log", or that has a "log" object with entries or a
// creator. A gzip-compressed head is looked into.
func looksLikeHAR(head []byte) bool {
	head = bytes.TrimSpace(iwTrimBOM(iwGunzipHead(head)))
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	if harHeadRE.Match(head) {
		return true
	}
	return harLogRE.Match(head) && harEntriesRE.Match(head) && !bytes.Contains(head, []byte(`"PeerConnections"`))
}

// iwGunzipHead returns head itself, or as much of its gunzipped content as
// the (possibly cut) gzip head yields.
func iwGunzipHead(head []byte) []byte {
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return head
	}
	zr, err := iwGzipReader(bytes.NewReader(head))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, 256<<10))
	return out
}
