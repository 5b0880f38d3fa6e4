package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync/atomic"
)

// Limits bound what an upload may expand to, so a zip or gzip bomb is
// refused instead of filling the disk or the memory.
type Limits struct {
	MaxFiles     int   // files in one archive
	MaxFileBytes int64 // uncompressed bytes of one file
	MaxTotal     int64 // uncompressed bytes of the whole upload
	MaxRatio     int64 // uncompressed/compressed for a member larger than 1 MiB
}

// DefaultLimits fit the 1 GB upload limit with room for ordinary text
// compression (logs compress 10–20×).
var DefaultLimits = Limits{MaxFiles: 1000, MaxFileBytes: 8 << 30, MaxTotal: 16 << 30, MaxRatio: 200}

// Errors for refused archive content.
var (
	ErrNestedArchive = errors.New("an archive inside an archive is not opened: upload the inner archive on its own")
	ErrBomb          = errors.New("the archive expands far more than real logs do (a zip bomb?); refused")
	ErrUnsafePath    = errors.New("the archive member has an unsafe path")
)

// bombError is ErrBomb with what the file does that real logs do not.
type bombError struct {
	name string // the file, as the upload names it
	why  string // e.g. "expands more than 200 times its compressed size"
}

func (e *bombError) Error() string { return e.name + ": " + e.why + "; refused as a possible zip bomb" }
func (e *bombError) Unwrap() error { return ErrBomb }

