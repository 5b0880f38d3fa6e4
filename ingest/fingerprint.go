package ingest

import "strings"

// Error grouping. Two errors belong to the same group when their kind,
// exception type or signal, and message agree once the parts that change
// from one occurrence to the next (numbers, ids, addresses, times…) are
// replaced by placeholders. This runs for every error event, so it is a
// hand-written single pass over the bytes: no regular expressions, and
// Fingerprint allocates only the 16 bytes of its result.

// NormalizeMessage replaces the variable parts of s with placeholders:
//
//	URLs (scheme://…)                    <url>
//	e-mail addresses                     <email>
//	UUIDs                                <uuid>
//	IPv4 and IPv6 addresses              <ip>
//	0x… and long mixed hex runs          <hex>   (also short ones after '@' or '{': Java hash codes)
//	YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY   <date>
//	H:MM, HH:MM:SS(.fff)                 <time>
//	other numbers (with decimals)        <n>
//	long random tokens (≥16 characters
//	with digits, e.g. install paths)     <id>
//
// Digits inside words are kept (utf8, x86, u0a123, SHA256), so are quoted
// strings: in messages such as Java's "Attempt to invoke virtual method
// 'boolean Foo.bar()' on a null object reference" the quoted part is what
// tells one bug from another.
func NormalizeMessage(s string) string {
	noEmail := 0
	if st, _, _ := fpScan(s, 0, &noEmail); st >= len(s) {
		return s // nothing variable
	}
	return string(fpAppendNormalized(make([]byte, 0, len(s)+16), s))
}

// Fingerprint is the grouping key of an error: 16 hex digits. For a crash
// it hashes the kind, the exception type or signal and the normalized
// reason (for native crashes also the library and symbol of the top two
// frames, since a signal's reason says little; for ANRs also the first line
// of the message, which names the app). Without a crash it hashes the
// normalized first line of message (only the first 1 KiB of a line counts).
func Fingerprint(c *Crash, message string) string {
	return FingerprintText(FingerprintHash(c, message))
}

// FingerprintHash is Fingerprint as a number, computed without allocating:
// code that groups every error of a large log keys its groups by it and
// spells out (FingerprintText) only the ones it keeps.
func FingerprintHash(c *Crash, message string) uint64 {
	b := make([]byte, 0, 512) // stays on the stack unless the key is long
	first := fpFirstLine(message)
	if c == nil {
		b = fpAppendNormalized(b, first)
		return fpHashBytes(b)
	}
	b = append(b, c.Kind...)
	b = append(b, 0)
	b = append(b, c.Type...)
	b = append(b, 0)
	reason := c.Reason
	if reason == "" && c.Type == "" {
		reason = first
	}
	b = fpAppendNormalized(b, fpClip(reason))
	switch c.Kind {
	case "native":
		for i, f := range c.Frames {
			if i == 2 {
				break
			}
			b = append(b, 0)
			b = append(b, fpNativeFrameKey(f)...)
		}
	case "anr":
		b = append(b, 0)
		b = fpAppendNormalized(b, first)
	}
	return fpHashBytes(b)
}

// fpHashBytes is a fixed (unseeded, so stable across runs and machines)
// 64-bit hash that takes 8 bytes at a step.
func fpHashBytes(b []byte) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(0xcbf29ce484222325) ^ uint64(len(b))*m
	for len(b) >= 8 {
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		h = (h ^ w) * m
		h ^= h >> 32
		b = b[8:]
	}
	var w uint64
	for i, c := range b {
		w |= uint64(c) << (8 * i)
	}
	h = (h ^ w) * m
	h ^= h >> 29
	h *= m
	h ^= h >> 32
	return h
}

// FingerprintText is a FingerprintHash as Fingerprint spells it: 16 hex
// digits.
func FingerprintText(h uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[h&15]
		h >>= 4
	}
	return string(b[:])
}

func fpFirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return fpClip(strings.TrimSuffix(s, "\r"))
}

func fpClip(s string) string {
	if len(s) > fpMaxIn {
		return s[:fpMaxIn]
	}
	return s
}

const fpMaxIn = 1024

