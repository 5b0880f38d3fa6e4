package diagnostics

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendStoredEvent appends se as one line of the event store, byte for
// byte what encoding/json's Encoder (HTML escaping off) writes for it,
// without its reflection and its allocations: processing a large upload
// encodes millions of events, and the encoder was a third of the work.
// TestAppendStoredEventMatchesEncodingJSON holds the two together.
// tm, when not empty, is the event's time in storedTimeLayout and stands
// for se.Time.
func appendStoredEvent(b []byte, se *storedEvent, tm []byte) []byte {
	b = append(b, '{')
	if len(tm) > 0 {
		b = append(b, `"t":"`...)
		b = append(b, tm...)
		b = append(b, `",`...)
	} else if se.Time != "" {
		b = append(b, `"t":`...)
		b = appendJSONString(b, se.Time)
		b = append(b, ',')
	}
	b = append(b, `"l":`...)
	b = appendJSONString(b, se.Level)
	b = append(b, `,"f":`...)
	b = appendJSONString(b, se.File)
	if se.Line != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, int64(se.Line), 10)
	}
	if se.Tag != "" {
		b = append(b, `,"g":`...)
		b = appendJSONString(b, se.Tag)
	}
	if se.PID != "" {
		b = append(b, `,"p":`...)
		b = appendJSONString(b, se.PID)
	}
	if se.TID != "" {
		b = append(b, `,"h":`...)
		b = appendJSONString(b, se.TID)
	}
	b = append(b, `,"m":`...)
	b = appendJSONString(b, se.Message)
	if len(se.Attrs) > 0 {
		b = append(b, `,"a":{`...)
		var small [8]string
		keys := small[:0]
		for k := range se.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, se.Attrs[k])
		}
		b = append(b, '}')
	}
	if se.Crash != "" {
		b = append(b, `,"c":`...)
		b = appendJSONString(b, se.Crash)
	}
	return append(b, '}', '\n')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// quotes, backslashes and control characters escaped, each invalid UTF-8
// byte replaced by \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// timeFormatter formats event times in storedTimeLayout, reusing the text
// up to the second while consecutive events share it (a log's events come
// thousands a second; formatting each whole was a tenth of processing).
type timeFormatter struct {
	sec    int64
	prefix []byte // "2006-01-02T15:04:05." of sec
	buf    []byte
}

// format returns t (UTC) in storedTimeLayout; the result is valid until
// the next call.
func (f *timeFormatter) format(t time.Time) []byte {
	t = t.UTC()
	sec := t.Unix()
	if f.prefix == nil || sec != f.sec || t.Year() > 9999 || t.Year() < 0 {
		f.buf = t.AppendFormat(f.buf[:0], storedTimeLayout)
		f.prefix = append(f.prefix[:0], f.buf[:len(f.buf)-10]...)
		f.sec = sec
		return f.buf
	}
	f.buf = append(f.buf[:0], f.prefix...)
	ns := t.Nanosecond()
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + ns%10)
		ns /= 10
	}
	f.buf = append(f.buf, digits[:]...)
	return append(f.buf, 'Z')
}
