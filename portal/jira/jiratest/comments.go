package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// commentJSON renders a comment as Jira does; s.mu is held.
func (s *Server) commentJSON(is *issue, c Comment) map[string]any {
	author := s.myself()
	if c.Author != "" && c.Author != author["displayName"] {
		author = s.person()
	}
	o := map[string]any{
		"self":         s.issueSelf(is) + "/comment/" + c.ID,
		"id":           c.ID,
		"author":       author,
		"body":         c.Body,
		"updateAuthor": author,
		"created":      jiraTime(c.Created),
		"updated":      jiraTime(c.Created),
	}
	if s.opt.Cloud {
		o["jsdPublic"] = true
	}
	return o
}

// addComment is POST /rest/api/2/issue/{key}/comment.
//
// go-jira v1.16.0's AddComment sends {"author":{"avatarUrls":{}},
// "updateAuthor":{…},"visibility":{}}: Cloud refuses it, Server ignores the
// extra objects.
func (s *Server) addComment(w http.ResponseWriter, r *http.Request, idOrKey string, body []byte) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	var req map[string]json.RawMessage
	if !s.readJSON(w, r, body, &req) {
		return
	}
	if s.opt.Cloud {
		var bad []string
		for _, k := range []string{"author", "updateAuthor"} {
			if _, ok := req[k]; ok {
				bad = append(bad, fmt.Sprintf("an %q object", k))
			}
		}
		if raw, ok := req["visibility"]; ok {
			var v struct{ Type, Value, Identifier string }
			if json.Unmarshal(raw, &v) != nil || v.Type == "" || (v.Value == "" && v.Identifier == "") {
				bad = append(bad, "a visibility without type and value")
			}
		}
		if len(bad) > 0 {
			why := "Jira Cloud does not accept " + strings.Join(bad, ", ") +
				" in a new comment (go-jira v1.16.0's AddComment sends them; post {\"body\": …} instead)"
			s.refuse(w, r, http.StatusBadRequest, why,
				[]string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
			return
		}
	}
	var text string
	if raw, ok := req["body"]; ok {
		if json.Unmarshal(raw, &text) != nil {
			s.refuse(w, r, http.StatusBadRequest, "comment body is not a string",
				nil, map[string]string{"comment": "Operation value must be a string"})
			return
		}
	}
	switch {
	case strings.TrimSpace(text) == "":
		s.refuse(w, r, http.StatusBadRequest, "empty comment", nil, map[string]string{"comment": "Comment body can not be empty!"})
		return
	case utf8.RuneCountInString(text) > 32767:
		s.refuse(w, r, http.StatusBadRequest, "comment too long", nil,
			map[string]string{"comment": "The entered text is too long. It exceeds the allowed limit of 32,767 characters."})
		return
	}
	c := s.newComment(is, text, s.myself()["displayName"].(string))
	if s.loseComments > 0 {
		s.loseComments--
		lostAnswer(w, http.StatusBadGateway)
		return
	}
	writeJSON(w, http.StatusCreated, s.commentJSON(is, c))
}

// newComment stores a comment; s.mu is held.
func (s *Server) newComment(is *issue, text, author string) Comment {
	now := time.Now().UTC().Truncate(time.Millisecond)
	c := Comment{ID: strconv.Itoa(s.nextComment), Body: text, Author: author, Created: now}
	s.nextComment++
	is.Comments = append(is.Comments, c)
	is.Updated = now
	return c
}

// AddComment adds a comment as a person working in Jira would (not through
// the API's account) and returns it.
func (s *Server) AddComment(key, text string) Comment {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(key)
	if is == nil {
		s.tb.Fatalf("jiratest: AddComment: no issue %s", key)
		return Comment{}
	}
	return s.newComment(is, text, s.person()["displayName"].(string))
}

