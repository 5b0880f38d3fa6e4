package har

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"parley/ingest"
)

// frameStore holds the WebSocket frames of the entry being read until the
// entry's own event, which comes first, has been emitted: Chrome writes
// _webSocketMessages before request, response and startedDateTime, so a
// frame cannot become an event as it is read. Frames are kept small (the
// payload cut to what the message shows); the first framesMem bytes of
// them stay in memory, the rest go to a temporary file that is read back
// and removed, so an entry of millions of frames keeps memory flat.
type frameStore struct {
	mem  []ws
	size int // bytes held by mem, roughly
	n    int // frames added
	f    *os.File
	w    *bufio.Writer
	rec  []byte
	err  error // the temporary file failed
}

const framesMem = 4 << 20

// add keeps one frame.
func (b *frameStore) add(m ws) {
	b.n++
	if b.f == nil && b.err == nil {
		b.mem = append(b.mem, m)
		b.size += len(m.Type) + len(m.Data) + 80
		if b.size <= framesMem {
			return
		}
		b.spill()
		return
	}
	if b.err == nil {
		b.write(m)
	}
}

// spill moves the frames in memory to a new temporary file.
func (b *frameStore) spill() {
	f, err := os.CreateTemp("", "parley-har-frames-*")
	if err != nil {
		b.err = err // keep what memory holds; the frames that follow are lost
		return
	}
	b.f, b.w = f, bufio.NewWriterSize(f, 64<<10)
	for _, m := range b.mem {
		b.write(m)
	}
	b.mem, b.size = nil, 0
}

// write appends one frame to the file: the lengths and numbers as
// varints, the two optional numbers as their float bits.
func (b *frameStore) write(m ws) {
	r := binary.AppendUvarint(b.rec[:0], uint64(len(m.Type)))
	r = append(r, m.Type...)
	r = binary.AppendUvarint(r, uint64(len(m.Data)))
	r = append(r, m.Data...)
	r = binary.AppendUvarint(r, uint64(m.Size))
	var flags byte
	if m.Time.Valid {
		flags |= 1
	}
	if m.Opcode.Valid {
		flags |= 2
	}
	r = append(r, flags)
	r = binary.LittleEndian.AppendUint64(r, math.Float64bits(m.Time.V))
	r = binary.LittleEndian.AppendUint64(r, math.Float64bits(m.Opcode.V))
	b.rec = r
	if _, err := b.w.Write(r); err != nil && b.err == nil {
		b.err = err
	}
}

// each calls fn for every frame kept, in order, and returns how many it
// passed; it stops at fn's first error. Frames lost to a failure of the
// temporary file are b.n minus that count, and b.err says why.
func (b *frameStore) each(fn func(ws) error) (int, error) {
	done := 0
	if b.f == nil {
		for _, m := range b.mem {
			if err := fn(m); err != nil {
				return done, err
			}
			done++
		}
		return done, nil
	}
	if err := b.w.Flush(); err != nil && b.err == nil {
		b.err = err
	}
	if b.err != nil {
		return 0, nil
	}
	if _, err := b.f.Seek(0, io.SeekStart); err != nil {
		b.err = err
		return 0, nil
	}
	br := bufio.NewReaderSize(b.f, 64<<10)
	for {
		m, err := readFrame(br)
		if err == io.EOF {
			return done, nil
		}
		if err != nil {
			b.err = err
			return done, nil
		}
		if err := fn(m); err != nil {
			return done, err
		}
		done++
	}
}

func readFrame(br *bufio.Reader) (ws, error) {
	var m ws
	str := func() (string, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return "", err
		}
		if n > 1<<20 {
			return "", fmt.Errorf("bad frame record")
		}
		buf := make([]byte, n)
		_, err = io.ReadFull(br, buf)
		return string(buf), err
	}
	var err error
	if m.Type, err = str(); err != nil {
		return m, err // io.EOF at the end
	}
	if m.Data, err = str(); err != nil {
		return m, io.ErrUnexpectedEOF
	}
	size, err := binary.ReadUvarint(br)
	if err != nil {
		return m, io.ErrUnexpectedEOF
	}
	m.Size = int(size)
	var fix [17]byte
	if _, err := io.ReadFull(br, fix[:]); err != nil {
		return m, io.ErrUnexpectedEOF
	}
	m.Time = ingest.JSONNumber{V: math.Float64frombits(binary.LittleEndian.Uint64(fix[1:9])), Valid: fix[0]&1 != 0}
	m.Opcode = ingest.JSONNumber{V: math.Float64frombits(binary.LittleEndian.Uint64(fix[9:17])), Valid: fix[0]&2 != 0}
	return m, nil
}

// reset drops all frames and removes the temporary file.
func (b *frameStore) reset() {
	if b.f != nil {
		b.f.Close()
		os.Remove(b.f.Name())
	}
	clear(b.mem)
	*b = frameStore{rec: b.rec[:0], mem: b.mem[:0]}
}
