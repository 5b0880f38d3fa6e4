package diagnostics

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parley/ingest"
	"parley/server/store"
)

// FindingRow is a stored finding.
type FindingRow struct {
	Rule, Article, Title, Detail string
	Severity                     ingest.Severity
	Count                        int
	First, Last                  time.Time
}

// CrashGroupRow is a stored crash group.
type CrashGroupRow struct {
	Fingerprint, Kind, Type, Reason, File string
	Frames                                []string
	Count                                 int
	First, Last                           time.Time
}

// ParsedRow is one parsed file of an upload.
type ParsedRow struct {
	Name, Format    string
	Events, Crashes int
	First, Last     time.Time
	Errors          []string
}

// TimelinePoint is the count of one level in one minute.
type TimelinePoint struct {
	Minute time.Time
	Level  string
	Count  int
}

// Details is everything the triage page shows besides the events.
type Details struct {
	Findings []FindingRow
	Crashes  []CrashGroupRow
	Errors   ErrorGroups
	Parsed   []ParsedRow
	Timeline []TimelinePoint
}

// Details loads an upload's findings, crash groups, files and timeline.
func (s *Service) Details(ctx context.Context, id int64) (Details, error) {
	var d Details
	rows, err := s.db.Read.QueryContext(ctx, `SELECT rule, article, title, detail, severity, count, first_at, last_at
		FROM diag_findings WHERE upload_id = ? ORDER BY severity DESC, count DESC`, id)
	if err != nil {
		return d, fmt.Errorf("read findings: %w", err)
	}
	for rows.Next() {
		var f FindingRow
		var first, last string
		if err := rows.Scan(&f.Rule, &f.Article, &f.Title, &f.Detail, &f.Severity, &f.Count, &first, &last); err != nil {
			rows.Close()
			return d, err
		}
		f.First, _ = store.ParseTime(first)
		f.Last, _ = store.ParseTime(last)
		d.Findings = append(d.Findings, f)
	}
	rows.Close()

	var errorsJSON string
	if err := s.db.Read.QueryRowContext(ctx, "SELECT error_groups FROM diag_uploads WHERE id = ?", id).Scan(&errorsJSON); err != nil {
		return d, fmt.Errorf("read error groups: %w", err)
	}
	if err := json.Unmarshal([]byte(errorsJSON), &d.Errors); err != nil {
		return d, fmt.Errorf("read error groups: %w", err)
	}

	rows, err = s.db.Read.QueryContext(ctx, `SELECT fingerprint, kind, type, reason, file, frames, count, first_at, last_at
		FROM diag_crash_groups WHERE upload_id = ? ORDER BY count DESC, first_at`, id)
	if err != nil {
		return d, fmt.Errorf("read crash groups: %w", err)
	}
	for rows.Next() {
		var g CrashGroupRow
		var frames, first, last string
		if err := rows.Scan(&g.Fingerprint, &g.Kind, &g.Type, &g.Reason, &g.File, &frames, &g.Count, &first, &last); err != nil {
			rows.Close()
			return d, err
		}
		json.Unmarshal([]byte(frames), &g.Frames)
		g.First, _ = store.ParseTime(first)
		g.Last, _ = store.ParseTime(last)
		d.Crashes = append(d.Crashes, g)
	}
	rows.Close()

	rows, err = s.db.Read.QueryContext(ctx, `SELECT name, format, events, crashes, first_at, last_at, errors
		FROM diag_parsed WHERE upload_id = ? ORDER BY rowid`, id)
	if err != nil {
		return d, fmt.Errorf("read parsed files: %w", err)
	}
	for rows.Next() {
		var p ParsedRow
		var first, last, errs string
		if err := rows.Scan(&p.Name, &p.Format, &p.Events, &p.Crashes, &first, &last, &errs); err != nil {
			rows.Close()
			return d, err
		}
		json.Unmarshal([]byte(errs), &p.Errors)
		p.First, _ = store.ParseTime(first)
		p.Last, _ = store.ParseTime(last)
		d.Parsed = append(d.Parsed, p)
	}
	rows.Close()

	rows, err = s.db.Read.QueryContext(ctx, "SELECT minute, level, count FROM diag_timeline WHERE upload_id = ? ORDER BY minute", id)
	if err != nil {
		return d, fmt.Errorf("read timeline: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p TimelinePoint
		var minute string
		if err := rows.Scan(&minute, &p.Level, &p.Count); err != nil {
			return d, err
		}
		p.Minute, _ = store.ParseTime(minute)
		d.Timeline = append(d.Timeline, p)
	}
	return d, rows.Err()
}

// EventFilter narrows the events list.
type EventFilter struct {
	MinLevel ingest.Level // 0: all
	Tag      string       // exact, case-insensitive, or a normalised pattern (tagMatches)
	Text     string       // substring of message or tag, case-insensitive
	Group    string       // an error group's fingerprint: exactly that group's events
	From, To time.Time    // inclusive range; zero means open
	Offset   int          // matches to pass over before the first shown
	Limit    int
}

// EventRow is one event for the page.
type EventRow struct {
	Time    time.Time
	Level   string
	File    string
	Line    int
	Tag     string
	PID     string
	TID     string
	Message string
	Crash   bool
}

// Events returns the first Limit events of the upload, after the first
// Offset, that match the filter, in store order, with the number of
// matches. It answers from the event index (index.go) when the upload has
// one, and by scanning the event store otherwise.
func (s *Service) Events(ctx context.Context, id int64, f EventFilter) ([]EventRow, int, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	f.Offset = max(f.Offset, 0)
	text := strings.ToLower(f.Text)
	ix, err := openEventIndex(s.eventsPath(id))
	switch {
	case err == nil:
		rows, matched, err := ix.events(ctx, f, text)
		ix.close()
		if !errors.Is(err, errNoIndex) {
			return rows, matched, err
		}
	case !errors.Is(err, errNoIndex):
		return nil, 0, err
	}
	return scanEvents(ctx, s.eventsPath(id), f, text)
}

// scanEvents reads the whole event store in file order: uploads stored
// before the index existed, and searches the index cannot answer. To keep
// it at disk speed, a line is decoded only when it is shown or when its
// text must be checked: level, tag and time are read straight from the
// line, which the spool writes in a fixed shape.
func scanEvents(ctx context.Context, path string, f EventFilter, text string) ([]EventRow, int, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open events: %w", err)
	}
	defer file.Close()
	raw := jsonEscaped(text)
	// U+FFFD in the text may stand for a byte stored as \ufffd: only the
	// decoded line can say.
	prefilter := text != "" && !strings.ContainsRune(text, utf8.RuneError)
	var from, to string
	if !f.From.IsZero() {
		from = f.From.UTC().Format(storedTimeLayout)
	}
	if !f.To.IsZero() {
		to = f.To.UTC().Format(storedTimeLayout)
	}
	var out []EventRow
	matched := 0
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for n := 0; sc.Scan(); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		line := sc.Bytes()
		// Cheap rejections before decoding: the text must appear in the raw
		// line, and level, tag and time are read from it as they are.
		if prefilter && !containsFold(line, raw) {
			continue
		}
		quick, ok := peekEvent(line)
		if ok {
			if f.MinLevel > 0 && ingest.LevelFromLetter(quick.level) < f.MinLevel {
				continue
			}
			if f.Tag != "" && !quick.tagEscaped && !tagMatches(quick.tag, f.Tag) {
				continue
			}
			if (from != "" || to != "") && (quick.time == "" || from != "" && quick.time < from || to != "" && quick.time > to) {
				continue
			}
			if text == "" && f.Group == "" && !quick.tagEscaped && (matched < f.Offset || len(out) >= f.Limit) {
				matched++ // counted, not shown: no need to decode it
				continue
			}
		}
		var ev storedEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, 0, fmt.Errorf("event store line %d: %w", n+1, err)
		}
		row, ok := f.matchStored(&ev, text)
		if !ok {
			continue
		}
		matched++
		if matched > f.Offset && len(out) < f.Limit {
			out = append(out, row)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("read events: %w", err)
	}
	return out, matched, nil
}

