package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// progressReader reports how much of a file has been sent, at most a few
// times a second.
type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	name  string
	out   io.Writer
	last  time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.sent += int64(n)
	if time.Since(p.last) > 200*time.Millisecond || err == io.EOF {
		p.last = time.Now()
		pct := 100.0
		if p.total > 0 {
			pct = float64(p.sent) * 100 / float64(p.total)
		}
		fmt.Fprintf(p.out, "\r%s: %5.1f %% of %.1f MB", p.name, pct, float64(p.total)/(1<<20))
	}
	return n, err
}

// uploadFiles sends each file to the server's diagnostics API and prints
// the triage page of each upload.
func uploadFiles(server, token string, files []string, stdout, stderr io.Writer) error {
	base, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return &usageError{fmt.Sprintf("--server must be a URL such as https://parley.example.org, got %q", server)}
	}
	if token == "" {
		return &usageError{"--token is required with --server (the token from POST /api/v1/auth/login)"}
	}
	failed := 0
	for _, path := range files {
		link, err := uploadOne(base, token, path, stderr)
		fmt.Fprintln(stderr)
		if err != nil {
			fmt.Fprintf(stderr, "parley ingest: %s: %s\n", path, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "%s\t%s\n", path, link)
	}
	if failed > 0 {
		return fmt.Errorf("%d upload(s) failed", failed)
	}
	return nil
}

func uploadOne(base *url.URL, token, path string, stderr io.Writer) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot open: %w", unwrapOS(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		return "", fmt.Errorf("is a directory; name the files in it")
	}
	name := filepath.Base(path)
	u := *base
	u.Path += "/api/v1/diagnostics/uploads"
	u.RawQuery = url.Values{"name": {name}}.Encode()
	body := &progressReader{r: f, total: st.Size(), name: name, out: stderr}
	req, err := http.NewRequest("POST", u.String(), body)
	if err != nil {
		return "", err
	}
	req.ContentLength = st.Size()
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		URL   string `json:"url"`
		Error string `json:"error"`
	}
	json.Unmarshal(data, &out)
	if resp.StatusCode != http.StatusAccepted {
		if out.Error == "" {
			out.Error = strings.TrimSpace(string(data))
		}
		return "", fmt.Errorf("the server refused the upload (%s): %s", resp.Status, out.Error)
	}
	return base.String() + out.URL, nil
}

func unwrapOS(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
