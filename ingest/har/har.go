// Package har reads HAR 1.2 files (Chrome, Firefox, Safari, mitmproxy)
// as a stream: one event per request and WebSocket message, bodies skipped
// unread, so memory stays flat whatever the file size.
package har

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"parley/ingest"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) as exported by
// Chrome and Firefox DevTools, Safari's Web Inspector and mitmproxy.
//
// The file is read with scan, a streaming tokenizer that never holds
// more than a window of the input: the entries are walked field by field,
// keeping only the fields used here (each string cut at maxString),
// and everything else, response and request bodies included, is scanned
// past without being held. The fields are read with encoding/json's rules
// (keys matched case-insensitively, the last duplicate wins, null leaves a
// field as it was, a value of the wrong type is reported, with
// encoding/json's message, and skipped), so the output is what decoding
// each entry with encoding/json gave. WebSocket frames are kept aside
// (frameStore) until their entry has been emitted. Memory stays flat
// whatever the size of the file or of any value in it.

// maxString is how much of a string field is kept: a URL or a header
// value longer than this is cut.
const maxString = 64 << 10

// wsKeep is how much of a frame's payload is kept: enough for
// ingest.Truncate(data, wsMaxData) to give what the whole payload gives.
const wsKeep = wsMaxData + utf8.UTFMax

// entryData holds the fields of one HAR entry that Parley uses.
type entryData struct {
	StartedDateTime string
	Time            ingest.JSONNumber
	Request         struct {
		Method, URL string
	}
	Response struct {
		Status     ingest.JSONNumber
		StatusText string
		Error      string
	}
	Error           string
	ResourceType    string
	ServerIPAddress string
	UserAgent       string // the first User-Agent request header, when headers are read
	sawUA           bool
}

// ws is one frame of Chrome's _webSocketMessages extension.
type ws struct {
	Type   string            // send or receive
	Time   ingest.JSONNumber // seconds since the epoch
	Opcode ingest.JSONNumber
	Data   string // the first wsKeep bytes of the payload
	Size   int    // the payload's length
}

type creatorFields struct {
	Name    string
	Version string
}

// parseState is what Parse learns along the way.
type parseState struct {
	s         *scan
	res       *ingest.Result
	sink      ingest.Sink
	entries   int
	creator   creatorFields
	browser   creatorFields
	userAgent string
	frames    frameStore
	terr      string // the first type error of the value being decoded
	// The Go type names encoding/json's messages gave for the entry being
	// read: entryData until the User-Agent is known, then harEntryNoHeaders,
	// which left the headers out.
	eType, ePath string
}

// Parse reads a HAR 1.2 file: one event per entry (the request, its status
// and duration) and one per WebSocket frame recorded in _webSocketMessages.
// A gzip-compressed file and a leading UTF-8 BOM are accepted. Invalid JSON
// stops the parse with an error naming the file and the line and column;
// events read before that point have already been passed to sink.
func Parse(name string, r io.Reader, sink ingest.Sink) (ingest.Result, error) {
	res := ingest.Result{File: name, Format: ingest.FormatHAR}
	s, err := newHARScan(name, r)
	if err != nil {
		return res, ingest.Fatal(&res, ingest.ParseError{File: name, Msg: err.Error()})
	}
	st := &parseState{s: s, res: &res, sink: sink}
	defer st.frames.reset()
	if err := st.parse(); err != nil {
		return res, ingest.Finish(&res, err)
	}
	st.env()
	return res, nil
}

func (st *parseState) emit(ev ingest.Event) error {
	if err := st.res.Emit(st.sink, ev); err != nil {
		return ingest.SinkError{Err: err}
	}
	return nil
}

func (st *parseState) fail(err error) error { return st.s.fail(err) }

