package files

import (
	"bytes"
	"testing"
)

func TestSniffRefusesExecutablesWhateverTheirName(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		blocked bool
	}{
		{"windows program", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 200)...), true},
		{"linux program", append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 200)...), true},
		{"shell script", []byte("#!/bin/sh\necho hi\n"), true},
		{"java archive", jar(), true},
		{"plain text", []byte("the app crashes when I open a chat\n"), false},
		{"png picture", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), false},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mime, err := Sniff(bytes.NewReader(c.content))
			if err != nil {
				t.Fatal(err)
			}
			if Blocked(mime) != c.blocked {
				t.Errorf("Sniff = %q, blocked = %v; want blocked = %v", mime, Blocked(mime), c.blocked)
			}
		})
	}
}

// jar is the opening of a zip whose first entry is META-INF/MANIFEST.MF,
// which is how mimetype tells a Java archive from any zip.
func jar() []byte {
	name := "META-INF/MANIFEST.MF"
	b := []byte("PK\x03\x04\x14\x00\x08\x08\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	b = append(b, byte(len(name)), 0, 0, 0)
	b = append(b, name...)
	return append(b, make([]byte, 64)...)
}

func TestBlockedIgnoresParametersAndCase(t *testing.T) {
	if !Blocked("Application/X-Sh; charset=utf-8") {
		t.Error("a shell script with parameters passed")
	}
	if Blocked("text/plain") {
		t.Error("plain text refused")
	}
}
