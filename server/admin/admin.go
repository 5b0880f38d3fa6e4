// Package admin is the server administrator's home: the list of every
// administrator page. The pages themselves live with their domains and are
// routed under /admin behind the administrator role (server.AdminRoutes).
package admin

import (
	"net/http"
	"sync"

	"parley/server/web"
	"parley/templates"
)

// Home serves GET /admin.
type Home struct {
	site     *web.Site
	mu       sync.Mutex
	sections []templates.AdminSection
}

// NewHome returns an empty home; components add their pages with Add.
func NewHome(site *web.Site) *Home { return &Home{site: site} }

// Add lists an administrator page on the home, in the order added.
func (h *Home) Add(s templates.AdminSection) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sections = append(h.sections, s)
}

// ServeHTTP renders the home page.
func (h *Home) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	sections := append([]templates.AdminSection(nil), h.sections...)
	h.mu.Unlock()
	v := templates.AdminHomeView{Page: h.site.Page(w, r, "admin.title"), Sections: sections}
	h.site.Render(w, r, http.StatusOK, templates.AdminHome(v))
}
