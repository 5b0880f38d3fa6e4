package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Target is the server under load and how to reach it.
type Target struct {
	URL string // http://host:port
	// Bind lists source addresses (127.0.0.2, 127.0.0.3…) that connections
	// take in turn: each has its own ~28,000 ephemeral ports to loopback.
	Bind []net.IP
	// MaxConns bounds the REST connections (0: no bound). A real client
	// holds one or a few; without a bound an overloaded server would be
	// met with ever more connections, until its open files run out.
	MaxConns int

	next   atomic.Uint64
	client *http.Client
	once   sync.Once
}

// Dial opens a TCP connection from the next source address.
func (t *Target) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: -1}
	if len(t.Bind) > 0 {
		d.LocalAddr = &net.TCPAddr{IP: t.Bind[t.next.Add(1)%uint64(len(t.Bind))]}
	}
	return d.DialContext(ctx, network, addr)
}

// HTTP is the client every REST call shares: a pool of keep-alive
// connections as large as the load needs.
func (t *Target) HTTP() *http.Client {
	t.once.Do(func() {
		t.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
			DialContext: t.Dial, MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute,
			MaxConnsPerHost: t.MaxConns, DisableCompression: true,
		}}
	})
	return t.client
}

// APIError is an answer other than the expected success.
type APIError struct {
	Method, Path string
	Status       int
	Code         string // the error envelope's "error"
	Message      string
	RetryAfter   time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// Missing reports an endpoint the server does not have (yet).
func (e *APIError) Missing() bool {
	return (e.Status == http.StatusNotFound && strings.HasPrefix(e.Message, "no such API endpoint")) ||
		e.Status == http.StatusMethodNotAllowed
}

// Call sends one JSON request with the bearer token and decodes a 2xx
// answer into out (when not nil).
func (t *Target) Call(ctx context.Context, token, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.URL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := t.HTTP().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Method: method, Path: path, Status: resp.StatusCode}
		var env struct {
			Error string `json:"error"`
			Code  string `json:"code"`
		}
		if json.Unmarshal(data, &env) == nil {
			e.Code, e.Message = env.Code, env.Error
		} else {
			e.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// User is one simulated person.
type User struct {
	Email string
	HUID  string
	Token string
}

// LoadEmail is the e-mail of load-test user n (from 1), as `parley loadtest
// users` creates them.
func LoadEmail(n int) string { return fmt.Sprintf("load%d@loadtest.invalid", n) }

// SignIn signs in every user (LoadEmail(first)…LoadEmail(first+n-1)) with
// password, at most par at a time, waiting as told when the server is busy
// hashing. Tokens already in cacheFile are reused (argon2id makes each
// sign-in cost tens of milliseconds of server CPU: 20,000 of them take
// minutes); new ones are appended to it.
func SignIn(ctx context.Context, t *Target, first, n int, password, cacheFile string, par int, progress io.Writer) ([]*User, error) {
	cached := map[string]User{}
	if cacheFile != "" {
		var err error
		if cached, err = readTokens(cacheFile); err != nil {
			return nil, err
		}
	}
	users := make([]*User, n)
	var todo []int
	for i := range n {
		email := LoadEmail(first + i)
		if u, ok := cached[email]; ok {
			users[i] = &u
		} else {
			users[i] = &User{Email: email}
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return users, nil
	}
	var cache *os.File
	if cacheFile != "" {
		f, err := os.OpenFile(cacheFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("token cache: %w", err)
		}
		defer f.Close()
		cache = f
	}
	var (
		mu       sync.Mutex
		firstErr error
		done     atomic.Int64
		work     = make(chan int)
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range max(1, par) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := signInOne(ctx, t, users[i], password); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				if cache != nil {
					mu.Lock()
					fmt.Fprintf(cache, "%s\t%s\t%s\n", users[i].Email, users[i].HUID, users[i].Token)
					mu.Unlock()
				}
				if d := done.Add(1); progress != nil && d%500 == 0 {
					fmt.Fprintf(progress, "  signed in %d of %d (%.0f/s)\n", d, len(todo), float64(d)/time.Since(start).Seconds())
				}
			}
		}()
	}
	for _, i := range todo {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return users, ctx.Err()
}

func signInOne(ctx context.Context, t *Target, u *User, password string) error {
	body := map[string]any{"login": u.Email, "password": password,
		"device": map[string]any{"platform": "desktop", "app_version": "parley-loadtest", "udid": "loadtest-" + u.Email}}
	for attempt := 0; ; attempt++ {
		var out struct {
			Token string `json:"token"`
			User  struct {
				HUID string `json:"huid"`
			} `json:"user"`
		}
		err := t.Call(ctx, "", http.MethodPost, "/api/v1/auth/login", body, &out)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests && attempt < 50 {
			wait := max(ae.RetryAfter, 200*time.Millisecond)
			wait += time.Duration(rand.Int64N(int64(wait))) // spread the retries
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
			return fmt.Errorf("sign in %s: %w (create the load-test users first: parley loadtest users --count N --password P, with the same password)", u.Email, err)
		}
		if err != nil {
			return fmt.Errorf("sign in %s: %w", u.Email, err)
		}
		u.Token, u.HUID = out.Token, out.User.HUID
		return nil
	}
}

func readTokens(path string) (map[string]User, error) {
	out := map[string]User{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("token cache: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		parts := strings.Split(sc.Text(), "\t")
		if len(parts) != 3 {
			return nil, fmt.Errorf("token cache %s line %d: want e-mail, HUID and token separated by tabs", path, line)
		}
		out[parts[0]] = User{Email: parts[0], HUID: parts[1], Token: parts[2]}
	}
	return out, sc.Err()
}

// ConnectWS opens u's WebSocket, resuming after since when since > 0.
func ConnectWS(ctx context.Context, t *Target, u *User, since int64) (*WS, error) {
	path := "/api/v1/ws"
	if since > 0 {
		path += "?since=" + strconv.FormatInt(since, 10)
	}
	h := http.Header{"Authorization": {"Bearer " + u.Token}}
	return DialWS(ctx, t.Dial, t.URL+path, h)
}

// Limit names which limit an error is: the answer to "what stopped the run".
func Limit(err error) string {
	var ae *APIError
	var ue *UpgradeError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE):
		return "open files of the load tool (ulimit -n; run more processes)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "ephemeral ports of a source address (add --bind 127.0.0.x addresses)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (server down or its listen queue full)"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "connection reset or closed by the server (open files of the server?)"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timeout"
	case errors.As(err, &ae):
		return fmt.Sprintf("HTTP %d %s on %s %s", ae.Status, ae.Code, ae.Method, templatePath(ae.Path))
	case errors.As(err, &ue):
		return fmt.Sprintf("websocket upgrade HTTP %d", ue.Status)
	}
	return "other: " + err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// templatePath turns ids in a path into placeholders, so errors group.
func templatePath(p string) string {
	p, _, _ = strings.Cut(p, "?")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if len(s) == 36 && strings.Count(s, "-") == 4 {
			parts[i] = "{id}"
		} else if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			parts[i] = "{n}"
		}
	}
	return strings.Join(parts, "/")
}

