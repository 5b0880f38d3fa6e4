package templates

// Texts of the outbox page (/admin/mail), the invitation pages and the
// invitation mail.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"mail.outbox.title": "Исходящая почта",
			"mail.configured":   "Письма отправляются через SMTP-сервер от адреса %s.",
			"mail.not_configured": "SMTP-сервер не настроен, поэтому письма никуда не уходят: они сохраняются здесь. " +
				"Откройте письмо, чтобы скопировать из него ссылку приглашения и передать её человеку другим способом. " +
				"Чтобы письма отправлялись, запустите Parley с параметром --smtp-url.",
			"mail.outbox.empty":   "Писем пока нет.",
			"mail.col.created":    "Создано",
			"mail.col.to":         "Кому",
			"mail.col.subject":    "Тема",
			"mail.col.state":      "Состояние",
			"mail.col.attempts":   "Попыток",
			"mail.col.error":      "Ошибка",
			"mail.from":           "От кого",
			"mail.no_subject":     "(без темы)",
			"mail.next_attempt":   "следующая попытка",
			"mail.text":           "Текст письма",
			"mail.copy_hint":      "Это письмо не отправлено: SMTP-сервер не настроен. Скопируйте ссылку из текста ниже и передайте её получателю сами.",
			"mail.state.queued":   "В очереди",
			"mail.state.sent":     "Отправлено",
			"mail.state.failed":   "Не доставлено",
			"mail.state.not_sent": "Не отправлено",

			"invite.admin.title": "Приглашения",
			"invite.admin.lead": "Пригласите человека на портал поддержки: на указанный адрес придёт письмо со ссылкой. " +
				"Перейдя по ней, он зарегистрируется и задаст пароль. Ссылка действует 7 дней.",
			"invite.admin.no_smtp": "SMTP-сервер не настроен, поэтому письма с приглашениями не уходят. " +
				"Откройте письмо в исходящей почте и передайте ссылку человеку сами:",
			"invite.admin.new":            "Новое приглашение",
			"invite.field.email":          "Электронная почта",
			"invite.field.name":           "Имя и фамилия",
			"invite.field.role":           "Роль",
			"invite.role.user":            "Пользователь",
			"invite.role.support":         "Сотрудник поддержки",
			"invite.submit":               "Пригласить",
			"invite.spam_hint":            "Если письмо с приглашением не приходит, попросите проверить папку «Спам» или пригласите человека по другому адресу.",
			"invite.list":                 "Отправленные приглашения",
			"invite.none":                 "Приглашений пока нет.",
			"invite.col.state":            "Состояние",
			"invite.col.invited_by":       "Пригласил",
			"invite.col.created":          "Отправлено",
			"invite.col.expires":          "Действует до",
			"invite.col.actions":          "Действия",
			"invite.state.pending":        "Ожидает ответа",
			"invite.state.accepted":       "Принято",
			"invite.state.expired":        "Истекло",
			"invite.state.revoked":        "Отозвано",
			"invite.resend":               "Отправить заново",
			"invite.resend_label":         "Отправить приглашение для %s заново",
			"invite.revoke":               "Отозвать",
			"invite.revoke_label":         "Отозвать приглашение для %s",
			"invite.done.invited":         "Приглашение отправлено.",
			"invite.done.invited_no_smtp": "Приглашение создано. Письмо не отправлено, потому что SMTP-сервер не настроен: скопируйте из него ссылку в исходящей почте.",
			"invite.done.resent":          "Приглашение отправлено заново. Прежняя ссылка больше не действует.",
			"invite.done.revoked":         "Приглашение отозвано. Ссылка из письма больше не действует.",
			"invite.err.fix":              "Проверьте выделенные поля.",
			"invite.err.email":            "Это не похоже на адрес электронной почты.",
			"invite.err.exists":           "Учётная запись с этим адресом уже есть: приглашать не нужно.",
			"invite.err.role":             "Выберите роль: пользователь или сотрудник поддержки.",
			"invite.err.not_pending":      "Это приглашение уже принято или отозвано.",
			"invite.err.mismatch":         "Пароли не совпадают.",
			"invite.err.name":             "Укажите имя и фамилию.",

			"invite.accept.title":         "Регистрация в Parley",
			"invite.accept.lead":          "Вас пригласили на портал поддержки. Укажите имя и задайте пароль — после этого вы сразу войдёте.",
			"invite.accept.email":         "Электронная почта (логин)",
			"invite.accept.password":      "Пароль",
			"invite.accept.password_hint": "Не короче 10 символов; не из самых распространённых паролей.",
			"invite.accept.password2":     "Пароль ещё раз",
			"invite.accept.submit":        "Зарегистрироваться",
			"invite.accept.expires":       "Ссылка действует до %s.",
			"invite.accept.exists":        "Учётная запись с этим адресом уже есть. Войдите с ней на странице входа.",

			"invite.invalid.title":     "Приглашение недействительно",
			"invite.invalid.not_found": "Эта ссылка приглашения не действует: возможно, она скопирована не полностью или вместо неё уже отправлена новая.",
			"invite.invalid.expired":   "Срок действия этой ссылки приглашения истёк.",
			"invite.invalid.revoked":   "Это приглашение отозвано администратором.",
			"invite.invalid.used":      "По этому приглашению уже зарегистрировались. Войдите с адресом почты и паролем.",
			"invite.invalid.ask":       "Попросите администратора вашей организации прислать новое приглашение.",

			"invite.mail.subject":       "Приглашение на портал поддержки Parley",
			"invite.mail.greeting":      "Здравствуйте!",
			"invite.mail.greeting_name": "Здравствуйте, %s!",
			// %[1]s inviter, %[2]s Parley URL, %[3]s link, %[4]s expiry, %[5]s e-mail.
			"invite.mail.body": "Администратор %[1]s приглашает вас на портал поддержки Parley вашей организации:\n%[2]s\n\n" +
				"Чтобы получить доступ, перейдите по ссылке, зарегистрируйтесь и задайте пароль:\n%[3]s\n\n" +
				"Ссылка действует до %[4]s и только для одной регистрации. Если срок истёк, попросите администратора прислать новое приглашение.\n\n" +
				"После регистрации входите на %[2]s с адресом %[5]s и своим паролем.\n\n" +
				"Следующие письма Parley, например ответы поддержки, могут попасть в папку «Спам»: если письмо не приходит, проверьте её " +
				"или попросите администратора использовать другой адрес электронной почты.\n\n" +
				"Если вы не ждали этого приглашения, просто проигнорируйте письмо.\n",
		},
		"en": {
			"mail.outbox.title": "Outgoing mail",
			"mail.configured":   "Mail is sent through the SMTP server from %s.",
			"mail.not_configured": "No SMTP server is configured, so mail goes nowhere: it is kept here. " +
				"Open a message to copy an invitation link from it and pass it on to the person another way. " +
				"To send mail, start Parley with --smtp-url.",
			"mail.outbox.empty":   "No mail yet.",
			"mail.col.created":    "Created",
			"mail.col.to":         "To",
			"mail.col.subject":    "Subject",
			"mail.col.state":      "State",
			"mail.col.attempts":   "Attempts",
			"mail.col.error":      "Error",
			"mail.from":           "From",
			"mail.no_subject":     "(no subject)",
			"mail.next_attempt":   "next attempt",
			"mail.text":           "Text",
			"mail.copy_hint":      "This message was not sent: no SMTP server is configured. Copy the link from the text below and give it to the recipient yourself.",
			"mail.state.queued":   "Queued",
			"mail.state.sent":     "Sent",
			"mail.state.failed":   "Failed",
			"mail.state.not_sent": "Not sent",

			"invite.admin.title": "Invitations",
			"invite.admin.lead": "Invite a person to the support portal: a mail with a link goes to the address. " +
				"Following it, they register and choose a password. The link works for 7 days.",
			"invite.admin.no_smtp": "No SMTP server is configured, so invitation mail is not sent. " +
				"Open the message in the outgoing mail and pass the link on yourself:",
			"invite.admin.new":            "New invitation",
			"invite.field.email":          "E-mail",
			"invite.field.name":           "Full name",
			"invite.field.role":           "Role",
			"invite.role.user":            "User",
			"invite.role.support":         "Support staff",
			"invite.submit":               "Invite",
			"invite.spam_hint":            "If the invitation does not arrive, ask the person to check their spam folder, or invite them at another address.",
			"invite.list":                 "Invitations sent",
			"invite.none":                 "No invitations yet.",
			"invite.col.state":            "State",
			"invite.col.invited_by":       "Invited by",
			"invite.col.created":          "Sent",
			"invite.col.expires":          "Valid until",
			"invite.col.actions":          "Actions",
			"invite.state.pending":        "Pending",
			"invite.state.accepted":       "Accepted",
			"invite.state.expired":        "Expired",
			"invite.state.revoked":        "Revoked",
			"invite.resend":               "Resend",
			"invite.resend_label":         "Resend the invitation of %s",
			"invite.revoke":               "Revoke",
			"invite.revoke_label":         "Revoke the invitation of %s",
			"invite.done.invited":         "Invitation sent.",
			"invite.done.invited_no_smtp": "Invitation created. Its mail was not sent, since no SMTP server is configured: copy the link from it in the outgoing mail.",
			"invite.done.resent":          "Invitation sent again. The previous link no longer works.",
			"invite.done.revoked":         "Invitation revoked. The link in its mail no longer works.",
			"invite.err.fix":              "Please correct the marked fields.",
			"invite.err.email":            "This does not look like an e-mail address.",
			"invite.err.exists":           "An account with this address already exists: no invitation is needed.",
			"invite.err.role":             "Choose a role: user or support staff.",
			"invite.err.not_pending":      "This invitation has already been accepted or revoked.",
			"invite.err.mismatch":         "The passwords do not match.",
			"invite.err.name":             "Please enter your full name.",

			"invite.accept.title":         "Join Parley",
			"invite.accept.lead":          "You have been invited to the support portal. Enter your name and choose a password; you will be signed in right away.",
			"invite.accept.email":         "E-mail (your login)",
			"invite.accept.password":      "Password",
			"invite.accept.password_hint": "At least 10 characters; not one of the most common passwords.",
			"invite.accept.password2":     "Password again",
			"invite.accept.submit":        "Register",
			"invite.accept.expires":       "This link works until %s.",
			"invite.accept.exists":        "An account with this address already exists. Sign in with it on the sign-in page.",

			"invite.invalid.title":     "Invitation not valid",
			"invite.invalid.not_found": "This invitation link does not work: it may have been copied only in part, or a newer invitation has replaced it.",
			"invite.invalid.expired":   "This invitation link has expired.",
			"invite.invalid.revoked":   "An administrator has withdrawn this invitation.",
			"invite.invalid.used":      "Someone has already registered with this invitation. Sign in with your e-mail and password.",
			"invite.invalid.ask":       "Ask your organisation's administrator to send you a new invitation.",

			"invite.mail.subject":       "Your invitation to the Parley support portal",
			"invite.mail.greeting":      "Hello,",
			"invite.mail.greeting_name": "Hello %s,",
			"invite.mail.body": "Your administrator %[1]s invites you to your organisation's Parley support portal:\n%[2]s\n\n" +
				"To get access, follow the link, register and choose a password:\n%[3]s\n\n" +
				"The link works until %[4]s, for one registration only. If it has expired, ask the administrator for a new invitation.\n\n" +
				"Once registered, sign in at %[2]s with %[5]s and your password.\n\n" +
				"Later mail from Parley, such as replies from support, may land in your spam folder: if a message does not arrive, look there, " +
				"or ask the administrator to use another e-mail address.\n\n" +
				"If you did not expect this invitation, just ignore this mail.\n",
		},
	})
}
