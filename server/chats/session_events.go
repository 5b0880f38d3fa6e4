package chats

import (
	"context"
	"fmt"
)

// Commands and news for one session of a user, as numbered events.
const (
	SessionClearChats    = "session.clear_chats"
	SessionClearContacts = "session.clear_contacts"
	SessionEnded         = "session.ended"
)

// SessionEvent tells one session of a user something: to drop its cached
// chats or contacts, or that it has ended (its sockets then close). The
// event is numbered, so a device that is offline now learns it when it
// resumes; its payload names the session, for the user's other devices.
func (s *Service) SessionEvent(ctx context.Context, userID, sessionID int64, typ, reason string) error {
	switch typ {
	case SessionClearChats, SessionClearContacts, SessionEnded:
	default:
		return fmt.Errorf("unknown session event %q", typ)
	}
	payload := map[string]any{"session_id": sessionID}
	if reason != "" {
		payload["reason"] = reason
	}
	return s.write(ctx, func(tx *stmtTx, log *eventLog) error {
		e := event{audience: toUser, userID: userID, typ: typ, payload: payload, session: sessionID}
		if typ == SessionEnded {
			e.endSession = sessionID
		}
		log.add(e)
		return nil
	})
}
