package templates

import (
	"fmt"
	"strings"
)

// ByteSize is a byte count as people read it in lang: "3.4 MB", "3,4 МБ".
func ByteSize(lang string, n int64) string {
	var v float64
	var unit string
	switch {
	case n >= 1<<30:
		v, unit = float64(n)/(1<<30), "size.gb"
	case n >= 1<<20:
		v, unit = float64(n)/(1<<20), "size.mb"
	case n >= 1<<10:
		v, unit = float64(n)/(1<<10), "size.kb"
	default:
		return fmt.Sprintf("%d %s", n, T(lang, "size.b"))
	}
	num := fmt.Sprintf("%.1f", v)
	if lang == "ru" {
		num = strings.Replace(num, ".", ",", 1) // 16,1 КБ
	}
	return num + " " + T(lang, unit)
}
