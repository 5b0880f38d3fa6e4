package chats

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for image.DecodeConfig
	"image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/image/draw"

	"parley/server/files"
	"parley/server/web"
)

// Attachment rules from the seeds.
const (
	// PlayableVideo: videos up to this size play in the chat.
	PlayableVideo = 50 << 20
	// Compressed images are re-encoded to fit this many pixels a side.
	compressedSide = 2560
	// Images larger than this are kept as sent (compressing means holding
	// the decoded picture in memory).
	maxCompressInput = 50 << 20
	maxPixels        = 50_000_000
)

var (
	ErrFileNotFound = web.Errorf(http.StatusNotFound, "file_not_found", "", "no such file in this chat")
	errNeedFiles    = errors.New("the chats have no file store")
)

// FileJSON is an attachment as clients see it.
type FileJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	MIME     string `json:"mime"`
	Size     int64  `json:"size"`
	URL      string `json:"url"`
	Inline   bool   `json:"inline"`   // shown in place (images, playable video, audio, PDF)
	Playable bool   `json:"playable"` // a video of 50 MB or less, played in the chat
	AsFile   bool   `json:"as_file"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	// Unavailable: retention removed the file; its link answers so.
	Unavailable bool `json:"unavailable,omitempty"`
}

// SetFiles gives the chats the server's file store.
func (s *Service) SetFiles(f *files.Store) { s.files = f }

// UserLimit is the attachment limit of a user: public-server users
// (unregistered) get the smaller one.
func (s *Service) UserLimit(ctx context.Context, userKind string) (int64, error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	if userKind == "unregistered" {
		return set.AttachmentLimitPublic, nil
	}
	return set.AttachmentLimitCorporate, nil
}

// Upload stores a file for the chat; a message then sends it by file_id.
// Its type comes from its content and is checked against the forbidden
// list; an image goes compressed unless asFile.
func (s *Service) Upload(ctx context.Context, a Actor, chatUID, name string, body io.Reader, limit int64, asFile bool) (FileJSON, error) {
	if s.files == nil {
		return FileJSON{}, errNeedFiles
	}
	p, err := s.lookup(ctx, s.db.Read, a.ID, chatUID)
	if err != nil {
		return FileJSON{}, err
	}
	poster := false
	if p.Kind == Global {
		if poster, err = isGlobalPoster(ctx, s.db.Read, a.ID); err != nil {
			return FileJSON{}, err
		}
	}
	if !p.canRead() {
		return FileJSON{}, ErrNotFound
	}
	if !p.canPost(poster) {
		return FileJSON{}, ErrCannotPost
	}
	if p.E2E {
		return FileJSON{}, ErrE2ERequired
	}
	br := bufio.NewReaderSize(body, 4096)
	head, _ := br.Peek(3072)
	mime, err := files.Sniff(bytes.NewReader(head))
	if err != nil {
		return FileJSON{}, err
	}
	var width, height int
	var src io.Reader = br
	if !asFile && (strings.HasPrefix(mime, "image/jpeg") || strings.HasPrefix(mime, "image/png")) {
		compressed, w, h, err := compressImage(br, min(limit, maxCompressInput))
		switch {
		case err == nil:
			src, width, height = compressed, w, h
			name = strings.TrimSuffix(name, extOf(name)) + ".jpg"
			defer compressed.Close()
		case errors.Is(err, errKeepAsSent):
			// Too big or unreadable as a picture: sent as it came.
			src = io.MultiReader(compressedPrefix(compressed), br)
			asFile = true
		default:
			return FileJSON{}, err
		}
	}
	owner := "chat:" + p.UID
	pending, err := s.files.Stage(ctx, owner, name, src, limit)
	if err != nil {
		return FileJSON{}, err
	}
	err = s.write(ctx, func(tx *stmtTx, _ *eventLog) error {
		if err := pending.Record(ctx, tx.Tx); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO chat_files (chat_id, file_id, uploader_id, as_file, width, height, created_at)
			VALUES (?, ?, ?, ?, nullif(?, 0), nullif(?, 0), ?)`, p.ID, pending.ID, a.ID, asFile, width, height, ms(s.now()))
		return err
	})
	if err != nil {
		pending.Discard()
		return FileJSON{}, err
	}
	return fileJSON(p.UID, pending.File, asFile, width, height), nil
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

