package diagnostics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"parley/ingest"
)

// events answers the event list from the index: a text search looks
// through the text column and marks the events it finds, then the records
// are checked against level, tag and time, and only the lines shown are
// read from the store. Each step runs on two goroutines, one per half of
// the events. text is f.Text lower-cased. errNoIndex asks for the scan (a
// search for a line break, a time the records cannot hold).
func (ix *eventIndex) events(ctx context.Context, f EventFilter, text string) ([]EventRow, int, error) {
	if strings.ContainsAny(text, "\n\x00") {
		return nil, 0, errNoIndex
	}
	fromNS, toNS := int64(math.MinInt64), int64(math.MaxInt64)
	timed := !f.From.IsZero() || !f.To.IsZero()
	for _, b := range []struct {
		set bool
		sec int64
		dst *int64
		ns  int64
	}{{!f.From.IsZero(), f.From.Unix(), &fromNS, f.From.UnixNano()}, {!f.To.IsZero(), f.To.Unix(), &toNS, f.To.UnixNano()}} {
		if !b.set {
			continue
		}
		if b.sec < minNanoSec || b.sec > maxNanoSec {
			return nil, 0, errNoIndex
		}
		*b.dst = b.ns
	}
	want := f.Offset + f.Limit
	var page []int
	matched := 0
	if text == "" && f.MinLevel == 0 && f.Tag == "" && f.Group == "" && !timed {
		matched = ix.n
		for i := f.Offset; i < min(want, ix.n); i++ {
			page = append(page, i)
		}
	} else {
		var bits []uint64
		if text != "" {
			var err error
			if bits, err = ix.searchText(ctx, []byte(text)); err != nil {
				return nil, 0, err
			}
		}
		var tagOK []bool
		if f.Tag != "" {
			tagOK = make([]bool, len(ix.tags))
			for i, t := range ix.tags {
				tagOK[i] = tagMatches(t, f.Tag) // errors.go: "PC_<n>" matches PC_0, PC_1…
			}
		}
		c := recordCheck{f: f, text: text, bits: bits, tagOK: tagOK, timed: timed, from: fromNS, to: toNS, want: want,
			groupsOK: ix.groupsOK, group: groupHash(f.Group)}
		var halves [2]scanResult
		mid := ix.n / 2 / indexBlock * indexBlock
		bounds := [3]int{0, mid, ix.n}
		both(func(h int) { halves[h] = ix.scanRecords(ctx, &c, bounds[h], bounds[h+1]) })
		for _, h := range halves {
			if h.err != nil {
				return nil, 0, h.err
			}
			matched += h.count
			page = append(page, h.first...)
		}
		if len(page) > want {
			page = page[:want]
		}
		if len(page) > f.Offset {
			page = page[f.Offset:]
		} else {
			page = nil
		}
	}
	rows := make([]EventRow, 0, len(page))
	lr := lineReader{ix: ix}
	for _, i := range page {
		line, err := lr.line(i)
		if err != nil {
			return nil, 0, err
		}
		var ev storedEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, 0, fmt.Errorf("event store event %d: %w", i+1, err)
		}
		row, _ := f.matchStored(&ev, "")
		rows = append(rows, row)
	}
	return rows, matched, nil
}

// both runs fn(0) and fn(1) at once: the machine has two cores.
func both(fn func(int)) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fn(1)
	}()
	fn(0)
	wg.Wait()
}

// recordCheck is a filter as the records are checked against it.
type recordCheck struct {
	f        EventFilter
	text     string
	bits     []uint64 // events the text search found; nil: no search
	tagOK    []bool   // by tag id; nil: no tag filter
	timed    bool
	from, to int64
	want     int
	groupsOK bool   // the records' group hashes can be trusted
	group    uint32 // groupHash(f.Group)
}

type scanResult struct {
	count int
	first []int // the first c.want matches
	err   error
}

const recordsPerRead = 1 << 16

