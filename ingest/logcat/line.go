package logcat

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"parley/ingest"
)

// This file reads single logcat lines. Everything works on []byte and
// returns offsets, so that recognising a line allocates nothing; strings
// are built only for the events that are kept.

// span is a half-open byte range [lo, hi) of the line being parsed.
type span struct{ lo, hi int }

func (s span) of(b []byte) []byte { return b[s.lo:s.hi] }

// Kinds of timestamp a logcat line can carry.
const (
	tsNone     = iota // brief: no time at all
	tsMonthDay        // "12-28 18:54:07.120" (threadtime, time): no year
	tsFull            // "2023-05-01 12:34:56.789" (-v year, Android Studio)
	tsEpoch           // "1682944496.789" (-v epoch): seconds since 1970 UTC
	tsUptime          // "  1234.567" (-v monotonic): seconds since boot, no wall time
)

// Shapes of logcat line.
const (
	shapeThreadtime = iota + 1 // time PID TID L Tag: msg
	shapeTime                  // time L/Tag(PID): msg
	shapeBrief                 // L/Tag(PID): msg
	shapeStudio                // date time PID-TID Tag package L msg
	shapeStudioOld             // date time PID-TID/package L/Tag: msg
	shapeLong                  // [ time PID:TID L/Tag ]  (message on the following lines)
)

// lineFields is one parsed logcat line.
type lineFields struct {
	shape  int
	level  byte
	tsKind int

	year, month, day     int
	hour, min, sec, nsec int
	zone                 int // seconds east of UTC, when hasZone
	hasZone              bool
	epoch                int64

	clock lineClock // cache of fastThreadtimeLine
	// fast says fastThreadtimeLine read the line; clockSeq counts its
	// readings of a new "MM-DD HH:MM:SS", so that two lines with the same
	// clockSeq are of the same second.
	fast     bool
	clockSeq uint64

	body span // from the first field after the timestamp to the end
	uid  span
	pid  span
	tid  span
	tag  span
	pkg  span
	msg  span
}

func isDigit(c byte) bool { return c-'0' <= 9 }

func isLevel(c byte) bool {
	switch c {
	case 'V', 'D', 'I', 'W', 'E', 'F', 'A':
		return true
	}
	return false
}

