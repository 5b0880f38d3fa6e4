package diagnostics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"parley/ingest"
	"parley/ingest/formats"
	"parley/server/store"
)

// storedEvent is one redacted event as events.jsonl keeps it: short keys,
// since a large log has millions of them.
type storedEvent struct {
	Time    string            `json:"t,omitempty"`
	Level   string            `json:"l"`
	File    string            `json:"f"`
	Line    int               `json:"n,omitempty"`
	Tag     string            `json:"g,omitempty"`
	PID     string            `json:"p,omitempty"`
	TID     string            `json:"h,omitempty"`
	Message string            `json:"m"`
	Attrs   map[string]string `json:"a,omitempty"`
	Crash   string            `json:"c,omitempty"` // crash group fingerprint
}

type crashGroup struct {
	fingerprint, kind, typ, reason, file string
	frames                               []string
	count                                int
	first, last                          time.Time
}

// parsedFile is the per-file summary saved in diag_parsed.
type parsedFile struct {
	name, format    string
	events, crashes int
	first, last     time.Time
	errors          []string
}

// process parses every file of an upload, redacts each event before it is
// written anywhere, and records the summary, findings, crash groups and
// timeline.
func (s *Service) process(ctx context.Context, id int64) error {
	originals, err := s.Originals(ctx, id)
	if err != nil {
		return err
	}
	sp, err := newSpool(s.uploadDir(id))
	if err != nil {
		return err
	}
	defer sp.abort() // after an early return: stops the part's writer

	red := ingest.NewRedactor()
	diag := ingest.NewDiagnoser(nil)
	var network networkBuilder
	var calls callBuilder
	var errs errorGrouper
	var envs platformEnvs
	levels := map[string]int{}
	timeline := map[timelineKey]int{}
	attrs := map[string]string{}
	groups := map[string]*crashGroup{}
	var files []parsedFile
	var total, crashes int
	var first, last time.Time

	// A log that prints no year takes the one the upload's other files agree on.
	year := s.uploadYear(ctx, id, originals)
	for _, o := range originals {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := s.openOriginal(ctx, id, o)
		if err != nil {
			return fmt.Errorf("open %s: %w", o.Name, err)
		}
		members, skipped, err := ingest.Expand(o.Name, f, o.Size, ingest.DefaultLimits)
		if err != nil {
			files = append(files, parsedFile{name: o.Name, errors: []string{err.Error()}})
			f.Close()
			continue
		}
		for _, sk := range skipped {
			files = append(files, parsedFile{name: o.Name, errors: []string{sk.Error()}})
		}
		for _, u := range formats.Units(o.Name, members, year) {
			pf := parsedFile{name: u.Name}
			pw, err := sp.next()
			if err != nil {
				f.Close()
				return err
			}
			res, perr := u.Parse(func(ev *ingest.Event) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				// Attrs maps may be shared between a parser's events; copy before redacting.
				// One map serves every event: no consumer keeps it (ingest.Sink).
				if len(ev.Attrs) > 0 {
					clear(attrs)
					for k, v := range ev.Attrs {
						attrs[k] = v
					}
					ev.Attrs = attrs
				}
				red.Event(ev)
				diag.Event(ev)
				network.event(ev)
				calls.event(ev)
				errs.event(ev)
				lv := ev.Level.Letter()
				se := storedEvent{Level: lv, File: ev.Source, Line: ev.Line, Tag: ev.Tag, PID: ev.PID, TID: ev.TID,
					Message: ev.Message, Attrs: ev.Attrs}
				if !ev.Time.IsZero() {
					timeline[timelineKey{minute: minuteOf(ev.Time), level: lv[0]}]++
				}
				if ev.Crash != nil {
					fp := ingest.Fingerprint(ev.Crash, ev.Message)
					se.Crash = fp
					g := groups[fp]
					if g == nil {
						c := ev.Clone().Crash // kept past the sink's call (ingest.Sink)
						g = &crashGroup{fingerprint: fp, kind: c.Kind, typ: c.Type, reason: c.Reason,
							frames: c.Frames, file: strings.Clone(ev.Source), first: ev.Time, last: ev.Time}
						groups[fp] = g
					}
					g.count++
					if !ev.Time.IsZero() && (g.first.IsZero() || ev.Time.Before(g.first)) {
						g.first = ev.Time
					}
					if ev.Time.After(g.last) {
						g.last = ev.Time
					}
				}
				pw.add(&se, ev.Time) // the time is written from ev.Time
				return nil
			})
			if perr != nil && ctx.Err() != nil {
				f.Close()
				return ctx.Err()
			}
			pf.format, pf.events, pf.crashes, pf.first, pf.last = string(res.Format), res.Events, res.Crashes, res.First, res.Last
			// Parse errors quote the input they could not read: redacted
			// like the events, since they are stored and shown too.
			for _, pe := range res.Errors {
				pf.errors = append(pf.errors, red.String(pe.Error()))
			}
			if perr != nil && (len(res.Errors) == 0 || res.Errors[len(res.Errors)-1].Error() != perr.Error()) {
				pf.errors = append(pf.errors, red.String(perr.Error()))
			}
			files = append(files, pf)
			diag.FileEnv(u.Name, res.Env) // a crash names its own file's app and version
			envs.add(u.Name, res.Env)
			total += res.Events
			crashes += res.Crashes
			for k, v := range res.Levels {
				levels[k] += v
			}
			if !res.First.IsZero() && (first.IsZero() || res.First.Before(first)) {
				first = res.First
			}
			if res.Last.After(last) {
				last = res.Last
			}
		}
		f.Close()
	}
	if err := sp.mergeInto(s.eventsPath(id)); err != nil {
		return err
	}
	findings := envs.findings(diag)
	envs.redact(red)
	// Only the redacted originals are kept, replaced before the upload
	// says it is ready (originals_redact.go).
	ended, err := s.redactOriginals(ctx, id)
	if err != nil {
		return err
	}
	redactions := red.Report()
	if ended > 0 {
		// Said at the top of the triage page (sessionsEndedKind).
		redactions = append(redactions, ingest.Redaction{Kind: sessionsEndedKind, Count: ended})
	}
	return s.saveResults(ctx, id, results{env: envs.stored(), redactions: redactions, levels: levels, total: total, crashes: crashes,
		first: first, last: last, files: files, findings: findings, groups: groups, timeline: timeline,
		network: network.view(), calls: calls.view(), errors: errs.view()})
}