// listComments is GET /rest/api/2/issue/{key}/comment?startAt&maxResults,
// oldest first.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request, idOrKey string) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("startAt"))
	limit := 50
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil {
		limit = min(max(v, 0), 100)
	}
	start = min(max(start, 0), len(is.Comments))
	end := min(start+limit, len(is.Comments))
	page := []any{}
	for _, c := range is.Comments[start:end] {
		page = append(page, s.commentJSON(is, c))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"startAt": start, "maxResults": limit, "total": len(is.Comments), "comments": page,
	})
}

// addRemoteLink is POST /rest/api/2/issue/{key}/remotelink. A link with
// the globalId of an existing one replaces it and answers 200.
func (s *Server) addRemoteLink(w http.ResponseWriter, r *http.Request, idOrKey string, body []byte) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	var req struct {
		GlobalID     string          `json:"globalId"`
		Application  any             `json:"application"`
		Relationship string          `json:"relationship"`
		Object       *map[string]any `json:"object"`
	}
	if !s.readJSON(w, r, body, &req) {
		return
	}
	errs := map[string]string{}
	var obj map[string]any
	if req.Object != nil {
		obj = *req.Object
	}
	url, _ := obj["url"].(string)
	title, _ := obj["title"].(string)
	switch {
	case req.Object == nil:
		errs["object"] = "'object' is required."
	case url == "":
		errs["url"] = "'url' is required."
	}
	if req.Object != nil && title == "" {
		errs["title"] = "'title' is required."
	}
	if utf8.RuneCountInString(req.GlobalID) > 255 {
		errs["globalId"] = "The global ID must be at most 255 characters long."
	}
	if len(errs) > 0 {
		s.refuse(w, r, http.StatusBadRequest, "invalid remote link", nil, errs)
		return
	}
	summary, _ := obj["summary"].(string)
	rec := linkRecord{globalID: req.GlobalID, application: req.Application, relationship: req.Relationship, object: obj}
	pub := RemoteLink{GlobalID: req.GlobalID, URL: url, Title: title, Summary: summary, Relationship: req.Relationship}
	is.Updated = time.Now().UTC().Truncate(time.Millisecond)
	if req.GlobalID != "" {
		for i, l := range is.links {
			if l.globalID == req.GlobalID {
				rec.id, pub.ID = l.id, l.id
				is.links[i], is.RemoteLinks[i] = rec, pub
				writeJSON(w, http.StatusOK, map[string]any{"id": l.id, "self": s.linkSelf(is, l.id)})
				return
			}
		}
	}
	rec.id, pub.ID = s.nextLink, s.nextLink
	s.nextLink++
	is.links = append(is.links, rec)
	is.RemoteLinks = append(is.RemoteLinks, pub)
	writeJSON(w, http.StatusCreated, map[string]any{"id": rec.id, "self": s.linkSelf(is, rec.id)})
}

func (s *Server) linkSelf(is *issue, id int) string {
	return fmt.Sprintf("%s/rest/api/2/issue/%s/remotelink/%d", s.URL, is.Key, id)
}

// listRemoteLinks is GET /rest/api/2/issue/{key}/remotelink, or the one
// link with ?globalId=.
func (s *Server) listRemoteLinks(w http.ResponseWriter, r *http.Request, idOrKey string) {
	is := s.findOr404(w, r, idOrKey)
	if is == nil {
		return
	}
	render := func(l linkRecord) map[string]any {
		o := map[string]any{"id": l.id, "self": s.linkSelf(is, l.id), "object": l.object}
		if l.globalID != "" {
			o["globalId"] = l.globalID
		}
		if l.application != nil {
			o["application"] = l.application
		} else {
			o["application"] = map[string]any{}
		}
		if l.relationship != "" {
			o["relationship"] = l.relationship
		}
		return o
	}
	if gid := r.URL.Query().Get("globalId"); gid != "" {
		for _, l := range is.links {
			if l.globalID == gid {
				writeJSON(w, http.StatusOK, render(l))
				return
			}
		}
		s.refuse(w, r, http.StatusNotFound, "no remote link with globalId "+gid,
			[]string{"No remote link with the given globalId was found."}, nil)
		return
	}
	out := []any{}
	for _, l := range is.links {
		out = append(out, render(l))
	}
	writeJSON(w, http.StatusOK, out)
}
