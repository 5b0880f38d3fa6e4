package diagnostics_test

import (
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"parley/ingest"
)

// allSamples is every file under ../shared/samples, by path relative to it.
func allSamples(t *testing.T) (string, []string) {
	t.Helper()
	dir := samplesDir(t)
	var rels []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".md") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rels = append(rels, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, rels
}

var (
	groupRowRe = regexp.MustCompile(`(?s)<tr class="lv-row-[A-Z]">\s*<td class="num">(\d+)</td>\s*<td>\s*<code class="error-key">(.*?)</code>(.*?)</td>\s*<td class="tag"[^>]*>(.*?)</td>.*?<a href="([^"]+)"`)
	exampleRe  = regexp.MustCompile(`(?s)<code>(.*?)</code>`)
	eventRowRe = regexp.MustCompile(`(?s)<tr class="lv-row-[A-Z][^"]*">\s*<td class="small nowrap">.*?</td>\s*<td>.*?</td>\s*<td class="small">(.*?)</td>\s*<td><pre class="msg">(.*?)</pre>`)
	shownRe    = regexp.MustCompile(`id="events-summary">([^<]*)<`)
)

// Every error group of every sample is one error: its title is the
// normalised form of its example, and its "show events" link lists at least
// one event, every one of them with the group's tag and that same
// normalised first line. Each sample is uploaded alone, and all of them
// together once (where tags and messages of different files meet).
func TestErrorGroupsAreOneErrorOnEverySample(t *testing.T) {
	t.Parallel()
	dir, rels := allSamples(t)
	_, desk := start(t)
	type upload struct {
		name  string
		files []file
	}
	var uploads []upload
	var all []file
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		f := file{filepath.Base(rel), data}
		uploads = append(uploads, upload{rel, []file{f}})
		all = append(all, f)
	}
	uploads = append(uploads, upload{"all samples", all})
	groups := 0
	titles := map[string][]string{} // upload → "count title" of each group
	for _, u := range uploads {
		triage := desk.upload(u.files...)
		page := desk.page(triage, "en")
		for _, m := range groupRowRe.FindAllStringSubmatch(page, -1) {
			groups++
			titles[u.name] = append(titles[u.name], m[1]+" "+html.UnescapeString(m[2]))
			title, tag, link := html.UnescapeString(m[2]), html.UnescapeString(m[4]), html.UnescapeString(m[5])
			example := title
			if ex := exampleRe.FindStringSubmatch(m[3]); ex != nil {
				example = html.UnescapeString(ex[1])
			}
			// A long line is clipped to its first 300 bytes, the example
			// before and the title after normalising: one starts the other.
			got, want := strings.TrimSuffix(ingest.NormalizeMessage(example), "…"), strings.TrimSuffix(title, "…")
			if !strings.HasPrefix(got, want) && !strings.HasPrefix(want, got) {
				t.Errorf("%s: group %q has the example %q, whose normalised form is %q", u.name, title, example, got)
			}
			events := desk.page(link, "en")
			rows := eventRowRe.FindAllStringSubmatch(events, -1)
			if len(rows) == 0 {
				t.Errorf("%s: group %q (tag %q): its link %s shows no events (%s)", u.name, title, tag, link, shownRe.FindStringSubmatch(events))
			}
			for _, r := range rows {
				evTag, msg := html.UnescapeString(r[1]), html.UnescapeString(r[2])
				first, _, _ := strings.Cut(msg, "\n")
				norm := ingest.NormalizeMessage(strings.TrimSuffix(first, "\r"))
				if !tagRe(tag).MatchString(evTag) || !strings.HasPrefix(norm, strings.TrimSuffix(title, "…")) {
					t.Errorf("%s: group %q (tag %q) lists an event of another error: tag %q, %q", u.name, title, tag, evTag, norm)
				}
			}
		}
	}
	// One error of three peer connections (tags PC_0, PC_1, PC_2) is one group.
	pc := 0
	for _, g := range titles["webrtc/rtcstats_chrome99_pc_failed.jsonl"] {
		if strings.Contains(g, "onconnectionstatechange") {
			pc++
			if g != "3 PC_<n> onconnectionstatechange: failed" {
				t.Errorf("the failed peer connections' group is %q, want 3 of PC_<n> onconnectionstatechange: failed", g)
			}
		}
	}
	if pc != 1 {
		t.Errorf("the failed peer connections make %d groups, want 1: %q", pc, titles["webrtc/rtcstats_chrome99_pc_failed.jsonl"])
	}
	if groups == 0 {
		t.Fatal("no error group found on any sample: the row pattern no longer matches the page")
	}
}

// tagRe matches the tags of an error group's events: its tag in any case,
// a "<n>" in it standing for a number.
func tagRe(tag string) *regexp.Regexp {
	return regexp.MustCompile("(?i)^" + strings.ReplaceAll(regexp.QuoteMeta(tag), "<n>", `\d+`) + "$")
}