func d2(b []byte, i int) (int, bool) {
	c0, c1 := b[i]-'0', b[i+1]-'0'
	if c0 > 9 || c1 > 9 {
		return 0, false
	}
	return int(c0)*10 + int(c1), true
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// parseLine recognises one logcat line (without its line ending) in any of
// the supported shapes and fills f. It reports false for anything else.
func parseLine(b []byte, f *lineFields) bool {
	if len(b) < 4 {
		return false
	}
	if fastThreadtimeLine(b, f) {
		return true
	}
	f.fast = false
	c := b[0]
	switch {
	case isDigit(c) || c == ' ':
		i, ok := parseTime(b, 0, f)
		if !ok {
			return false
		}
		return parseBody(b, i, f)
	case isLevel(c) && b[1] == '/':
		f.tsKind = tsNone
		f.body = span{0, len(b)}
		return parseTagPid(b, 0, f, shapeBrief)
	case c == '[' && b[1] == ' ':
		return parseLongHeader(b, f)
	}
	return false
}

// fastThreadtimeLine reads the most common line of all in one pass:
// "MM-DD HH:MM:SS.mmm  PID  TID L Tag: msg". Anything else (and anything
// odd about this shape) is left to the general code.
func fastThreadtimeLine(b []byte, f *lineFields) bool {
	n := len(b)
	if n < 24 {
		return false
	}
	// Lines of one second share "MM-DD HH:MM:SS": compare it with the last
	// one read (as two overlapping 8-byte words) before reading it again.
	k0, k1 := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[6:])
	if k0 != f.clock.key0 || k1 != f.clock.key1 {
		if !f.clock.read(b) {
			return false
		}
		f.clock.key0, f.clock.key1 = k0, k1
		f.clockSeq++
	}
	d15, d16, d17 := b[15]-'0', b[16]-'0', b[17]-'0'
	if b[14] != '.' || b[18] != ' ' || d15 > 9 || d16 > 9 || d17 > 9 {
		return false
	}
	var ps, pe, ts, te int
	if n >= 19+16 {
		// PID and TID ("  1234  1256 ") nearly always lie in the 16 bytes
		// after the time: find them from those bytes' classes at once.
		w0, w1 := binary.LittleEndian.Uint64(b[19:]), binary.LittleEndian.Uint64(b[27:])
		sp := spaceBits(w0) | spaceBits(w1)<<8
		dg := digitBits(w0) | digitBits(w1)<<8
		ps = bits.TrailingZeros64(^sp)
		pe = ps + bits.TrailingZeros64(^(dg >> ps))
		ts = pe + bits.TrailingZeros64(^(sp >> pe))
		te = ts + bits.TrailingZeros64(^(dg >> ts))
		ps, pe, ts, te = ps+19, pe+19, ts+19, te+19
	}
	if !(ps < pe && pe < ts && ts < te && te < 19+16) { // a short line, or fields past the 16 bytes
		i := 19 + spaces(b, 19)
		ps = i
		i += digitsAt(b, i)
		pe = i
		if pe == ps || i >= n || b[i] != ' ' {
			return false
		}
		i += spaces(b, i)
		ts = i
		i += digitsAt(b, i)
		te = i
	}
	i := te
	if te == ts || i+3 >= n || b[i] != ' ' || b[i+2] != ' ' || levelTable[b[i+1]] == ingest.LevelUnknown {
		return false
	}
	c := &f.clock
	f.shape, f.level = shapeThreadtime, b[i+1]
	f.tsKind, f.year, f.month, f.day = tsMonthDay, 0, c.month, c.day
	f.hour, f.min, f.sec = c.hour, c.min, c.sec
	f.nsec = (int(d15)*100 + int(d16)*10 + int(d17)) * 1e6
	f.hasZone = false
	f.body = span{ps, n}
	f.pid, f.tid, f.uid, f.pkg = span{ps, pe}, span{ts, te}, span{}, span{}
	f.fast = true
	return tagColon(b, i+3, f)
}

// lineClock is the "MM-DD HH:MM:SS" that fastThreadtimeLine read last, and
// its first 14 bytes as two little-endian words (bytes 0-7 and 6-13).
type lineClock struct {
	key0, key1                 uint64
	month, day, hour, min, sec int
}

// read reads "MM-DD HH:MM:SS" at the start of b (at least 14 bytes).
func (c *lineClock) read(b []byte) bool {
	t := b[:14]
	if t[2] != '-' || t[5] != ' ' || t[8] != ':' || t[11] != ':' {
		return false
	}
	d0, d1, d3, d4 := t[0]-'0', t[1]-'0', t[3]-'0', t[4]-'0'
	d6, d7, d9, d10 := t[6]-'0', t[7]-'0', t[9]-'0', t[10]-'0'
	d12, d13 := t[12]-'0', t[13]-'0'
	if d0 > 1 || d1 > 9 || d3 > 3 || d4 > 9 || d6 > 2 || d7 > 9 || d9 > 5 || d10 > 9 || d12 > 6 || d13 > 9 {
		return false
	}
	mo, dd := int(d0)*10+int(d1), int(d3)*10+int(d4)
	h, m, sec := int(d6)*10+int(d7), int(d9)*10+int(d10), int(d12)*10+int(d13)
	if mo == 0 || mo > 12 || dd == 0 || dd > 31 || h > 23 || sec > 60 {
		return false
	}
	c.month, c.day, c.hour, c.min, c.sec = mo, dd, h, m, sec
	return true
}

