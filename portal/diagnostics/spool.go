package diagnostics

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// storedTimeLayout is fixed-width so stored times sort as text.
const storedTimeLayout = "2006-01-02T15:04:05.000000000Z"

// spool writes each parsed file's events to a part of its own (store
// lines, index records, text column: see index.go), then merges the parts
// by time into one event store with its index: the triage page shows one
// timeline across all files of an upload, while each parser still streams.
type spool struct {
	dir   string
	parts []string // base paths: dir/N, with .jsonl, .idx, .txt, .blk
	tags  *tagDict
	w     *partWriter
	count int
}

func newSpool(uploadDir string) (*spool, error) {
	dir := filepath.Join(uploadDir, "parts")
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear event parts: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create event parts: %w", err)
	}
	return &spool{dir: dir, tags: newTagDict()}, nil
}

// next starts the part of the next parsed file.
func (s *spool) next() (*partWriter, error) {
	if err := s.finish(); err != nil {
		return nil, err
	}
	base := filepath.Join(s.dir, strconv.Itoa(len(s.parts)))
	w, err := newPartWriter(base, s.tags)
	if err != nil {
		return nil, err
	}
	s.parts = append(s.parts, base)
	s.w = w
	return w, nil
}

// finish closes the current part.
func (s *spool) finish() error {
	if s.w == nil {
		return nil
	}
	err := s.w.close()
	s.count += s.w.count
	s.w = nil
	return err
}

// abort stops the current part's writer after a failed parse.
func (s *spool) abort() {
	s.finish()
	os.RemoveAll(s.dir)
}

// mergeInto writes every part, merged by time, to path with its index and
// removes the parts. An event without a time keeps the place of the event
// before it in its own file. The index's marker is written last: the
// store is complete, and indexed, only once it exists.
func (s *spool) mergeInto(path string) error {
	if err := s.finish(); err != nil {
		return err
	}
	defer os.RemoveAll(s.dir)
	out := indexPathsOf(path)
	if err := os.Remove(out.marker); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("replace event index: %w", err)
	}
	if len(s.parts) == 1 {
		// One file: it is already in its own order.
		for _, ext := range []struct{ from, to string }{{".jsonl", out.events}, {".idx", out.idx}, {".txt", out.txt}, {".blk", out.blk}, {".tri", out.tri}} {
			if err := os.Rename(s.parts[0]+ext.from, ext.to); err != nil {
				return fmt.Errorf("store events: %w", err)
			}
		}
		return writeMarker(out, s.count, s.tags.decoded())
	}
	m, err := newMerger(out)
	if err != nil {
		return err
	}
	defer m.close()
	h := &cursorHeap{}
	for i, p := range s.parts {
		c, err := openCursor(p, i)
		if err != nil {
			return err
		}
		defer c.close()
		if c.advance() {
			heap.Push(h, c)
		} else if err := c.err(); err != nil {
			return err
		}
	}
	for h.Len() > 0 {
		c := (*h)[0]
		m.add(c)
		if c.advance() {
			heap.Fix(h, 0)
		} else {
			if err := c.err(); err != nil {
				return err
			}
			heap.Pop(h)
		}
	}
	if err := m.finish(); err != nil {
		return err
	}
	return writeMarker(out, m.n, s.tags.decoded())
}

// merger writes the merged store and its index.
type merger struct {
	files                 []*os.File
	events, idx, txt, blk *bufio.Writer
	tri                   *bufio.Writer
	filter                blockFilter
	n                     int
	lineOff, txtOff       uint64
}

func newMerger(p indexPaths) (*merger, error) {
	m := &merger{}
	for _, path := range []string{p.events, p.idx, p.txt, p.blk, p.tri} {
		f, err := os.Create(path)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("create event store: %w", err)
		}
		m.files = append(m.files, f)
	}
	m.events = bufio.NewWriterSize(m.files[0], 1<<20)
	m.idx = bufio.NewWriterSize(m.files[1], 256<<10)
	m.txt = bufio.NewWriterSize(m.files[2], 1<<20)
	m.blk = bufio.NewWriterSize(m.files[3], 64<<10)
	m.tri = bufio.NewWriterSize(m.files[4], 64<<10)
	return m, nil
}

