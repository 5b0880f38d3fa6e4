package templates

// Texts of the Android bug report's findings (ingest.BugreportRules) and of
// the facts its header and system properties give the environment card.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"rule.android-java-deadlock":        "Потоки навсегда ждут блокировки друг друга (взаимная блокировка)",
			"rule.android-anr":                  "Приложение не отвечало (ANR)",
			"rule.android-binder-stuck":         "Вызов Binder в другой процесс не может завершиться",
			"rule.android-crash-loop":           "Приложение падает снова и снова",
			"rule.android-lmk-kill":             "Приложение выгружено из-за нехватки памяти (low-memory killer)",
			"diag.key.bugreport.taken_at":       "Отчёт об ошибке снят",
			"diag.key.bugreport.format_version": "Версия формата отчёта об ошибке",
			"diag.key.build.display":            "Сборка прошивки",
			"diag.key.build.type":               "Тип сборки",
			"diag.key.bootloader":               "Загрузчик",
			"diag.key.baseband":                 "Радиомодуль (baseband)",
			"diag.key.network.operator":         "Оператор сети",
			"diag.key.kernel":                   "Ядро Linux",
			"diag.key.uptime":                   "Время работы с загрузки",
			"diag.key.timezone":                 "Часовой пояс устройства",
		},
		"en": {
			"rule.android-java-deadlock":        "Threads wait for each other's locks for ever (deadlock)",
			"rule.android-anr":                  "An app did not respond (ANR)",
			"rule.android-binder-stuck":         "A binder call to another process cannot return",
			"rule.android-crash-loop":           "An app crashes again and again",
			"rule.android-lmk-kill":             "The low-memory killer killed an app",
			"diag.key.bugreport.taken_at":       "Bug report taken",
			"diag.key.bugreport.format_version": "Bug report format version",
			"diag.key.build.display":            "Firmware build",
			"diag.key.build.type":               "Build type",
			"diag.key.bootloader":               "Bootloader",
			"diag.key.baseband":                 "Radio (baseband)",
			"diag.key.network.operator":         "Network operator",
			"diag.key.kernel":                   "Linux kernel",
			"diag.key.uptime":                   "Up since boot",
			"diag.key.timezone":                 "Device time zone",
		},
	})
}