// fpNativeFrameKey keeps the library's file name and the symbol of a
// backtrace line ("#00 pc 0004793e  /system/lib/libc.so (abort+57)"), not
// the addresses, which change with every build.
func fpNativeFrameKey(f string) string {
	fields := strings.Fields(f)
	if len(fields) < 4 || fields[1] != "pc" {
		return f
	}
	lib := fields[3]
	if i := strings.LastIndexByte(lib, '/'); i >= 0 {
		lib = lib[i+1:]
	}
	if len(fields) > 4 && strings.HasPrefix(fields[4], "(") && !strings.HasPrefix(fields[4], "(BuildId") {
		sym := strings.TrimPrefix(fields[4], "(")
		if i := strings.LastIndexByte(sym, '+'); i > 0 {
			sym = sym[:i]
		}
		return lib + "!" + strings.TrimSuffix(sym, ")")
	}
	return lib
}

// Byte classes.
const (
	fpDigit = 1 << iota
	fpLower
	fpUpper
	fpHexC  // 0-9 a-f A-F
	fpLocal // characters of an e-mail's local part besides letters and digits
	fpDom   // '-' in domain labels
)

var fpClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= fpDigit | fpHexC
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= fpLower
		t[c-32] |= fpUpper
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] |= fpHexC
		t[c-32] |= fpHexC
	}
	for _, c := range "._%+-" {
		t[c] |= fpLocal
	}
	t['-'] |= fpDom
	return t
}()

func fpIsAlnum(c byte) bool { return fpClass[c]&(fpDigit|fpLower|fpUpper) != 0 }
func fpIsHex(c byte) bool   { return fpClass[c]&fpHexC != 0 }
func fpIsDig(c byte) bool   { return fpClass[c]&fpDigit != 0 }

// fpAppendNormalized appends NormalizeMessage(s) to dst.
func fpAppendNormalized(dst []byte, s string) []byte {
	i, noEmail := 0, 0
	for {
		st, e, ph := fpScan(s, i, &noEmail)
		dst = append(dst, s[i:st]...)
		if st >= len(s) {
			return dst
		}
		dst = append(dst, ph...)
		i = e
	}
}

// fpScan finds the first variable part of s at or after i, which is at a
// token boundary: it returns its bounds and placeholder, or start ==
// len(s) when there is none. noEmail carries, between calls, the index
// before which no e-mail address can start.
func fpScan(s string, i int, noEmail *int) (start, end int, ph string) {
	n := len(s)
	for i < n {
		c := s[i]
		cls := fpClass[c]
		if cls&(fpDigit|fpLower|fpUpper) == 0 {
			if c == ':' && i+2 < n && s[i+1] == ':' && fpIsHex(s[i+2]) {
				if j := fpIPv6(s, i); j > i {
					return i, j, "<ip>"
				}
			}
			i++
			continue
		}
		// a token of letters and digits starts here
		j := i + 1
		if cls&fpDigit == 0 {
			for j < n && fpClass[s[j]]&(fpLower|fpUpper) != 0 {
				j++
			}
			next := byte(0)
			if j < n {
				next = s[j]
			}
			if fpClass[next]&fpDigit == 0 && next != ':' && next != '@' && fpClass[next]&fpLocal == 0 {
				i = j // a plain word: the common case
				continue
			}
		}
		hexOnly, digits := true, 0
		for k := i; k < j; k++ {
			if fpClass[s[k]]&fpHexC == 0 {
				hexOnly = false
				break
			}
		}
		if cls&fpDigit != 0 {
			digits++
		}
		for ; j < n; j++ {
			k := fpClass[s[j]]
			if k&(fpDigit|fpLower|fpUpper) == 0 {
				break
			}
			if k&fpHexC == 0 {
				hexOnly = false
			}
			if k&fpDigit != 0 {
				digits++
			}
		}
		tokLen := j - i
		letters := tokLen - digits
		next := byte(0)
		if j < n {
			next = s[j]
		}
		// scheme://…
		if digits == 0 && next == ':' && j+2 < n && s[j+1] == '/' && s[j+2] == '/' {
			return i, fpURLEnd(s, j+3), "<url>"
		}
		if i >= *noEmail && (next == '@' || fpClass[next]&fpLocal != 0) {
			e, stop := fpEmail(s, i)
			if e > i {
				return i, e, "<email>"
			}
			*noEmail = stop
		}
		if hexOnly && tokLen == 8 && next == '-' {
			if e := fpUUID(s, i); e > i {
				return i, e, "<uuid>"
			}
		}
		if hexOnly && next == ':' && tokLen <= 4 && digits > 0 {
			if e := fpIPv6(s, i); e > i {
				return i, e, "<ip>"
			}
		}
		if digits == 0 {
			i = j
			continue
		}
		if letters == 0 || (cls&fpDigit != 0 && !hexOnly) {
			// starts with a digit
			if c == '0' && tokLen > 2 && (s[i+1] == 'x' || s[i+1] == 'X') && fpIsHex(s[i+2]) {
				e := i + 2
				for e < n && fpIsHex(s[e]) {
					e++
				}
				if e == j {
					return i, e, "<hex>"
				}
			}
			if letters == 0 {
				if e, ph := fpDateTimeIP(s, i, j); e > i {
					return i, e, ph
				}
				// a number, with decimals or version parts
				e := j
				for e+1 < n && s[e] == '.' && fpIsDig(s[e+1]) {
					e++
					for e < n && fpIsDig(s[e]) {
						e++
					}
				}
				return i, e, "<n>"
			}
			// digits then letters: 12ms, 3rd, 64bit
			if tokLen >= 16 && digits >= 2 {
				return i, j, "<id>"
			}
			e := i
			for e < j && fpIsDig(s[e]) {
				e++
			}
			return i, e, "<n>"
		}
		// starts with a letter, or all hex
		prev := byte(0)
		if i > 0 {
			prev = s[i-1]
		}
		switch {
		case hexOnly && letters > 0 && (tokLen >= 8 || (tokLen >= 5 && (prev == '@' || prev == '{'))):
			return i, j, "<hex>"
		case tokLen >= 16 && digits >= 2:
			return i, j, "<id>"
		}
		i = j
	}
	return n, n, ""
}

