package diagnostics

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"parley/ingest"
)

// The event index lets the event list answer from a few reads instead of
// scanning the whole event store (1.7 GB for a 1 GB log). It is built
// while the events are written and lives beside events.jsonl:
//
//	events.idx         indexRecordSize bytes per event, in store order: time,
//	                   level, tag (see indexRecord)
//	events.txt         each event's message and tag, lower-cased, one line
//	                   per event: what a text search looks through
//	events.blk         for every indexBlock-th event, where its line starts
//	                   in events.jsonl and in events.txt (two uint64), and a
//	                   last pair: both files' sizes
//	events.tri         for every block, a filter of the trigrams of its
//	                   text-column lines (filterBits bits): a text search
//	                   reads only the blocks whose filter has every trigram
//	                   of what it looks for
//	events.index.json  written last, so its presence says the rest is
//	                   complete: format version, event count, the tags
//
// An upload stored before the index existed has none; its event list
// falls back to the scan.

const (
	indexVersion    = 1
	indexBlock      = 256 // events per block; a multiple of 64, see searchText
	indexRecordSize = 16
	// a record's flags
	flagNoTime    = 1 // the event has no time
	flagCheckLine = 2 // time or tag would not fit the record: read the line
	// tagUnknown is the tag id of a tag past maxTags distinct ones.
	tagUnknown = 0xFFFF
	maxTags    = 0xFFFE
)

// Unix seconds whose UnixNano fits an int64.
const minNanoSec, maxNanoSec = -9223372036, 9223372035

type indexPaths struct{ events, idx, txt, blk, tri, marker string }

func indexPathsOf(events string) indexPaths {
	base := strings.TrimSuffix(events, ".jsonl")
	return indexPaths{events: events, idx: base + ".idx", txt: base + ".txt", blk: base + ".blk", tri: base + ".tri", marker: base + ".index.json"}
}

// indexMarker is events.index.json.
type indexMarker struct {
	Version int      `json:"v"`
	Events  int      `json:"events"`
	Block   int      `json:"block"`
	Tags    []string `json:"tags"` // by id; as decoding the stored tag gives it
	// GroupProbe is groupProbe() when the index was written: the records'
	// error-group hashes hold only while errors are grouped the same way.
	GroupProbe string `json:"group_probe"`
}

// groupProbe is the error-group fingerprint of a fixed event: it changes
// when the way errors are grouped (errors.go) changes.
func groupProbe() string {
	return ingest.FingerprintText(errorGroupKey("Probe 42: request to host-7 failed after 30 ms", tagPattern("PC_3")))
}

// groupHash is the record's short form of an error group's fingerprint.
func groupHash(fingerprint string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(fingerprint); i++ {
		h = (h ^ uint32(fingerprint[i])) * 16777619
	}
	return h
}

// indexRecord is one event's entry in events.idx.
type indexRecord struct {
	ns    int64 // Unix nanoseconds; 0 with flagNoTime or flagCheckLine
	level byte  // the stored level letter
	flags byte
	tag   uint16
	group uint32 // groupHash of an error's group (inErrorGroup); 0 for others
}

func (r indexRecord) put(b []byte) {
	binary.LittleEndian.PutUint64(b[0:8], uint64(r.ns))
	b[8], b[9] = r.level, r.flags
	binary.LittleEndian.PutUint16(b[10:12], r.tag)
	binary.LittleEndian.PutUint32(b[12:16], r.group)
}

func getRecord(b []byte) indexRecord {
	return indexRecord{ns: int64(binary.LittleEndian.Uint64(b[0:8])), level: b[8], flags: b[9],
		tag: binary.LittleEndian.Uint16(b[10:12]), group: binary.LittleEndian.Uint32(b[12:16])}
}

// filterBits is the size of a block's trigram filter: a block of text
// holds some thousands of distinct trigrams, so a few per cent of the
// bits answer a trigram wrongly, and a search for a word of a few letters
// still passes over most blocks that do not hold it.
const filterBits = 1 << 14

// trigramBit is the bit of the trigram a, b, c in a block's filter.
func trigramBit(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1 >> (32 - 14)
}

// blockFilter gathers one block's trigrams.
type blockFilter struct {
	bits [filterBits / 8]byte
}

// add takes one text-column line (without its newline).
func (f *blockFilter) add(line []byte) {
	for i := 0; i+3 <= len(line); i++ {
		h := trigramBit(line[i], line[i+1], line[i+2])
		f.bits[h>>3] |= 1 << (h & 7)
	}
}

