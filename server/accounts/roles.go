package accounts

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"parley/server/web"
)

// IsAdmin reports whether the user administers the server.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// HasRole reports whether the user holds one of roles.
func (u User) HasRole(roles ...Role) bool { return slices.Contains(roles, u.Role) }

// RequireRole lets through only signed-in users holding one of roles. It
// sits on route groups, so that a handler in the group never checks a role
// itself and a route added to the group later cannot forget to. A signed-out
// visitor of a page goes to sign in and comes back; an API client gets 401.
// Anyone else gets 403, as a page or as JSON, whichever the request wants.
func (h *Handler) RequireRole(roles ...Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, ok := CurrentUser(r.Context())
			switch {
			case !ok && web.WantsJSON(r):
				w.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
				h.site.Fail(w, r, web.Errorf(http.StatusUnauthorized, "unauthorized", "error.unauthorized",
					"sign in first: send Authorization: Bearer TOKEN from POST /api/v1/auth/login"))
			case !ok:
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			case u.MustChangePassword && !web.WantsJSON(r):
				http.Redirect(w, r, "/account#password-h", http.StatusSeeOther)
			case !u.HasRole(roles...):
				h.site.Fail(w, r, web.Errorf(http.StatusForbidden, "forbidden", "error.forbidden",
					"this needs the role "+roleList(roles)))
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

func roleList(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}
