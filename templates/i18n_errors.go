package templates

// Texts of the error pages that the shared error writer (web.Site.Fail)
// shows for a status when the error names no text of its own, of upload
// refusals, and the units of sizes (templates.ByteSize).
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"error.unauthorized": "Сначала войдите в Parley.",
			"error.too_many":     "Слишком много запросов. Подождите немного и попробуйте снова.",
			"error.bad_request":  "Запрос не удалось выполнить: проверьте, что вы ввели, и попробуйте снова.",
			// Refusals of a diagnostics upload as a whole (each file's own
			// reasons are the triage page's).
			"size.b":             "Б",
			"size.kb":            "КБ",
			"size.mb":            "МБ",
			"size.gb":            "ГБ",
			"diag.err.no_files":  "В загрузке нет файлов: выберите или перетащите хотя бы один.",
			"diag.err.too_large": "Загрузка больше %d МБ. Разделите файлы на несколько загрузок или сожмите их в zip.",
			"diag.err.empty":     "Один из файлов пустой: выберите файл с содержимым.",
			"diag.err.bad_form":  "Форма устарела: обновите страницу и отправьте файлы ещё раз.",
		},
		"en": {
			"error.unauthorized": "Please sign in to Parley first.",
			"error.too_many":     "Too many requests. Please wait a little and try again.",
			"error.bad_request":  "The request could not be carried out: check what you entered and try again.",
			"size.b":             "B",
			"size.kb":            "KB",
			"size.mb":            "MB",
			"size.gb":            "GB",
			"diag.err.no_files":  "The upload holds no files: choose or drop at least one.",
			"diag.err.too_large": "The upload is larger than %d MB. Split the files over several uploads or zip them.",
			"diag.err.empty":     "One of the files is empty: choose a file with something in it.",
			"diag.err.bad_form":  "The form had expired: reload the page and send the files again.",
		},
	})
}
