package diagnostics

import (
	"sort"
	"strings"
	"time"

	"parley/ingest"
	"parley/templates"
)

// platformEnvs are the environments of an upload's devices, one card each,
// in the order their files came. Files are merged into one environment
// only when they describe the same device: two Android logs of different
// phones, or an emulator's log beside a phone's tombstone, are two cards,
// so that no card shows one device's OS beside another's model or ABI.
type platformEnvs []deviceEnv

// deviceEnv is one device's environment and the files that describe it.
type deviceEnv struct {
	env   ingest.Environment
	files []string
}

// identity are the facts that tell one device (or one app install) from
// another: when two files both state one of them differently, they are
// from different devices.
func identity(e ingest.Environment) map[string]string {
	id := map[string]string{"os": e.OS, "device": e.Device, "app": e.App, "udid": e.UDID, "huid": e.HUID,
		"browser": e.Browser}
	for _, k := range []string{"build.fingerprint", "abi", "build.id"} {
		id[k] = e.Extra[k]
	}
	return id
}

// conflict reports whether two environments state a fact differently.
func conflict(a, b ingest.Environment) bool {
	ia, ib := identity(a), identity(b)
	for k, v := range ia {
		if v != "" && ib[k] != "" && ib[k] != v {
			return true
		}
	}
	return false
}

// shares reports whether two environments state a device fact alike.
func shares(a, b ingest.Environment) bool {
	ia, ib := identity(a), identity(b)
	for _, k := range []string{"device", "udid", "huid", "build.fingerprint"} {
		if ia[k] != "" && ia[k] == ib[k] {
			return true
		}
	}
	return false
}

// anonymous reports whether an environment names no device at all.
func anonymous(e ingest.Environment) bool {
	return e.Device == "" && e.UDID == "" && e.HUID == "" && e.Extra["build.fingerprint"] == "" && e.OS == ""
}

// add places the environment of file: with the device it shares a device
// fact with and contradicts in nothing, or, naming no device itself, with
// the only device of its platform if it does not contradict it; otherwise
// as a device of its own. A file that names a browser but no platform (a
// HAR) describes the web or desktop client. A file that names nothing (a
// WebRTC dump without a user agent) goes with the first device.
func (envs *platformEnvs) add(file string, e ingest.Environment) {
	list := *envs
	if e.Platform == "" && e.Browser != "" {
		e.Platform = "web"
	}
	if e.Platform == "" && anonymous(e) && e.App == "" && len(list) > 0 {
		list[0].env.Merge(e)
		list[0].files = append(list[0].files, file)
		return
	}
	match := -1
	candidates := 0
	for i := range list {
		d := &list[i].env
		same := d.Platform == e.Platform || d.Platform == "" || e.Platform == "" ||
			e.Platform == "web" && d.Platform == "desktop"
		if !same {
			continue
		}
		candidates++ // of the platform: a file naming no device is not guessed onto one of several
		if conflict(*d, e) {
			continue
		}
		if shares(*d, e) {
			match = i
			candidates = 1
			break
		}
		if match < 0 {
			match = i
		}
	}
	if match >= 0 && (candidates == 1 && (anonymous(e) || anonymous(list[match].env)) || shares(list[match].env, e)) {
		list[match].env.Merge(e)
		list[match].files = append(list[match].files, file)
		return
	}
	*envs = append(list, deviceEnv{env: e, files: []string{file}})
}

// findings are the diagnoser's findings for the first environment plus the
// environment rules' findings for the others (each rule once).
func (envs platformEnvs) findings(d *ingest.Diagnoser) []ingest.Finding {
	if len(envs) == 0 {
		return d.Findings(ingest.Environment{})
	}
	out := d.Findings(envs[0].env)
	seen := map[string]bool{}
	for _, f := range out {
		seen[f.Rule] = true
	}
	envRule := map[string]bool{}
	for _, r := range ingest.Rules {
		envRule[r.ID] = r.Env != nil
	}
	for _, e := range envs[1:] {
		for _, f := range d.Findings(e.env) {
			if envRule[f.Rule] && !seen[f.Rule] {
				seen[f.Rule] = true
				out = append(out, f)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out
}

// redact redacts every environment's facts.
func (envs platformEnvs) redact(red *ingest.Redactor) {
	for i := range envs {
		red.Env(&envs[i].env)
	}
}

// stored is how the environments are kept in diag_uploads.env: the first as
// the object it has always been, the others beside it, and the files of each.
func (envs platformEnvs) stored() storedEnv {
	if len(envs) == 0 {
		return storedEnv{}
	}
	se := storedEnv{Environment: envs[0].env, Files: envs[0].files}
	for _, e := range envs[1:] {
		se.Others = append(se.Others, e.env)
		se.OtherFiles = append(se.OtherFiles, e.files)
	}
	return se
}

// storedEnv is the JSON of diag_uploads.env.
type storedEnv struct {
	ingest.Environment
	Files      []string             `json:"files,omitempty"` // the files the first environment is from
	Others     []ingest.Environment `json:"others,omitempty"`
	OtherFiles [][]string           `json:"other_files,omitempty"`
}

// envFilesFact is the card's line naming the files environment i is
// from, when the upload has more than one environment (else it says
// nothing new).
func envFilesFact(lang string, files [][]string, i int) []templates.DiagFact {
	if len(files) < 2 || i >= len(files) || len(files[i]) == 0 {
		return nil
	}
	return []templates.DiagFact{{Label: templates.T(lang, "diag.env.files"), Value: strings.Join(files[i], ", ")}}
}

// devicePeriod is the time one device's files cover.
type devicePeriod struct {
	title       string
	first, last time.Time
}

// devicePeriods are the periods of the upload's devices that have timed
// events, in card order; nil for an upload of one device, or one processed
// before the files of each device were kept.
func devicePeriods(lang string, u Upload, parsed []ParsedRow) []devicePeriod {
	envs := append([]ingest.Environment{u.Env}, u.OtherEnvs...)
	if len(envs) < 2 || len(u.EnvFiles) != len(envs) {
		return nil
	}
	byName := map[string]ParsedRow{}
	for _, p := range parsed {
		byName[p.Name] = p
	}
	var out []devicePeriod
	for i, e := range envs {
		p := devicePeriod{title: envTitle(lang, e)}
		for _, f := range u.EnvFiles[i] {
			r := byName[f]
			if !r.First.IsZero() && (p.first.IsZero() || r.First.Before(p.first)) {
				p.first = r.First
			}
			if r.Last.After(p.last) {
				p.last = r.Last
			}
		}
		if !p.first.IsZero() {
			out = append(out, p)
		}
	}
	return out
}

// apart reports whether there are several periods and none overlaps
// another.
func apart(ps []devicePeriod) bool {
	if len(ps) < 2 {
		return false
	}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if !ps[i].last.Before(ps[j].first) && !ps[j].last.Before(ps[i].first) {
				return false
			}
		}
	}
	return true
}

// envTitle names an environment's card and chart: its platform and its
// device, or browser.
func envTitle(lang string, e ingest.Environment) string {
	title := platformLabel(lang, e.Platform)
	switch {
	case e.Device != "":
		title += " · " + e.Device
	case e.Browser != "":
		title += " · " + e.Browser
	}
	return title
}