func (st *parseState) parse() error {
	s := st.s
	ok, kind, err := s.expect('{')
	if err != nil {
		// As with encoding/json: nothing but white space, or a first token
		// cut short at the very start.
		if hsIsEOF(err) && (s.tokOff < 0 || (s.tokOff == s.j.Base && err != io.EOF)) {
			return ingest.ParseError{File: st.res.File, Msg: "empty file: no HAR data"}
		}
		return st.fail(err)
	}
	if !ok {
		return ingest.ParseError{File: st.res.File, Line: 1, Msg: fmt.Sprintf("not a HAR file: the top level is %s, not an object", kind)}
	}
	sawLog := false
	for s.more() {
		if err := st.key(); err != nil {
			return err
		}
		if string(s.str) != "log" {
			if err := s.skip(); err != nil {
				return st.fail(err)
			}
			continue
		}
		sawLog = true
		if err := st.parseLog(); err != nil {
			return err
		}
	}
	if _, err := s.token(-1); err != nil { // the closing brace
		return st.fail(err)
	}
	if _, err := s.peek(); err != io.EOF {
		off := s.cur()
		if err == nil {
			if _, err := s.token(-1); err != nil {
				off = s.tokOff
			} else {
				off = s.cur()
			}
		}
		w, line := s.where(off)
		st.res.AddError(line, "unexpected data after the end of the HAR object at %s", w)
	}
	if !sawLog {
		st.res.AddError(0, "not a HAR file: no \"log\" object")
	}
	return nil
}

// maxKey is how much of an object key is kept: more than any key
// looked for.
const maxKey = 256

// key reads an object key into st.s.str.
func (st *parseState) key() error {
	k, err := st.s.token(maxKey)
	if err != nil {
		return st.fail(err)
	}
	if k != 'k' {
		return st.fail(fmt.Errorf("expected an object key, found %s", hsKindName(k)))
	}
	return nil
}

// is reports whether the key just read names field, as encoding/json
// matches keys to fields.
func (st *parseState) is(field string) bool {
	return st.s.n <= maxKey && bytes.EqualFold(st.s.str, []byte(field))
}

func (st *parseState) parseLog() error {
	s := st.s
	ok, kind, err := s.expect('{')
	if err != nil {
		return st.fail(err)
	}
	if !ok {
		w, line := s.where(s.tokOff)
		st.res.AddError(line, "\"log\" is %s at %s, expected an object", kind, w)
		return nil
	}
	for s.more() {
		if err := st.key(); err != nil {
			return err
		}
		switch key := string(s.str); key {
		case "entries":
			if err := st.parseEntries(); err != nil {
				return err
			}
		case "creator", "browser":
			var c creatorFields
			st.terr = ""
			if err := s.prepareDecode(); err != nil {
				return st.fail(err)
			}
			k, err := s.token(-1)
			if err != nil {
				return st.fail(err)
			}
			off := s.tokOff
			switch k {
			case 'n':
			case '{':
				if err := st.fields(func() error {
					switch {
					case st.is("name"):
						return st.str(&c.Name, "harCreator.name")
					case st.is("version"):
						return st.str(&c.Version, "harCreator.version")
					}
					return st.skip()
				}); err != nil {
					return err
				}
			default:
				if err := st.mismatch(k, "", "ingest.harCreator"); err != nil {
					return err
				}
			}
			if st.terr != "" {
				w, line := s.where(off)
				st.res.AddError(line, "log.%s at %s: %s", key, w, st.terr)
			}
			if key == "creator" {
				st.creator = c
			} else {
				st.browser = c
			}
		default:
			if err := s.skip(); err != nil {
				return st.fail(err)
			}
		}
	}
	if _, err := s.token(-1); err != nil {
		return st.fail(err)
	}
	return nil
}

func (st *parseState) parseEntries() error {
	s := st.s
	ok, kind, err := s.expect('[')
	if err != nil {
		return st.fail(err)
	}
	if !ok {
		w, line := s.where(s.tokOff)
		st.res.AddError(line, "log.entries is %s at %s, expected an array", kind, w)
		return nil
	}
	for s.more() {
		st.entries++
		if err := st.readEntry(); err != nil {
			return err
		}
	}
	if _, err := s.token(-1); err != nil {
		return st.fail(err)
	}
	return nil
}

// readEntry reads one entry and emits its events.
func (st *parseState) readEntry() error {
	s := st.s
	if err := s.prepareDecode(); err != nil {
		return st.fail(err)
	}
	k, err := s.token(-1)
	if err != nil {
		return st.fail(err)
	}
	line := s.line(s.tokOff)
	var e entryData
	st.terr = ""
	st.frames.reset()
	st.eType, st.ePath = "harEntry", ""
	if st.userAgent != "" {
		st.eType, st.ePath = "harEntryNoHeaders", "harEntry."
	}
	switch k {
	case 'n': // an empty entry
	case '{':
		if err := st.entryFields(&e); err != nil {
			return err
		}
	default:
		if err := st.mismatch(k, "", "ingest."+st.eType); err != nil {
			return err
		}
	}
	if st.terr != "" {
		st.res.AddError(line, "entry %d: %s", st.entries, st.terr)
		if e.Request.URL == "" && e.StartedDateTime == "" {
			return nil
		}
	}
	return st.entry(&e, line)
}

