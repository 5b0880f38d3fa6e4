package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"parley/server/accounts"
	"parley/server/web"
)

// Handler serves GET /api/v1/ws.
type Handler struct {
	Hub *Hub
	// PublicURL is the server's configured public URL; a browser's Origin
	// must match it (or, when none is configured, the request's own host).
	PublicURL string
	upgrader  websocket.Upgrader
}

// NewHandler prepares the upgrade for hub.
func NewHandler(hub *Hub, publicURL string) *Handler {
	h := &Handler{Hub: hub, PublicURL: strings.TrimRight(publicURL, "/")}
	h.upgrader = websocket.Upgrader{
		// Clients send small frames (typing, presence); a small read buffer
		// of its own lets the HTTP server's 4 KiB one go. Writes borrow
		// from a pool, so an idle socket holds no write buffer.
		ReadBufferSize:   1024,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 10 * time.Second,
		// The Origin is checked before the upgrade, with a clear answer.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return h
}

var (
	errBadSince  = web.Errorf(http.StatusBadRequest, "bad_since", "", "since must be the seq number of the last event received (0 or more)")
	errBadOrigin = web.Errorf(http.StatusForbidden, "bad_origin", "", "a browser may open the WebSocket only from this server's own pages")
)

// originAllowed: bearer clients are not browsers and send no cookie, so
// only cookie-authenticated upgrades are held to the Origin (the browser's
// CSRF defence does not cover GET upgrades).
func (h *Handler) originAllowed(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if h.PublicURL != "" {
		return strings.EqualFold(u.Scheme+"://"+u.Host, h.PublicURL)
	}
	return strings.EqualFold(u.Host, r.Host)
}

// ServeHTTP upgrades a signed-in request (RequireUser runs before) and runs
// the socket until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, _ := accounts.CurrentUser(r.Context())
	sess, _ := accounts.CurrentSession(r.Context())
	if !h.originAllowed(r) {
		web.JSONError(w, errBadOrigin.Status, errBadOrigin.Code, errBadOrigin.Message)
		return
	}
	var since int64
	resume := false
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			web.JSONError(w, errBadSince.Status, errBadSince.Code, errBadSince.Message)
			return
		}
		since, resume = n, true
	}
	// The socket joins the hub before the client hears "101": every event
	// committed after the client sees its socket open reaches it (queued
	// until the socket is attached).
	c := &Conn{hub: h.Hub, userID: user.ID, huid: user.HUID, sessionID: sess.ID, finished: make(chan struct{}),
		wake: make(chan struct{}, 1)}
	if !h.Hub.add(c) {
		web.JSONError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down; reconnect in a moment")
		return
	}
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.Hub.remove(c)
		return // the upgrader has answered
	}
	ws.SetReadLimit(maxClientFrame)
	// The hijacked socket outlives the request: the handler returns now,
	// which frees the HTTP server's goroutine and request for it, and a
	// small goroutine of its own reads. Shutdown reaches it through the hub
	// (Hub.Close, an OnShutdown hook).
	ctx := context.WithoutCancel(r.Context())
	c.attach(ctx, ws, since, resume)
	go func() {
		c.readLoop(ctx)
		c.finish()
		<-c.finished
		h.Hub.remove(c)
	}()
}

// clientFrame is what a client may send.
type clientFrame struct {
	Type   string   `json:"type"`
	ChatID string   `json:"chat_id"`
	Users  []string `json:"users"`
}

// maxWatched bounds a presence subscription: the people on one screen.
const maxWatched = 500

// readLoop reads client frames until the socket ends. A client frame the
// server cannot use gets an "error" frame naming why; the socket stays.
func (c *Conn) readLoop(ctx context.Context) {
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error {
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
		return nil
	})
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
		if kind != websocket.TextMessage {
			c.queue(0, errorFrame("bad_frame", "send JSON text frames"))
			continue
		}
		f, err := DecodeClientFrame(data)
		if err != nil {
			c.queue(0, errorFrame("bad_frame", err.Error()))
			continue
		}
		switch f.Type {
		case "ping":
			c.queue(0, []byte(`{"type":"pong"}`))
		case "typing":
			c.typing(ctx, f.ChatID)
		case "presence.subscribe":
			c.subscribePresence(ctx, f.Users)
		}
	}
}

// DecodeClientFrame reads one client frame, refusing anything else with a
// reason a developer can act on.
func DecodeClientFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return f, errors.New("a frame must be a JSON object with a type")
	}
	switch f.Type {
	case "ping":
	case "typing":
		if f.ChatID == "" {
			return f, errors.New("typing needs chat_id")
		}
	case "presence.subscribe":
		if len(f.Users) > maxWatched {
			return f, fmt.Errorf("presence.subscribe takes at most %d users", maxWatched)
		}
	case "":
		return f, errors.New("a frame must be a JSON object with a type")
	default:
		return f, fmt.Errorf("unknown frame type %q: the server accepts ping, typing and presence.subscribe", truncate(f.Type, 40))
	}
	return f, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func errorFrame(code, msg string) []byte {
	b, _ := json.Marshal(struct {
		Type  string `json:"type"`
		Code  string `json:"code"`
		Error string `json:"error"`
	}{"error", code, msg})
	return b
}

// typingEvery throttles typing frames from one socket.
const typingEvery = time.Second

func (c *Conn) typing(ctx context.Context, chatID string) {
	if time.Since(c.lastTyping) < typingEvery {
		return
	}
	c.lastTyping = time.Now()
	users, err := c.hub.hooks.TypingAudience(ctx, c.userID, chatID)
	if err != nil {
		c.queue(0, errorFrame("typing_refused", err.Error()))
		return
	}
	frame, _ := json.Marshal(struct {
		Type   string `json:"type"`
		ChatID string `json:"chat_id"`
		User   string `json:"user"`
	}{"typing", chatID, c.huid})
	c.hub.sendTo(users, frame, c)
}
