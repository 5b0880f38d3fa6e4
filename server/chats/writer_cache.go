package chats

import (
	"context"
	"fmt"

	"parley/server/realtime"
)

// writerCache keeps, between changes, what a plain send reads before it
// writes: the chat and the sender's membership (a place), and who receives
// the chat's events. A burst of sends then reads each once per chat instead
// of once per message, in the one serial step of a send.
//
// A plain send changes neither (its watermark and "hidden" updates are not
// read from here); every other change may, so the writer empties the cache
// before and after any other change, after any rolled-back change and after
// a failed commit. Only the writer goroutine touches it.
type writerCache struct {
	places  map[placeKey]place
	members map[int64][]chatRecipient
	// unhidden: chats in which a send has put every member's copy back in
	// their list (only another change hides one again).
	unhidden map[int64]bool
	size     int // entries plus cached members, bounded by maxWriterCache
}

type placeKey struct {
	user int64
	chat string
}

type chatRecipient struct {
	user  int64
	admin bool
}

// maxWriterCache bounds the cache's memory: a few MiB.
const maxWriterCache = 200_000

func (c *writerCache) clear() {
	if c.size > 0 || c.places == nil {
		c.places = map[placeKey]place{}
		c.members = map[int64][]chatRecipient{}
		c.unhidden = map[int64]bool{}
		c.size = 0
	}
}

func (c *writerCache) grow(n int) {
	if c.size+n > maxWriterCache {
		c.clear()
	}
	c.size += n
}

// lookupForSend is lookup through the cache. A discussion is not cached:
// commenting may make the sender a member.
func (s *Service) lookupForSend(ctx context.Context, tx *stmtTx, userID int64, uid string) (place, error) {
	key := placeKey{userID, uid}
	if p, ok := s.cache.places[key]; ok {
		return p, nil
	}
	p, err := s.lookup(ctx, tx, userID, uid)
	if err != nil || p.Kind == Discussion {
		return p, err
	}
	s.cache.grow(1)
	s.cache.places[key] = p
	return p, nil
}

// recipients fills in the chat's members who receive e, as of the change's
// own transaction (a member added by the same change is in: adding one
// empties the cache).
func (s *Service) recipients(tx *stmtTx, e event, d *realtime.Delivery) error {
	members, ok := s.cache.members[e.chatID]
	if !ok {
		var err error
		if members, err = chatRecipients(tx, e.chatID); err != nil {
			return err
		}
		s.cache.grow(1 + len(members))
		s.cache.members[e.chatID] = members
	}
	for _, m := range members {
		switch {
		case m.admin || e.audience == toAll:
			d.Users = append(d.Users, m.user)
		case e.audience == toSplit && e.sub != nil:
			d.SubUsers = append(d.SubUsers, m.user)
		}
	}
	return nil
}

func chatRecipients(tx *stmtTx, chatID int64) ([]chatRecipient, error) {
	rows, err := tx.Query("SELECT user_id, role = 'admin' FROM chat_members WHERE chat_id = ?", chatID)
	if err != nil {
		return nil, fmt.Errorf("members of chat %d: %w", chatID, err)
	}
	defer rows.Close()
	var out []chatRecipient
	for rows.Next() {
		var m chatRecipient
		if err := rows.Scan(&m.user, &m.admin); err != nil {
			return nil, fmt.Errorf("members of chat %d: %w", chatID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