// flush writes the filter and clears it for the next block.
func (f *blockFilter) flush(w io.Writer) {
	w.Write(f.bits[:])
	f.bits = [filterBits / 8]byte{}
}

// tagDict numbers the distinct tags of an upload, shared by its parts.
type tagDict struct {
	ids  map[string]uint16
	tags []string
}

func newTagDict() *tagDict { return &tagDict{ids: map[string]uint16{}} }

func (d *tagDict) id(tag []byte) uint16 {
	if id, ok := d.ids[string(tag)]; ok {
		return id
	}
	if len(d.tags) >= maxTags {
		return tagUnknown
	}
	id := uint16(len(d.tags))
	d.tags = append(d.tags, string(tag))
	d.ids[string(tag)] = id
	return id
}

// decoded is the tags as reading them back from the store gives them.
func (d *tagDict) decoded() []string {
	out := make([]string, len(d.tags))
	for i, t := range d.tags {
		out[i] = validUTF8(t)
	}
	return out
}

// validUTF8 is s with each invalid byte replaced by U+FFFD, as encoding it
// to JSON and decoding it back does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// appendSearchText appends s lower-cased as strings.ToLower lowers what
// decoding the stored text gives (invalid bytes as U+FFFD), with line
// breaks and NULs as NUL: a text-column line then holds one event, and a
// search for text without either finds exactly what it finds in s.
func appendSearchText(b []byte, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\n':
				c = 0
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		b = utf8.AppendRune(b, unicode.ToLower(r)) // RuneError stays U+FFFD
		i += size
	}
	return b
}

// batch is a run of events on their way to the writer goroutine: their
// text copied back to back, since an event's strings live only until the
// parser's sink returns (ingest.Sink).
type batch struct {
	text   []byte
	attrs  []span // key, value, key, value… of the events' attributes
	events []batchEvent
}

type span struct{ start, end int32 }

// fields of a batchEvent, by index of its spans
const (
	spanFile = iota
	spanTag
	spanPID
	spanTID
	spanMessage
	spanCrash
	spanCount
)

type batchEvent struct {
	rec            indexRecord // tag filled in by the writer
	t              time.Time
	line           int
	spans          [spanCount]span
	attr0, nattrs  int32 // in batch.attrs, as pairs
	level          byte
	hasTime, check bool
}

const batchBytes = 1 << 20

// partWriter writes one parsed file's events: the parsing goroutine
// copies each event's text into a batch, a second goroutine encodes the
// events and writes the store, the index records and the text column, so
// parsing and writing overlap on two cores. Three batches circulate, so
// memory stays flat.
type partWriter struct {
	cur   *batch
	full  chan *batch
	free  chan *batch
	done  chan error
	files []*os.File
	count int
}

func newPartWriter(base string, tags *tagDict) (*partWriter, error) {
	var files []*os.File
	for _, ext := range []string{".jsonl", ".idx", ".txt", ".blk", ".tri"} {
		f, err := os.Create(base + ext)
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, fmt.Errorf("create event part: %w", err)
		}
		files = append(files, f)
	}
	w := &partWriter{full: make(chan *batch, 2), free: make(chan *batch, 3), done: make(chan error, 1), files: files}
	for range 2 {
		w.free <- &batch{}
	}
	w.cur = &batch{}
	go w.run(tags)
	return w, nil
}

func (b *batch) put(s string) span {
	start := len(b.text)
	b.text = append(b.text, s...)
	return span{int32(start), int32(len(b.text))}
}

// add queues one event; se's strings need to live only until it returns.
// t is the event's time (se.Time is not read).
func (w *partWriter) add(se *storedEvent, t time.Time) {
	b := w.cur
	be := batchEvent{t: t, line: se.Line, level: se.Level[0], rec: indexRecord{level: se.Level[0]}}
	switch sec := t.Unix(); {
	case t.IsZero():
		be.rec.flags = flagNoTime
	case sec < minNanoSec || sec > maxNanoSec || t.Year() > 9999:
		be.rec.flags = flagCheckLine
		be.hasTime = true
	default:
		be.rec.ns = t.UnixNano()
		be.hasTime = true
	}
	be.spans[spanFile] = b.put(se.File)
	be.spans[spanTag] = b.put(se.Tag)
	be.spans[spanPID] = b.put(se.PID)
	be.spans[spanTID] = b.put(se.TID)
	be.spans[spanMessage] = b.put(se.Message)
	be.spans[spanCrash] = b.put(se.Crash)
	be.attr0 = int32(len(b.attrs))
	for k, v := range se.Attrs {
		b.attrs = append(b.attrs, b.put(k), b.put(v))
		be.nattrs++
	}
	b.events = append(b.events, be)
	w.count++
	if len(b.text) >= batchBytes {
		w.full <- b
		w.cur = <-w.free
	}
}

