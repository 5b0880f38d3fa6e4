package templates

// Titles of the diagnostics rules' findings (ingest.Rules), by rule id:
// the triage page shows "rule.<id>" in the page's language.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"rule.push-token-empty":             "Пустой push-токен: уведомления или звонки не придут",
			"rule.android-push-token-empty":     "У службы push-уведомлений нет токена: уведомления через неё не придут",
			"rule.notifications-off":            "На устройстве выключены уведомления",
			"rule.pushes-off":                   "В приложении выключены push-уведомления",
			"rule.microphone-off":               "Приложению не разрешён микрофон",
			"rule.client-ahead-of-server":       "Клиент опережает сервер больше чем на три версии",
			"rule.tls-error":                    "Ошибки сертификата или TLS",
			"rule.websocket-reconnect-storm":    "WebSocket постоянно переподключается",
			"rule.http-failures":                "HTTP-запросы завершились ошибкой",
			"rule.slow-requests":                "HTTP-запросы выполнялись дольше 3 с",
			"rule.ice-failed":                   "Соединение звонка не установилось (ICE)",
			"rule.relay-only":                   "Звонок шёл только через TURN-ретранслятор",
			"rule.packet-loss":                  "Потери пакетов в звонке выше 10 %",
			"rule.high-rtt":                     "Задержка (RTT) в звонке выше 100 мс",
			"rule.media-denied":                 "Не удалось открыть камеру или микрофон",
			"rule.android-killed-in-background": "Android остановил приложение в фоне",
			"rule.crash":                        "Приложение упало",
		},
		"en": {
			"rule.push-token-empty":             "A push token is empty: notifications or calls cannot arrive",
			"rule.android-push-token-empty":     "A push service has no token: notifications through it cannot arrive",
			"rule.notifications-off":            "Notifications are turned off on the device",
			"rule.pushes-off":                   "Push notifications are turned off in the app",
			"rule.microphone-off":               "The app may not use the microphone",
			"rule.client-ahead-of-server":       "The client is more than three versions ahead of the server",
			"rule.tls-error":                    "Certificate or TLS errors",
			"rule.websocket-reconnect-storm":    "The WebSocket keeps reconnecting",
			"rule.http-failures":                "HTTP requests failed",
			"rule.slow-requests":                "HTTP requests took longer than 3 s",
			"rule.ice-failed":                   "A call's connection failed (ICE)",
			"rule.relay-only":                   "The call went through a TURN relay only",
			"rule.packet-loss":                  "Packet loss above 10 % in a call",
			"rule.high-rtt":                     "Round-trip time above 100 ms in a call",
			"rule.media-denied":                 "The camera or microphone could not be opened",
			"rule.android-killed-in-background": "Android stopped the app in the background",
			"rule.crash":                        "The app crashed",
		},
	})
}