// parseTime reads a timestamp at b[i:] and returns the index just after
// it (and after an optional "+hhmm" zone).
func parseTime(b []byte, i int, f *lineFields) (int, bool) {
	n := len(b)
	f.hasZone = false
	// The common case first: "MM-DD HH:MM:SS.mmm " (threadtime, time).
	if n-i >= 19 {
		t := b[i : i+19]
		if t[2] == '-' && t[5] == ' ' && t[8] == ':' && t[11] == ':' && t[14] == '.' && t[18] == ' ' {
			d0, d1, d3, d4 := t[0]-'0', t[1]-'0', t[3]-'0', t[4]-'0'
			d6, d7, d9, d10 := t[6]-'0', t[7]-'0', t[9]-'0', t[10]-'0'
			d12, d13, d15, d16, d17 := t[12]-'0', t[13]-'0', t[15]-'0', t[16]-'0', t[17]-'0'
			if d0 <= 9 && d1 <= 9 && d3 <= 9 && d4 <= 9 && d6 <= 9 && d7 <= 9 && d9 <= 9 && d10 <= 9 &&
				d12 <= 9 && d13 <= 9 && d15 <= 9 && d16 <= 9 && d17 <= 9 {
				mo, dd := int(d0)*10+int(d1), int(d3)*10+int(d4)
				h, m, s := int(d6)*10+int(d7), int(d9)*10+int(d10), int(d12)*10+int(d13)
				if mo-1 < 12 && dd-1 < 31 && h <= 23 && m <= 59 && s <= 60 && mo > 0 && dd > 0 {
					f.tsKind, f.year, f.month, f.day = tsMonthDay, 0, mo, dd
					f.hour, f.min, f.sec = h, m, s
					f.nsec = (int(d15)*100 + int(d16)*10 + int(d17)) * 1e6
					if n-i > 19 && (t[18] == ' ' && (b[i+19] == '+' || b[i+19] == '-')) {
						return zoneAt(b, i+18, f), true
					}
					return i + 18, true
				}
			}
		}
	}
	if n-i < 10 {
		return 0, false
	}
	switch {
	case b[i+2] == '-' && isDigit(b[i]):
		mo, ok1 := d2(b, i)
		d, ok2 := d2(b, i+3)
		if !ok1 || !ok2 || b[i+5] != ' ' {
			return 0, false
		}
		f.tsKind, f.year, f.month, f.day = tsMonthDay, 0, mo, d
		i += 6
	case n-i >= 19 && b[i+4] == '-' && b[i+7] == '-' && isDigit(b[i]):
		y1, ok1 := d2(b, i)
		y2, ok2 := d2(b, i+2)
		mo, ok3 := d2(b, i+5)
		d, ok4 := d2(b, i+8)
		if !ok1 || !ok2 || !ok3 || !ok4 || (b[i+10] != ' ' && b[i+10] != 'T') {
			return 0, false
		}
		f.tsKind, f.year, f.month, f.day = tsFull, y1*100+y2, mo, d
		i += 11
	default:
		return parseEpoch(b, i, f)
	}
	if n-i < 8 {
		return 0, false
	}
	h, ok1 := d2(b, i)
	m, ok2 := d2(b, i+3)
	s, ok3 := d2(b, i+6)
	if !ok1 || !ok2 || !ok3 || b[i+2] != ':' || b[i+5] != ':' {
		return 0, false
	}
	if f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	f.hour, f.min, f.sec = h, m, s
	i += 8
	f.nsec, i = frac(b, i)
	return zoneAt(b, i, f), true
}

// frac reads ".ddd" (1 to 9 digits) as nanoseconds.
func frac(b []byte, i int) (int, int) {
	if i >= len(b) || b[i] != '.' {
		return 0, i
	}
	i++
	ns, digits := 0, 0
	for i < len(b) && isDigit(b[i]) {
		if digits < 9 {
			ns = ns*10 + int(b[i]-'0')
			digits++
		}
		i++
	}
	for ; digits < 9; digits++ {
		ns *= 10
	}
	return ns, i
}

