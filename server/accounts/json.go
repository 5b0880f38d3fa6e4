package accounts

import (
	"encoding/json"
	"time"
)

// UserJSON is a user as the API shows it.
type UserJSON struct {
	HUID               string    `json:"huid"`
	Kind               Kind      `json:"kind"`
	Role               Role      `json:"role"`
	Login              string    `json:"login,omitempty"`
	Name               string    `json:"name"`
	Email              string    `json:"email"`
	Phone              string    `json:"phone"`
	Company            string    `json:"company"`
	Department         string    `json:"department"`
	Position           string    `json:"position"`
	Manager            string    `json:"manager"`
	Office             string    `json:"office"`
	ADLogin            string    `json:"ad_login"`
	ADDomain           string    `json:"ad_domain"`
	Tags               []string  `json:"tags"`
	Lang               string    `json:"lang"`
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// ToJSON shapes u for the API.
func (u User) ToJSON() UserJSON {
	p := u.Profile
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return UserJSON{HUID: u.HUID, Kind: u.Kind, Role: u.Role, Login: u.Login, Name: p.Name, Email: p.Email,
		Phone: p.Phone, Company: p.Company, Department: p.Department, Position: p.Position, Manager: p.Manager,
		Office: p.Office, ADLogin: p.ADLogin, ADDomain: p.ADDomain, Tags: tags, Lang: u.Lang,
		MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// SessionJSON is a session as the API shows it.
type SessionJSON struct {
	ID         int64           `json:"id"`
	UDID       string          `json:"udid"`
	Platform   string          `json:"platform"`
	AppVersion string          `json:"app_version"`
	UserAgent  string          `json:"user_agent"`
	Timezone   string          `json:"timezone"`
	Meta       json.RawMessage `json:"meta"`
	IP         string          `json:"ip"`
	CreatedAt  time.Time       `json:"created_at"`
	LastSeenAt time.Time       `json:"last_seen_at"`
	EndedAt    *time.Time      `json:"ended_at"`
	EndReason  string          `json:"end_reason,omitempty"`
	Current    bool            `json:"current"`
}

// ToJSON shapes s for the API; current marks the caller's own session.
func (s Session) ToJSON(current bool) SessionJSON {
	meta := s.Device.Meta
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	return SessionJSON{ID: s.ID, UDID: s.Device.UDID, Platform: s.Device.Platform, AppVersion: s.Device.AppVersion,
		UserAgent: s.Device.UserAgent, Timezone: s.Device.Timezone, Meta: meta, IP: s.IP, CreatedAt: s.CreatedAt,
		LastSeenAt: s.LastSeenAt, EndedAt: s.EndedAt, EndReason: s.EndReason, Current: current}
}