// Errors counts failures by the limit or answer they come from.
type Errors struct {
	mu     sync.Mutex
	counts map[string]int
	sample map[string]string
}

// Add counts err.
func (e *Errors) Add(err error) {
	if err == nil {
		return
	}
	k := Limit(err)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts, e.sample = map[string]int{}, map[string]string{}
	}
	e.counts[k]++
	if _, ok := e.sample[k]; !ok {
		e.sample[k] = err.Error()
	}
}

// AddKind counts a failure that is not an error value.
func (e *Errors) AddKind(kind string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts, e.sample = map[string]int{}, map[string]string{}
	}
	e.counts[kind]++
}

// Reset forgets every count (a new phase reports its own).
func (e *Errors) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts, e.sample = nil, nil
}

// Total is the number of failures.
func (e *Errors) Total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, c := range e.counts {
		n += c
	}
	return n
}

// Top returns the most frequent kind, "" when nothing failed.
func (e *Errors) Top() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	best, n := "", 0
	for k, c := range e.counts {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}

// Lines lists kinds with counts, most frequent first, with one example each.
func (e *Errors) Lines() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	type kv struct {
		k string
		n int
	}
	var list []kv
	for k, n := range e.counts {
		list = append(list, kv{k, n})
	}
	slices.SortFunc(list, func(a, b kv) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.k, b.k)
	})
	var out []string
	for _, x := range list {
		line := fmt.Sprintf("%8d  %s", x.n, x.k)
		if s := e.sample[x.k]; s != "" && s != x.k {
			line += "\n          e.g. " + s[:min(len(s), 240)]
		}
		out = append(out, line)
	}
	return out
}
