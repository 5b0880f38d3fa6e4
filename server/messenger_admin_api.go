package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parley/server/accounts"
	"parley/server/chats"
	"parley/server/web"
)

// The messenger's administrator switches and session commands, as JSON
// under /api/v1/admin/ (the admin panel will put pages on them), and a
// user's commands to their own sessions.

func (s *Server) apiMessengerSettings(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		var p chats.SettingsPatch
		if !web.DecodeJSON(w, r, web.MaxJSONBody, &p) {
			return
		}
		set, err := s.Chats.SetSettings(r.Context(), p)
		if err != nil {
			s.Site.Fail(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, set)
		return
	}
	set, err := s.Chats.Settings(r.Context())
	if err != nil {
		s.Site.Fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, set)
}

func (s *Server) apiAdminOpenChat(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Open bool `json:"open"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	if err := s.Chats.SetOpen(r.Context(), chats.ActorOf(r), chi.URLParam(r, "id"), in.Open); err != nil {
		s.Site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var errNoSession = web.Errorf(http.StatusNotFound, "session_not_found", "", "no such session")

// sessionCommand sends chats|contacts|all to one session; "all" also ends
// it, as the activations page's "Clear all" does.
func (s *Server) sessionCommand(r *http.Request, sess accounts.Session, what string) error {
	ctx := r.Context()
	switch what {
	case "chats":
		return s.Chats.SessionEvent(ctx, sess.UserID, sess.ID, chats.SessionClearChats, "")
	case "contacts":
		return s.Chats.SessionEvent(ctx, sess.UserID, sess.ID, chats.SessionClearContacts, "")
	case "all":
		for _, typ := range []string{chats.SessionClearChats, chats.SessionClearContacts} {
			if err := s.Chats.SessionEvent(ctx, sess.UserID, sess.ID, typ, ""); err != nil {
				return err
			}
		}
		err := s.Accounts.EndSessionByAdmin(ctx, sess.ID)
		if errors.Is(err, accounts.ErrNoSession) {
			return nil // it had ended already
		}
		return err
	}
	return web.Invalid("what", "bad_command", "what is chats, contacts or all")
}

func sessionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoSession
	}
	return id, nil
}

// apiAdminSessionCommand answers POST /api/v1/admin/sessions/{id}/clear
// {"what":"chats|contacts|all"} for any user's session.
func (s *Server) apiAdminSessionCommand(w http.ResponseWriter, r *http.Request) {
	s.answerSessionCommand(w, r, 0)
}

// apiSessionCommand answers POST /api/v1/me/sessions/{id}/clear
// {"what":"chats|contacts"} for one of the user's own sessions.
func (s *Server) apiSessionCommand(w http.ResponseWriter, r *http.Request) {
	u, _ := accounts.CurrentUser(r.Context())
	s.answerSessionCommand(w, r, u.ID)
}

func (s *Server) answerSessionCommand(w http.ResponseWriter, r *http.Request, owner int64) {
	var in struct {
		What string `json:"what"`
	}
	if !web.DecodeJSON(w, r, 4096, &in) {
		return
	}
	id, err := sessionID(r)
	if err != nil {
		s.Site.Fail(w, r, err)
		return
	}
	sess, err := s.Accounts.SessionByID(r.Context(), id)
	if err != nil || (owner != 0 && sess.UserID != owner) {
		s.Site.Fail(w, r, errNoSession)
		return
	}
	if owner != 0 && in.What == "all" {
		s.Site.Fail(w, r, web.Invalid("what", "bad_command", "end your own session with DELETE /api/v1/me/sessions/{id}"))
		return
	}
	if err := s.sessionCommand(r, sess, in.What); err != nil {
		s.Site.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
