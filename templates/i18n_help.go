package templates

// Texts of the help center's search added with the daily query counts, the
// other-language and keyboard-layout fallbacks and the link to a new
// support request. (The help center's older texts are in i18n.go.)
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"help.new_ticket":       "Создать обращение",
			"help.retyped_before":   "Показаны результаты по запросу «",
			"help.retyped_after":    "»: похоже, запрос набран в другой раскладке клавиатуры.",
			"help.other_lang.en":    "В справке на русском ничего не нашлось. Ниже — статьи на английском языке.",
			"help.other_lang.ru":    "В справке на английском ничего не нашлось. Ниже — статьи на русском языке.",
			"help.rate_limited":     "Слишком много поисковых запросов с вашего адреса. Подождите %d с и повторите поиск.",
			"help.rate_limited_why": "Поиск ограничен, чтобы автоматические запросы не мешали работе справки. После входа в Parley ограничение мягче.",
		},
		"en": {
			"help.new_ticket":       "Create a support request",
			"help.retyped_before":   "Showing results for “",
			"help.retyped_after":    "”: the query seems to have been typed with the other keyboard layout.",
			"help.other_lang.en":    "Nothing was found in the help center in Russian. Below are articles in English.",
			"help.other_lang.ru":    "Nothing was found in the help center in English. Below are articles in Russian.",
			"help.rate_limited":     "Too many searches from your address. Wait %d s and search again.",
			"help.rate_limited_why": "Searching is limited so that automated queries do not slow the help center down. Signed-in users have a higher limit.",
		},
	})
}
