package kb

// Section groups articles on the help center's home page.
type Section struct {
	ID          string
	Title       map[string]string
	Description map[string]string
}

// Sections in the order the home page shows them.
var Sections = []Section{
	{"getting-started", map[string]string{"ru": "Начало работы", "en": "Getting started"},
		map[string]string{"ru": "Вход, учётная запись, HUID и первые шаги", "en": "Signing in, your account, HUID and first steps"}},
	{"chats", map[string]string{"ru": "Чаты и каналы", "en": "Chats and channels"},
		map[string]string{"ru": "Виды чатов, лимиты участников, каталог, администраторы", "en": "Chat kinds, member limits, the catalog, chat admins"}},
	{"files", map[string]string{"ru": "Файлы", "en": "Files"},
		map[string]string{"ru": "Отправка, ограничения размера и типов, просмотр, хранение", "en": "Sending, size and type limits, viewers, retention"}},
	{"calls", map[string]string{"ru": "Звонки и конференции", "en": "Calls and conferences"},
		map[string]string{"ru": "Звонки, конференции, ссылки, сеть и ограничения", "en": "Calls, conferences, invite links, network and limits"}},
	{"contacts", map[string]string{"ru": "Контакты", "en": "Contacts"},
		map[string]string{"ru": "Список контактов и синхронизация", "en": "Your contact list and syncing"}},
	{"notifications", map[string]string{"ru": "Уведомления", "en": "Notifications"},
		map[string]string{"ru": "Уведомления, счётчики и их настройка", "en": "Notifications, badges and their settings"}},
	{"cache", map[string]string{"ru": "Очистка кэша", "en": "Clearing the cache"},
		map[string]string{"ru": "Как очистить кэш на каждой платформе", "en": "How to clear the cache on each platform"}},
	{"diagnostics", map[string]string{"ru": "Инженерное меню и логи", "en": "Engineering menu and logs"},
		map[string]string{"ru": "Как собрать логи и стейт для поддержки", "en": "How to collect logs and state for support"}},
	{"updates", map[string]string{"ru": "Обновления и установка", "en": "Updates and installation"},
		map[string]string{"ru": "Обновления клиентов и сервера, брендированные приложения", "en": "Client and server updates, branded apps"}},
	{"bots", map[string]string{"ru": "Боты и Smart Apps", "en": "Bots and Smart Apps"},
		map[string]string{"ru": "Чат-боты и встроенные приложения", "en": "Chat bots and embedded apps"}},
	{"network", map[string]string{"ru": "Сеть и сертификаты", "en": "Network and certificates"},
		map[string]string{"ru": "Сетевые доступы и сертификаты сервера", "en": "Network access and server certificates"}},
	{"admin-panel", map[string]string{"ru": "Панель администратора", "en": "Admin panel"},
		map[string]string{"ru": "Вход, пользователи, активации и Device Meta", "en": "Sign-in, users, activations and device meta"}},
	{"support", map[string]string{"ru": "Поддержка", "en": "Support"},
		map[string]string{"ru": "Как обратиться в поддержку и запросить функцию", "en": "How to contact support and request a feature"}},
}

// SectionByID finds a section.
func SectionByID(id string) (Section, bool) {
	for _, s := range Sections {
		if s.ID == id {
			return s, true
		}
	}
	return Section{}, false
}

func sectionOrder(id string) int {
	for i, s := range Sections {
		if s.ID == id {
			return i
		}
	}
	return len(Sections)
}

// Audiences an article may be written for.
var Audiences = []string{"user", "admin"}

// Platforms an article may be limited to.
var Platforms = []string{"web", "desktop", "android", "ios", "server"}
