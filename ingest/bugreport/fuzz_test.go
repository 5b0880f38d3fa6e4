package bugreport

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"parley/ingest"
)

// FuzzParse feeds the parser cut, spliced and mangled bug reports: it must
// never panic, and every event it emits must be counted in the result.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"android13_anr_dumpstate.txt", "android9_crash_loop_dumpstate.txt",
		"zip/bugreport-lynx-UQ1A.240205.004-2026-02-20-18-04-33.txt", "zip/FS/data/anr/anr_2026-02-20-17-58-21-310"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
	}
	f.Add([]byte("== dumpstate: x\n------ VM TRACES JUST NOW ------\n\"main\" prio=5 tid=1 Blocked\n  - waiting to lock <0x1> held by thread 1\n"))
	f.Add([]byte("== dumpstate: 2026-01-01 00:00:00\n------ BINDER TRANSACTIONS ------\nproc 1\n  thread 1: l 00\n    outgoing transaction 1: 0 from 1:1 to 1:1 code 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		res, err := Parse("f.txt", bytes.NewReader(b), func(ev *ingest.Event) error {
			n++
			return nil
		})
		if err != nil {
			t.Fatalf("error without a failing reader or sink: %v", err)
		}
		if res.Events != n {
			t.Fatalf("result counts %d events, sink saw %d", res.Events, n)
		}
	})
}
