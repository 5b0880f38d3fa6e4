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

// limitedReader stops a stream that grows past its allowance.
type limitedReader struct {
	r    io.Reader
	left int64
	name string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("%s: %w", l.name, ErrBomb)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// Member is one file an upload expands to.
type Member struct {
	Name string // path inside the upload, e.g. "logs.zip/app/logcat.txt"
	Open func() (io.ReadCloser, error)
}

// Expand lists the diagnostics files in an upload: the upload itself, or
// the members of a zip archive, with unsafe names and nested archives
// refused (each refusal is returned in skipped, the rest goes on). A gzip
// file is left whole: ParseFile decompresses it.
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
		if len(members) >= limits.MaxFiles {
			skipped = append(skipped, fmt.Errorf("%s: more than %d files; the rest were not read", name, limits.MaxFiles))
			break
		}
		// Header sizes can lie; they are checked here and enforced again while reading.
		if f.UncompressedSize64 > uint64(limits.MaxFileBytes) ||
			(f.UncompressedSize64 > 1<<20 && f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > uint64(limits.MaxRatio)) {
			skipped = append(skipped, fmt.Errorf("%s: %w", display, ErrBomb))
			continue
		}
		total += f.UncompressedSize64
		if total > uint64(limits.MaxTotal) {
			skipped = append(skipped, fmt.Errorf("%s: %w", display, ErrBomb))
			break
		}
		f := f
		limit := int64(f.UncompressedSize64) + 1
		members = append(members, Member{Name: display, Open: func() (io.ReadCloser, error) {
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", display, err)
			}
			br := bufio.NewReader(&limitedReader{r: rc, left: limit, name: display})
			peek, _ := br.Peek(4)
			if isZip(peek) {
				rc.Close()
				return nil, fmt.Errorf("%s: %w", display, ErrNestedArchive)
			}
			if bytes.HasPrefix(peek, gzipMagic) {
				// A gzipped file inside the archive is one level of packing, not an archive.
				zr, err := gzip.NewReader(br)
				if err != nil {
					rc.Close()
					return nil, fmt.Errorf("%s: broken gzip data: %w", display, err)
				}
				inner := bufio.NewReader(&limitedReader{r: zr, left: min(limits.MaxFileBytes, int64(f.CompressedSize64)*limits.MaxRatio+1<<20), name: display})
				p2, _ := inner.Peek(4)
				if isZip(p2) || bytes.HasPrefix(p2, gzipMagic) {
					rc.Close()
					return nil, fmt.Errorf("%s: %w", display, ErrNestedArchive)
				}
				return readCloser{inner, rc}, nil
			}
			return readCloser{br, rc}, nil
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
