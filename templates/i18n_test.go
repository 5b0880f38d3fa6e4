package templates

import (
	"os"
	"path/filepath"
	"regexp"
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

// Every key a template asks for exists: T returns the key itself for a
// missing one, which would show on the page.
func TestTemplatesUseKnownKeys(t *testing.T) {
	files, _ := filepath.Glob("*.templ")
	for _, pattern := range []string{"../portal/*/*.go", "../server/*/*.go"} {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	known := map[string]bool{}
	for _, k := range MessageKeys("en") {
		known[k] = true
	}
	re := regexp.MustCompile(`T\((?:[a-zA-Z.]+, )?"([a-z_]+\.[a-z_.]+)"\)|Tf\([a-zA-Z.]+, "([a-z_]+\.[a-z_.]+)"`)
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			key := m[1] + m[2]
			if !known[key] {
				t.Errorf("%s uses %q, which has no text", f, key)
			}
		}
	}
}
