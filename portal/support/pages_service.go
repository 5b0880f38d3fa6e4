package support

import (
	"context"
	"errors"
	"maps"
	"strings"

	"parley/portal/diagnostics"
)

// Service additions the support pages need.

// CheckNew reports every problem of a new ticket at once, so the form can
// mark all its wrong fields in one round trip. It asks the same validation
// Create uses, filling each field found wrong with a placeholder to look
// past it; Create still checks on its own.
func (s *Service) CheckNew(v Viewer, nt NewTicket) []*ValidationError {
	nt.Fields = maps.Clone(nt.Fields)
	var out []*ValidationError
	seen := map[string]bool{}
	for range len(FeatureFields) + 8 {
		check := nt
		check.Fields = maps.Clone(nt.Fields)
		var ve *ValidationError
		if !errors.As(check.validate(v), &ve) || seen[ve.Field] {
			break
		}
		seen[ve.Field] = true
		out = append(out, ve)
		if !lookPast(&nt, ve.Field) {
			break
		}
	}
	return out
}

// lookPast replaces a wrong field with a valid placeholder; false when the
// rest of the checks depend on it (the desk).
func lookPast(nt *NewTicket, field string) bool {
	switch field {
	case "kind":
		return false
	case "subject":
		nt.Subject = "subject"
	case "body":
		nt.Body = "body"
	case "priority":
		nt.Priority = PriorityNormal
	case "fields":
		nt.Fields = nil
	default:
		name, ok := strings.CutPrefix(field, "fields.")
		if !ok {
			return false
		}
		if nt.Fields == nil {
			nt.Fields = map[string]string{}
		}
		switch name {
		case FieldWhat, FieldWhere:
			nt.Fields[name] = "placeholder"
		case FieldPlatform:
			nt.Fields[name] = Platforms[0]
		case FieldFrequency:
			nt.Fields[name] = Frequencies[0]
		case FieldImportance:
			nt.Fields[name] = Importances[0]
		default:
			delete(nt.Fields, name)
		}
	}
	return true
}

// RecentUploads lists the newest diagnostics uploads of a ticket's
// requester, for linking one to the ticket: staff see them on any ticket,
// the requester on their own.
func (s *Service) RecentUploads(ctx context.Context, v Viewer, t Ticket, limit int) ([]diagnostics.Upload, error) {
	if !v.Staff && v.ID != t.Requester.ID {
		return nil, ErrForbidden
	}
	uploads, _, err := s.diag.List(ctx, diagnostics.Viewer{UserID: t.Requester.ID}, diagnostics.ListFilter{Limit: limit})
	return uploads, err
}

// JiraConfigured reports whether the desk of kind has a Jira project, so
// its tickets can be escalated.
func (s *Service) JiraConfigured(k Kind) bool {
	return s.jira != nil && s.jira.Configured(string(k))
}
