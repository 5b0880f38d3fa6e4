package loadtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// WS is a minimal RFC 6455 client socket: text messages in and out, pings
// answered, no extensions. The load tool holds thousands of them, so each
// keeps a small read buffer and no write buffer; its own, rather than a
// library's, so that per-socket memory of the tool stays known.
type WS struct {
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex
	msg  []byte // reused by Read
	// closed is set by Close: a read error after it is no news.
	closed atomic.Bool
}

var errNotUpgraded = errors.New("websocket upgrade refused")

// UpgradeError is a refused handshake: the server's HTTP answer.
type UpgradeError struct {
	Status int
	Body   string
}

func (e *UpgradeError) Error() string {
	hint := ""
	if e.Status == http.StatusUnauthorized {
		hint = " (the session is unknown to this server: a --tokens file from another data directory? delete it to sign in again)"
	}
	return fmt.Sprintf("websocket upgrade refused: HTTP %d %s%s", e.Status, e.Body, hint)
}

func (e *UpgradeError) Unwrap() error { return errNotUpgraded }

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// DialWS opens rawURL (http:// or ws://) with the given extra headers over
// a connection from dial.
func DialWS(ctx context.Context, dial func(ctx context.Context, network, addr string) (net.Conn, error), rawURL string, header http.Header) (*WS, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http", "ws":
	default:
		return nil, fmt.Errorf("websocket: scheme %q not supported (use http or ws)", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	conn, err := dial(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	} else {
		conn.SetDeadline(time.Now().Add(30 * time.Second))
	}
	keyRaw := make([]byte, 16)
	rand.Read(keyRaw)
	key := base64.StdEncoding.EncodeToString(keyRaw)
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", u.RequestURI(), u.Host)
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", key)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 2048)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		conn.Close()
		return nil, &UpgradeError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, errors.New("websocket handshake: wrong Sec-WebSocket-Accept")
	}
	conn.SetDeadline(time.Time{})
	return &WS{conn: conn, br: br}, nil
}

// Read returns the next text or binary message; the slice is valid until
// the next Read. Pings are answered on the way. A close frame gives io.EOF.
func (w *WS) Read() ([]byte, error) {
	w.msg = w.msg[:0]
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(w.br, ext[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(w.br, ext[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(ext[:])
		}
		if h[1]&0x80 != 0 {
			return nil, errors.New("websocket: the server masked a frame")
		}
		if n > 64<<20 {
			return nil, fmt.Errorf("websocket: frame of %d bytes", n)
		}
		if op >= 8 { // control frame: at most 125 bytes, never fragmented
			var p [125]byte
			if n > 125 {
				return nil, errors.New("websocket: control frame too long")
			}
			if _, err := io.ReadFull(w.br, p[:n]); err != nil {
				return nil, err
			}
			switch op {
			case 8:
				w.write(8, p[:min(n, 2)])
				return nil, io.EOF
			case 9:
				if err := w.write(10, p[:n]); err != nil {
					return nil, err
				}
			}
			continue
		}
		start := len(w.msg)
		w.msg = append(w.msg, make([]byte, n)...)
		if _, err := io.ReadFull(w.br, w.msg[start:]); err != nil {
			return nil, err
		}
		if fin {
			return w.msg, nil
		}
	}
}

// ClosedByUs reports whether Close was called.
func (w *WS) ClosedByUs() bool { return w.closed.Load() }

// WriteText sends one text message.
func (w *WS) WriteText(p []byte) error { return w.write(1, p) }

func (w *WS) write(op byte, p []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	frame := make([]byte, 0, 14+len(p))
	frame = append(frame, 0x80|op)
	switch n := len(p); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n < 1<<16:
		frame = append(frame, 0x80|126, byte(n>>8), byte(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	frame = append(frame, mask[:]...)
	for i, c := range p {
		frame = append(frame, c^mask[i&3])
	}
	w.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := w.conn.Write(frame)
	return err
}

// Close sends a close frame and closes the connection.
func (w *WS) Close() error {
	w.closed.Store(true)
	w.write(8, []byte{0x03, 0xe8}) // 1000: normal closure
	return w.conn.Close()
}
