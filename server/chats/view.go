package chats

import (
	"encoding/json"
	"time"
)

// UserRef names a person in what clients receive.
type UserRef struct {
	HUID string `json:"huid"`
	Name string `json:"name"`
}

// MessageJSON is a message as clients receive it, over REST and in events.
type MessageJSON struct {
	ID        int64           `json:"id"`
	ChatID    string          `json:"chat_id"`
	Kind      string          `json:"kind"` // text or system
	Sender    *UserRef        `json:"sender"`
	SyncID    string          `json:"sync_id,omitempty"`
	Body      string          `json:"body"`
	HTML      string          `json:"html"`
	System    json.RawMessage `json:"system,omitempty"`
	ReplyTo   *int64          `json:"reply_to"`
	Forwarded json.RawMessage `json:"forwarded,omitempty"`
	FileID    string          `json:"file_id,omitempty"`
	File      *FileJSON       `json:"file,omitempty"`
	Mentions  []string        `json:"mentions"`
	CreatedAt time.Time       `json:"created_at"`
	EditedAt  *time.Time      `json:"edited_at"`
	Deleted   bool            `json:"deleted"`
	Reactions []ReactionJSON  `json:"reactions"`
	Pinned    bool            `json:"pinned,omitempty"`
	// Thread: the message's discussion, once one started.
	Thread *ThreadRef `json:"thread,omitempty"`
}

// ReactionJSON counts one emoji on a message.
type ReactionJSON struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Mine  bool   `json:"mine"`
}

// ThreadRef points at a message's discussion.
type ThreadRef struct {
	ChatID   string `json:"chat_id"`
	Comments int    `json:"comments"`
}

// forSubscriber is what a channel subscriber may see of a message: the
// post, never its author (the channel itself is the sender).
func (m MessageJSON) forSubscriber() MessageJSON {
	m.Sender = nil
	m.SyncID = ""
	return m
}

// ChatJSON is a chat as a member sees it in their list.
type ChatJSON struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Avatar       string     `json:"avatar,omitempty"`
	Open         bool       `json:"open"`
	E2E          bool       `json:"e2e"`
	Confidential bool       `json:"confidential"`
	Discussions  bool       `json:"discussions"`
	MembersCount *int       `json:"members_count,omitempty"` // admins only in a channel
	Role         string     `json:"role,omitempty"`          // admin, member, or "" when not in
	Peer         *UserRef   `json:"peer,omitempty"`          // the other person of a personal chat
	Parent       *ParentRef `json:"parent,omitempty"`        // a discussion's message
	Unread       int        `json:"unread"`
	FirstUnread  int64      `json:"first_unread,omitempty"`
	ReadUpto     int64      `json:"read_upto"`
	Muted        bool       `json:"muted"`
	// Notifies: the chat's notifications reach the user (not switched off,
	// not muted, no muted label on it).
	Notifies    bool         `json:"notifies"`
	Pinned      bool         `json:"pinned"`
	Labels      []string     `json:"labels"`
	LastMessage *MessageJSON `json:"last_message"`
	InviteLink  string       `json:"invite_link,omitempty"` // admins only
	CreatedAt   time.Time    `json:"created_at"`
}

// ParentRef names a discussion's parent message.
type ParentRef struct {
	ChatID    string `json:"chat_id"`
	MessageID int64  `json:"message_id"`
}