// results is everything processing found in one upload.
type results struct {
	env         storedEnv
	redactions  []ingest.Redaction
	levels      map[string]int
	total       int
	crashes     int
	first, last time.Time
	files       []parsedFile
	findings    []ingest.Finding
	groups      map[string]*crashGroup
	timeline    map[timelineKey]int
	network     NetworkView
	calls       CallView
	errors      ErrorGroups
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return store.FormatTime(t)
}

func (s *Service) saveResults(ctx context.Context, id int64, res results) error {
	envJSON, _ := json.Marshal(res.env)
	redJSON, _ := json.Marshal(res.redactions)
	levelsJSON, _ := json.Marshal(res.levels)
	networkJSON, _ := json.Marshal(res.network)
	callsJSON, _ := json.Marshal(res.calls)
	errorsJSON, _ := json.Marshal(res.errors)
	files, findings, groups, timeline := res.files, res.findings, res.groups, res.timeline
	status, errText := "ready", ""
	for _, f := range files {
		if len(f.errors) > 0 {
			errText = partlyRead // stored as "ready" with this reason: shown as "partial" (scanUpload)
		}
	}
	if res.total == 0 {
		status, errText = "failed", noneReadable
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"diag_parsed", "diag_findings", "diag_crash_groups", "diag_timeline"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE upload_id = ?", id); err != nil {
				return fmt.Errorf("clear %s: %w", table, err)
			}
		}
		for _, f := range files {
			errs, _ := json.Marshal(orEmpty(f.errors))
			if _, err := tx.ExecContext(ctx, `INSERT INTO diag_parsed (upload_id, name, format, events, crashes, first_at, last_at, errors)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, f.name, f.format, f.events, f.crashes, fmtTime(f.first), fmtTime(f.last), string(errs)); err != nil {
				return fmt.Errorf("save file summary: %w", err)
			}
		}
		for _, fd := range findings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO diag_findings (upload_id, rule, severity, article, title, detail, count, first_at, last_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, fd.Rule, int(fd.Severity), fd.Article, fd.Title, fd.Detail, fd.Count,
				fmtTime(fd.First), fmtTime(fd.Last)); err != nil {
				return fmt.Errorf("save finding: %w", err)
			}
		}
		for _, g := range groups {
			frames, _ := json.Marshal(orEmpty(g.frames))
			if _, err := tx.ExecContext(ctx, `INSERT INTO diag_crash_groups (upload_id, fingerprint, kind, type, reason, frames, count, first_at, last_at, file)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, g.fingerprint, g.kind, g.typ, g.reason, string(frames), g.count,
				fmtTime(g.first), fmtTime(g.last), g.file); err != nil {
				return fmt.Errorf("save crash group: %w", err)
			}
		}
		keys := make([]timelineKey, 0, len(timeline))
		for k := range timeline {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return keys[i].minute < keys[j].minute || keys[i].minute == keys[j].minute && keys[i].level < keys[j].level
		})
		insert, perr := tx.PrepareContext(ctx, "INSERT INTO diag_timeline (upload_id, minute, level, count) VALUES (?, ?, ?, ?)")
		if perr != nil {
			return fmt.Errorf("save timeline: %w", perr)
		}
		defer insert.Close()
		for _, k := range keys {
			minute := time.Unix(k.minute*60, 0).UTC().Format(store.TimeLayout)
			if _, err := insert.ExecContext(ctx, id, minute, string(k.level), timeline[k]); err != nil {
				return fmt.Errorf("save timeline: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE diag_uploads SET status = ?, error = ?, env = ?, redactions = ?, events = ?, levels = ?,
			crashes = ?, findings = ?, first_at = ?, last_at = ?, network = ?, calls = ?, error_groups = ?, processed_at = ? WHERE id = ?`,
			status, errText, string(envJSON), string(redJSON), res.total, string(levelsJSON), res.crashes, len(findings),
			fmtTime(res.first), fmtTime(res.last), string(networkJSON), string(callsJSON), string(errorsJSON), store.FormatTime(s.now()), id)
		if err != nil {
			return fmt.Errorf("save upload summary: %w", err)
		}
		return nil
	})
}

// timelineKey is one level in one minute of the timeline.
type timelineKey struct {
	minute int64 // Unix minutes
	level  byte
}

// minuteOf is the Unix minute t falls in; counting by number spares
// formatting each of millions of events' minute.
func minuteOf(t time.Time) int64 {
	sec := t.Unix()
	m := sec / 60
	if sec%60 < 0 {
		m--
	}
	return m
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// uploadYear is the year the files of an upload agree on (formats.SiblingYear
// over every member of every uploaded file); 0 when they do not say.
func (s *Service) uploadYear(ctx context.Context, id int64, originals []Original) int {
	if len(originals) < 2 {
		return 0 // one file's members are voted on by formats.Units itself
	}
	var all [][]ingest.Member
	for _, o := range originals {
		f, err := s.openOriginal(ctx, id, o)
		if err != nil {
			continue
		}
		defer f.Close()
		if members, _, err := ingest.Expand(o.Name, f, o.Size, ingest.DefaultLimits); err == nil {
			all = append(all, members)
		}
	}
	return formats.SiblingYear(all...)
}
