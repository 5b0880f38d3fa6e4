package accounts

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"parley/server/web"
	"parley/templates"
)

// AccountPage handles GET /account.
func (h *Handler) AccountPage(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r.Context())
	v, err := h.accountView(w, r, u)
	if err != nil {
		h.site.Internal(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "profile":
		v.Notice = v.T("account.saved")
	case "password":
		v.Notice = v.T("account.password_changed")
	case "session":
		v.Notice = v.T("account.session.ended_ok")
	case "others":
		v.Notice = v.T("account.others_ended")
	case "reset":
		v.Notice = v.T("account.reset_done")
	}
	h.site.Render(w, r, http.StatusOK, templates.Account(v))
}

func (h *Handler) accountView(w http.ResponseWriter, r *http.Request, u User) (templates.AccountView, error) {
	cur, _ := CurrentSession(r.Context())
	sessions, err := h.svc.Sessions(r.Context(), u.ID)
	if err != nil {
		return templates.AccountView{}, err
	}
	v := templates.AccountView{
		Page: h.site.Page(w, r, "account.title"),
		HUID: u.HUID, Kind: string(u.Kind), Role: string(u.Role), Login: u.Login,
		MustChangePassword: u.MustChangePassword,
		Profile:            profileForm(u.Profile),
		SavedLang:          u.Lang,
	}
	v.Devices, v.History = deviceViews(v.Lang, sessions, cur.ID)
	for _, s := range sessions {
		if s.Active() && s.ID != cur.ID {
			v.OtherActive++
		}
	}
	return v, nil
}

func profileForm(p Profile) templates.ProfileForm {
	return templates.ProfileForm{Name: p.Name, Email: p.Email, Phone: p.Phone, Company: p.Company,
		Department: p.Department, Position: p.Position, Manager: p.Manager, Office: p.Office,
		ADLogin: p.ADLogin, ADDomain: p.ADDomain, Tags: strings.Join(p.Tags, ", ")}
}

func pageTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// flatten turns {"permissions":{"microphone":true}} into permissions.microphone=true,
// the dotted names the admin panel and the help center use.
func flatten(prefix string, m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range flatten(key, sub) {
				out[sk] = sv
			}
			continue
		}
		b, _ := json.Marshal(v)
		out[key] = string(b)
	}
	return out
}

// AccountProfileSubmit handles POST /account/profile.
func (h *Handler) AccountProfileSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, maxFormBody) {
		return
	}
	u, _ := CurrentUser(r.Context())
	f := r.PostForm
	p := Profile{Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"), Company: f.Get("company"),
		Department: f.Get("department"), Position: f.Get("position"), Manager: f.Get("manager"),
		Office: f.Get("office"), ADLogin: f.Get("ad_login"), ADDomain: f.Get("ad_domain"),
		Tags: strings.Split(f.Get("tags"), ",")}
	lang := f.Get("lang")
	if lang != "" && !web.SupportedLang(lang) {
		lang = ""
	}
	// Moving the sign-in e-mail needs the current password, as over the API.
	err := h.confirmEmailChange(r, u, p.Email, f.Get("current_password"))
	if err == nil {
		_, err = h.svc.UpdateProfile(r.Context(), u.ID, p)
	}
	if err == nil {
		err = h.svc.SetLang(r.Context(), u.ID, lang)
	}
	if err != nil {
		v, verr := h.accountView(w, r, u)
		if verr != nil {
			h.site.Internal(w, r, verr)
			return
		}
		// Keep what the person typed, and say what to fix.
		v.Profile = templates.ProfileForm{Name: p.Name, Email: p.Email, Phone: p.Phone, Company: p.Company,
			Department: p.Department, Position: p.Position, Manager: p.Manager, Office: p.Office,
			ADLogin: p.ADLogin, ADDomain: p.ADDomain, Tags: f.Get("tags")}
		var ve *ValidationError
		switch {
		case errors.As(err, &ve):
			v.FieldErrors = map[string]string{ve.Field: localizeValidation(v.Lang, ve)}
			v.FormError = v.T("account.fix")
		case errors.Is(err, ErrTaken):
			v.FieldErrors = map[string]string{"email": v.T("account.taken")}
			v.FormError = v.T("account.fix")
		default:
			h.site.Internal(w, r, err)
			return
		}
		h.site.Render(w, r, http.StatusBadRequest, templates.Account(v))
		return
	}
	http.Redirect(w, r, "/account?done=profile", http.StatusSeeOther)
}

// localizeValidation words a validation error for a page. Messages are
// English from the domain; Russian pages get a Russian sentence.
func localizeValidation(lang string, ve *ValidationError) string {
	if text, ok := LocalizePasswordRule(lang, ve); ok {
		return text
	}
	if lang != "ru" {
		return ve.Message
	}
	switch {
	case strings.Contains(ve.Message, "e-mail"):
		return "Это не похоже на адрес электронной почты."
	case strings.Contains(ve.Message, "is required"):
		return "Обязательное поле."
	case strings.Contains(ve.Message, "digits"):
		return "Допустимы цифры, пробелы, скобки, дефисы и + в начале."
	case strings.Contains(ve.Message, "at least"):
		return fmt.Sprintf("Не короче %d символов.", MinPasswordLen)
	case strings.Contains(ve.Message, "not your current"):
		return "Текущий пароль указан неверно."
	case strings.Contains(ve.Message, "must differ"):
		return "Новый пароль должен отличаться от текущего."
	case strings.Contains(ve.Message, "at most"):
		return "Слишком длинное значение."
	}
	return "Недопустимое значение."
}

// AccountPasswordSubmit handles POST /account/password.
func (h *Handler) AccountPasswordSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.site.ReadForm(w, r, maxFormBody) {
		return
	}
	u, _ := CurrentUser(r.Context())
	cur, _ := CurrentSession(r.Context())
	err := h.svc.ChangePassword(r.Context(), u.ID, cur.ID, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	var ve *ValidationError
	switch {
	case err == nil:
		http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
	case errors.As(err, &ve):
		v, verr := h.accountView(w, r, u)
		if verr != nil {
			h.site.Internal(w, r, verr)
			return
		}
		v.PasswordErrors = map[string]string{ve.Field: localizeValidation(v.Lang, ve)}
		h.site.Render(w, r, http.StatusBadRequest, templates.Account(v))
	default:
		h.site.Internal(w, r, err)
	}
}

// AccountEndSession handles POST /account/sessions/{id}/end.
func (h *Handler) AccountEndSession(w http.ResponseWriter, r *http.Request) {
	h.endFromPage(w, r, h.svc.EndSession)
}

// SwitchLang handles GET /lang/{lang}: remember the choice and go back.
func (h *Handler) SwitchLang(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	next := web.SafeRedirect(r.URL.Query().Get("next"), "/")
	if !web.SupportedLang(lang) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	web.SetLangCookie(w, web.LangCookie, lang, h.site.SecureCookies)
	if u, ok := CurrentUser(r.Context()); ok {
		if err := h.svc.SetLang(r.Context(), u.ID, lang); err != nil {
			h.site.Internal(w, r, err)
			return
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
