// Package templates renders every server-side page of Parley with templ.
// Components receive plain view structs and never query anything.
package templates

// Page is what every page's layout needs.
type Page struct {
	Lang  string
	Title string
	CSRF  string
	Path  string // this page's path with query, for the language switch to come back to
	// AltURL is this page in the other language when that is another URL
	// (help articles); the language switch goes there instead of Path.
	AltURL string
	User   *UserBadge // nil when nobody is signed in
	// Notice is a one-line confirmation shown at the top ("Saved.").
	Notice string
}

// UserBadge is the signed-in user as the header shows them.
type UserBadge struct {
	Name    string
	IsStaff bool
	IsAdmin bool
	// Unread is how many support tickets wait unread for staff (the header
	// shows it beside the queue).
	Unread int
}

// OtherLang is the language the switch offers.
func (p Page) OtherLang() string {
	if p.Lang == "ru" {
		return "en"
	}
	return "ru"
}

// SwitchNext is where the language switch returns to.
func (p Page) SwitchNext() string {
	if p.AltURL != "" {
		return p.AltURL
	}
	return p.Path
}

// T translates key into the page's language.
func (p Page) T(key string) string { return T(p.Lang, key) }
