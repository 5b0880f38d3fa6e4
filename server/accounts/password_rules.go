package accounts

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"parley/templates"
)

// MinPasswordLen is the shortest password accepted. Ten characters keep an
// offline guess of a stolen hash out of reach of a short dictionary attack.
const MinPasswordLen = 10

// MaxPasswordLen bounds hashing work per request.
const MaxPasswordLen = 256

// The reasons CheckPasswordRules gives, as ValidationError codes and
// messages. Pages word them from the catalogue by code (see
// LocalizePasswordRule): key "password.rule." + code.
var passwordRules = []struct{ code, message string }{
	ruleShort:    {"too_short", fmt.Sprintf("must be at least %d characters long", MinPasswordLen)},
	ruleLong:     {"too_long", fmt.Sprintf("must be at most %d bytes long", MaxPasswordLen)},
	ruleSpaces:   {"only_spaces", "must not be only spaces"},
	ruleCommon:   {"common", "is one of the most common passwords, which are tried first: choose a less obvious one"},
	ruleRepeated: {"repeated", "repeats the same few characters: choose a less obvious one"},
	ruleSequence: {"sequence", "is a run of consecutive characters: choose a less obvious one"},
	rulePersonal: {"personal", "must not be your login, e-mail or name"},
}

const (
	ruleShort = iota
	ruleLong
	ruleSpaces
	ruleCommon
	ruleRepeated
	ruleSequence
	rulePersonal
)

func passwordError(rule int) error {
	r := passwordRules[rule]
	return &ValidationError{Field: "password", Code: r.code, Message: r.message}
}

// commonPasswords are the passwords of ten characters and more that lead the
// published lists of leaked passwords, lower-cased; shorter ones fail the
// length rule anyway.
var commonPasswords = map[string]bool{
	"1234567890": true, "0987654321": true, "1q2w3e4r5t": true, "1q2w3e4r5t6y": true, "q1w2e3r4t5": true,
	"1qaz2wsx3edc": true, "qazwsxedcrfv": true, "zaq12wsxcde3": true, "zaq1zaq1zaq1": true, "1qazxsw23edc": true,
	"qwertyuiop": true, "asdfghjkl;": true, "asdfghjkl1": true, "zxcvbnm123": true, "qwerty123456": true,
	"a123456789": true, "123456789a": true, "123456789q": true, "q123456789": true, "1234qwerty": true,
	"1234567890q": true, "qwertyuiop[]": true, "1234abcd!@": true, "abcd123456": true, "abc1234567": true,
	"iloveyou12": true, "iloveyou123": true, "superman123": true, "football123": true, "baseball123": true,
	"password12": true, "password123": true, "password1234": true, "passw0rd123": true, "p@ssw0rd123": true,
	"p@ssword123": true, "administrator": true, "adminadmin": true, "admin12345": true, "admin123456": true,
	"letmein123": true, "welcome123": true, "welcome1234": true, "changeme123": true, "trustno1234": true,
	"qwerty12345": true, "qwerty1234": true, "qwertyqwerty": true, "passwordpassword": true, "12345qwert": true,
	"123qweasdzxc": true, "qweasdzxc123": true, "1q2w3e4r5t6y7u": true, "zxcvbnmasdfghjkl": true,
	"йцукенгшщз": true, "йцукенгшщзхъ": true, "пароль1234": true, "пароль12345": true, "qwerty123!": true,
	"parley1234": true, "parley12345": true, "parleyparley": true,
}

// commonStems are words that people pad with digits or "!" to reach a length
// rule ("Password2024!"); such a password is still among the first guesses.
var commonStems = map[string]bool{
	"password": true, "passw0rd": true, "p@ssw0rd": true, "p@ssword": true, "qwerty": true, "qwertyuiop": true,
	"admin": true, "administrator": true, "letmein": true, "welcome": true, "iloveyou": true, "monkey": true,
	"dragon": true, "football": true, "baseball": true, "sunshine": true, "princess": true, "master": true,
	"superman": true, "changeme": true, "parley": true, "qwe": true, "asdf": true, "abc": true, "abcd": true,
	"пароль": true, "йцукен": true, "qazwsx": true, "zxcvbnm": true, "test": true, "user": true, "secret": true,
}

// CheckPasswordRules says what is wrong with a new password, if anything:
// too short or long, one of the commonest passwords, a run or repetition of
// characters, or the account's own login, e-mail or name (personal: any of
// them; empty ones are ignored). The error is a *ValidationError whose
// message says why.
func CheckPasswordRules(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return passwordError(ruleShort)
	case len(pw) > MaxPasswordLen:
		return passwordError(ruleLong)
	case strings.TrimSpace(pw) == "":
		return passwordError(ruleSpaces)
	}
	low := strings.ToLower(pw)
	stem := strings.TrimRightFunc(low, func(r rune) bool { return unicode.IsDigit(r) || r == '!' || r == '.' })
	switch {
	case commonPasswords[low] || commonStems[stem]:
		return passwordError(ruleCommon)
	case repeats(low):
		return passwordError(ruleRepeated)
	case consecutive(low):
		return passwordError(ruleSequence)
	}
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		local, _, _ := strings.Cut(p, "@")
		if low == p || stem == p || (len(local) >= 3 && (low == local || stem == local)) {
			return passwordError(rulePersonal)
		}
	}
	return nil
}

// repeats reports whether s is a block of at most four characters said over
// and over: "aaaaaaaaaa", "ababababab", "qwerqwerqwer".
func repeats(s string) bool {
	r := []rune(s)
	for period := 1; period <= 4 && 2*period <= len(r); period++ {
		same := true
		for i := period; i < len(r) && same; i++ {
			same = r[i] == r[i-period]
		}
		if same {
			return true
		}
	}
	return false
}

// consecutive reports whether s runs up or down the alphabet or the digits
// one step at a time: "abcdefghij", "9876543210", "12345678901" (digits go
// round, as on a keyboard's top row).
func consecutive(s string) bool {
	r := []rune(s)
	for _, step := range []rune{1, -1} {
		run := true
		for i := 1; i < len(r) && run; i++ {
			d := r[i] - r[i-1]
			if isDigit(r[i]) && isDigit(r[i-1]) {
				d = (d+10+1)%10 - 1 // -1, 0 … 8: a step of 9 is one down
			}
			run = d == step
		}
		if run {
			return true
		}
	}
	return false
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// confirmCodes are the refusals of a change that needs the current password
// (confirmEmailChange); key "password.confirm." + code.
var confirmCodes = map[string]bool{"email_password_required": true, "busy": true, "wrong_password": true, "throttled": true}

// LocalizePasswordRule words a password-rule error in lang from the
// catalogue; ok is false when ve is not one of them. It knows a rule by its
// code, or by its message where a caller kept only that.
func LocalizePasswordRule(lang string, ve *ValidationError) (text string, ok bool) {
	if ve.Field == "current_password" && confirmCodes[ve.Code] {
		return templates.T(lang, "password.confirm."+ve.Code), true
	}
	for i, rule := range passwordRules {
		if ve.Code != rule.code && ve.Message != rule.message {
			continue
		}
		key := "password.rule." + rule.code
		switch i {
		case ruleShort:
			return templates.Tf(lang, key, MinPasswordLen), true
		case ruleLong:
			return templates.Tf(lang, key, MaxPasswordLen), true
		}
		return templates.T(lang, key), true
	}
	return "", false
}