// close writes what is left and waits for the writer.
func (w *partWriter) close() error {
	w.full <- w.cur
	close(w.full)
	return <-w.done
}

func (w *partWriter) run(tags *tagDict) {
	var err error
	fail := func(e error) {
		if err == nil && e != nil {
			err = fmt.Errorf("write event part: %w", e)
		}
	}
	jsonW := bufio.NewWriterSize(w.files[0], 1<<20)
	idxW := bufio.NewWriterSize(w.files[1], 256<<10)
	txtW := bufio.NewWriterSize(w.files[2], 1<<20)
	blkW := bufio.NewWriterSize(w.files[3], 64<<10)
	triW := bufio.NewWriterSize(w.files[4], 64<<10)
	var filter blockFilter
	var tf timeFormatter
	var n int
	var lineOff, txtOff uint64
	var rec [indexRecordSize]byte
	var pair [16]byte
	putPair := func() {
		binary.LittleEndian.PutUint64(pair[0:8], lineOff)
		binary.LittleEndian.PutUint64(pair[8:16], txtOff)
		blkW.Write(pair[:])
	}
	attrs := map[string]string{}
	var line, text []byte
	for b := range w.full {
		str := func(sp span) string {
			if sp.end == sp.start {
				return ""
			}
			return unsafe.String(&b.text[sp.start], sp.end-sp.start) // b.text is not touched until the batch is done
		}
		for _, be := range b.events {
			if n%indexBlock == 0 {
				if n > 0 {
					filter.flush(triW)
				}
				putPair()
			}
			se := storedEvent{Level: string(be.level), File: str(be.spans[spanFile]), Line: be.line, Tag: str(be.spans[spanTag]),
				PID: str(be.spans[spanPID]), TID: str(be.spans[spanTID]), Message: str(be.spans[spanMessage]), Crash: str(be.spans[spanCrash])}
			if be.nattrs > 0 {
				clear(attrs)
				for i := be.attr0; i < be.attr0+2*be.nattrs; i += 2 {
					attrs[str(b.attrs[i])] = str(b.attrs[i+1])
				}
				se.Attrs = attrs
			}
			var tm []byte
			if be.hasTime {
				tm = tf.format(be.t)
			}
			line = appendStoredEvent(line[:0], &se, tm)
			jsonW.Write(line)
			tag := b.text[be.spans[spanTag].start:be.spans[spanTag].end]
			be.rec.tag = tags.id(tag)
			if be.rec.tag == tagUnknown {
				be.rec.flags |= flagCheckLine
			}
			if se.Crash == "" && ingest.LevelFromLetter(be.level) >= ingest.LevelError {
				// As inErrorGroup sees the event, decoded from its line.
				be.rec.group = groupHash(ingest.FingerprintText(errorGroupKey(validUTF8(se.Message), tagPattern(validUTF8(se.Tag)))))
			}
			be.rec.put(rec[:])
			idxW.Write(rec[:])
			text = appendSearchText(text[:0], b.text[be.spans[spanMessage].start:be.spans[spanMessage].end])
			text = append(text, 0)
			text = appendSearchText(text, tag)
			filter.add(text)
			text = append(text, '\n')
			txtW.Write(text)
			lineOff += uint64(len(line))
			txtOff += uint64(len(text))
			n++
		}
		clear(attrs) // holds no string of the batch past it
		b.text, b.attrs, b.events = b.text[:0], b.attrs[:0], b.events[:0]
		select {
		case w.free <- b:
		default: // the last batch
		}
	}
	putPair()
	if n > 0 {
		filter.flush(triW)
	}
	for _, bw := range []*bufio.Writer{jsonW, idxW, txtW, blkW, triW} {
		fail(bw.Flush())
	}
	for _, f := range w.files {
		fail(f.Close())
	}
	w.done <- err
}

