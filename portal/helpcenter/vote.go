package helpcenter

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"parley/kb"
)

// maxComment bounds the optional "what was missing" comment.
const maxComment = 2000

// articleForm reads a small form posted to an article, checking its CSRF
// token; it answers itself when the article or the form is unusable.
func (h *Handler) articleForm(w http.ResponseWriter, r *http.Request) (*kb.Article, bool) {
	a, ok := h.articleOf(w, r)
	if !ok {
		return nil, false
	}
	if !h.site.ReadForm(w, r, 32<<10) {
		return nil, false
	}
	return a, true
}

// Vote handles POST /help/{lang}/{slug}/vote.
func (h *Handler) Vote(w http.ResponseWriter, r *http.Request) {
	a, ok := h.articleForm(w, r)
	if !ok {
		return
	}
	var helpful bool
	switch r.PostFormValue("helpful") {
	case "yes":
		helpful = true
	case "no":
	default:
		http.Error(w, "helpful must be yes or no", http.StatusBadRequest)
		return
	}
	visitor := h.visitor(w, r, true)
	id, err := h.vote(r.Context(), visitor, a.Slug, a.Lang, helpful)
	switch {
	case errors.Is(err, errAlreadyVoted):
		http.Redirect(w, r, a.URL()+"#vote", http.StatusSeeOther)
	case err != nil:
		h.site.Internal(w, r, err)
	default:
		http.Redirect(w, r, a.URL()+"?vote="+strconv.FormatInt(id, 10)+"#vote", http.StatusSeeOther)
	}
}

// Feedback handles POST /help/{lang}/{slug}/feedback: the comment on a "no".
func (h *Handler) Feedback(w http.ResponseWriter, r *http.Request) {
	a, ok := h.articleForm(w, r)
	if !ok {
		return
	}
	voteID, err := strconv.ParseInt(r.PostFormValue("vote"), 10, 64)
	if err != nil {
		http.Error(w, "vote must be the id of your vote", http.StatusBadRequest)
		return
	}
	comment := strings.TrimSpace(strings.ToValidUTF8(r.PostFormValue("comment"), ""))
	if utf8.RuneCountInString(comment) > maxComment {
		comment = string([]rune(comment)[:maxComment])
	}
	if comment != "" {
		visitor := h.visitor(w, r, false)
		if visitor == "" {
			http.Redirect(w, r, a.URL()+"#vote", http.StatusSeeOther)
			return
		}
		if _, err := h.addComment(r.Context(), visitor, voteID, comment); err != nil {
			h.site.Internal(w, r, err)
			return
		}
	}
	http.Redirect(w, r, a.URL()+"?thanks=1#vote", http.StatusSeeOther)
}
