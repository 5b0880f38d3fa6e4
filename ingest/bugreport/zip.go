package bugreport

import (
	"io"
	"path"
	"sort"
	"strings"

	"parley/ingest"
)

// The zip of Android 7 and later holds the dumpstate text and, beside it,
// the files it refers to:
//
//	bugreport-<device>-<build>-<date>.txt   the dumpstate text (main_entry.txt names it)
//	main_entry.txt, version.txt             the main entry's name, the format's version ("2.0")
//	FS/data/anr/anr_<date>                   one ANR's thread dump each (Android 10+)
//	FS/data/anr/traces.txt, traces-just-now.txt   the dumps of Android 7–9
//	FS/data/tombstones/tombstone_NN          native crashes (tombstone_NN.pb: the same, as protobuf)
//	proto/, lshal-debug/, dumpstate_log.txt, visible_windows.zip …
//
// Read member by member, the text would lose its ANR dumps and tombstones
// and they would lose the device they came from; ParseZip reads them as one
// bug report.

// zipLayout is where a bug report lies in an upload's members.
type zipLayout struct {
	root    string // the members' common prefix: "upload.zip/" or "upload.zip/bugreport-x/"
	main    int    // index of the dumpstate text
	version int    // index of version.txt, -1 if none
	entry   int    // index of main_entry.txt, -1 if none
}

// IsBugreportZip reports whether an upload's members (ingest.Expand) are
// an Android bug report zip: a main_entry.txt, or a bugreport-*.txt with a
// version.txt or an FS/ folder beside it.
func IsBugreportZip(members []ingest.Member) bool {
	_, ok := layoutOf(members)
	return ok
}

func layoutOf(members []ingest.Member) (zipLayout, bool) {
	l := zipLayout{main: -1, version: -1, entry: -1}
	dirs := map[string]bool{} // folders that hold an FS/ folder
	for _, m := range members {
		if i := strings.Index(m.Name, "/FS/"); i >= 0 {
			dirs[m.Name[:i+1]] = true
		}
	}
	for i, m := range members {
		dir, base := path.Split(m.Name)
		switch {
		case base == "main_entry.txt":
			l.entry, l.root = i, dir
		case base == "version.txt":
			l.version = i
			dirs[dir] = true
		}
	}
	for i, m := range members {
		dir, base := path.Split(m.Name)
		if strings.HasPrefix(base, "bugreport") && strings.HasSuffix(base, ".txt") && (l.entry >= 0 && dir == l.root || l.entry < 0 && dirs[dir]) {
			if l.main < 0 || strings.HasPrefix(base, "bugreport-") {
				l.main, l.root = i, dir
			}
		}
	}
	if l.version >= 0 && path.Dir(members[l.version].Name)+"/" != l.root {
		l.version = -1
	}
	return l, l.main >= 0
}

// ParseZip reads a bug report zip, given its members (ingest.Expand): the
// text named by main_entry.txt (or the bugreport-*.txt), then the ANR
// dumps of FS/data/anr and the tombstones of FS/data/tombstones that the
// text did not hold already, as one bug report, with one result named
// name. Events keep the member they come from as Source. The zip's other
// members (protobuf dumps, HAL logs, screenshots) are not read.
func ParseZip(name string, members []ingest.Member, sink ingest.Sink) (ingest.Result, error) {
	p := newParser(name, sink)
	l, ok := layoutOf(members)
	if !ok {
		p.addError(name, 0, "no bug report text (bugreport-*.txt) in the archive")
		return p.res, nil
	}
	if l.entry >= 0 {
		if b, err := readSmall(members[l.entry]); err == nil {
			want := strings.TrimSpace(string(b))
			for i, m := range members {
				if path.Base(m.Name) == want && path.Dir(m.Name)+"/" == l.root {
					l.main = i
				}
			}
		}
	}
	if l.version >= 0 {
		if b, err := readSmall(members[l.version]); err == nil {
			if v := strings.TrimSpace(string(b)); v != "" && len(v) < 40 {
				p.extra("bugreport.format_version", v)
			}
		}
	}
	if err := p.member(members[l.main], func(file string, r io.Reader) error { return p.text(file, r) }); err != nil {
		return p.res, err
	}
	var anrs, tombs []ingest.Member
	for _, m := range members {
		rel, ok := strings.CutPrefix(m.Name, l.root)
		if !ok {
			continue
		}
		dir, base := path.Split(rel)
		switch {
		case dir == "FS/data/anr/" && (strings.HasPrefix(base, "anr_") || strings.HasPrefix(base, "traces")) && !p.seen["/data/anr/"+base]:
			anrs = append(anrs, m)
		case dir == "FS/data/tombstones/" && strings.HasPrefix(base, "tombstone_") && !strings.HasSuffix(base, ".pb") &&
			!p.seen["/data/tombstones/"+base]:
			tombs = append(tombs, m)
		}
	}
	byName := func(ms []ingest.Member) {
		sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	}
	byName(anrs)
	byName(tombs)
	for _, m := range anrs {
		base := path.Base(m.Name)
		kind := dumpANRFile
		switch {
		case base == "traces-just-now.txt":
			kind = dumpJustNow
		case base == "traces.txt":
			kind = dumpLastANR
		case strings.HasPrefix(base, "traces"):
			kind = dumpOld
		}
		err := p.member(m, func(file string, r io.Reader) error {
			lr := newLineReader(r)
			td := p.newTraceReader(file, kind, base)
			for p.err == nil {
				line, ok := lr.next()
				if !ok {
					break
				}
				td.line(lr.line(), line)
			}
			td.finish()
			return p.err
		})
		if err != nil {
			return p.res, err
		}
	}
	for _, m := range tombs {
		if err := p.member(m, func(file string, r io.Reader) error { p.tombstone(file, r, 0); return p.err }); err != nil {
			return p.res, err
		}
	}
	return p.res, p.finish()
}

// member opens one member and reads it with read; a member that cannot be
// opened is reported and skipped, an error of the sink stops everything.
func (p *parser) member(m ingest.Member, read func(file string, r io.Reader) error) error {
	rc, err := m.Open()
	if err != nil {
		p.addError(m.Name, 0, err.Error())
		return nil
	}
	defer rc.Close()
	if err := read(m.Name, rc); err != nil && p.err != nil {
		return err
	}
	return nil
}

// readSmall reads a member of a few bytes (main_entry.txt, version.txt).
func readSmall(m ingest.Member) ([]byte, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 4096))
}
