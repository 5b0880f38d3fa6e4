// Package helpcenter serves the help center: the knowledge base's pages,
// its search (pages and JSON API), search logging and article feedback.
package helpcenter

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"parley/kb"
	"parley/search"
	"parley/server/accounts"
	"parley/server/store"
	"parley/server/web"
	"parley/templates"
)

// Handler serves the help center.
type Handler struct {
	base    *kb.Base
	index   *search.HelpIndex
	db      *store.DB
	site    *web.Site
	log     *slog.Logger
	now     func() time.Time
	limiter *limiter
	stop    context.CancelFunc
	done    chan struct{}
}

// New returns the help center over a loaded knowledge base and its index,
// and starts its janitor, which keeps the query log within its retention;
// Close stops it.
func New(base *kb.Base, index *search.HelpIndex, db *store.DB, site *web.Site, log *slog.Logger) *Handler {
	h := newHandler(base, index, db, site, log, time.Now)
	h.start()
	return h
}

func newHandler(base *kb.Base, index *search.HelpIndex, db *store.DB, site *web.Site, log *slog.Logger, now func() time.Time) *Handler {
	return &Handler{base: base, index: index, db: db, site: site, log: log, now: now, limiter: newLimiter()}
}

func (h *Handler) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	go h.janitor(ctx)
}

// Close stops the janitor and waits for it.
func (h *Handler) Close() error {
	if h.stop != nil {
		h.stop()
		<-h.done
	}
	return nil
}

// allowSearch takes one search from the client's allowance: the account's
// when signed in, else the address's. When none is left it returns false
// and how long until one is.
func (h *Handler) allowSearch(r *http.Request) (bool, time.Duration) {
	if u, ok := accounts.CurrentUser(r.Context()); ok {
		return h.limiter.allow("user:"+u.HUID, signedInSearches, h.now())
	}
	return h.limiter.allow(addressKey(h.site.ClientIP(r)), anonymousSearches, h.now())
}

// retryAfter is a wait in whole seconds, at least one, as Retry-After and
// the messages give it.
func retryAfter(wait time.Duration) int { return max(1, int((wait+time.Second-1)/time.Second)) }

// page builds the layout for a help page in the language of its URL; alt is
// the same page in the other language.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, lang, title, alt string) templates.Page {
	p := h.site.Page(w, r, "help.title")
	p.Lang = lang
	p.Title = title
	p.AltURL = alt
	return p
}

func validLang(lang string) bool { return lang == "ru" || lang == "en" }

func link(a *kb.Article) templates.HelpLink {
	return templates.HelpLink{Title: a.Title, URL: a.URL(), Summary: a.Summary, Lang: a.Lang}
}

func sectionTitle(id, lang string) string {
	if s, ok := kb.SectionByID(id); ok {
		return s.Title[lang]
	}
	return id
}

// visitorCookie identifies an anonymous visitor for one vote per article.
const visitorCookie = "parley_visitor"

// visitor names who is voting: the signed-in user, or this browser.
func (h *Handler) visitor(w http.ResponseWriter, r *http.Request, create bool) string {
	if u, ok := accounts.CurrentUser(r.Context()); ok {
		return "user:" + u.HUID
	}
	if c, err := r.Cookie(visitorCookie); err == nil && len(c.Value) == 26 {
		return "anon:" + c.Value
	}
	if !create {
		return ""
	}
	id := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: visitorCookie, Value: id, Path: "/help", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.site.SecureCookies, SameSite: http.SameSiteLaxMode})
	return "anon:" + id
}

// withoutCancel keeps a log write going when the client goes away: the
// search was served, so it counts.
func withoutCancel(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
