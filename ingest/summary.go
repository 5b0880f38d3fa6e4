package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FindingSummary is a finding as `parley ingest --json` prints it.
type FindingSummary struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Article  string `json:"article"`
}

// FileSummary is the JSON summary of one parsed file, the contract of
// `parley ingest FILE… --json` (DESIGN.md).
type FileSummary struct {
	File     string           `json:"file"`
	Format   Format           `json:"format"`
	Events   int              `json:"events"`
	Levels   map[string]int   `json:"levels"`
	Crashes  int              `json:"crashes"`
	First    *time.Time       `json:"first"`
	Last     *time.Time       `json:"last"`
	Findings []FindingSummary `json:"findings"`
	Errors   []string         `json:"errors"`
	// Failed marks a file that could not be parsed at all.
	Failed bool `json:"-"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// SummarizeFile parses the file at path (expanding a zip upload into its
// members) and summarises every diagnostics file in it, with findings.
func SummarizeFile(path string) ([]FileSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory; name the files in it", path)
	}
	name := filepath.Base(path)
	members, skipped, err := Expand(name, f, st.Size(), DefaultLimits)
	if err != nil {
		return []FileSummary{{File: name, Levels: map[string]int{}, Findings: []FindingSummary{}, Errors: []string{err.Error()}, Failed: true}}, nil
	}
	var out []FileSummary
	for _, m := range members {
		out = append(out, summarizeMember(m))
	}
	for _, s := range skipped {
		out = append(out, FileSummary{File: name, Levels: map[string]int{}, Findings: []FindingSummary{}, Errors: []string{s.Error()}, Failed: true})
	}
	return out, nil
}

func summarizeMember(m Member) FileSummary {
	sum := FileSummary{File: m.Name, Levels: map[string]int{}, Findings: []FindingSummary{}, Errors: []string{}}
	rc, err := m.Open()
	if err != nil {
		sum.Errors, sum.Failed = append(sum.Errors, err.Error()), true
		return sum
	}
	defer rc.Close()
	d := NewDiagnoser(nil)
	res, err := ParseFile(m.Name, rc, func(ev *Event) error {
		d.Event(ev)
		return nil
	})
	sum.Format, sum.Events, sum.Crashes = res.Format, res.Events, res.Crashes
	for k, v := range res.Levels {
		sum.Levels[k] = v
	}
	sum.First, sum.Last = timePtr(res.First), timePtr(res.Last)
	for _, pe := range res.Errors {
		sum.Errors = append(sum.Errors, pe.Error())
	}
	if err != nil {
		sum.Errors = append(sum.Errors, err.Error())
		sum.Failed = res.Events == 0
	}
	for _, fd := range d.Findings(res.Env) {
		sum.Findings = append(sum.Findings, FindingSummary{Rule: fd.Rule, Severity: fd.Severity.String(), Article: fd.Article})
	}
	return sum
}
