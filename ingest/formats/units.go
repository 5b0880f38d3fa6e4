package formats

import (
	"parley/ingest"
	"parley/ingest/bugreport"
)

// A Unit is what is parsed as one file: a member of an upload, or several
// members that together make one document (an Android bug report zip: the
// report's text with its ANR traces and tombstones beside it).
type Unit struct {
	Name string
	// Parse reads the unit, passing its events to sink; an error opening a
	// member is returned like a parse error.
	Parse func(sink ingest.Sink) (ingest.Result, error)
}

// Units groups the members that Expand found in one uploaded file (name)
// into what is parsed as one. year is the year of the upload's other files
// (SiblingYear over all of them), for a log that prints none; 0 takes it
// from the members alone.
func Units(name string, members []ingest.Member, year int) []Unit {
	if bugreport.IsBugreportZip(members) {
		return []Unit{{Name: name, Parse: func(sink ingest.Sink) (ingest.Result, error) {
			res, err := bugreport.ParseZip(name, members, sink)
			res.File, res.Format = name, ingest.FormatBugreport
			return res, err
		}}}
	}
	if year == 0 {
		year = SiblingYear(members)
	}
	out := make([]Unit, len(members))
	for i, m := range members {
		out[i] = Unit{Name: m.Name, Parse: func(sink ingest.Sink) (ingest.Result, error) {
			rc, err := m.Open()
			if err != nil {
				return ingest.Result{File: m.Name}, err
			}
			defer rc.Close()
			return parseFile(m.Name, rc, sink, ingest.DefaultLimits, year)
		}}
	}
	return out
}