// scanRecords checks events [lo, hi) against c.
func (ix *eventIndex) scanRecords(ctx context.Context, c *recordCheck, lo, hi int) (res scanResult) {
	buf := make([]byte, recordsPerRead*indexRecordSize)
	lr := lineReader{ix: ix}
	for start := lo; start < hi; start += recordsPerRead {
		end := min(start+recordsPerRead, hi)
		if c.bits != nil && noneSet(c.bits, start, end) {
			continue
		}
		if err := ctx.Err(); err != nil {
			res.err = err
			return res
		}
		chunk := buf[:(end-start)*indexRecordSize]
		if _, err := ix.idx.ReadAt(chunk, int64(start)*indexRecordSize); err != nil {
			res.err = fmt.Errorf("read event index: %w", err)
			return res
		}
		for i := start; i < end; i++ {
			if c.bits != nil {
				w := c.bits[i>>6]
				if w == 0 {
					i |= 63
					continue
				}
				if w&(1<<(i&63)) == 0 {
					continue
				}
			}
			r := getRecord(chunk[(i-start)*indexRecordSize:])
			if r.flags&flagCheckLine != 0 {
				line, err := lr.line(i)
				if err != nil {
					res.err = err
					return res
				}
				var ev storedEvent
				if err := json.Unmarshal(line, &ev); err != nil {
					res.err = fmt.Errorf("event store event %d: %w", i+1, err)
					return res
				}
				if _, ok := c.f.matchStored(&ev, c.text); !ok {
					continue
				}
			} else {
				if c.f.MinLevel > 0 && ingest.LevelFromLetter(r.level) < c.f.MinLevel {
					continue
				}
				if c.tagOK != nil && (int(r.tag) >= len(c.tagOK) || !c.tagOK[r.tag]) {
					continue
				}
				if c.timed && (r.flags&flagNoTime != 0 || r.ns < c.from || r.ns > c.to) {
					continue
				}
				if c.f.Group != "" {
					// An error group's events are errors; which group an
					// error is in, only its line says.
					if ingest.LevelFromLetter(r.level) < ingest.LevelError || c.groupsOK && r.group != c.group {
						continue
					}
					line, err := lr.line(i)
					if err != nil {
						res.err = err
						return res
					}
					var ev storedEvent
					if err := json.Unmarshal(line, &ev); err != nil {
						res.err = fmt.Errorf("event store event %d: %w", i+1, err)
						return res
					}
					if _, ok := c.f.matchStored(&ev, c.text); !ok {
						continue
					}
				}
			}
			res.count++
			if len(res.first) < c.want {
				res.first = append(res.first, i)
			}
		}
	}
	return res
}

// noneSet reports whether no bit in [lo, hi) is set; lo is a multiple of 64.
func noneSet(bits []uint64, lo, hi int) bool {
	for w := lo >> 6; w < (hi+63)>>6 && w < len(bits); w++ {
		if bits[w] != 0 {
			return false
		}
	}
	return true
}

const textReadBytes = 4 << 20