// The types encoding/json named in its messages.
const (
	requestType      = `struct { Method string "json:\"method\""; URL string "json:\"url\""; Headers []ingest.harHeader "json:\"headers\"" }`
	requestNoHeaders = `struct { Method string "json:\"method\""; URL string "json:\"url\"" }`
	responseType     = `struct { Status ingest.iwNum "json:\"status\""; StatusText string "json:\"statusText\""; Error string "json:\"_error\"" }`
	wsType, wsSlice  = "ingest.harWS", "[]ingest.harWS"
)

// entryFields reads the members of an entry object, whose brace has been read.
func (st *parseState) entryFields(e *entryData) error {
	top := st.eType + "." + st.ePath // the field path of the entry's own fields
	return st.fields(func() error {
		switch {
		case st.is("startedDateTime"):
			return st.str(&e.StartedDateTime, top+"startedDateTime")
		case st.is("time"):
			return st.num(&e.Time)
		case st.is("request"):
			return st.request(e)
		case st.is("response"):
			return st.response(e, top)
		case st.is("_error"):
			return st.str(&e.Error, top+"_error")
		case st.is("_resourceType"):
			return st.str(&e.ResourceType, top+"_resourceType")
		case st.is("serverIPAddress"):
			return st.str(&e.ServerIPAddress, top+"serverIPAddress")
		case st.is("_webSocketMessages"):
			return st.wsMessages(top)
		}
		return st.skip()
	})
}

func (st *parseState) request(e *entryData) error {
	k, err := st.s.token(-1)
	if err != nil {
		return st.fail(err)
	}
	headers := st.userAgent == ""
	switch k {
	case 'n':
		return nil
	case '{':
	default:
		typ := requestType
		if !headers {
			typ = requestNoHeaders
		}
		return st.mismatch(k, st.eType+".request", typ)
	}
	return st.fields(func() error {
		switch {
		case st.is("method"):
			return st.str(&e.Request.Method, ".request.method")
		case st.is("url"):
			return st.str(&e.Request.URL, ".request.url")
		case headers && st.is("headers"):
			return st.headers(e)
		}
		return st.skip()
	})
}

// headers reads the request headers, keeping only the first User-Agent.
func (st *parseState) headers(e *entryData) error {
	k, err := st.s.token(-1)
	if err != nil {
		return st.fail(err)
	}
	switch k {
	case 'n':
		e.UserAgent, e.sawUA = "", false
		return nil
	case '[':
	default:
		return st.mismatch(k, ".request.headers", "[]ingest.harHeader")
	}
	e.UserAgent, e.sawUA = "", false
	for st.s.more() {
		k, err := st.s.token(-1)
		if err != nil {
			return st.fail(err)
		}
		var name, value string
		switch k {
		case 'n':
		case '{':
			if err := st.fields(func() error {
				switch {
				case st.is("name"):
					return st.str(&name, "harHeader.request.headers.name")
				case st.is("value"):
					return st.str(&value, "harHeader.request.headers.value")
				}
				return st.skip()
			}); err != nil {
				return err
			}
		default:
			if err := st.mismatch(k, ".request.headers", "ingest.harHeader"); err != nil {
				return err
			}
		}
		if !e.sawUA && strings.EqualFold(name, "User-Agent") {
			e.UserAgent, e.sawUA = value, true
		}
	}
	return st.end()
}

func (st *parseState) response(e *entryData, top string) error {
	k, err := st.s.token(-1)
	if err != nil {
		return st.fail(err)
	}
	switch k {
	case 'n':
		return nil
	case '{':
	default:
		return st.mismatch(k, top+"response", responseType)
	}
	return st.fields(func() error {
		switch {
		case st.is("status"):
			return st.num(&e.Response.Status)
		case st.is("statusText"):
			return st.str(&e.Response.StatusText, "."+st.ePath+"response.statusText")
		case st.is("_error"):
			return st.str(&e.Response.Error, "."+st.ePath+"response._error")
		}
		return st.skip()
	})
}