func (m *merger) pair() {
	var pair [16]byte
	binary.LittleEndian.PutUint64(pair[0:8], m.lineOff)
	binary.LittleEndian.PutUint64(pair[8:16], m.txtOff)
	m.blk.Write(pair[:])
}

func (m *merger) add(c *cursor) {
	if m.n%indexBlock == 0 {
		if m.n > 0 {
			m.filter.flush(m.tri)
		}
		m.pair()
	}
	m.filter.add(c.text)
	m.events.Write(c.line)
	m.events.WriteByte('\n')
	m.idx.Write(c.rec[:])
	m.txt.Write(c.text)
	m.txt.WriteByte('\n')
	m.lineOff += uint64(len(c.line)) + 1
	m.txtOff += uint64(len(c.text)) + 1
	m.n++
}

func (m *merger) finish() error {
	m.pair()
	if m.n > 0 {
		m.filter.flush(m.tri)
	}
	for _, w := range []*bufio.Writer{m.events, m.idx, m.txt, m.blk, m.tri} {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write event store: %w", err)
		}
	}
	for _, f := range m.files {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write event store: %w", err)
		}
	}
	m.files = nil
	return nil
}

func (m *merger) close() {
	for _, f := range m.files {
		f.Close()
	}
}

// cursor is the next event of one part: its store line, index record and
// text-column line.
type cursor struct {
	files []*os.File
	sc    *bufio.Scanner // store lines
	recs  *bufio.Reader
	txt   *bufio.Scanner
	line  []byte
	rec   [indexRecordSize]byte
	text  []byte
	key   []byte // time of the line, or of the last timed line before it
	order int
	fail  error
}

func openCursor(base string, order int) (*cursor, error) {
	c := &cursor{order: order}
	for _, ext := range []string{".jsonl", ".idx", ".txt"} {
		f, err := os.Open(base + ext)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("open event part: %w", err)
		}
		c.files = append(c.files, f)
	}
	c.sc = bufio.NewScanner(c.files[0])
	c.sc.Buffer(make([]byte, 16<<10), 64<<20)
	c.sc.Split(splitLines)
	c.recs = bufio.NewReaderSize(c.files[1], 64<<10)
	c.txt = bufio.NewScanner(c.files[2])
	c.txt.Buffer(make([]byte, 16<<10), 64<<20)
	c.txt.Split(splitLines)
	return c, nil
}

func (c *cursor) close() {
	for _, f := range c.files {
		f.Close()
	}
}

// splitLines splits at each newline and keeps a carriage return before
// it, which bufio.ScanLines would drop from a text-column line.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

var timePrefix = []byte(`{"t":"`)

func (c *cursor) advance() bool {
	if !c.sc.Scan() {
		return false
	}
	c.line = c.sc.Bytes()
	if _, err := io.ReadFull(c.recs, c.rec[:]); err != nil {
		c.fail = fmt.Errorf("read event part index: %w", err)
		return false
	}
	if !c.txt.Scan() {
		c.fail = fmt.Errorf("read event part text: %v", c.txt.Err())
		return false
	}
	c.text = c.txt.Bytes()
	if rest, ok := bytes.CutPrefix(c.line, timePrefix); ok {
		if end := bytes.IndexByte(rest, '"'); end > 0 {
			c.key = append(c.key[:0], rest[:end]...)
		}
	}
	return true
}

func (c *cursor) err() error {
	if c.fail != nil {
		return c.fail
	}
	if err := c.sc.Err(); err != nil {
		return fmt.Errorf("read event part: %w", err)
	}
	return nil
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
