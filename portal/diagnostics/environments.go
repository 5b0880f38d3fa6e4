package diagnostics

import (
	"sort"

	"parley/ingest"
)

// platformEnvs are the environments of an upload's files, one per platform
// in the order the files came: an Android log and an iOS crash report in one
// upload describe two devices, and merging them would show facts of both as
// if they were one.
type platformEnvs []ingest.Environment

// add merges e into the environment of its platform. A file that names a
// browser but no platform (a HAR) describes the web or desktop client, not
// the phone of an Android log beside it; any other file that names no
// platform (a WebRTC dump) adds its facts to the first environment.
func (envs *platformEnvs) add(e ingest.Environment) {
	list := *envs
	if e.Platform == "" && e.Browser != "" {
		for i := range list {
			if list[i].Platform == "web" || list[i].Platform == "desktop" {
				list[i].Merge(e)
				return
			}
		}
		e.Platform = "web"
	}
	for i := range list {
		if e.Platform == "" || list[i].Platform == e.Platform || list[i].Platform == "" {
			list[i].Merge(e)
			return
		}
	}
	*envs = append(list, e)
}

// findings are the diagnoser's findings for the first environment plus the
// environment rules' findings for the others (each rule once).
func (envs platformEnvs) findings(d *ingest.Diagnoser) []ingest.Finding {
	if len(envs) == 0 {
		return d.Findings(ingest.Environment{})
	}
	out := d.Findings(envs[0])
	seen := map[string]bool{}
	for _, f := range out {
		seen[f.Rule] = true
	}
	envRule := map[string]bool{}
	for _, r := range ingest.Rules {
		envRule[r.ID] = r.Env != nil
	}
	for _, e := range envs[1:] {
		for _, f := range d.Findings(e) {
			if envRule[f.Rule] && !seen[f.Rule] {
				seen[f.Rule] = true
				out = append(out, f)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out
}

// stored is how the environments are kept in diag_uploads.env: the first as
// the object it has always been, the others beside it.
func (envs platformEnvs) stored() storedEnv {
	if len(envs) == 0 {
		return storedEnv{}
	}
	return storedEnv{Environment: envs[0], Others: envs[1:]}
}

// storedEnv is the JSON of diag_uploads.env.
type storedEnv struct {
	ingest.Environment
	Others []ingest.Environment `json:"others,omitempty"`
}
