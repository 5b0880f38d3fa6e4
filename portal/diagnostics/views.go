package diagnostics

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"parley/ingest"
)

// Request is one HTTP request of a HAR, as the network view lists it.
type Request struct {
	Time   time.Time
	Method string
	URL    string
	Status int
	Error  string
	MS     int64
}

// HostStat is per-host timing.
type HostStat struct {
	Host     string
	Requests int
	Failed   int
	TotalMS  int64
	MaxMS    int64
}

// NetworkView summarises the HTTP requests of an upload's HARs.
type NetworkView struct {
	Requests int
	Failed   int
	Hosts    []HostStat
	Failures []Request // the first failed requests
	Slowest  []Request // the slowest requests, slowest first
}

const (
	maxListed  = 50
	maxSlowest = 20
)

type networkBuilder struct {
	v     NetworkView
	hosts map[string]*HostStat
}

func (b *networkBuilder) event(ev *ingest.Event) {
	status, ok := ev.Attrs["http.status"]
	if !ok {
		return
	}
	if b.hosts == nil {
		b.hosts = map[string]*HostStat{}
	}
	code, _ := strconv.Atoi(status)
	ms, _ := strconv.ParseInt(ev.Attrs["http.duration_ms"], 10, 64)
	// Strings kept past the sink's call are copies (ingest.Sink).
	req := Request{Time: ev.Time, Method: ev.Attrs["http.method"], URL: ev.Attrs["http.url"], Status: code,
		Error: ev.Attrs["http.error"], MS: ms}
	kept := func(r Request) Request {
		r.Method, r.URL, r.Error = strings.Clone(r.Method), strings.Clone(r.URL), strings.Clone(r.Error)
		return r
	}
	failed := code == 0 || code >= 400 || req.Error != ""
	b.v.Requests++
	host := ev.Attrs["http.host"]
	h := b.hosts[host]
	if h == nil {
		host = strings.Clone(host)
		h = &HostStat{Host: host}
		b.hosts[host] = h
	}
	h.Requests++
	h.TotalMS += ms
	h.MaxMS = max(h.MaxMS, ms)
	if failed {
		b.v.Failed++
		h.Failed++
		if len(b.v.Failures) < maxListed {
			b.v.Failures = append(b.v.Failures, kept(req))
		}
	}
	// Keep the slowest few: insert in order, drop the fastest past the cap.
	i := sort.Search(len(b.v.Slowest), func(i int) bool { return b.v.Slowest[i].MS < ms })
	if i < maxSlowest {
		b.v.Slowest = append(b.v.Slowest, Request{})
		copy(b.v.Slowest[i+1:], b.v.Slowest[i:])
		b.v.Slowest[i] = kept(req)
		if len(b.v.Slowest) > maxSlowest {
			b.v.Slowest = b.v.Slowest[:maxSlowest]
		}
	}
}

func (b *networkBuilder) view() NetworkView {
	for _, h := range b.hosts {
		b.v.Hosts = append(b.v.Hosts, *h)
	}
	sort.Slice(b.v.Hosts, func(i, j int) bool { return b.v.Hosts[i].TotalMS > b.v.Hosts[j].TotalMS })
	return b.v
}

// StateChange is one ICE or connection state change of a call.
type StateChange struct {
	Time  time.Time
	Kind  string // ice or connection
	State string
}

// Sample is one stats sample of a call; -1 means not measured.
type Sample struct {
	Time   time.Time
	RTT    float64
	Loss   float64
	Jitter float64
}

// Connection is one peer connection of a WebRTC dump.
type Connection struct {
	ID      string
	File    string
	States  []StateChange
	Pair    string // "relay/udp → srflx/udp"
	Samples []Sample
}

// CallView lists the peer connections found in an upload.
type CallView struct {
	Connections []Connection
}

const maxSamples = 2000

type callBuilder struct {
	conns map[string]*Connection
	order []string
}

func attrFloat(ev *ingest.Event, key string) float64 {
	v, ok := ev.Attrs[key]
	if !ok {
		return -1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return -1
	}
	return f
}

func (b *callBuilder) event(ev *ingest.Event) {
	id, ok := ev.Attrs["pc.id"]
	if !ok {
		return
	}
	if b.conns == nil {
		b.conns = map[string]*Connection{}
	}
	key := ev.Source + "\x00" + id
	c := b.conns[key]
	if c == nil {
		c = &Connection{ID: strings.Clone(id), File: strings.Clone(ev.Source)}
		b.conns[key] = c
		b.order = append(b.order, key)
	}
	if s := ev.Attrs["ice.state"]; s != "" {
		c.States = append(c.States, StateChange{Time: ev.Time, Kind: "ice", State: strings.Clone(s)})
	}
	if s := ev.Attrs["pc.state"]; s != "" {
		c.States = append(c.States, StateChange{Time: ev.Time, Kind: "connection", State: strings.Clone(s)})
	}
	if lt := ev.Attrs["candidate.local_type"]; lt != "" {
		c.Pair = lt + "/" + ev.Attrs["candidate.local_protocol"] + " → " + ev.Attrs["candidate.remote_type"] + "/" + ev.Attrs["candidate.remote_protocol"]
	}
	if ev.Attrs["stats.sample"] == "1" && len(c.Samples) < maxSamples {
		c.Samples = append(c.Samples, Sample{Time: ev.Time, RTT: attrFloat(ev, "rtt_ms"), Loss: attrFloat(ev, "loss_pct"),
			Jitter: attrFloat(ev, "jitter_ms")})
	}
}

func (b *callBuilder) view() CallView {
	var v CallView
	for _, k := range b.order {
		v.Connections = append(v.Connections, *b.conns[k])
	}
	return v
}