// parseStoredTime reads a stored event's time; zero when it has none.
func parseStoredTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// quickEvent is what peekEvent reads of a stored event without decoding it.
type quickEvent struct {
	time       string // as stored: fixed width, so it compares as text
	level      byte
	tag        string // raw JSON text of the tag
	tagEscaped bool   // the raw tag holds an escape: decode to compare it
}

// peekEvent reads time, level and tag from a line of the event store. The
// spool writes the keys in storedEvent's order, "t" (when there is a time),
// "l", "f", "n", "g", all before the message, and no key can occur inside
// a JSON string unescaped; a line of another shape reports false and is
// decoded instead.
func peekEvent(line []byte) (q quickEvent, ok bool) {
	rest := line
	if bytes.HasPrefix(rest, []byte(`{"t":"`)) {
		if len(rest) < 6+len(storedTimeLayout)+1 || rest[6+len(storedTimeLayout)] != '"' {
			return q, false
		}
		q.time = string(rest[6 : 6+len(storedTimeLayout)])
		rest = rest[6+len(storedTimeLayout)+1:]
		if !bytes.HasPrefix(rest, []byte(`,"l":"`)) {
			return q, false
		}
		rest = rest[6:]
	} else if bytes.HasPrefix(rest, []byte(`{"l":"`)) {
		rest = rest[6:]
	} else {
		return q, false
	}
	if len(rest) < 2 || rest[1] != '"' {
		return q, false
	}
	q.level = rest[0]
	i := bytes.Index(rest, []byte(`,"g":"`))
	m := bytes.Index(rest, []byte(`,"m":"`))
	if m < 0 {
		return q, false
	}
	if i < 0 || i > m {
		return q, true // no tag
	}
	tag := rest[i+6:]
	end := bytes.IndexByte(tag, '"')
	if end < 0 {
		return q, false
	}
	if bytes.IndexByte(tag[:end], '\\') >= 0 {
		q.tagEscaped = true // an escaped quote may end it later: decode
		return q, true
	}
	q.tag = string(tag[:end])
	return q, true
}