// searchText marks the events whose lower-cased message or tag contains
// needle, which holds no line break or NUL. It reads the text of only the
// blocks whose trigram filter holds every trigram of needle, in units
// that the two goroutines take turns at.
func (ix *eventIndex) searchText(ctx context.Context, needle []byte) ([]uint64, error) {
	bits := make([]uint64, (ix.n+63)/64)
	cand, err := ix.candidateBlocks(ctx, needle)
	if err != nil {
		return nil, err
	}
	// Units of consecutive candidate blocks; blocks never share a word of
	// bits (indexBlock is a multiple of 64), so units are independent.
	const unitBlocks = 512
	type unit struct{ b0, b1 int }
	var units []unit
	for _, b := range cand {
		if n := len(units); n > 0 && units[n-1].b1 == b && b-units[n-1].b0 < unitBlocks {
			units[n-1].b1++
		} else {
			units = append(units, unit{b, b + 1})
		}
	}
	var next atomic.Int64
	var errs [2]error
	both(func(h int) {
		buf := make([]byte, textReadBytes)
		for {
			i := int(next.Add(1) - 1)
			if i >= len(units) {
				return
			}
			if errs[h] = ix.searchBlocks(ctx, needle, bits, units[i].b0, units[i].b1, &buf); errs[h] != nil {
				return
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return bits, nil
}

// candidateBlocks lists the blocks whose trigram filter has every
// trigram of needle: all of them for a needle shorter than three bytes.
func (ix *eventIndex) candidateBlocks(ctx context.Context, needle []byte) ([]int, error) {
	blocks := len(ix.blk)/2 - 1
	var want []uint32
	for i := 0; i+3 <= len(needle); i++ {
		if h := trigramBit(needle[i], needle[i+1], needle[i+2]); !slices.Contains(want, h) {
			want = append(want, h)
		}
	}
	cand := make([]int, 0, blocks)
	if len(want) == 0 {
		for b := range blocks {
			cand = append(cand, b)
		}
		return cand, nil
	}
	const perRead = 512
	const size = filterBits / 8
	buf := make([]byte, perRead*size)
	for b0 := 0; b0 < blocks; b0 += perRead {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(perRead, blocks-b0)
		chunk := buf[:n*size]
		if _, err := ix.tri.ReadAt(chunk, int64(b0)*size); err != nil {
			return nil, fmt.Errorf("read event index: %w", err)
		}
	blocks:
		for i := range n {
			f := chunk[i*size : (i+1)*size]
			for _, h := range want {
				if f[h>>3]&(1<<(h&7)) == 0 {
					continue blocks
				}
			}
			cand = append(cand, b0+i)
		}
	}
	return cand, nil
}

// searchBlocks marks the events of blocks [b0, b1) whose text line holds
// needle.
func (ix *eventIndex) searchBlocks(ctx context.Context, needle []byte, bits []uint64, b0, b1 int, bufp *[]byte) error {
	off, end := ix.blk[2*b0+1], ix.blk[2*b1+1]
	ev := b0 * indexBlock
	buf := *bufp
	defer func() { *bufp = buf }()
	carry := 0
	for off < end {
		if err := ctx.Err(); err != nil {
			return err
		}
		if carry == len(buf) { // one line longer than the buffer
			buf = append(buf, make([]byte, len(buf))...)
		}
		n := min(uint64(len(buf)-carry), end-off)
		if _, err := ix.tx.ReadAt(buf[carry:carry+int(n)], int64(off)); err != nil {
			return fmt.Errorf("read event text: %w", err)
		}
		off += n
		data := buf[:carry+int(n)]
		last := bytes.LastIndexByte(data, '\n')
		if last < 0 {
			carry = len(data)
			continue
		}
		lines := data[:last+1]
		pos := 0
		for {
			j := bytes.Index(lines[pos:], needle)
			if j < 0 {
				ev += bytes.Count(lines[pos:], []byte{'\n'})
				break
			}
			m := pos + j
			ev += bytes.Count(lines[pos:m], []byte{'\n'})
			if ev < len(bits)*64 {
				bits[ev>>6] |= 1 << (ev & 63)
			}
			pos = m + bytes.IndexByte(lines[m:], '\n') + 1
			ev++
		}
		carry = copy(buf, data[last+1:])
	}
	return nil
}

// matchStored checks a decoded event against the filter (text is f.Text
// lower-cased; empty skips that check) and gives its row.
func (f *EventFilter) matchStored(ev *storedEvent, text string) (EventRow, bool) {
	if f.MinLevel > 0 && (ev.Level == "" || ingest.LevelFromLetter(ev.Level[0]) < f.MinLevel) {
		return EventRow{}, false
	}
	if f.Tag != "" && !tagMatches(ev.Tag, f.Tag) {
		return EventRow{}, false
	}
	if text != "" && !strings.Contains(strings.ToLower(ev.Message), text) && !strings.Contains(strings.ToLower(ev.Tag), text) {
		return EventRow{}, false
	}
	if f.Group != "" && !inErrorGroup(ev, f.Group) {
		return EventRow{}, false
	}
	t := parseStoredTime(ev.Time)
	if (!f.From.IsZero() || !f.To.IsZero()) && t.IsZero() {
		return EventRow{}, false
	}
	if !f.From.IsZero() && t.Before(f.From) || !f.To.IsZero() && t.After(f.To) {
		return EventRow{}, false
	}
	return EventRow{Time: t, Level: ev.Level, File: ev.File, Line: ev.Line, Tag: ev.Tag, PID: ev.PID,
		TID: ev.TID, Message: ev.Message, Crash: ev.Crash != ""}, true
}
