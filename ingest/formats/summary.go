package formats

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"parley/ingest"
)

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// SummarizeFile parses the file at path (expanding a zip upload into its
// members) and summarises every diagnostics file in it, with findings.
func SummarizeFile(path string) ([]ingest.FileSummary, error) {
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
	members, skipped, err := ingest.Expand(name, f, st.Size(), ingest.DefaultLimits)
	if err != nil {
		return []ingest.FileSummary{{File: name, Levels: map[string]int{}, Findings: []ingest.FindingSummary{}, Errors: []string{err.Error()}, Failed: true}}, nil
	}
	var out []ingest.FileSummary
	for _, u := range Units(name, members, 0) {
		out = append(out, summarizeUnit(u))
	}
	for _, s := range skipped {
		out = append(out, ingest.FileSummary{File: name, Levels: map[string]int{}, Findings: []ingest.FindingSummary{}, Errors: []string{s.Error()}, Failed: true})
	}
	return out, nil
}

func summarizeUnit(u Unit) ingest.FileSummary {
	sum := ingest.FileSummary{File: u.Name, Levels: map[string]int{}, Findings: []ingest.FindingSummary{}, Errors: []string{}}
	d := ingest.NewDiagnoser(nil)
	res, err := u.Parse(func(ev *ingest.Event) error {
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
		sum.Findings = append(sum.Findings, ingest.FindingSummary{Rule: fd.Rule, Severity: fd.Severity.String(), Article: fd.Article})
	}
	return sum
}