// jsonEscaped is s as it appears inside a JSON string of the event store
// (quotes, backslashes and control characters escaped), for the cheap
// check of the raw line.
func jsonEscaped(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as the spool writes events
	enc.Encode(s)
	out := strings.TrimSuffix(b.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(out, `"`), `"`)
}

// containsFold reports whether b contains needle, which is lower case,
// ignoring case, without allocating: candidates are found where the
// needle's first character stands in either case, and compared with
// bytes.EqualFold. A needle with a character whose cases differ in length
// (rare outside a few alphabets) takes the slow way.
func containsFold(b []byte, needle string) bool {
	if needle == "" {
		return true
	}
	first, size := utf8.DecodeRuneInString(needle)
	upper := unicode.ToUpper(first)
	for _, r := range needle {
		if utf8.RuneLen(unicode.ToUpper(r)) != utf8.RuneLen(r) {
			return strings.Contains(strings.ToLower(string(b)), needle)
		}
	}
	lo, up, want := []byte(needle[:size]), []byte(string(upper)), []byte(needle)
	for len(b) >= len(want) {
		i := bytes.Index(b, lo)
		if upper != first {
			if j := bytes.Index(b, up); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 || len(b)-i < len(want) {
			return false
		}
		if bytes.EqualFold(b[i:i+len(want)], want) {
			return true
		}
		b = b[i+1:]
	}
	return false
}
