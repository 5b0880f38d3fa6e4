package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestLineReader covers what every text parser relies on: LF and CRLF
// endings, a BOM on the first line only, a last line without an ending,
// empty lines, and a line longer than the bound handed out cut with the
// rest skipped and counted.
func TestLineReader(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         string
		max        int
		want       []string
		cut        []bool
		long, cut1 int
	}{
		{name: "lf", in: "a\nbb\n", want: []string{"a", "bb"}, cut: []bool{false, false}},
		{name: "crlf and no final ending", in: "a\r\nbb\r\nccc", want: []string{"a", "bb", "ccc"}, cut: []bool{false, false, false}},
		{name: "bom on the first line only", in: "\uFEFFa\n\uFEFFb\n", want: []string{"a", "\uFEFFb"}, cut: []bool{false, false}},
		{name: "empty lines", in: "\n\r\nx\n\n", want: []string{"", "", "x", ""}, cut: []bool{false, false, false, false}},
		{name: "long line cut", in: "short\n" + strings.Repeat("x", 10) + "\r\nnext\n", max: 4,
			want: []string{"shor", "xxxx", "next"}, cut: []bool{true, true, false}, long: 2, cut1: 1},
		{name: "max bytes then crlf", in: "abcd\r\nefgh\n", max: 4, want: []string{"abcd", "efgh"}, cut: []bool{false, false}},
		{name: "long last line", in: "ok\n" + strings.Repeat("y", 9), max: 4,
			want: []string{"ok", "yyyy"}, cut: []bool{false, true}, long: 1, cut1: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte per read, so every line crosses buffer refills.
			lr := NewLineReader(iotest.OneByteReader(strings.NewReader(tc.in)), tc.max)
			var got []string
			var cut []bool
			for {
				s, c, err := lr.Text()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, s)
				cut = append(cut, c)
				if lr.Line() != len(got) {
					t.Errorf("Line() = %d after %d lines", lr.Line(), len(got))
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("lines %q, want %q", got, tc.want)
			}
			for i := range min(len(cut), len(tc.cut)) {
				if cut[i] != tc.cut[i] {
					t.Errorf("line %d cut = %v, want %v", i+1, cut[i], tc.cut[i])
				}
			}
			if lr.Long() != tc.long || lr.FirstCut() != tc.cut1 {
				t.Errorf("Long() = %d, FirstCut() = %d; want %d, %d", lr.Long(), lr.FirstCut(), tc.long, tc.cut1)
			}
		})
	}
}

// A read error ends the lines and is reported, not taken for the end.
func TestLineReaderReadError(t *testing.T) {
	boom := errors.New("disk gone")
	lr := NewLineReader(io.MultiReader(strings.NewReader("a\nb\n"), iotest.ErrReader(boom)), 0)
	for _, want := range []string{"a", "b"} {
		s, _, err := lr.Text()
		if err != nil || s != want {
			t.Fatalf("Text() = %q, %v; want %q", s, err, want)
		}
	}
	if _, _, err := lr.Text(); !errors.Is(err, boom) {
		t.Fatalf("Text() error = %v, want %v", err, boom)
	}
	if !errors.Is(lr.Err(), boom) {
		t.Fatalf("Err() = %v", lr.Err())
	}
}