// fpURLEnd finds the end of a URL whose scheme ended before i.
func fpURLEnd(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
			goto done
		}
		i++
	}
done:
	for i > 0 {
		switch s[i-1] {
		case '.', ',', ';', ':', ')', ']', '!', '?':
			i--
			continue
		}
		break
	}
	return i
}

// fpEmail reports the end of an e-mail address starting at i, or 0 and
// the index where the local-part candidate stopped.
func fpEmail(s string, i int) (end, stop int) {
	n := len(s)
	j := i
	for j < n && (fpIsAlnum(s[j]) || fpClass[s[j]]&fpLocal != 0) {
		j++
	}
	if j >= n || s[j] != '@' || j == i {
		return 0, j
	}
	// domain: labels separated by dots, the last all letters (2+)
	k := j + 1
	labels, lastStart, lastLetters := 0, k, true
	for {
		ls := k
		letters := true
		for k < n && (fpIsAlnum(s[k]) || s[k] == '-') {
			if fpClass[s[k]]&(fpLower|fpUpper) == 0 {
				letters = false
			}
			k++
		}
		if k == ls {
			break
		}
		labels++
		lastStart, lastLetters = ls, letters
		if k+1 < n && s[k] == '.' && fpIsAlnum(s[k+1]) {
			k++
			continue
		}
		break
	}
	if labels < 2 || !lastLetters || k-lastStart < 2 {
		return 0, j
	}
	return k, j
}

// fpUUID reports the end of a UUID (8-4-4-4-12 hex digits) at i, or 0.
func fpUUID(s string, i int) int {
	if len(s)-i < 36 {
		return 0
	}
	for k := 0; k < 36; k++ {
		c := s[i+k]
		switch k {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
		default:
			if !fpIsHex(c) {
				return 0
			}
		}
	}
	if i+36 < len(s) && fpIsAlnum(s[i+36]) {
		return 0
	}
	return i + 36
}

// fpIPv6 reports the end of an IPv6 address at i (groups of up to 4 hex
// digits separated by ':', with "::" or 8 groups, and a digit), or 0.
func fpIPv6(s string, i int) int {
	n := len(s)
	j, colons, group, double, digit := i, 0, 0, false, false
	for ; j < n; j++ {
		if j-i > 45 { // longer than any IPv6 address: stop, so scans stay linear
			return 0
		}
		c := s[j]
		if c == ':' {
			if j+1 < n && s[j+1] == ':' {
				if double {
					return 0
				}
				double = true
			}
			colons++
			group = 0
			continue
		}
		if !fpIsHex(c) {
			break
		}
		if fpIsDig(c) {
			digit = true
		}
		group++
		if group > 4 {
			return 0
		}
	}
	if j < n && (fpIsAlnum(s[j])) {
		return 0
	}
	// a trailing single ':' belongs to the text ("fe80::1: refused")
	if s[j-1] == ':' && !(j-2 >= i && s[j-2] == ':') {
		j--
		colons--
	}
	if !digit || colons < 2 || colons > 7 || (!double && colons != 7) {
		return 0
	}
	return j
}

