package web

import (
	"net/http"
	"strconv"
	"strings"
)

// Languages Parley speaks.
var Languages = []string{"ru", "en"}

// SupportedLang reports whether lang is one of Languages.
func SupportedLang(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// LangCookie remembers a visitor's choice when they are not signed in.
const LangCookie = "lang"

// PickLang chooses the page language: the user's saved setting, then the
// cookie, then Accept-Language, then def.
func PickLang(r *http.Request, saved, cookieName, def string) string {
	if SupportedLang(saved) {
		return saved
	}
	if c, err := r.Cookie(cookieName); err == nil && SupportedLang(c.Value) {
		return c.Value
	}
	if l := fromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return def
}

// fromAcceptLanguage returns the supported language with the highest q.
func fromAcceptLanguage(h string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if SupportedLang(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// SetLangCookie stores a visitor's language choice for a year.
func SetLangCookie(w http.ResponseWriter, name, lang string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}
