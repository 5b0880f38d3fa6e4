package support

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A feature request asks exactly what the support process needs to judge it:
// what to change or add, where in the app and in which conditions; the client
// platforms; how often users ask; and how important the requester thinks it is.
const (
	FieldWhat       = "what"
	FieldWhere      = "where"
	FieldPlatform   = "platform"
	FieldFrequency  = "frequency"
	FieldImportance = "priority"
)

// FeatureFields lists the fields in form order.
var FeatureFields = []string{FieldWhat, FieldWhere, FieldPlatform, FieldFrequency, FieldImportance}

// Platforms are the client platforms a request may concern; several may be
// given, comma-separated.
var Platforms = []string{"web", "desktop", "android", "ios", "server"}

// Frequencies say how often users ask for a feature.
var Frequencies = []string{"rarely", "sometimes", "often", "constantly"}

// Importances are the requester's view of a feature's importance.
var Importances = []string{"low", "medium", "high", "critical"}

// validateFeature checks a feature request's fields and returns them tidied.
func validateFeature(in map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k := range in {
		if !slices.Contains(FeatureFields, k) {
			return nil, invalid("fields."+k, "unknown", fmt.Sprintf("unknown field %q: a feature request has what, where, platform, frequency and priority", k))
		}
	}
	for _, k := range []string{FieldWhat, FieldWhere} {
		v := strings.TrimSpace(strings.ReplaceAll(in[k], "\r\n", "\n"))
		switch {
		case v == "":
			msg := "say what should change or be added"
			if k == FieldWhere {
				msg = "say where in the app and in which conditions it would be used"
			}
			return nil, invalid("fields."+k, "required", msg)
		case utf8.RuneCountInString(v) > MaxField:
			return nil, invalid("fields."+k, "too_long", fmt.Sprintf("longer than %d characters", MaxField))
		}
		out[k] = v
	}
	var platforms []string
	for _, p := range strings.Split(strings.ToLower(in[FieldPlatform]), ",") {
		p = strings.TrimSpace(p)
		if p == "" || slices.Contains(platforms, p) {
			continue
		}
		if !slices.Contains(Platforms, p) {
			return nil, invalid("fields.platform", "bad_choice", fmt.Sprintf("unknown platform %q: use web, desktop, android, ios or server", p))
		}
		platforms = append(platforms, p)
	}
	if len(platforms) == 0 {
		return nil, invalid("fields.platform", "required", "choose at least one platform: web, desktop, android, ios or server")
	}
	slices.SortFunc(platforms, func(a, b string) int { return slices.Index(Platforms, a) - slices.Index(Platforms, b) })
	out[FieldPlatform] = strings.Join(platforms, ",")
	for _, c := range []struct {
		key     string
		choices []string
	}{{FieldFrequency, Frequencies}, {FieldImportance, Importances}} {
		v := strings.TrimSpace(strings.ToLower(in[c.key]))
		if v == "" {
			return nil, invalid("fields."+c.key, "required", "choose one of "+strings.Join(c.choices, ", "))
		}
		if !slices.Contains(c.choices, v) {
			return nil, invalid("fields."+c.key, "bad_choice", fmt.Sprintf("%q is not one of %s", v, strings.Join(c.choices, ", ")))
		}
		out[c.key] = v
	}
	return out, nil
}