// fpDateTimeIP recognises, at a run of digits s[i:j], a date (with an
// optional ISO time), a time of day or an IPv4 address, and returns its end
// and placeholder.
func fpDateTimeIP(s string, i, j int) (int, string) {
	n := len(s)
	d := j - i
	if j >= n {
		return 0, ""
	}
	sep := s[j]
	switch {
	case d == 4 && (sep == '-' || sep == '/'):
		// YYYY-MM-DD
		if j+6 <= n && fpIsDig(s[j+1]) && fpIsDig(s[j+2]) && s[j+3] == sep && fpIsDig(s[j+4]) && fpIsDig(s[j+5]) &&
			(j+6 == n || !fpIsAlnum(s[j+6]) || s[j+6] == 'T') {
			e := j + 6
			if e < n && s[e] == 'T' {
				if t := fpTime(s, e+1); t > 0 {
					return fpZone(s, t), "<date>T<time>"
				}
				return 0, ""
			}
			return e, "<date>"
		}
	case d <= 2 && sep == '.':
		// DD.MM.YYYY, or an IPv4 address
		if j+8 <= n && fpIsDig(s[j+1]) && fpIsDig(s[j+2]) && s[j+3] == '.' &&
			fpIsDig(s[j+4]) && fpIsDig(s[j+5]) && fpIsDig(s[j+6]) && fpIsDig(s[j+7]) && (j+8 == n || !fpIsAlnum(s[j+8]) && s[j+8] != '.') {
			return j + 8, "<date>"
		}
		if e := fpIPv4(s, i); e > 0 {
			return e, "<ip>"
		}
	case d == 3 && sep == '.':
		if e := fpIPv4(s, i); e > 0 {
			return e, "<ip>"
		}
	case d <= 2 && sep == ':':
		if e := fpTime(s, i); e > 0 {
			return e, "<time>"
		}
	}
	return 0, ""
}

// fpTime reports the end of H:MM, HH:MM:SS or HH:MM:SS.fff at i, or 0.
func fpTime(s string, i int) int {
	n := len(s)
	j := i
	for j < n && j-i < 2 && fpIsDig(s[j]) {
		j++
	}
	if j == i || j+3 > n || s[j] != ':' || !fpIsDig(s[j+1]) || !fpIsDig(s[j+2]) {
		return 0
	}
	j += 3
	if j+3 <= n && s[j] == ':' && fpIsDig(s[j+1]) && fpIsDig(s[j+2]) {
		j += 3
		if j+1 < n && (s[j] == '.' || s[j] == ',') && fpIsDig(s[j+1]) {
			j++
			for j < n && fpIsDig(s[j]) {
				j++
			}
		}
	}
	if j < n && (fpIsAlnum(s[j]) || s[j] == ':') && !(s[j] == 'Z' && (j+1 == n || !fpIsAlnum(s[j+1]))) {
		return 0
	}
	return j
}

// fpZone swallows a time's zone: Z, +03:00, -0400.
func fpZone(s string, i int) int {
	n := len(s)
	if i < n && s[i] == 'Z' && (i+1 == n || !fpIsAlnum(s[i+1])) {
		return i + 1
	}
	if i+5 <= n && (s[i] == '+' || s[i] == '-') && fpIsDig(s[i+1]) && fpIsDig(s[i+2]) {
		if s[i+3] == ':' && i+6 <= n && fpIsDig(s[i+4]) && fpIsDig(s[i+5]) {
			return i + 6
		}
		if fpIsDig(s[i+3]) && fpIsDig(s[i+4]) {
			return i + 5
		}
	}
	return i
}

// fpIPv4 reports the end of a dotted quad at i, or 0.
func fpIPv4(s string, i int) int {
	n := len(s)
	j := i
	for part := 0; part < 4; part++ {
		if part > 0 {
			if j >= n || s[j] != '.' {
				return 0
			}
			j++
		}
		v, k := 0, j
		for k < n && k-j < 3 && fpIsDig(s[k]) {
			v = v*10 + int(s[k]-'0')
			k++
		}
		if k == j || v > 255 {
			return 0
		}
		j = k
	}
	if j < n && (fpIsAlnum(s[j]) || (s[j] == '.' && j+1 < n && fpIsDig(s[j+1]))) {
		return 0
	}
	return j
}
