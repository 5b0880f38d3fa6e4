package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"parley/server/web"
	"parley/templates"
)

// A sign-in storm (a hundred apps reconnecting after an outage) used to run
// four argon2id hashes at once, two lanes each, on a two-core server, with
// every other sign-in queued behind them without limit: sign-ins took
// seconds, the help center's searches stalled behind the hashing and the
// heap doubled. Now at most Slots hashes run at once (each holds Memory KiB
// and Threads cores), and a request that will hash a password first waits
// at a gate that lets Admitted such requests in at once (the others of them
// do their database work or wait for a slot meanwhile). A request waits
// there at most Wait, or not at all when MaxWaiting wait already, and is
// told to come back (429 with Retry-After). See docs/benchmarks.md, issue 10.

// HashLimit bounds concurrent password hashing.
type HashLimit struct {
	// Slots is how many hashes run at once.
	Slots int
	// Admitted is how many requests that hash are let in at once.
	Admitted int
	// Wait is how long a request waits at the gate for its turn.
	Wait time.Duration
	// MaxWaiting turns further requests away at once when this many wait
	// already: the queue, and so the time a sign-in takes, stays short.
	MaxWaiting int
	// RetryAfter is what a request turned away is told to wait.
	RetryAfter time.Duration
}

// DefaultHashLimit runs as many hashes at once as their lanes leave cores
// for, so that hashing never takes every core: one at a time on a two-core
// server with the default two lanes. The other figures were measured on
// such a server (docs/benchmarks.md).
func DefaultHashLimit(p Argon2Params) HashLimit {
	slots := max(1, runtime.GOMAXPROCS(0)/max(1, int(p.Threads)))
	return HashLimit{Slots: slots, Admitted: 4 * slots, Wait: 2 * time.Second, MaxWaiting: 16 * slots, RetryAfter: time.Second}
}

// BusyError says the server is hashing as many passwords as it will and the
// request should be sent again after RetryAfter.
type BusyError struct {
	RetryAfter time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("the server is busy checking other passwords; try again in %s", RoundUpSeconds(e.RetryAfter))
}

type hashGate struct {
	turns   chan struct{}
	waiting atomic.Int64
	limit   HashLimit
}

func newHashGate(l HashLimit) *hashGate {
	return &hashGate{turns: make(chan struct{}, max(1, l.Admitted)), limit: l}
}

// Admit waits for a turn to hash a password (or passwords), at most the
// limit's Wait (or until ctx ends), and returns the function that gives the
// turn back. A request that does not get one gets a *BusyError.
func (h *Hasher) Admit(ctx context.Context) (release func(), err error) {
	g := h.gate
	select {
	case g.turns <- struct{}{}:
		return g.release, nil
	default:
	}
	retry := &BusyError{RetryAfter: max(time.Second, g.limit.RetryAfter)}
	if g.limit.MaxWaiting > 0 && g.waiting.Add(1) > int64(g.limit.MaxWaiting) {
		g.waiting.Add(-1)
		return nil, retry
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.limit.Wait)
	defer t.Stop()
	select {
	case g.turns <- struct{}{}:
		return g.release, nil
	case <-t.C:
		return nil, retry
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *hashGate) release() { <-g.turns }

// HashTurn makes the routes it guards wait for a turn to hash a password
// (sign-in, password change, accepting an invitation…). A request that gets
// none is answered 429 with Retry-After: as JSON for the API, on the
// sign-in form for POST /signin, and as an error page elsewhere.
func (h *Handler) HashTurn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := h.svc.hasher.Admit(r.Context())
		if err != nil {
			h.writeBusy(w, r, err)
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// Unwrap gives the shared error writer the answer: 429 with Retry-After.
func (e *BusyError) Unwrap() error {
	return &web.HTTPError{Status: http.StatusTooManyRequests, Code: "busy", Key: "password.busy",
		Message: e.Error(), RetryAfter: RoundUpSeconds(e.RetryAfter)}
}

// writeBusy answers a request that got no turn to hash: on the sign-in form
// for the sign-in page, through the shared error writer otherwise.
func (h *Handler) writeBusy(w http.ResponseWriter, r *http.Request, err error) {
	var be *BusyError
	if !errors.As(err, &be) {
		// The client went away while waiting: nobody reads the answer.
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path != "/signin" {
		h.site.Fail(w, r, be)
		return
	}
	// Keep what the person typed (but the password) on the form.
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	r.ParseForm()
	w.Header().Set("Retry-After", strconv.Itoa(int(RoundUpSeconds(be.RetryAfter).Seconds())))
	v := templates.SigninView{Page: h.site.Page(w, r, "signin.title"),
		Login: r.PostFormValue("login"), Next: web.SafeRedirect(r.PostFormValue("next"), "")}
	v.Error = v.T("password.busy")
	h.site.Render(w, r, http.StatusTooManyRequests, templates.Signin(v))
}
