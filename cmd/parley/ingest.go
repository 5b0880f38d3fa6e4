package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"parley/ingest"
	"parley/ingest/formats"
)

func runIngest(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", stderr)
	var asJSON bool
	var serverURL, token string
	fs.BoolVar(&asJSON, "json", false, "print one JSON object per parsed file")
	fs.StringVar(&serverURL, "server", "", "upload to this Parley server instead of parsing locally")
	fs.StringVar(&token, "token", "", "bearer token for --server")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: parley ingest FILE… [--json] [--server URL --token T]")
		fmt.Fprintln(stderr, "Parses diagnostics files (logcat, tombstones, Apple crash reports and logs, client state,")
		fmt.Fprintln(stderr, "HAR, WebRTC dumps; plain, .gz or .zip) and prints what they contain and what is wrong.")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{"name at least one file: parley ingest FILE…"}
	}
	if serverURL != "" {
		return uploadFiles(serverURL, token, files, stdout, stderr)
	}
	// A local parse keeps only a few megabytes live while it allocates the
	// text of every event: collecting less often is worth more than the
	// little memory it costs (peak RSS stays far under 100 MB).
	debug.SetGCPercent(400)
	failed := 0
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, path := range files {
		sums, err := formats.SummarizeFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "parley ingest: %s\n", err)
			failed++
			continue
		}
		for _, s := range sums {
			if s.Failed {
				failed++
			}
			if asJSON {
				if err := enc.Encode(s); err != nil {
					return err
				}
				continue
			}
			printSummary(stdout, s)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d file(s) could not be parsed", failed)
	}
	return nil
}

// parseInterspersed lets flags come before or after the file names.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func printSummary(w io.Writer, s ingest.FileSummary) {
	fmt.Fprintf(w, "%s\n", s.File)
	if s.Format != "" {
		fmt.Fprintf(w, "  format:   %s\n", s.Format)
		var levels []string
		for _, l := range []string{"F", "E", "W", "I", "D", "V", "?"} {
			if n := s.Levels[l]; n > 0 {
				levels = append(levels, fmt.Sprintf("%s %d", l, n))
			}
		}
		fmt.Fprintf(w, "  events:   %d (%s), crashes: %d\n", s.Events, strings.Join(levels, ", "), s.Crashes)
		if s.First != nil {
			fmt.Fprintf(w, "  time:     %s … %s\n", s.First.Format("2006-01-02 15:04:05"), s.Last.Format("2006-01-02 15:04:05"))
		}
	}
	for _, f := range s.Findings {
		fmt.Fprintf(w, "  finding:  [%s] %s → /help/en/%s\n", f.Severity, f.Rule, f.Article)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "  problem:  %s\n", e)
	}
}
