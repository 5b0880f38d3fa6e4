// Package files holds the rules every file sent to Parley obeys, wherever it
// is attached: the size limits and the MIME types that are refused.
package files

import (
	"fmt"
	"io"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// MaxFileBytes is the largest file a corporate user may send.
const MaxFileBytes = 1 << 30

// blockedTypes are executables, installers and scripts, which the web and
// desktop clients refuse to send.
var blockedTypes = map[string]bool{
	"application/vnd.microsoft.portable-executable": true,
	"application/x-msdos-program":                   true,
	"application/x-ms-dos-executable":               true,
	"application/x-executable":                      true,
	"application/x-msi":                             true,
	"application/x-debian-package":                  true,
	"application/vnd.debian.binary-package":         true,
	"application/x-redhat-package-manager":          true,
	"application/x-apple-diskimage":                 true,
	"application/mac-binhex40":                      true,
	"application/javascript":                        true,
	"application/x-javascript":                      true,
	"application/x-oz-application":                  true,
	"application/x-sh":                              true,
	"application/x-shellscript":                     true,
	"application/x-shockwave-flash":                 true,
	"application/x-java-archive":                    true,
	"application/java-archive":                      true,
	"application/x-xpinstall":                       true,
	"text/iuls":                                     true,
}

// Blocked reports whether a MIME type (parameters ignored) may not be sent.
func Blocked(mime string) bool {
	base, _, _ := strings.Cut(mime, ";")
	return blockedTypes[strings.ToLower(strings.TrimSpace(base))]
}

// Unknown is what Sniff answers when the content says nothing.
const Unknown = "application/octet-stream"

// Sniff tells a file's MIME type from its first bytes, never from its name:
// a renamed executable is still an executable. It reads at most 3 KiB.
func Sniff(head io.Reader) (string, error) {
	m, err := mimetype.DetectReader(head)
	if err != nil {
		return "", fmt.Errorf("read the start of the file: %w", err)
	}
	// mimetype knows aliases (application/x-msdownload for PE files,
	// text/x-shellscript for scripts, …); the blocklist names other spellings,
	// so ask about each blocked name.
	for blocked := range blockedTypes {
		if m.Is(blocked) {
			return blocked, nil
		}
	}
	return m.String(), nil
}
