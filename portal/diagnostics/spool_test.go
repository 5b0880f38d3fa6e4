package diagnostics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpoolMergesFilesByTime(t *testing.T) {
	dir := t.TempDir()
	sp, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]storedEvent{
		{{Time: "2026-05-01T10:00:01.000000000Z", Message: "a1"}, {Message: "a2 (no time)"}, {Time: "2026-05-01T10:00:05.000000000Z", Message: "a3"}},
		{{Time: "2026-05-01T10:00:00.000000000Z", Message: "b1"}, {Time: "2026-05-01T10:00:03.000000000Z", Message: "b2"}},
		{{Message: "c1 (no time at all)"}},
	}
	for _, p := range parts {
		enc, err := sp.next()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range p {
			ev.Level = "I"
			enc.add(&ev, parseStoredTime(ev.Time))
		}
	}
	out := filepath.Join(dir, "events.jsonl")
	if err := sp.mergeInto(out); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	var order []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		i := strings.Index(line, `"m":"`)
		order = append(order, strings.SplitN(line[i+5:], `"`, 2)[0])
	}
	want := "c1 (no time at all)|b1|a1|a2 (no time)|b2|a3"
	if got := strings.Join(order, "|"); got != want {
		t.Fatalf("merged order\n got %s\nwant %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "parts")); !os.IsNotExist(err) {
		t.Fatal("part files left behind")
	}
}
