package templates

// Texts of the error pages that the shared error writer (web.Site.Fail)
// shows for a status when the error names no text of its own.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"error.unauthorized": "Сначала войдите в Parley.",
			"error.too_many":     "Слишком много запросов. Подождите немного и попробуйте снова.",
			"error.bad_request":  "Запрос не удалось выполнить: проверьте, что вы ввели, и попробуйте снова.",
		},
		"en": {
			"error.unauthorized": "Please sign in to Parley first.",
			"error.too_many":     "Too many requests. Please wait a little and try again.",
			"error.bad_request":  "The request could not be carried out: check what you entered and try again.",
		},
	})
}
