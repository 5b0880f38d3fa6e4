package diagnostics

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// storedTimeLayout is fixed-width so stored times sort as text.
const storedTimeLayout = "2006-01-02T15:04:05.000000000Z"

// spool writes each parsed file's events to a part file of its own, then
// merges the parts by time into one event store: the triage page shows one
// timeline across all files of an upload, while each parser still streams.
type spool struct {
	dir   string
	parts []string
	f     *os.File
	w     *bufio.Writer
}

func newSpool(uploadDir string) (*spool, error) {
	dir := filepath.Join(uploadDir, "parts")
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear event parts: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create event parts: %w", err)
	}
	return &spool{dir: dir}, nil
}

// next starts the part of the next parsed file.
func (s *spool) next() (*json.Encoder, error) {
	if err := s.finish(); err != nil {
		return nil, err
	}
	path := filepath.Join(s.dir, strconv.Itoa(len(s.parts))+".jsonl")
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create event part: %w", err)
	}
	s.parts = append(s.parts, path)
	s.f, s.w = f, bufio.NewWriterSize(f, 256<<10)
	enc := json.NewEncoder(s.w)
	enc.SetEscapeHTML(false)
	return enc, nil
}

// finish closes the current part.
func (s *spool) finish() error {
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f, s.w = nil, nil
	if err != nil {
		return fmt.Errorf("write event part: %w", err)
	}
	return nil
}

// mergeInto writes every part, merged by time, to path and removes the
// parts. An event without a time keeps the place of the event before it in
// its own file.
func (s *spool) mergeInto(path string) error {
	if err := s.finish(); err != nil {
		return err
	}
	defer os.RemoveAll(s.dir)
	if len(s.parts) == 1 {
		// One file: it is already in its own order.
		if err := os.Rename(s.parts[0], path); err != nil {
			return fmt.Errorf("store events: %w", err)
		}
		return nil
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create event store: %w", err)
	}
	defer out.Close()
	w := bufio.NewWriterSize(out, 1<<20)
	h := &cursorHeap{}
	for i, p := range s.parts {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open event part: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 16<<10), 8<<20)
		c := &cursor{sc: sc, order: i}
		if c.advance() {
			heap.Push(h, c)
		} else if err := sc.Err(); err != nil {
			return fmt.Errorf("read event part: %w", err)
		}
	}
	for h.Len() > 0 {
		c := (*h)[0]
		w.Write(c.line)
		w.WriteByte('\n')
		if c.advance() {
			heap.Fix(h, 0)
		} else {
			if err := c.sc.Err(); err != nil {
				return fmt.Errorf("read event part: %w", err)
			}
			heap.Pop(h)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write event store: %w", err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("write event store: %w", err)
	}
	return nil
}

// cursor is the next line of one part.
type cursor struct {
	sc    *bufio.Scanner
	line  []byte
	key   []byte // time of the line, or of the last timed line before it
	order int
}

var timePrefix = []byte(`{"t":"`)

func (c *cursor) advance() bool {
	if !c.sc.Scan() {
		return false
	}
	c.line = c.sc.Bytes()
	if rest, ok := bytes.CutPrefix(c.line, timePrefix); ok {
		if end := bytes.IndexByte(rest, '"'); end > 0 {
			c.key = append(c.key[:0], rest[:end]...)
		}
	}
	return true
}

type cursorHeap []*cursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	if cmp := bytes.Compare(h[i].key, h[j].key); cmp != 0 {
		return cmp < 0
	}
	return h[i].order < h[j].order
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
