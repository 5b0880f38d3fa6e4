package chats

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/server/accounts"
	"parley/server/web"
)

// Handler is the chats' REST API under /api/v1 (routes in server/routes.go).
type Handler struct {
	svc  *Service
	site *web.Site
}

// NewHandler serves svc's API.
func NewHandler(svc *Service, site *web.Site) *Handler { return &Handler{svc: svc, site: site} }

// ActorOf is the signed-in user of the request as the chats know them.
func ActorOf(r *http.Request) Actor {
	u, _ := accounts.CurrentUser(r.Context())
	return Actor{ID: u.ID, HUID: u.HUID, Name: u.DisplayName(), ServerAdmin: u.IsAdmin()}
}

// messageID reads {mid} from the path.
func messageID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, "mid"), 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrNoMessage
	}
	return n, nil
}

// maxSendBody leaves room for JSON escaping of a message at its limit.
const maxSendBody = 8 * MaxBodyLen
