package realtime

import (
	"encoding/binary"
	"net"
	"sync"
	"time"
)

// frameWriter sends a socket's queued frames together: one system call for
// everything a batch of events brought, where gorilla/websocket makes one
// per message (the largest single cost of delivering events). Only the
// socket's writer goroutine uses it. gorilla's own control frames (pong,
// the close reply) may be written from the reader meanwhile; each Write on
// a net.Conn is whole, so frames never interleave.
type frameWriter struct {
	conn net.Conn
	buf  *[]byte
	ok   bool
}

// flushAt bounds one write: a long replay goes out in pieces.
const flushAt = 64 << 10

var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, flushAt+4096); return &b }}

func (c *Conn) frames() *frameWriter {
	return &frameWriter{conn: c.ws.NetConn(), buf: frameBufs.Get().(*[]byte), ok: true}
}

// add appends one final, unmasked frame (a server never masks, RFC 6455
// §5.1) with the given opcode.
func (w *frameWriter) add(opcode int, payload []byte) {
	b := append(*w.buf, 0x80|byte(opcode))
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xffff:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	*w.buf = append(b, payload...)
	if len(*w.buf) >= flushAt {
		w.send()
	}
}

func (w *frameWriter) send() {
	if w.ok && len(*w.buf) > 0 {
		w.conn.SetWriteDeadline(time.Now().Add(writeWait))
		_, err := w.conn.Write(*w.buf)
		w.ok = err == nil
	}
	*w.buf = (*w.buf)[:0]
}

// flush writes what is left and returns the buffer; false when any write
// failed (the socket is broken or the client too slow).
func (w *frameWriter) flush() bool {
	w.send()
	if cap(*w.buf) <= 4*flushAt {
		frameBufs.Put(w.buf)
	}
	w.buf = nil
	return w.ok
}
