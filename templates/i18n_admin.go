package templates

// Texts of the administrator home page, /admin.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"admin.title":            "Администрирование",
			"admin.lead":             "Все настройки сервера, доступные администратору.",
			"admin.invitations.lead": "Пригласить людей по почте и посмотреть, кто ещё не принял приглашение.",
			"admin.mail.lead":        "Все письма сервера: что ушло, что ждёт отправки и что не отправлено без SMTP.",
			"admin.support.lead":     "Сроки ответа и решения технической поддержки по приоритетам.",
			"admin.jira.lead":        "Подключение к Jira: адрес, учётная запись, проекты для каждого вида обращений, секрет вебхука.",
			"admin.diagnostics.lead": "Сколько дней хранить загруженную диагностику.",
		},
		"en": {
			"admin.title":            "Administration",
			"admin.lead":             "Every server setting an administrator can change.",
			"admin.invitations.lead": "Invite people by mail and see who has not accepted yet.",
			"admin.mail.lead":        "Every mail of the server: what went out, what waits, and what stays unsent without SMTP.",
			"admin.support.lead":     "Response and resolution times of technical support by priority.",
			"admin.jira.lead":        "The Jira link: address, account, a project per request kind, the webhook secret.",
			"admin.diagnostics.lead": "How many days uploaded diagnostics are kept.",
		},
	})
}
