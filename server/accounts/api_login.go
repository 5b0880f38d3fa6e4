package accounts

import (
	"net/http"

	"parley/server/web"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Device   Device `json:"device"`
}

type loginResponse struct {
	Token   string      `json:"token"`
	User    UserJSON    `json:"user"`
	Session SessionJSON `json:"session"`
}

// APILogin handles POST /api/v1/auth/login.
func (h *Handler) APILogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !web.DecodeJSON(w, r, 64<<10, &req) {
		return
	}
	if req.Device.UserAgent == "" {
		req.Device.UserAgent = r.UserAgent()
	}
	token, u, sess, err := h.svc.SignIn(r.Context(), req.Login, req.Password, req.Device, h.site.ClientIP(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, loginResponse{Token: token, User: u.ToJSON(), Session: sess.ToJSON(true)})
}
