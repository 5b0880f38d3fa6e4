package templates

import (
	"sort"
	"testing"
)

// Every page exists in both languages: no key may be missing from either.
func TestMessagesComplete(t *testing.T) {
	ru, en := MessageKeys("ru"), MessageKeys("en")
	sort.Strings(ru)
	sort.Strings(en)
	have := map[string]map[string]bool{"ru": {}, "en": {}}
	for _, k := range ru {
		have["ru"][k] = true
	}
	for _, k := range en {
		have["en"][k] = true
	}
	for _, k := range ru {
		if !have["en"][k] {
			t.Errorf("%q has no English text", k)
		}
	}
	for _, k := range en {
		if !have["ru"][k] {
			t.Errorf("%q has no Russian text", k)
		}
	}
}
