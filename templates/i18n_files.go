package templates

// Texts of the file store's answers (server/files), shown on pages.
func init() {
	addMessages(map[string]map[string]string{
		"ru": {
			"files.err.not_found":   "Такого файла нет.",
			"files.err.unavailable": "Этот файл недоступен: он удалён по сроку хранения или по решению администратора.",
			"files.err.too_large":   "Файл «%s» больше %d МБ — это наибольший размер, который здесь принимается.",
		},
		"en": {
			"files.err.not_found":   "There is no such file.",
			"files.err.unavailable": "This file is unavailable: it was removed by the retention period or by an administrator.",
			"files.err.too_large":   "The file “%s” is larger than %d MB, the most accepted here.",
		},
	})
}