// writeMarker records that the index beside the store is complete.
func writeMarker(p indexPaths, events int, tags []string) error {
	if tags == nil {
		tags = []string{}
	}
	data, err := json.Marshal(indexMarker{Version: indexVersion, Events: events, Block: indexBlock, Tags: tags, GroupProbe: groupProbe()})
	if err != nil {
		return err
	}
	tmp := p.marker + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return fmt.Errorf("write event index: %w", err)
	}
	if err := os.Rename(tmp, p.marker); err != nil {
		return fmt.Errorf("write event index: %w", err)
	}
	return nil
}

// eventIndex is an open, complete index of one upload's events.
type eventIndex struct {
	n              int
	tags           []string
	blk            []uint64 // pairs: offset in events.jsonl, in events.txt
	jsonl, idx, tx *os.File
	tri            *os.File
	groupsOK       bool // the records' group hashes match errors.go's grouping
}

// errNoIndex means the upload has no usable index: scan instead.
var errNoIndex = errors.New("no event index")

func openEventIndex(eventsPath string) (*eventIndex, error) {
	p := indexPathsOf(eventsPath)
	data, err := os.ReadFile(p.marker)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoIndex
	}
	if err != nil {
		return nil, fmt.Errorf("read event index: %w", err)
	}
	var m indexMarker
	if err := json.Unmarshal(data, &m); err != nil || m.Version != indexVersion || m.Block != indexBlock {
		return nil, errNoIndex
	}
	blkData, err := os.ReadFile(p.blk)
	if err != nil {
		return nil, fmt.Errorf("read event index: %w", err)
	}
	blocks := (m.Events + indexBlock - 1) / indexBlock
	if len(blkData) != (blocks+1)*16 {
		return nil, errNoIndex
	}
	ix := &eventIndex{n: m.Events, tags: m.Tags, blk: make([]uint64, 2*(blocks+1)), groupsOK: m.GroupProbe == groupProbe()}
	for i := range ix.blk {
		ix.blk[i] = binary.LittleEndian.Uint64(blkData[8*i:])
	}
	for _, f := range []struct {
		path string
		dst  **os.File
		size int64
	}{
		{p.events, &ix.jsonl, int64(ix.blk[2*blocks])},
		{p.idx, &ix.idx, int64(m.Events) * indexRecordSize},
		{p.txt, &ix.tx, int64(ix.blk[2*blocks+1])},
		{p.tri, &ix.tri, int64(blocks) * filterBits / 8},
	} {
		fh, err := os.Open(f.path)
		if err != nil {
			ix.close()
			if errors.Is(err, os.ErrNotExist) {
				return nil, errNoIndex
			}
			return nil, fmt.Errorf("open event index: %w", err)
		}
		*f.dst = fh
		if st, err := fh.Stat(); err != nil || st.Size() != f.size {
			ix.close()
			return nil, errNoIndex // not the files the index was made for
		}
	}
	return ix, nil
}

func (ix *eventIndex) close() {
	for _, f := range []*os.File{ix.jsonl, ix.idx, ix.tx, ix.tri} {
		if f != nil {
			f.Close()
		}
	}
}

// blockLines reads the store lines of block b.
func (ix *eventIndex) blockLines(b int, buf []byte) ([]byte, error) {
	start, end := ix.blk[2*b], ix.blk[2*b+2]
	if cap(buf) < int(end-start) {
		buf = make([]byte, end-start)
	}
	buf = buf[:end-start]
	if _, err := ix.jsonl.ReadAt(buf, int64(start)); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return buf, nil
}

// lineIn is line k (0-based) of a block's lines, without its newline.
func lineIn(lines []byte, k int) []byte {
	for ; k > 0; k-- {
		i := bytes.IndexByte(lines, '\n')
		if i < 0 {
			return nil
		}
		lines = lines[i+1:]
	}
	if i := bytes.IndexByte(lines, '\n'); i >= 0 {
		return lines[:i]
	}
	return lines
}

// lineReader reads single store lines, keeping the last block it read.
type lineReader struct {
	ix    *eventIndex
	block int
	buf   []byte
}

func (r *lineReader) line(i int) ([]byte, error) {
	b := i / indexBlock
	if r.buf == nil || r.block != b {
		buf, err := r.ix.blockLines(b, r.buf)
		if err != nil {
			return nil, err
		}
		r.buf, r.block = buf, b
	}
	return lineIn(r.buf, i%indexBlock), nil
}