// zoneAt reads an optional " +hhmm" (logcat -v zone) after the time.
func zoneAt(b []byte, i int, f *lineFields) int {
	if len(b)-i >= 6 && b[i] == ' ' && (b[i+1] == '+' || b[i+1] == '-') && (len(b)-i == 6 || b[i+6] == ' ') {
		hh, ok1 := d2(b, i+2)
		mm, ok2 := d2(b, i+4)
		if ok1 && ok2 && hh <= 14 && mm <= 59 {
			off := hh*3600 + mm*60
			if b[i+1] == '-' {
				off = -off
			}
			f.zone, f.hasZone = off, true
			return i + 6
		}
	}
	return i
}

// parseEpoch reads "-v epoch" (10-digit seconds) or "-v monotonic"
// (seconds since boot, right-aligned) timestamps.
func parseEpoch(b []byte, i int, f *lineFields) (int, bool) {
	i = skipSpaces(b, i)
	start := i
	var sec int64
	for i < len(b) && isDigit(b[i]) && i-start < 12 {
		sec = sec*10 + int64(b[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || i >= len(b) || b[i] != '.' {
		return 0, false
	}
	ns, j := frac(b, i)
	if j-i < 4 || j >= len(b) || b[j] != ' ' { // at least milliseconds, then a space
		return 0, false
	}
	if digits >= 9 {
		f.tsKind, f.epoch = tsEpoch, sec
	} else {
		f.tsKind = tsUptime
	}
	f.nsec = ns
	return zoneAt(b, j, f), true
}

// parseBody reads what follows a timestamp.
func parseBody(b []byte, i int, f *lineFields) bool {
	n := len(b)
	if i >= n || b[i] != ' ' {
		return false
	}
	i = skipSpaces(b, i)
	if n-i < 3 {
		return false
	}
	f.body = span{i, n}
	if isLevel(b[i]) && b[i+1] == '/' {
		return parseTagPid(b, i, f, shapeTime)
	}
	if fastThreadtime(b, i, f) {
		return true
	}
	// First token: PID (threadtime), UID (threadtime -v uid) or PID-TID (Studio).
	t1 := i
	for i < n && b[i] != ' ' {
		i++
	}
	tok := b[t1:i]
	if dash := bytes.IndexByte(tok, '-'); dash > 0 && isDigit(tok[0]) {
		return parseStudio(b, t1, t1+dash, i, f)
	}
	// threadtime: PID TID L Tag: msg, or UID PID TID L Tag: msg
	var toks [3]span
	toks[0] = span{t1, i}
	nt := 1
	for {
		i = skipSpaces(b, i)
		if i+1 < n && isLevel(b[i]) && b[i+1] == ' ' && nt >= 2 {
			break
		}
		if i >= n || nt == 3 {
			return false
		}
		s := i
		for i < n && b[i] != ' ' {
			i++
		}
		toks[nt] = span{s, i}
		nt++
	}
	pid, tid := toks[0], toks[1]
	if nt == 3 {
		f.uid, pid, tid = toks[0], toks[1], toks[2]
	} else {
		f.uid = span{}
	}
	if !allDigits(pid.of(b)) || !allDigits(tid.of(b)) {
		return false
	}
	f.shape, f.level, f.pid, f.tid, f.pkg = shapeThreadtime, b[i], pid, tid, span{}
	return tagColon(b, i+2, f)
}

// fastThreadtime reads the common "PID TID L Tag: msg" body at b[i:] in
// one pass; anything unusual is left to the general code.
func fastThreadtime(b []byte, i int, f *lineFields) bool {
	n := len(b)
	ps := i
	for i < n && isDigit(b[i]) {
		i++
	}
	pe := i
	if pe == ps || i >= n || b[i] != ' ' {
		return false
	}
	i = skipSpaces(b, i)
	ts := i
	for i < n && isDigit(b[i]) {
		i++
	}
	te := i
	if te == ts || i+3 >= n || b[i] != ' ' || !isLevel(b[i+1]) || b[i+2] != ' ' {
		return false
	}
	f.shape, f.level = shapeThreadtime, b[i+1]
	f.pid, f.tid, f.uid, f.pkg = span{ps, pe}, span{ts, te}, span{}, span{}
	return tagColon(b, i+3, f)
}

// tagColon reads "Tag: msg" at b[i:]; the tag ends at the first ':' that
// is followed by a space or the end of the line.
func tagColon(b []byte, i int, f *lineFields) bool {
	n := len(b)
	if i+16 <= n {
		// Most tags with their padding and ": " fit in 16 bytes: find the
		// colon and the tag's end from those bytes' classes at once.
		w0, w1 := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		sp := spaceBits(w0) | spaceBits(w1)<<8
		colons := colonBits(w0) | colonBits(w1)<<8
		if c := colons & (sp >> 1); c != 0 { // a colon before a space
			j := bits.TrailingZeros64(c)
			e := 64 - bits.LeadingZeros64(^sp&(1<<j-1)) // after the tag's last non-space
			f.tag = span{i, i + e}
			f.msg = span{i + j + 2, n}
			return true
		}
	}
	j := i
	for {
		j = indexColon(b, j)
		if j >= n {
			return false
		}
		if j+1 == n || b[j+1] == ' ' {
			break
		}
		j++
	}
	e := j
	if e-8 >= i {
		// padding of up to 8 spaces ("%-8s"): find the last non-space of the
		// 8 bytes before the colon
		m := nonZero(binary.LittleEndian.Uint64(b[e-8:]) ^ 0x2020202020202020)
		e -= bits.LeadingZeros64(m) >> 3
		if m == 0 {
			for e > i && b[e-1] == ' ' {
				e--
			}
		}
	} else {
		for e > i && b[e-1] == ' ' {
			e--
		}
	}
	f.tag = span{i, e}
	m := j + 2
	if m > n {
		m = n
	}
	f.msg = span{m, n}
	return true
}

// SWAR helpers: they look at 8 bytes at a time, without the mispredicted
// branches that byte loops over short, variable runs cost.
const (
	ones8  = 0x0101010101010101
	highs8 = 0x8080808080808080
	lows7  = 0x7f7f7f7f7f7f7f7f
)

// pack gathers the high bits of the 8 bytes of x (where nonZero and
// notDigits mark bytes) into the low 8 bits: byte k gives bit k. The
// multiplication moves each byte's bit to its place in the top byte without
// any two of them colliding or carrying.
func pack(x uint64) uint64 { return (x >> 7 & ones8) * 0x0102040810204080 >> 56 }

// spaceBits, digitBits and colonBits mark, one bit per byte (byte k
// of w gives bit k), the spaces, ASCII digits and colons among the 8 bytes
// of w.
func spaceBits(w uint64) uint64 { return pack(nonZero(w^0x2020202020202020)) ^ 0xff }
func digitBits(w uint64) uint64 { return pack(notDigits(w)) ^ 0xff }
func colonBits(w uint64) uint64 { return pack(nonZero(w^0x3a3a3a3a3a3a3a3a)) ^ 0xff }

// load8 reads b[i:i+8] little-endian, padding past the end with 0xff
// (which is neither a digit, a space nor a colon).
func load8(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return binary.LittleEndian.Uint64(b[i:])
	}
	w := ^uint64(0)
	for k := 0; i+k < len(b); k++ {
		w = w&^(0xff<<(8*k)) | uint64(b[i+k])<<(8*k)
	}
	return w
}

// nonZero marks, with its high bit, every byte of x that is not zero.
func nonZero(x uint64) uint64 { return ((x & lows7) + lows7 | x) & highs8 }

// spaces counts the spaces at b[i:] (any number).
func spaces(b []byte, i int) int {
	if m := nonZero(load8(b, i) ^ 0x2020202020202020); m != 0 {
		return bits.TrailingZeros64(m) >> 3
	}
	return spacesSlow(b, i)
}

func spacesSlow(b []byte, i int) int {
	n := 8
	for {
		if m := nonZero(load8(b, i+n) ^ 0x2020202020202020); m != 0 {
			return n + bits.TrailingZeros64(m)>>3
		}
		n += 8
	}
}

// digitsAt counts the ASCII digits at b[i:] (any number).
func digitsAt(b []byte, i int) int {
	if m := notDigits(load8(b, i)); m != 0 {
		return bits.TrailingZeros64(m) >> 3
	}
	return digitsSlow(b, i)
}

func digitsSlow(b []byte, i int) int {
	n := 8
	for {
		if m := notDigits(load8(b, i+n)); m != 0 {
			return n + bits.TrailingZeros64(m)>>3
		}
		n += 8
	}
}

// notDigits marks the bytes of w that are not ASCII digits.
func notDigits(w uint64) uint64 {
	hi := w&0xf0f0f0f0f0f0f0f0 ^ 0x3030303030303030                        // zero: high nibble 3
	lo := (w&0x0f0f0f0f0f0f0f0f + 0x0606060606060606) & 0x1010101010101010 // set: low nibble > 9
	return nonZero(hi | lo)
}

// indexColon finds the first ':' in b[j:], 8 bytes at a step (tags are
// too short for bytes.IndexByte to pay off); len(b) if there is none.
func indexColon(b []byte, j int) int {
	const ones, highs, colons = 0x0101010101010101, 0x8080808080808080, 0x3a3a3a3a3a3a3a3a
	for ; j+8 <= len(b); j += 8 {
		x := binary.LittleEndian.Uint64(b[j:]) ^ colons
		if t := (x - ones) &^ x & highs; t != 0 {
			return j + bits.TrailingZeros64(t)>>3
		}
	}
	for ; j < len(b); j++ {
		if b[j] == ':' {
			return j
		}
	}
	return len(b)
}

// parseTagPid reads "L/Tag(PID): msg" at b[i:] (brief and time shapes).
func parseTagPid(b []byte, i int, f *lineFields, shape int) bool {
	n := len(b)
	lvl := b[i]
	ts := i + 2
	j := ts
	for j < n {
		k := bytes.IndexByte(b[j:], '(')
		if k < 0 {
			return false
		}
		open := j + k
		p := skipSpaces(b, open+1)
		ps := p
		for p < n && isDigit(b[p]) {
			p++
		}
		pe := p
		p = skipSpaces(b, p)
		if pe > ps && p+1 < n && b[p] == ')' && b[p+1] == ':' && (p+2 == n || b[p+2] == ' ') {
			e := open
			for e > ts && b[e-1] == ' ' {
				e--
			}
			m := p + 3
			if m > n {
				m = n
			}
			f.shape, f.level = shape, lvl
			f.tag, f.pid, f.tid, f.uid, f.pkg = span{ts, e}, span{ps, pe}, span{}, span{}, span{}
			f.msg = span{m, n}
			return true
		}
		j = open + 1
	}
	return false
}

// parseStudio reads Android Studio bodies: "PID-TID Tag package L msg"
// (Studio Electric Eel and later) or "PID-TID/package L/Tag: msg" (older).
func parseStudio(b []byte, t1, dash, end int, f *lineFields) bool {
	n := len(b)
	pidTid := b[t1:end]
	slash := bytes.IndexByte(pidTid, '/')
	tidEnd := end
	if slash > 0 {
		tidEnd = t1 + slash
	}
	if !allDigits(b[t1:dash]) || !allDigits(b[dash+1:tidEnd]) {
		return false
	}
	f.pid, f.tid, f.uid = span{t1, dash}, span{dash + 1, tidEnd}, span{}
	i := skipSpaces(b, end)
	if slash > 0 {
		f.pkg = span{tidEnd + 1, end}
		if i+2 >= n || !isLevel(b[i]) || b[i+1] != '/' {
			return false
		}
		f.shape, f.level = shapeStudioOld, b[i]
		return tagColon(b, i+2, f)
	}
	// New Studio: up to 4 tokens (tag, maybe with spaces, then package), then the level.
	var toks [5]span
	nt := 0
	for {
		if i >= n {
			return false
		}
		if isLevel(b[i]) && (i+1 == n || b[i+1] == ' ') && nt >= 1 {
			break
		}
		if nt == len(toks) {
			return false
		}
		s := i
		for i < n && b[i] != ' ' {
			i++
		}
		toks[nt] = span{s, i}
		nt++
		i = skipSpaces(b, i)
	}
	f.shape, f.level = shapeStudio, b[i]
	if nt == 1 {
		f.tag, f.pkg = toks[0], span{}
	} else {
		f.tag, f.pkg = span{toks[0].lo, toks[nt-2].hi}, toks[nt-1]
	}
	m := skipSpaces(b, i+1)
	f.msg = span{m, n}
	return true
}

// parseLongHeader reads the header of "-v long": "[ 05-01 12:34:56.789  1234: 1256 E/Tag     ]".
func parseLongHeader(b []byte, f *lineFields) bool {
	n := len(b)
	if b[n-1] != ']' {
		return false
	}
	i, ok := parseTime(b, 2, f)
	if !ok {
		return false
	}
	i = skipSpaces(b, i)
	f.body = span{i, n}
	ps := i
	for i < n && isDigit(b[i]) {
		i++
	}
	if i == ps || i >= n || b[i] != ':' {
		return false
	}
	f.pid = span{ps, i}
	i = skipSpaces(b, i+1)
	ts := i
	for i < n && b[i] != ' ' {
		i++
	}
	f.tid = span{ts, i}
	i = skipSpaces(b, i)
	if i+2 >= n || !isLevel(b[i]) || b[i+1] != '/' {
		return false
	}
	f.level = b[i]
	e := n - 1
	for e > i+2 && b[e-1] == ' ' {
		e--
	}
	f.shape, f.tag, f.uid, f.pkg, f.msg = shapeLong, span{i + 2, e}, span{}, span{}, span{n, n}
	return true
}

// divider recognises "--------- beginning of main" and "--------- switch
// to system" and returns the buffer's name.
func divider(b []byte) ([]byte, bool) {
	const dashes = "--------- "
	if len(b) < len(dashes) || string(b[:len(dashes)]) != dashes {
		return nil, false
	}
	rest := b[len(dashes):]
	for _, p := range []string{"beginning of ", "switch to "} {
		if len(rest) > len(p) && string(rest[:len(p)]) == p {
			return bytes.TrimSpace(rest[len(p):]), true
		}
	}
	return nil, false
}

// LooksLike reports whether head (the first bytes of a file, about
// 64 KiB) is logcat output in one of the shapes Parse reads: at least
// half of its lines (ignoring empty and indented ones) are logcat lines or
// buffer dividers.
func LooksLike(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if bytes.HasPrefix(head, []byte(androidMagic)) {
		return true
	}
	var f lineFields
	matched, other := 0, 0
	for lineNo := 0; len(head) > 0 && lineNo < 400; lineNo++ {
		nl := bytes.IndexByte(head, '\n')
		var line []byte
		last := nl < 0
		if last {
			line, head = head, nil
		} else {
			line, head = head[:nl], head[nl+1:]
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 || line[0] == '\t' || (line[0] == ' ' && !leadingEpoch(line)) {
			continue
		}
		if _, ok := divider(line); ok || parseLine(line, &f) {
			matched++
		} else if !last { // the last line may be cut short by the head's end
			other++
		}
	}
	return matched > 0 && matched >= other
}

// leadingEpoch tells a right-aligned "-v monotonic" line from an indented one.
func leadingEpoch(b []byte) bool {
	i := skipSpaces(b, 0)
	return i < len(b) && isDigit(b[i])
}
