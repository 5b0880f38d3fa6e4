package ingest

import (
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