// sizeText writes a byte count the way the limits are set: 8 GiB, 64 KiB.
func sizeText(n int64) string {
	for _, u := range []struct {
		shift uint
		unit  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.unit)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitedReader stops a stream that grows past its allowance: it gives
// left bytes and then refuses, unless the stream ends there.
type limitedReader struct {
	r    io.Reader
	left int64
	name string
	why  string // the refusal, e.g. "expands to more than 8 GiB"
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var b [1]byte
		if n, err := l.r.Read(b[:]); n == 0 {
			return 0, err
		}
		return 0, &bombError{l.name, l.why}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// ratioFloor is the output below which compression ratios are not checked:
// a small file may compress as well as it likes.
const ratioFloor = 1 << 20

// ratioReader refuses decompressed output that grows beyond ratio times
// the compressed bytes consumed so far, once past ratioFloor: the rule of
// Limits.MaxRatio, applied while reading instead of trusting a header.
type ratioReader struct {
	r     io.Reader    // the decompressed stream
	in    func() int64 // compressed bytes consumed so far
	ratio int64        // 0: no check
	name  string
	out   int64
	err   error
}

func (x *ratioReader) Read(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	n, err := x.r.Read(p)
	x.out += int64(n)
	if x.ratio > 0 && x.out > ratioFloor && x.out/max(x.in(), 1) > x.ratio {
		x.err = &bombError{x.name, fmt.Sprintf("expands more than %d times its compressed size", x.ratio)}
		return n, x.err
	}
	return n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// totalBudget is the uncompressed output all members of one upload may
// give together (Limits.MaxTotal), spent as the members are read.
type totalBudget struct {
	left   atomic.Int64
	limit  int64
	upload string
}

func (b *totalBudget) refusal(member string) error {
	return &bombError{member, fmt.Sprintf("the files in %s expand to more than %s together", b.upload, sizeText(b.limit))}
}

// budgetReader spends a totalBudget on what its member gives.
type budgetReader struct {
	r    io.Reader
	b    *totalBudget
	name string
}

func (t *budgetReader) Read(p []byte) (int, error) {
	if t.b.left.Load() < 0 {
		return 0, t.b.refusal(t.name)
	}
	n, err := t.r.Read(p)
	if left := t.b.left.Add(-int64(n)); left < 0 {
		return max(0, n+int(left)), t.b.refusal(t.name)
	}
	return n, err
}

// macMetadata reports the files macOS adds to the zips it makes: the
// __MACOSX folder of resource forks, ._name AppleDouble files, .DS_Store.
// They hold no diagnostics and are skipped without a word.
func macMetadata(name string) bool {
	base := path.Base(name)
	return base == ".DS_Store" || strings.HasPrefix(base, "._") ||
		name == "__MACOSX" || strings.HasPrefix(name, "__MACOSX/") || strings.Contains(name, "/__MACOSX/")
}

// Member is one file an upload expands to.
type Member struct {
	Name string // path inside the upload, e.g. "logs.zip/app/logcat.txt"
	Open func() (io.ReadCloser, error)
}

// Expand lists the diagnostics files in an upload: the upload itself, or
// the members of a zip archive, with unsafe names and nested archives
// refused (each refusal is returned in skipped, the rest goes on) and
// macOS metadata (__MACOSX/, ._name, .DS_Store) skipped. A gzip file is left
// whole: OpenStream (and so formats.ParseFile) decompresses it.
//
// The limits hold for what the members really give when read, whatever
// their headers say: MaxTotal counts the uncompressed output of all the
// members together (a gzipped member's output, not its gzip size), and a
// member that would go beyond it stops with ErrBomb, from Open or Read.
func Expand(name string, r io.ReaderAt, size int64, limits Limits) (members []Member, skipped []error, err error) {
	head := make([]byte, 4)
	n, _ := r.ReadAt(head, 0)
	if !isZip(head[:n]) {
		return []Member{{Name: name, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.NewSectionReader(r, 0, size)), nil
		}}}, nil, nil
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a readable zip archive: %w", name, err)
	}
	budget := &totalBudget{limit: limits.MaxTotal, upload: name}
	budget.left.Store(limits.MaxTotal)
	var total uint64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		clean, ok := safeMemberName(f.Name)
		display := name + "/" + clean
		if !ok {
			skipped = append(skipped, fmt.Errorf("%s/%s: %w", name, f.Name, ErrUnsafePath))
			continue
		}
		if macMetadata(clean) {
			continue
		}
		if len(members) >= limits.MaxFiles {
			skipped = append(skipped, fmt.Errorf("%s: more than %d files; the rest were not read", name, limits.MaxFiles))
			break
		}
		// Header sizes can lie; they are checked here and enforced again while reading.
		if f.UncompressedSize64 > uint64(limits.MaxFileBytes) {
			skipped = append(skipped, &bombError{display, "expands to more than " + sizeText(limits.MaxFileBytes)})
			continue
		}
		if f.UncompressedSize64 > ratioFloor && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(limits.MaxRatio) {
			skipped = append(skipped, &bombError{display, fmt.Sprintf("expands more than %d times its compressed size", limits.MaxRatio)})
			continue
		}
		// The headers' sum is at most the real output: too much there is
		// too much for sure (the budget counts the rest while reading).
		total += f.UncompressedSize64
		if total > uint64(limits.MaxTotal) {
			skipped = append(skipped, fmt.Errorf("%w; the rest were not read", budget.refusal(display)))
			break
		}
		f := f
		members = append(members, Member{Name: display, Open: func() (io.ReadCloser, error) {
			if budget.left.Load() < 0 {
				return nil, budget.refusal(display)
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", display, err)
			}
			packed := &countingReader{r: &limitedReader{r: rc, left: int64(f.UncompressedSize64), name: display,
				why: "is larger than its zip header says"}}
			br := bufio.NewReader(packed)
			peek, _ := br.Peek(4)
			if isZip(peek) {
				rc.Close()
				return nil, fmt.Errorf("%s: %w", display, ErrNestedArchive)
			}
			if !bytes.HasPrefix(peek, gzipMagic) {
				return readCloser{&budgetReader{br, budget, display}, rc}, nil
			}
			// A gzipped file inside the archive is one level of packing, not an archive.
			zr, err := gzip.NewReader(br)
			if err != nil {
				rc.Close()
				return nil, fmt.Errorf("%s: broken gzip data: %w", display, err)
			}
			inner := bufio.NewReader(&limitedReader{
				r:    &ratioReader{r: zr, in: func() int64 { return packed.n - int64(br.Buffered()) }, ratio: limits.MaxRatio, name: display},
				left: limits.MaxFileBytes, name: display, why: "expands to more than " + sizeText(limits.MaxFileBytes)})
			p2, _ := inner.Peek(4)
			if isZip(p2) || bytes.HasPrefix(p2, gzipMagic) {
				rc.Close()
				return nil, fmt.Errorf("%s: %w", display, ErrNestedArchive)
			}
			return readCloser{&budgetReader{inner, budget, display}, rc}, nil
		}})
	}
	return members, skipped, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// safeMemberName cleans a zip member path and refuses absolute paths,
// parent references and Windows drive or backslash tricks.
func safeMemberName(name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "\x00\\:") || strings.HasPrefix(name, "/") {
		return "", false
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, "/../") {
		return "", false
	}
	return clean, true
}
