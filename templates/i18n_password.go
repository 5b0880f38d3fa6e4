package templates

// Texts of the password rules (server/accounts/password_rules.go), of the
// bound on concurrent password hashing and of ending a session that is not
// one's own.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"password.rule.too_short":                  "Пароль должен быть не короче %d символов.",
			"password.rule.too_long":                   "Пароль слишком длинный: не больше %d байт.",
			"password.rule.only_spaces":                "Пароль не может состоять из одних пробелов.",
			"password.rule.common":                     "Это один из самых распространённых паролей: его подбирают первым. Выберите менее очевидный.",
			"password.rule.repeated":                   "Пароль повторяет одни и те же символы. Выберите менее очевидный.",
			"password.rule.sequence":                   "Пароль — это символы подряд по порядку. Выберите менее очевидный.",
			"password.rule.personal":                   "Пароль не должен совпадать с вашим логином, почтой или именем.",
			"password.busy":                            "Сейчас входит очень много людей. Повторите попытку через несколько секунд.",
			"account.field.email_password":             "Текущий пароль (нужен, только чтобы сменить почту)",
			"password.confirm.email_password_required": "Чтобы сменить почту, с которой вы входите, введите текущий пароль.",
			"password.confirm.wrong_password":          "Текущий пароль указан неверно.",
			"password.confirm.throttled":               "Слишком много неверных паролей. Повторите попытку позже.",
			"password.confirm.busy":                    "Сейчас не удалось проверить пароль: входит очень много людей. Повторите через несколько секунд.",
			"account.session.not_found":                "У вас нет такой активной сессии: возможно, она уже завершена. Ничего не изменилось.",
		},
		"en": {
			"password.rule.too_short":                  "The password must be at least %d characters long.",
			"password.rule.too_long":                   "The password is too long: at most %d bytes.",
			"password.rule.only_spaces":                "The password cannot be only spaces.",
			"password.rule.common":                     "This is one of the most common passwords, which are tried first. Choose a less obvious one.",
			"password.rule.repeated":                   "The password repeats the same few characters. Choose a less obvious one.",
			"password.rule.sequence":                   "The password is a run of consecutive characters. Choose a less obvious one.",
			"password.rule.personal":                   "The password must not be your login, e-mail or name.",
			"password.busy":                            "A great many people are signing in right now. Please try again in a few seconds.",
			"account.field.email_password":             "Current password (needed only to change the e-mail)",
			"password.confirm.email_password_required": "To change the e-mail you sign in with, enter your current password.",
			"password.confirm.wrong_password":          "That is not your current password.",
			"password.confirm.throttled":               "Too many wrong passwords. Please try again later.",
			"password.confirm.busy":                    "The password could not be checked just now: a great many people are signing in. Try again in a few seconds.",
			"account.session.not_found":                "You have no such active session: it may have ended already. Nothing was changed.",
		},
	})
}
