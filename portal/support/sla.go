package support

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"parley/server/store"
)

// Clocks are the SLA of one priority: how long support may take to answer
// first, and to resolve.
type Clocks struct {
	FirstResponse time.Duration
	Resolution    time.Duration
}

// SLA holds the clocks of technical support per priority. They run on wall
// time, around the clock: business hours are a later refinement.
type SLA map[Priority]Clocks

// DefaultSLA is what a fresh server promises until an admin says otherwise.
var DefaultSLA = SLA{
	PriorityUrgent: {FirstResponse: time.Hour, Resolution: 8 * time.Hour},
	PriorityHigh:   {FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour},
	PriorityNormal: {FirstResponse: 8 * time.Hour, Resolution: 72 * time.Hour},
	PriorityLow:    {FirstResponse: 24 * time.Hour, Resolution: 168 * time.Hour},
}

// MaxSLAHours bounds a clock (a year), which catches a typo of extra zeros.
const MaxSLAHours = 24 * 365

// Due gives the due times of a ticket of priority p opened at opened.
func (sla SLA) Due(p Priority, opened time.Time) (firstResponse, resolution time.Time) {
	c := sla[p]
	return opened.Add(c.FirstResponse), opened.Add(c.Resolution)
}

func slaKey(p Priority, clock string) string {
	return "support.sla." + string(p) + "." + clock + "_hours"
}

// SLA reads the configured clocks; unset ones keep their defaults.
func (s *Service) SLA(ctx context.Context) (SLA, error) {
	out := SLA{}
	for _, p := range Priorities {
		c := DefaultSLA[p]
		for _, f := range []struct {
			name string
			into *time.Duration
		}{{"first_response", &c.FirstResponse}, {"resolution", &c.Resolution}} {
			var v string
			err := s.db.Read.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", slaKey(p, f.name)).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read SLA settings: %w", err)
			}
			if h, err := strconv.ParseFloat(v, 64); err == nil && h > 0 {
				*f.into = time.Duration(h * float64(time.Hour))
			}
		}
		out[p] = c
	}
	return out, nil
}

// SetSLA stores new clocks. Open tickets keep the due times they were given:
// a promise made to a requester does not move.
func (s *Service) SetSLA(ctx context.Context, v Viewer, sla SLA) error {
	if !v.Admin {
		return ErrForbidden
	}
	for _, p := range Priorities {
		c, ok := sla[p]
		if !ok {
			return invalid("sla."+string(p), "required", "every priority needs its clocks")
		}
		for _, d := range []time.Duration{c.FirstResponse, c.Resolution} {
			if d <= 0 || d > MaxSLAHours*time.Hour {
				return invalid("sla."+string(p), "bad_hours", fmt.Sprintf("hours must be more than 0 and at most %d", MaxSLAHours))
			}
		}
		if c.Resolution < c.FirstResponse {
			return invalid("sla."+string(p), "order", "resolution cannot be due before the first response")
		}
	}
	now := store.FormatTime(s.now())
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, p := range Priorities {
			c := sla[p]
			for name, d := range map[string]time.Duration{"first_response": c.FirstResponse, "resolution": c.Resolution} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
					ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
					slaKey(p, name), strconv.FormatFloat(d.Hours(), 'f', -1, 64), now); err != nil {
					return fmt.Errorf("save SLA: %w", err)
				}
			}
		}
		return nil
	})
}

// Clock is the state of one SLA clock of a ticket.
type Clock struct {
	Due      time.Time // zero: no SLA
	Met      time.Time // when it stopped; zero while running
	Breached bool
}

// Running reports whether the clock still ticks.
func (c Clock) Running() bool { return !c.Due.IsZero() && c.Met.IsZero() }

// Clocks reports the ticket's SLA clocks at now.
func (t Ticket) Clocks(now time.Time) (firstResponse, resolution Clock) {
	clock := func(due, met time.Time) Clock {
		c := Clock{Due: due, Met: met}
		if !due.IsZero() {
			c.Breached = met.IsZero() && now.After(due) || !met.IsZero() && met.After(due)
		}
		return c
	}
	return clock(t.FirstResponseDue, t.FirstResponseAt), clock(t.ResolutionDue, t.ResolvedAt)
}