// wsMessages reads _webSocketMessages frame by frame into st.frames.
func (st *parseState) wsMessages(top string) error {
	k, err := st.s.token(-1)
	if err != nil {
		return st.fail(err)
	}
	switch k {
	case 'n':
		st.frames.reset()
		return nil
	case '[':
	default:
		return st.mismatch(k, top+"_webSocketMessages", wsSlice)
	}
	st.frames.reset() // a repeated member replaces the first
	field := "harWS." + st.ePath + "_webSocketMessages."
	for st.s.more() {
		k, err := st.s.token(-1)
		if err != nil {
			return st.fail(err)
		}
		var m ws
		switch k {
		case 'n':
		case '{':
			if err := st.fields(func() error {
				switch {
				case st.is("type"):
					return st.str(&m.Type, field+"type")
				case st.is("time"):
					return st.num(&m.Time)
				case st.is("opcode"):
					return st.num(&m.Opcode)
				case st.is("data"):
					return st.data(&m, field+"data")
				}
				return st.skip()
			}); err != nil {
				return err
			}
		default:
			if err := st.mismatch(k, top+"_webSocketMessages", wsType); err != nil {
				return err
			}
		}
		st.frames.add(m)
	}
	return st.end()
}

// fields reads the members of an object whose brace has been read: each
// is called with the key in st.s.str and reads the value.
func (st *parseState) fields(each func() error) error {
	for st.s.more() {
		if err := st.key(); err != nil {
			return err
		}
		if err := each(); err != nil {
			return err
		}
	}
	return st.end()
}

// end reads the closing delimiter of the current array or object.
func (st *parseState) end() error {
	if _, err := st.s.token(-1); err != nil {
		return st.fail(err)
	}
	return nil
}

func (st *parseState) skip() error {
	if err := st.s.skip(); err != nil {
		return st.fail(err)
	}
	return nil
}

// str reads a string field, cut at maxString; null leaves it as it is.
func (st *parseState) str(dst *string, field string) error {
	k, err := st.s.token(maxString)
	if err != nil {
		return st.fail(err)
	}
	switch k {
	case '"':
		*dst = string(st.s.str)
	case 'n':
	default:
		return st.mismatch(k, field, "string")
	}
	return nil
}

// data reads a frame's payload: its length and its first wsKeep bytes.
func (st *parseState) data(m *ws, field string) error {
	k, err := st.s.token(wsKeep)
	if err != nil {
		return st.fail(err)
	}
	switch k {
	case '"':
		m.Data, m.Size = string(st.s.str), st.s.n
	case 'n':
	default:
		return st.mismatch(k, field, "string")
	}
	return nil
}

// num reads an ingest.JSONNumber: a number, a numeric string, else absent.
func (st *parseState) num(dst *ingest.JSONNumber) error {
	s := st.s
	k, err := s.token(maxString)
	if err != nil {
		return st.fail(err)
	}
	*dst = ingest.JSONNumber{}
	switch k {
	case '0', '"':
		// ingest.JSONNumber.UnmarshalJSON parses the raw text: a string with an
		// escape never reads as a number.
		if s.full || (k == '"' && s.esc) {
			return nil
		}
		if v, err := strconv.ParseFloat(string(s.str), 64); err == nil {
			*dst = ingest.JSONNumber{V: v, Valid: true}
		}
	case '{', '[':
		return st.skipRest()
	}
	return nil
}

func (st *parseState) skipRest() error {
	if err := st.s.skipRest(); err != nil {
		return st.fail(err)
	}
	return nil
}

// mismatch notes that the value whose first token k has been read is not
// of type typ, as encoding/json's UnmarshalTypeError says it, and skips
// the rest of it.
func (st *parseState) mismatch(k byte, field, typ string) error {
	if st.terr == "" {
		v := map[byte]string{'{': "object", '[': "array", '"': "string", 't': "bool", 'f': "bool", '0': "number"}[k]
		if field == "" {
			st.terr = "json: cannot unmarshal " + v + " into Go value of type " + typ
		} else {
			st.terr = "json: cannot unmarshal " + v + " into Go struct field " + field + " of type " + typ
		}
	}
	if k == '{' || k == '[' {
		return st.skipRest()
	}
	return nil
}

