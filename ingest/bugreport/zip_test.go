package bugreport

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/ingest"
)

// zipOf packs the files under dir into a zip, as the phone does.
func zipOf(t *testing.T, dir string, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range extra {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func expand(t *testing.T, name string, b []byte) []ingest.Member {
	t.Helper()
	members, skipped, err := ingest.Expand(name, bytes.NewReader(b), int64(len(b)), ingest.DefaultLimits)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("expand: %v %v", err, skipped)
	}
	return members
}

func TestIsBugreportZip(t *testing.T) {
	text := string(fixture(t, "android9_crash_loop_dumpstate.txt"))
	for _, c := range []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"main_entry.txt names the text", map[string]string{"main_entry.txt": "bugreport-a.txt", "bugreport-a.txt": text}, true},
		{"version.txt beside the text", map[string]string{"version.txt": "2.0", "bugreport-a.txt": text}, true},
		{"an FS folder beside the text", map[string]string{"bugreport-a.txt": text, "FS/data/anr/anr_1": "x"}, true},
		{"re-zipped in a folder", map[string]string{"bugreport-a/main_entry.txt": "bugreport-a.txt", "bugreport-a/bugreport-a.txt": text}, true},
		{"a text alone", map[string]string{"bugreport-a.txt": text}, false},
		{"logs of the app", map[string]string{"logcat.txt": "05-01 10:00:00.000  1000  1501  1620 I Tag: x", "version.txt": "3.16"}, false},
	} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, s := range c.files {
			w, err := zw.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if got := IsBugreportZip(expand(t, "up.zip", buf.Bytes())); got != c.want {
			t.Errorf("%s: IsBugreportZip = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestZip reads an Android 14 bug report zip written for this test: the
// text, its ANR in FS/data/anr and its tombstone in FS/data/tombstones are
// one report.
func TestZip(t *testing.T) {
	b := zipOf(t, filepath.Join("testdata", "zip"), nil)
	members := expand(t, "bugreport-lynx.zip", b)
	if !IsBugreportZip(members) {
		t.Fatal("not recognised as a bug report zip")
	}
	d := ingest.NewDiagnoser(ingest.BugreportRules)
	var events []ingest.Event
	res, err := ParseZip("bugreport-lynx.zip", members, func(ev *ingest.Event) error {
		d.Event(ev)
		events = append(events, ev.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.File != "bugreport-lynx.zip" || res.Format != ingest.FormatBugreport || len(res.Errors) != 0 {
		t.Errorf("result: %s %s %v", res.File, res.Format, res.Errors)
	}
	if res.Env.OS != "Android 14" || res.Env.Device != "Pixel 7a" || res.Env.Extra["bugreport.format_version"] != "2.0" ||
		res.Env.Extra["ro.build.version.sdk"] != "34" {
		t.Errorf("environment: %+v", res.Env)
	}
	bySource := map[string]int{}
	for _, ev := range events {
		bySource[strings.TrimPrefix(ev.Source, "bugreport-lynx.zip/")]++
	}
	main := "bugreport-lynx-UQ1A.240205.004-2026-02-20-18-04-33.txt"
	want := map[string]int{
		main: 5, // 3 log events (the ANR's lines are one), 2 event-log lines
		"FS/data/anr/anr_2026-02-20-17-58-21-310": 3, // the process's thread dump, its ANR, the stuck binder call
		"FS/data/tombstones/tombstone_00":         1, // the crash
		"bugreport-lynx.zip":                      0,
	}
	for src, n := range want {
		if bySource[src] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", src, bySource[src], n, bySource)
		}
	}
	for src := range bySource {
		if _, ok := want[src]; !ok {
			t.Errorf("events from %s, which is not read", src)
		}
	}
	findings := map[string]ingest.Finding{}
	for _, f := range d.Findings(res.Env) {
		findings[f.Rule] = f
	}
	anr := findings["android-anr"]
	if anr.Count != 1 || !strings.HasPrefix(anr.Detail, "ANR in com.example.chat (pid 14001): executing service com.example.chat/.sync.UploadService; main thread Native, in a binder call IPackageManager.getPackageInfo") {
		t.Errorf("ANR: %+v", anr)
	}
	if f := findings["android-binder-stuck"]; f.Count != 1 || !strings.Contains(f.Detail, "the dump does not show which process serves it") {
		t.Errorf("binder: %+v", f)
	}
	// One native crash, seen as libc's line, am_crash and the tombstone:
	// one crash, with the tombstone's frames (the other crash is the ANR).
	var crashes []ingest.Event
	for _, ev := range events {
		if ev.Crash != nil && ev.Crash.Kind == "native" {
			crashes = append(crashes, ev)
		}
	}
	if len(crashes) != 1 || res.Crashes != 2 || crashes[0].Crash.Type != "SIGSEGV" || len(crashes[0].Crash.Frames) == 0 ||
		!strings.HasSuffix(crashes[0].Source, "tombstone_00") {
		t.Errorf("crashes: %+v", crashes)
	}
	// The tombstone's exact time is put on the device's clock, as the logs'.
	if got := crashes[0].Time.Format("15:04:05"); got != "18:01:02" {
		t.Errorf("tombstone time %s, want the log's 18:01:02", got)
	}
}
