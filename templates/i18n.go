package templates

import "fmt"

// T returns the text for key in lang, falling back to English, then to the
// key itself so a missing translation is visible but never breaks a page.
func T(lang, key string) string {
	if s, ok := messages[lang][key]; ok {
		return s
	}
	if s, ok := messages["en"][key]; ok {
		return s
	}
	return key
}

// Tf is T with fmt.Sprintf arguments.
func Tf(lang, key string, args ...any) string { return fmt.Sprintf(T(lang, key), args...) }

// MessageKeys lists every key of a language, for the completeness test.
func MessageKeys(lang string) []string {
	keys := make([]string, 0, len(messages[lang]))
	for k := range messages[lang] {
		keys = append(keys, k)
	}
	return keys
}

var messages = map[string]map[string]string{
	"ru": {
		"site.name":             "Parley",
		"nav.skip":              "Перейти к содержимому",
		"nav.help":              "Справка",
		"nav.account":           "Профиль",
		"nav.signin":            "Войти",
		"nav.signout":           "Выйти",
		"nav.lang_switch":       "English",
		"nav.lang_switch_label": "Switch to English",
		"footer.text":           "Parley — мессенджер и портал поддержки вашей организации",

		"signin.title":     "Вход в Parley",
		"signin.lead":      "Войдите с корпоративной почтой (администраторы — с логином) и паролем.",
		"signin.login":     "Почта или логин",
		"signin.password":  "Пароль",
		"signin.submit":    "Войти",
		"signin.bad":       "Неверная почта, логин или пароль.",
		"signin.throttled": "Слишком много неудачных попыток входа. Повторите через %d с.",
		"signin.required":  "Укажите почту или логин и пароль.",
		"signin.csrf":      "Форма устарела. Пожалуйста, отправьте её ещё раз.",
		"signin.ended":     "Сессия завершена. Войдите снова.",
		"signin.help":      "Нет учётной записи? Её создаёт администратор вашей организации.",

		"account.title":             "Профиль",
		"account.profile":           "Корпоративные данные",
		"account.huid":              "HUID",
		"account.huid_hint":         "Постоянный идентификатор учётной записи. Он не меняется при изменении профиля.",
		"account.kind":              "Тип учётной записи",
		"account.role":              "Роль",
		"account.login":             "Логин",
		"account.field.name":        "Имя и фамилия",
		"account.field.email":       "Электронная почта",
		"account.field.phone":       "Телефон",
		"account.field.company":     "Компания",
		"account.field.department":  "Отдел",
		"account.field.position":    "Должность",
		"account.field.manager":     "Руководитель",
		"account.field.office":      "Офис",
		"account.field.ad_login":    "Логин AD",
		"account.field.ad_domain":   "Домен AD",
		"account.field.tags":        "Теги (через запятую)",
		"account.save":              "Сохранить",
		"account.saved":             "Профиль сохранён.",
		"account.fix":               "Исправьте отмеченные поля.",
		"account.taken":             "Эта почта уже занята другой учётной записью.",
		"account.password":          "Пароль",
		"account.password_must":     "Вы вошли с одноразовым паролем. Задайте собственный пароль.",
		"account.current_password":  "Текущий пароль",
		"account.new_password":      "Новый пароль (не короче 8 символов)",
		"account.change_password":   "Сменить пароль",
		"account.password_changed":  "Пароль изменён. Остальные сессии завершены.",
		"account.sessions":          "Сессии",
		"account.sessions_lead":     "Все устройства, с которых выполнялся вход. Завершённые сессии остаются в истории.",
		"account.session.device":    "Устройство",
		"account.session.udid":      "UDID",
		"account.session.app":       "Версия приложения",
		"account.session.tz":        "Часовой пояс",
		"account.session.ip":        "IP-адрес",
		"account.session.created":   "Вход",
		"account.session.seen":      "Активность",
		"account.session.state":     "Состояние",
		"account.session.current":   "Эта сессия",
		"account.session.active":    "Активна",
		"account.session.ended":     "Завершена",
		"account.session.end":       "Завершить",
		"account.session.end_label": "Завершить сессию %s",
		"account.session.ended_ok":  "Сессия завершена.",
		"account.session.meta":      "Device Meta",
		"account.language":          "Язык интерфейса",
		"account.language_auto":     "Как в браузере",

		"error.title":     "Ошибка",
		"error.not_found": "Страница не найдена.",
		"error.internal":  "Что-то пошло не так. Мы уже записали ошибку; попробуйте ещё раз.",
		"error.back":      "На главную",
		"error.forbidden": "Недостаточно прав для этой страницы.",
	},
	"en": {
		"site.name":             "Parley",
		"nav.skip":              "Skip to content",
		"nav.help":              "Help",
		"nav.account":           "Account",
		"nav.signin":            "Sign in",
		"nav.signout":           "Sign out",
		"nav.lang_switch":       "Русский",
		"nav.lang_switch_label": "Переключить на русский",
		"footer.text":           "Parley — your organisation's messenger and support portal",

		"signin.title":     "Sign in to Parley",
		"signin.lead":      "Sign in with your work e-mail (administrators: with your login) and password.",
		"signin.login":     "E-mail or login",
		"signin.password":  "Password",
		"signin.submit":    "Sign in",
		"signin.bad":       "Wrong e-mail, login or password.",
		"signin.throttled": "Too many failed sign-in attempts. Try again in %d s.",
		"signin.required":  "Enter your e-mail or login and your password.",
		"signin.csrf":      "The form had expired. Please send it again.",
		"signin.ended":     "Your session has ended. Please sign in again.",
		"signin.help":      "No account? Your organisation's administrator creates it.",

		"account.title":             "Account",
		"account.profile":           "Corporate profile",
		"account.huid":              "HUID",
		"account.huid_hint":         "The permanent identifier of this account. Profile changes never alter it.",
		"account.kind":              "Account kind",
		"account.role":              "Role",
		"account.login":             "Login",
		"account.field.name":        "Full name",
		"account.field.email":       "E-mail",
		"account.field.phone":       "Phone",
		"account.field.company":     "Company",
		"account.field.department":  "Department",
		"account.field.position":    "Position",
		"account.field.manager":     "Manager",
		"account.field.office":      "Office",
		"account.field.ad_login":    "AD login",
		"account.field.ad_domain":   "AD domain",
		"account.field.tags":        "Tags (comma-separated)",
		"account.save":              "Save",
		"account.saved":             "Profile saved.",
		"account.fix":               "Please correct the marked fields.",
		"account.taken":             "That e-mail is already used by another account.",
		"account.password":          "Password",
		"account.password_must":     "You signed in with a one-time password. Please choose your own.",
		"account.current_password":  "Current password",
		"account.new_password":      "New password (at least 8 characters)",
		"account.change_password":   "Change password",
		"account.password_changed":  "Password changed. Your other sessions were ended.",
		"account.sessions":          "Sessions",
		"account.sessions_lead":     "Every device this account signed in from. Ended sessions stay in the history.",
		"account.session.device":    "Device",
		"account.session.udid":      "UDID",
		"account.session.app":       "App version",
		"account.session.tz":        "Time zone",
		"account.session.ip":        "IP address",
		"account.session.created":   "Signed in",
		"account.session.seen":      "Last active",
		"account.session.state":     "State",
		"account.session.current":   "This session",
		"account.session.active":    "Active",
		"account.session.ended":     "Ended",
		"account.session.end":       "End",
		"account.session.end_label": "End session %s",
		"account.session.ended_ok":  "Session ended.",
		"account.session.meta":      "Device meta",
		"account.language":          "Interface language",
		"account.language_auto":     "Same as the browser",

		"error.title":     "Error",
		"error.not_found": "Page not found.",
		"error.internal":  "Something went wrong. The error has been logged; please try again.",
		"error.back":      "Home",
		"error.forbidden": "You do not have access to this page.",
	},
}