// parseTime reads startedDateTime: RFC 3339 with or without fractions, and
// a few variants seen in the wild (no colon in the offset, a space).
func parseTime(s string) (time.Time, bool) {
	return ingest.ParseTime(s, time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00")
}

func (st *parseState) entry(e *entryData, line int) error {
	ev := ingest.Event{Line: line, Attrs: map[string]string{}}
	if t, ok := parseTime(e.StartedDateTime); ok {
		ev.Time = t
	} else if e.StartedDateTime != "" {
		st.res.AddError(line, "entry %d: cannot read startedDateTime %q", st.entries, ingest.Truncate(e.StartedDateTime, 64))
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
		ev.Level = ingest.LevelError
	case status >= 400:
		ev.Level = ingest.LevelWarn
	default:
		ev.Level = ingest.LevelInfo
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
	if rt == "" && status == 101 && st.frames.n > 0 {
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
		st.userAgent = e.UserAgent
	}
	if err := st.emit(ev); err != nil {
		return err
	}
	done, err := st.frames.each(func(m ws) error { return st.wsMessage(e, &ev, m) })
	if err != nil {
		return err
	}
	if lost := st.frames.n - done; lost > 0 {
		st.res.AddError(line, "entry %d: %d WebSocket frames not reported: cannot keep them aside: %v", st.entries, lost, st.frames.err)
	}
	st.frames.reset()
	return nil
}

// wsMaxData is how much of a frame's payload goes into the message.
const wsMaxData = 300

func (st *parseState) wsMessage(e *entryData, req *ingest.Event, m ws) error {
	ev := ingest.Event{Line: req.Line, Tag: req.Tag, Time: req.Time, Level: ingest.LevelDebug, Attrs: map[string]string{}}
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
	ev.Attrs["ws.size"] = strconv.Itoa(m.Size)
	ev.Attrs["http.url"] = e.Request.URL
	if h := req.Attrs["http.host"]; h != "" {
		ev.Attrs["http.host"] = h
	}
	var payload string
	switch op {
	case 2:
		payload = fmt.Sprintf("<binary, %d bytes>", m.Size)
	case 8:
		ev.Level = ingest.LevelWarn
		payload = "<close> " + ingest.Truncate(m.Data, wsMaxData)
	case 9:
		payload = "<ping>"
	case 10:
		payload = "<pong>"
	default:
		payload = ingest.Truncate(m.Data, wsMaxData)
	}
	ev.Message = "WebSocket " + dir + ": " + payload
	return st.emit(ev)
}

// env fills the environment: the browser from log.browser, else from the
// first request's User-Agent, else the exporting tool in log.creator.
func (st *parseState) env() {
	env := &st.res.Env
	if st.creator.Name != "" {
		ingest.AddExtra(env, "har.creator", strings.TrimSpace(st.creator.Name+" "+st.creator.Version))
	}
	if st.userAgent != "" {
		ingest.AddExtra(env, "user_agent", st.userAgent)
	}
	switch {
	case st.browser.Name != "":
		env.Browser = strings.TrimSpace(st.browser.Name + " " + st.browser.Version)
	case ingest.BrowserFromUA(st.userAgent) != "":
		env.Browser = ingest.BrowserFromUA(st.userAgent)
	case st.creator.Name != "":
		env.Browser = strings.TrimSpace(st.creator.Name + " " + st.creator.Version)
	}
}

var headRE = regexp.MustCompile(`^\{\s*"log"\s*:`)
var logRE = regexp.MustCompile(`"log"\s*:\s*\{`)
var entriesRE = regexp.MustCompile(`"(entries|creator)"\s*:\s*[\[{]`)

// LooksLike reports whether the head of a file is a HAR: a JSON object
// whose first key is "log", or that has a "log" object with entries or a
// creator. A gzip-compressed head is looked into.
func LooksLike(head []byte) bool {
	head = bytes.TrimSpace(ingest.TrimBOM(ingest.GunzipHead(head)))
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	if headRE.Match(head) {
		return true
	}
	return logRE.Match(head) && entriesRE.Match(head) && !bytes.Contains(head, []byte(`"PeerConnections"`))
}