func fileJSON(chatUID string, f files.File, asFile bool, w, h int) FileJSON {
	return FileJSON{ID: f.ID, Name: f.Name, MIME: f.MIME, Size: f.Size, URL: "/api/v1/chats/" + chatUID + "/files/" + f.ID,
		Inline: files.Inline(f.MIME), Playable: strings.HasPrefix(f.MIME, "video/") && files.Inline(f.MIME) && f.Size <= PlayableVideo,
		AsFile: asFile, Width: w, Height: h, Unavailable: f.Removed()}
}

var errKeepAsSent = errors.New("keep the image as sent")

// spooled is a compressed picture in a temporary file, or, when the input
// was kept as sent, the bytes already read from it.
type spooled struct {
	*os.File
	read []byte
}

func (s *spooled) Close() error {
	if s == nil || s.File == nil {
		return nil
	}
	name := s.Name()
	err := s.File.Close()
	os.Remove(name)
	return err
}

func compressedPrefix(s *spooled) io.Reader {
	if s == nil {
		return bytes.NewReader(nil)
	}
	return bytes.NewReader(s.read)
}

// compressImage re-encodes a JPEG or PNG as a JPEG at most compressedSide
// pixels a side. Pictures it should not touch (too large, too many pixels,
// not decodable) come back as errKeepAsSent with what was read so far.
func compressImage(r io.Reader, limit int64) (*spooled, int, int, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read the picture: %w", err)
	}
	if n > limit {
		return &spooled{read: buf.Bytes()}, 0, 0, errKeepAsSent
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil || cfg.Width*cfg.Height > maxPixels {
		return &spooled{read: buf.Bytes()}, 0, 0, errKeepAsSent
	}
	img, _, err := image.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return &spooled{read: buf.Bytes()}, 0, 0, errKeepAsSent
	}
	w, h := cfg.Width, cfg.Height
	if w > compressedSide || h > compressedSide {
		scale := float64(compressedSide) / float64(max(w, h))
		w, h = max(1, int(float64(w)*scale)), max(1, int(float64(h)*scale))
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
		img = dst
	}
	tmp, err := os.CreateTemp("", "parley-image-*.jpg")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("compress the picture: %w", err)
	}
	out := &spooled{File: tmp}
	if err := jpeg.Encode(tmp, img, &jpeg.Options{Quality: 82}); err != nil {
		out.Close()
		return nil, 0, 0, fmt.Errorf("compress the picture: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		out.Close()
		return nil, 0, 0, fmt.Errorf("compress the picture: %w", err)
	}
	return out, w, h, nil
}

// ChatFile finds a file sent to a chat the actor reads.
func (s *Service) ChatFile(ctx context.Context, a Actor, chatUID, fileID string) (files.File, error) {
	if s.files == nil {
		return files.File{}, errNeedFiles
	}
	p, err := s.lookup(ctx, s.db.Read, a.ID, chatUID)
	if err != nil {
		return files.File{}, err
	}
	if !p.canRead() {
		return files.File{}, ErrNotFound
	}
	var n int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM chat_files WHERE chat_id = ? AND file_id = ?", p.ID, fileID).Scan(&n); err != nil {
		return files.File{}, fmt.Errorf("find chat file: %w", err)
	}
	if n == 0 {
		return files.File{}, ErrFileNotFound
	}
	return s.files.Get(ctx, fileID)
}

// attachable checks, inside a send, that a file was uploaded to this chat
// (by anyone: a forward re-links it) and returns it for the message.
func (s *Service) attachable(ctx context.Context, tx *stmtTx, chatID int64, chatUID, fileID string) (*FileJSON, error) {
	var asFile bool
	var w, h sql.NullInt64
	err := tx.QueryRowContext(ctx, "SELECT as_file, width, height FROM chat_files WHERE chat_id = ? AND file_id = ?", chatID, fileID).Scan(&asFile, &w, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, web.Invalid("file_id", "unknown_file", "upload the file to this chat first (POST …/files), then send its id")
	}
	if err != nil {
		return nil, fmt.Errorf("find chat file: %w", err)
	}
	f, err := s.files.Get(ctx, fileID)
	if err != nil {
		return nil, err
	}
	fj := fileJSON(chatUID, f, asFile, int(w.Int64), int(h.Int64))
	return &fj, nil
}
