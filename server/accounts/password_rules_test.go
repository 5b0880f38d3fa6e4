package accounts

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pw       string
		personal []string
		code     string // "" when accepted
	}{
		{"12345678", nil, "too_short"}, // the administrator's password of issue 10
		{"short", nil, "too_short"},
		{"nine-char", nil, "too_short"},
		{"пароль-из-", nil, ""}, // ten characters, counted as characters, not bytes
		{strings.Repeat("x", 257), nil, "too_long"},
		{"          ", nil, "only_spaces"},
		{"1234567890", nil, "common"},
		{"QwertyUIOP", nil, "common"},
		{"Password2024!", nil, "common"},
		{"password12345", nil, "common"},
		{"йцукенгшщз", nil, "common"},
		{"aaaaaaaaaaaa", nil, "repeated"},
		{"abababababab", nil, "repeated"},
		{"qwerqwerqwer", nil, "repeated"},
		{"abcdefghijk", nil, "sequence"},
		{"9876543210", nil, "sequence"},
		{"78901234567", nil, "sequence"},
		{"olga.smirnova", []string{"", "olga.smirnova@example.org"}, "personal"},
		{"Olga.Smirnova@example.org", []string{"olga.smirnova@example.org"}, "personal"},
		{"root-account", []string{"root-account"}, "personal"},
		{"Olga Smirnova", []string{"admin", "olga@example.org", "olga smirnova"}, "personal"},
		{"olga-smirnova-77", []string{"olga.smirnova@example.org"}, ""},
		{"password-1", nil, ""},
		{"correct horse battery staple", nil, ""},
		{"Tr0ub4dor&3x", nil, ""},
	} {
		err := CheckPasswordRules(tc.pw, tc.personal...)
		var ve *ValidationError
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%q refused: %v", tc.pw, err)
		case tc.code != "" && !errors.As(err, &ve):
			t.Errorf("%q accepted, want %s", tc.pw, tc.code)
		case tc.code != "" && (ve.Code != tc.code || ve.Field != "password" || ve.Message == ""):
			t.Errorf("%q: got %+v, want code %s", tc.pw, ve, tc.code)
		}
	}
}

// The first administrator's random one-time password must pass the rules it
// is later held to, every time.
func TestRandomPasswordsPassTheRules(t *testing.T) {
	t.Parallel()
	for range 2000 {
		if pw := RandomPassword(); CheckPasswordRules(pw, "admin") != nil {
			t.Fatalf("random password %q refused: %v", pw, CheckPasswordRules(pw, "admin"))
		}
	}
}

// Every rule reads as a sentence in both languages, by code or, where a
// caller kept only the message, by message.
func TestPasswordRulesAreWordedInBothLanguages(t *testing.T) {
	t.Parallel()
	for _, rule := range passwordRules {
		for _, lang := range []string{"ru", "en"} {
			for _, ve := range []*ValidationError{
				{Field: "password", Code: rule.code, Message: rule.message},
				{Field: "new_password", Message: rule.message},
			} {
				text, ok := LocalizePasswordRule(lang, ve)
				if !ok || text == "" || strings.HasPrefix(text, "password.rule.") || strings.Contains(text, "%!") {
					t.Errorf("%s %s: %q, %v", lang, rule.code, text, ok)
				}
			}
		}
	}
	if got, _ := LocalizePasswordRule("ru", &ValidationError{Code: "too_short"}); !strings.Contains(got, "10 символов") {
		t.Errorf("ru too_short: %q", got)
	}
	if _, ok := LocalizePasswordRule("en", &ValidationError{Field: "email", Code: "invalid", Message: "is not a valid e-mail address"}); ok {
		t.Error("an e-mail error was taken for a password rule")
	}
}
