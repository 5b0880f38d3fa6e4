package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"
)

// Redacted originals. An upload's files are kept only with their secrets
// replaced, in their own format so that they still open in the tools
// people use: a text file keeps its lines and line breaks; a JSON file
// (HAR, .ips, client state, rtcstats lines) stays valid JSON of the same
// shape, every string value passed through the Redactor, and the values of
// cookies, secret headers and secret query parameters replaced whole.

// Text copies src to dst line by line with secrets replaced, keeping each
// line's break ("\n" or "\r\n").
func (r *Redactor) Text(dst io.Writer, src io.Reader) error {
	br := bufio.NewReaderSize(src, 256<<10)
	bw := bufio.NewWriterSize(dst, 256<<10)
	lines := r.Lines()
	var long []byte // a line longer than br's buffer, gathered
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, chunk...)
			continue
		}
		raw := chunk
		if long != nil {
			raw = append(long, chunk...)
			long = nil
		}
		if len(raw) > 0 {
			body, end := raw, []byte(nil)
			switch {
			case bytes.HasSuffix(body, []byte("\r\n")):
				body, end = body[:len(body)-2], body[len(body)-2:]
			case bytes.HasSuffix(body, []byte("\n")):
				body, end = body[:len(body)-1], body[len(body)-1:]
			}
			// The line is read where it lies in the buffer: most lines
			// hold no secret and are written back as they are.
			line := lines.Line(unsafe.String(unsafe.SliceData(body), len(body)))
			var werr error
			if len(line) == len(body) && (len(body) == 0 || unsafe.StringData(line) == unsafe.SliceData(body)) {
				_, werr = bw.Write(raw)
			} else {
				bw.WriteString(line)
				_, werr = bw.Write(end)
			}
			if werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return bw.Flush()
		}
		if err != nil {
			return err
		}
	}
}

// JSON copies the JSON values of src (one document, or several one after
// another as in JSON lines and .ips files) to dst with secrets replaced,
// each value compact on a line of its own. It fails on input that is not
// JSON; the caller then falls back to Text.
func (r *Redactor) JSON(dst io.Writer, src io.Reader) error {
	dec := json.NewDecoder(bufio.NewReaderSize(skipBOM(src), 64<<10))
	dec.UseNumber()
	bw := bufio.NewWriterSize(dst, 64<<10)
	j := &jsonRedaction{r: r, dec: dec, w: bw}
	for n := 0; ; n++ {
		tok, err := dec.Token()
		if err == io.EOF {
			if n == 0 {
				return errors.New("no JSON value")
			}
			return bw.Flush()
		}
		if err != nil {
			return fmt.Errorf("JSON: %w", err)
		}
		if err := j.value(tok, "", "", ""); err != nil {
			return err
		}
		bw.WriteByte('\n')
	}
}

// skipBOM drops a UTF-8 byte order mark, which Windows tools put before
// JSON and the decoder refuses.
func skipBOM(src io.Reader) io.Reader {
	br := bufio.NewReader(src)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	return br
}

type jsonRedaction struct {
	r   *Redactor
	dec *json.Decoder
	w   *bufio.Writer
}

// value writes one value whose first token is tok. key is the name of the
// field holding it, list the name of the field holding the array it is an
// element of (HAR's "cookies", "headers", "queryString"), and name the
// "name" of the object it is the "value" of.
func (j *jsonRedaction) value(tok json.Token, key, list, name string) error {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return j.object(key)
		case '[':
			return j.array(key)
		}
		return fmt.Errorf("JSON: unexpected %v", t)
	case string:
		return j.str(j.secret(t, key, list, name))
	case json.Number:
		_, err := j.w.WriteString(t.String())
		return err
	case bool:
		_, err := fmt.Fprint(j.w, t)
		return err
	case nil:
		_, err := j.w.WriteString("null")
		return err
	}
	return fmt.Errorf("JSON: unexpected token %v", tok)
}

// object writes an object; list is the field whose array holds it.
func (j *jsonRedaction) object(list string) error {
	j.w.WriteByte('{')
	name := ""
	for n := 0; j.dec.More(); n++ {
		kt, err := j.dec.Token()
		if err != nil {
			return fmt.Errorf("JSON: %w", err)
		}
		key, _ := kt.(string)
		if n > 0 {
			j.w.WriteByte(',')
		}
		if err := j.str(key); err != nil {
			return err
		}
		j.w.WriteByte(':')
		vt, err := j.dec.Token()
		if err != nil {
			return fmt.Errorf("JSON: %w", err)
		}
		if s, ok := vt.(string); ok && key == "name" {
			name = s
		}
		if err := j.value(vt, key, list, name); err != nil {
			return err
		}
	}
	if _, err := j.dec.Token(); err != nil { // '}'
		return fmt.Errorf("JSON: %w", err)
	}
	return j.w.WriteByte('}')
}

func (j *jsonRedaction) array(key string) error {
	j.w.WriteByte('[')
	for n := 0; j.dec.More(); n++ {
		if n > 0 {
			j.w.WriteByte(',')
		}
		vt, err := j.dec.Token()
		if err != nil {
			return fmt.Errorf("JSON: %w", err)
		}
		if err := j.value(vt, key, key, ""); err != nil {
			return err
		}
	}
	if _, err := j.dec.Token(); err != nil { // ']'
		return fmt.Errorf("JSON: %w", err)
	}
	return j.w.WriteByte(']')
}

func (j *jsonRedaction) str(s string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	// json.Marshal escapes <, > and & for HTML; JSON does not need it, and
	// the file should read as it was.
	b = bytes.ReplaceAll(b, []byte(`\u003c`), []byte("<"))
	b = bytes.ReplaceAll(b, []byte(`\u003e`), []byte(">"))
	b = bytes.ReplaceAll(b, []byte(`\u0026`), []byte("&"))
	_, err = j.w.Write(b)
	return err
}

// secretHeaders are HTTP headers whose whole value is a credential.
var secretHeaders = map[string]bool{"cookie": true, "set-cookie": true, "authorization": true,
	"proxy-authorization": true, "x-csrf-token": true, "x-xsrf-token": true, "x-api-key": true, "x-auth-token": true}

// secret returns a string value of the file with secrets replaced.
func (j *jsonRedaction) secret(s, key, list, name string) string {
	r := j.r
	if s == "" || s == Redacted {
		return s
	}
	if r.watch != nil && key == "value" && strings.EqualFold(list, "cookies") && name == r.watch.cookie {
		r.watch.add(s) // a HAR's parsed cookie: its name and value apart
	}
	whole := ""
	if kind := secretKind(key); kind != "" && !keepValue(s, kind) {
		whole = kind
	}
	if key == "value" && name != "" {
		switch strings.ToLower(list) {
		case "cookies":
			whole = "cookie"
		case "headers":
			if secretHeaders[strings.ToLower(name)] || secretKind(name) != "" {
				whole = "authorization header"
				if strings.Contains(strings.ToLower(name), "cookie") {
					whole = "cookie"
				}
			}
		case "querystring", "params":
			if secretParam(name) {
				whole = "token in URL"
			}
		}
	}
	if whole != "" {
		if r.watch != nil {
			r.watch.scan(s) // "Bearer …", "a=b; parley_session=…"
		}
		r.counts[whole]++
		return Redacted
	}
	return r.String(s)
}
