package diagnostics

import (
	"regexp"
	"strconv"
	"strings"

	"parley/ingest"
	"parley/ingest/plaintext"
	"parley/templates"
)

// Why a file could not be read is stored as package ingest words it
// (English, naming the file). The pages translate the reasons they know at
// display time: each pattern below is built from ingest's own sentinel
// errors and fixed wording, and names the catalogue key that says the same
// in the reader's language. A reason no pattern knows is shown as a
// translated "could not be read" with ingest's words as the detail.

// reason is a stored reason as a page shows it: Text in the page's
// language, and Detail, ingest's own words, when the text cannot carry them.
type reason struct {
	Text, Detail string
}

type reasonPattern struct {
	re  *regexp.Regexp
	key string
	// args picks the catalogue's arguments from the submatches; the first
	// submatch is always the part of the upload the reason is about.
	args func(m []string) []any
	// detail keeps ingest's words (an underlying error) beside the text.
	detail bool
}

// bombSuffix ends every refusal of package ingest's zip-bomb limits.
const bombSuffix = "; refused as a possible zip bomb"

var reasonPatterns = func() []reasonPattern {
	q := regexp.QuoteMeta
	none := func([]string) []any { return nil }
	second := func(m []string) []any { return []any{m[2]} }
	return []reasonPattern{
		{re: regexp.MustCompile(`^(.+): expands more than (\d+) times its compressed size` + q(bombSuffix) + `$`),
			key: "diag.reason.bomb_ratio", args: func(m []string) []any { n, _ := strconv.Atoi(m[2]); return []any{n} }},
		{re: regexp.MustCompile(`^(.+): expands to more than (.+)` + q(bombSuffix) + `$`), key: "diag.reason.bomb_size", args: second},
		{re: regexp.MustCompile(`^(.+): the files in .+ expand to more than (.+) together` + q(bombSuffix) + `$`),
			key: "diag.reason.bomb_total", args: second},
		{re: regexp.MustCompile(`^(.+): is larger than its zip header says` + q(bombSuffix) + `$`), key: "diag.reason.bomb_header", args: none},
		{re: regexp.MustCompile(`^(.+?): .+` + q(bombSuffix) + `$`), key: "diag.reason.bomb", args: none},
		{re: regexp.MustCompile(`^(.+): ` + q(ingest.ErrBomb.Error()) + `$`), key: "diag.reason.bomb", args: none},
		{re: regexp.MustCompile(`^(.+): ` + q(ingest.ErrNestedArchive.Error()) + `$`), key: "diag.reason.nested", args: none},
		{re: regexp.MustCompile(`^(.+): ` + q(ingest.ErrUnsafePath.Error()) + `$`), key: "diag.reason.unsafe_path", args: none},
		{re: regexp.MustCompile(`^(.+): ` + q(ingest.ErrUnknownFormat.Error()) + `$`), key: "diag.reason.unknown_format", args: none},
		{re: regexp.MustCompile(`^(.+): ` + q(plaintext.Note) + `$`), key: "diag.reason.plain_text", args: none},
		{re: regexp.MustCompile(`^(.+): more than (\d+) files; the rest were not read$`),
			key: "diag.reason.too_many_files", args: func(m []string) []any { n, _ := strconv.Atoi(m[2]); return []any{n} }},
		{re: regexp.MustCompile(`^(.+): not a readable zip archive: (.*)$`), key: "diag.reason.bad_zip", args: none, detail: true},
		{re: regexp.MustCompile(`^(.+): broken gzip data: (.*)$`), key: "diag.reason.bad_gzip", args: none, detail: true},
		{re: regexp.MustCompile(`^(.+): the file is empty$`), key: "diag.reason.empty", args: none},
		{re: regexp.MustCompile(`^(.+): empty file: no HAR data$`), key: "diag.reason.empty", args: none},
		{re: regexp.MustCompile(`^(.+): is a zip archive; open it with Expand$`), key: "diag.reason.nested", args: none},
		{re: regexp.MustCompile(`^(.+): (?:read|decompress): (.*)$`), key: "diag.reason.read", args: none, detail: true},
		{re: regexp.MustCompile(`^(.+):(\d+): (.*)$`), key: "diag.reason.line",
			args: func(m []string) []any { n, _ := strconv.Atoi(m[2]); return []any{n} }, detail: true},
	}
}()

// uploadReasons are the reasons an upload as a whole failed, by what
// processing stores in diag_uploads.error.
var uploadReasons = map[string]string{
	noneReadable: "diag.reason.none_readable",
	partlyRead:   "diag.reason.partly_read",
}

// partlyRead is the stored reason of an upload some of whose files, but
// not all, could not be read: its status is "partial", and the page says
// so at the top with each file's reason.
const partlyRead = "some files of the upload could not be read"

// noneReadable is the stored reason of an upload none of whose files was
// read as diagnostics.
const noneReadable = "no file of the upload could be read as diagnostics"

// fileReason translates one stored reason about the file shown as name. A
// reason about another part of the upload (a member of an archive) names
// that part first.
func fileReason(lang, name, msg string) reason {
	rest, more := strings.CutSuffix(msg, "; the rest were not read")
	for _, p := range reasonPatterns {
		m := p.re.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		text := templates.Tf(lang, p.key, p.args(m)...)
		if subject := m[1]; subject != name && subject != "" {
			text = subject + ": " + text
		}
		if more {
			text += " " + templates.T(lang, "diag.reason.rest_not_read")
		}
		r := reason{Text: text}
		if p.detail {
			r.Detail = m[len(m)-1]
		}
		return r
	}
	return reason{Text: templates.T(lang, "diag.reason.other"), Detail: msg}
}

// uploadReason translates why a whole upload failed.
func uploadReason(lang, msg string) reason {
	if msg == "" {
		return reason{}
	}
	if key, ok := uploadReasons[msg]; ok {
		return reason{Text: templates.T(lang, key)}
	}
	return reason{Text: templates.T(lang, "diag.reason.failed"), Detail: msg}
}
