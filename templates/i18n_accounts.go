package templates

// Texts of "Forgot password?", the reset link and its mail, blocked
// accounts, and the account page's roles, kinds and devices.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"signin.forgot":  "Забыли пароль?",
			"signin.blocked": "Учётная запись заблокирована. Обратитесь к администратору вашей организации.",

			"forgot.title":         "Восстановление пароля",
			"forgot.lead":          "Укажите почту, с которой входите в Parley. Мы пришлём на неё ссылку для выбора нового пароля.",
			"forgot.email":         "Электронная почта",
			"forgot.submit":        "Прислать ссылку",
			"forgot.back":          "Вернуться ко входу",
			"forgot.err.email":     "Укажите адрес электронной почты.",
			"forgot.err.throttled": "Слишком много запросов с этого адреса. Повторите через %d мин.",
			"forgot.sent.title":    "Проверьте почту",
			"forgot.sent.text": "Если для адреса %s есть учётная запись, на него отправлено письмо со ссылкой. " +
				"Ссылка действует один час и срабатывает один раз.",
			"forgot.sent.hint": "Письма нет несколько минут — проверьте папку «Спам». " +
				"Администраторы, которые входят по логину без почты, восстанавливают пароль командой parley user reset-password.",

			"reset.mail.subject": "Parley: восстановление пароля",
			"reset.mail.body": "Здравствуйте!\n\nКто-то (надеемся, вы) запросил восстановление пароля учётной записи %s в Parley (%s).\n\n" +
				"Чтобы выбрать новый пароль, откройте ссылку в течение часа:\n%s\n\n" +
				"Ссылка срабатывает один раз. Если вы не запрашивали восстановление, просто удалите это письмо: пароль останется прежним.",
			"reset.title":             "Новый пароль",
			"reset.lead":              "Придумайте новый пароль. После сохранения все сессии учётной записи на других устройствах завершатся.",
			"reset.account":           "Учётная запись",
			"reset.password":          "Новый пароль",
			"reset.password_hint":     "Не короче %s символов; не используйте распространённые пароли.",
			"reset.password2":         "Повторите пароль",
			"reset.submit":            "Сохранить пароль и войти",
			"reset.effect":            "Вход на этом устройстве выполнится сразу после сохранения.",
			"reset.invalid.title":     "Ссылка не работает",
			"reset.invalid.not_found": "Такой ссылки для восстановления пароля нет. Проверьте, что она скопирована целиком.",
			"reset.invalid.expired":   "Срок действия ссылки истёк: она действует один час.",
			"reset.invalid.used":      "Эта ссылка уже использована или пароль с тех пор изменён.",
			"reset.invalid.again":     "Запросить новую ссылку",
			"account.reset_done":      "Новый пароль сохранён. Все остальные сессии завершены.",

			"account.kind.cts_user":     "Зарегистрированный пользователь",
			"account.kind.unregistered": "Ещё не входил",
			"account.kind.botx":         "Бот",
			"account.role.user":         "Пользователь",
			"account.role.support":      "Сотрудник поддержки",
			"account.role.admin":        "Администратор сервера",

			"account.devices_lead":      "Устройства, на которых открыт вход в учётную запись. Каждое устройство — одна строка.",
			"account.end_others":        "Завершить все другие сессии",
			"account.others_ended":      "Все другие сессии завершены.",
			"account.history":           "Завершённые сессии (%d)",
			"account.device.end":        "Выйти на устройстве",
			"account.device.end_label":  "Выйти на устройстве %s",
			"account.device.label":      "%s, %s",
			"account.device.app":        "Parley %s для %s",
			"account.device.app_nover":  "Parley для %s",
			"account.device.browser":    "Браузер",
			"account.device.unknown":    "Неизвестное устройство",
			"account.device.unknown_os": "неизвестная система",

			"account.end_reason.signed_out":       "выход из учётной записи",
			"account.end_reason.ended_remotely":   "завершена с другого устройства",
			"account.end_reason.ended_by_admin":   "завершена администратором",
			"account.end_reason.password_changed": "пароль изменён",
			"account.end_reason.password_reset":   "пароль восстановлен или сброшен администратором",
			"account.end_reason.idle":             "долго не использовалась",
			"account.end_reason.blocked":          "учётная запись заблокирована",
			"account.end_reason.other":            "завершена",
		},
		"en": {
			"signin.forgot":  "Forgot password?",
			"signin.blocked": "This account is blocked. Please contact your organisation's administrator.",

			"forgot.title":         "Reset your password",
			"forgot.lead":          "Enter the e-mail you sign in to Parley with. We will send it a link to choose a new password.",
			"forgot.email":         "E-mail",
			"forgot.submit":        "Send the link",
			"forgot.back":          "Back to sign-in",
			"forgot.err.email":     "Please enter an e-mail address.",
			"forgot.err.throttled": "Too many requests from this address. Try again in %d min.",
			"forgot.sent.title":    "Check your mail",
			"forgot.sent.text": "If there is an account for %s, a mail with a link is on its way. " +
				"The link works for one hour, and only once.",
			"forgot.sent.hint": "No mail after a few minutes? Look in your spam folder. " +
				"Administrators who sign in with a login and no e-mail reset their password with parley user reset-password.",

			"reset.mail.subject": "Parley: reset your password",
			"reset.mail.body": "Hello,\n\nSomeone (hopefully you) asked to reset the password of the Parley account %s (%s).\n\n" +
				"To choose a new password, open this link within an hour:\n%s\n\n" +
				"The link works once. If you did not ask for this, just delete this mail: your password stays as it is.",
			"reset.title":             "Choose a new password",
			"reset.lead":              "Choose a new password. Once it is saved, every session of this account on other devices ends.",
			"reset.account":           "Account",
			"reset.password":          "New password",
			"reset.password_hint":     "At least %s characters; avoid common passwords.",
			"reset.password2":         "Repeat the password",
			"reset.submit":            "Save the password and sign in",
			"reset.effect":            "You are signed in on this device as soon as it is saved.",
			"reset.invalid.title":     "This link does not work",
			"reset.invalid.not_found": "There is no such password reset link. Check that it was copied whole.",
			"reset.invalid.expired":   "This link has expired: it works for one hour.",
			"reset.invalid.used":      "This link has already been used, or the password has changed since.",
			"reset.invalid.again":     "Ask for a new link",
			"account.reset_done":      "Your new password is saved. All other sessions were ended.",

			"account.kind.cts_user":     "Registered user",
			"account.kind.unregistered": "Never signed in",
			"account.kind.botx":         "Bot",
			"account.role.user":         "User",
			"account.role.support":      "Support staff",
			"account.role.admin":        "Server administrator",

			"account.devices_lead":      "Devices signed in to this account. Each device is one row.",
			"account.end_others":        "End all other sessions",
			"account.others_ended":      "All other sessions were ended.",
			"account.history":           "Ended sessions (%d)",
			"account.device.end":        "Sign out there",
			"account.device.end_label":  "Sign out on %s",
			"account.device.label":      "%s on %s",
			"account.device.app":        "Parley %s for %s",
			"account.device.app_nover":  "Parley for %s",
			"account.device.browser":    "Browser",
			"account.device.unknown":    "Unknown device",
			"account.device.unknown_os": "unknown system",

			"account.end_reason.signed_out":       "signed out",
			"account.end_reason.ended_remotely":   "ended from another device",
			"account.end_reason.ended_by_admin":   "ended by an administrator",
			"account.end_reason.password_changed": "password changed",
			"account.end_reason.password_reset":   "password reset or set by the administrator",
			"account.end_reason.idle":             "unused for too long",
			"account.end_reason.blocked":          "account blocked",
			"account.end_reason.other":            "ended",
		},
	})
}
