package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// EndByAdmin: an administrator ended the session ("Clear all" on the
// activations page).
const EndByAdmin = "ended_by_admin"

// The device meta the seeds define; each says whether something is allowed
// on the device, so each must be true or false when a client sends it.
var deviceMetaFlags = []string{
	"permissions.microphone",    // the microphone may be used
	"permissions.notifications", // notifications are on (browser or mobile OS)
	"pushes",                    // push notifications allowed (desktop, Android)
	"permissions.contacts",      // the address book may be read
	"permissions.storage",       // device storage may be used
}

// checkDeviceMeta refuses a known permission that is not a boolean, so an
// administrator reading "Device Meta" never has to guess what "1" meant.
func checkDeviceMeta(obj map[string]any) error {
	for _, k := range deviceMetaFlags {
		// Flat ("permissions.microphone") or nested ({"permissions":
		// {"microphone": …}}), clients send both.
		v, ok := obj[k]
		if group, key, dotted := strings.Cut(k, "."); !ok && dotted {
			if nested, isObj := obj[group].(map[string]any); isObj {
				v, ok = nested[key]
			}
		}
		if ok {
			if _, isBool := v.(bool); !isBool {
				return &ValidationError{Field: "device.meta", Code: "not_boolean", Message: k + " must be true or false"}
			}
		}
	}
	return nil
}

// UpdateDevice records what a session reports about its device now: its
// permissions (device meta) and time zone, as they change while it runs.
// Fields left empty stay as they were.
func (s *Service) UpdateDevice(ctx context.Context, sessionID int64, meta json.RawMessage, timezone string) (Session, error) {
	d, err := normalizeDevice(Device{UDID: "-", Meta: meta, Timezone: timezone})
	if err != nil {
		return Session{}, err
	}
	_, err = s.db.Write.ExecContext(ctx, `UPDATE sessions SET device_meta = CASE WHEN ?1 = '' THEN device_meta ELSE ?1 END,
		timezone = CASE WHEN ?2 = '' THEN timezone ELSE ?2 END WHERE id = ?3 AND ended_at IS NULL`, string(d.Meta), d.Timezone, sessionID)
	if err != nil {
		return Session{}, fmt.Errorf("update device of session %d: %w", sessionID, err)
	}
	return s.session(ctx, sessionID)
}

// EndSessionByAdmin ends any user's session; it returns the session's user.
func (s *Service) EndSessionByAdmin(ctx context.Context, sessionID int64) error {
	return s.endSession(ctx, sessionID, EndByAdmin, "id = ?", sessionID)
}

// SessionByID returns a session, active or ended.
func (s *Service) SessionByID(ctx context.Context, id int64) (Session, error) {
	return s.session(ctx, id)
}
