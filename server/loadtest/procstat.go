package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Usage is a process's CPU time so far and its memory now.
type Usage struct {
	CPU      time.Duration // user + system
	RSS      int64         // bytes
	OpenFDs  int           // -1 when unknown
	MaxFDs   int           // -1 when unknown
	Source   string        // where the figures come from
	HeapLive uint64        // the load tool's own Go heap, 0 for the server
}

// ServerProbe reads the server's usage: from /proc when the server's PID
// is known (same machine), else from its Prometheus /metrics.
type ServerProbe struct {
	PID    int
	Target *Target
}

// Read takes one reading.
func (p ServerProbe) Read(ctx context.Context) (Usage, error) {
	if p.PID > 0 {
		return procUsage(strconv.Itoa(p.PID))
	}
	return metricsUsage(ctx, p.Target)
}

// SelfUsage is the load tool's own usage.
func SelfUsage() Usage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	u, err := procUsage("self")
	if err != nil {
		u = Usage{OpenFDs: -1, MaxFDs: -1, RSS: ru.Maxrss * 1024}
	}
	u.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	u.Source = "getrusage, /proc/self"
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u.HeapLive = ms.HeapAlloc
	return u
}

// clockTicks is USER_HZ, 100 on every Linux Parley runs on.
const clockTicks = 100

func procUsage(pid string) (Usage, error) {
	u := Usage{OpenFDs: -1, MaxFDs: -1, Source: "/proc/" + pid}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return u, fmt.Errorf("server CPU: %w", err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return u, fmt.Errorf("server CPU: short /proc/%s/stat", pid)
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	u.CPU = time.Duration(ut+st) * time.Second / clockTicks
	status, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return u, fmt.Errorf("server memory: %w", err)
	}
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			u.RSS = kb * 1024
		}
	}
	if ents, err := os.ReadDir("/proc/" + pid + "/fd"); err == nil {
		u.OpenFDs = len(ents)
	}
	if lim, err := os.ReadFile("/proc/" + pid + "/limits"); err == nil {
		for _, line := range strings.Split(string(lim), "\n") {
			if strings.HasPrefix(line, "Max open files") {
				if f := strings.Fields(line); len(f) >= 4 {
					u.MaxFDs, _ = strconv.Atoi(f[3])
				}
			}
		}
	}
	return u, nil
}

func metricsUsage(ctx context.Context, t *Target) (Usage, error) {
	u := Usage{OpenFDs: -1, MaxFDs: -1, Source: t.URL + "/metrics"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+"/metrics", nil)
	if err != nil {
		return u, err
	}
	resp, err := t.HTTP().Do(req)
	if err != nil {
		return u, fmt.Errorf("server metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return u, fmt.Errorf("server metrics: HTTP %d", resp.StatusCode)
	}
	found := 0
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_cpu_seconds_total":
			u.CPU = time.Duration(f * float64(time.Second))
			found++
		case "process_resident_memory_bytes":
			u.RSS = int64(f)
			found++
		case "process_open_fds":
			u.OpenFDs = int(f)
		case "process_max_fds":
			u.MaxFDs = int(f)
		}
	}
	if found < 2 {
		return u, fmt.Errorf("server metrics: no process_cpu_seconds_total and process_resident_memory_bytes at %s/metrics", t.URL)
	}
	return u, sc.Err()
}

// Sampler reads the server's and the tool's usage once a second during a
// phase and keeps the peaks.
type Sampler struct {
	probe      ServerProbe
	stop       chan struct{}
	done       chan struct{}
	Start, End struct{ Server, Self Usage }
	PeakRSS    int64
	PeakFDs    int
	SelfPeak   int64
	ServerErr  error
	began      time.Time
	Elapsed    time.Duration
}

// StartSampler takes the first readings and samples until Stop.
func StartSampler(ctx context.Context, probe ServerProbe) *Sampler {
	s := &Sampler{probe: probe, stop: make(chan struct{}), done: make(chan struct{}), began: time.Now()}
	s.Start.Server, s.ServerErr = probe.Read(ctx)
	s.Start.Self = SelfUsage()
	s.peak(s.Start.Server, s.Start.Self)
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if u, err := probe.Read(ctx); err == nil {
					s.peak(u, Usage{})
				}
				s.peak(Usage{}, SelfUsage())
			}
		}
	}()
	return s
}

func (s *Sampler) peak(server, self Usage) {
	s.PeakRSS = max(s.PeakRSS, server.RSS)
	s.PeakFDs = max(s.PeakFDs, server.OpenFDs)
	s.SelfPeak = max(s.SelfPeak, self.RSS)
}

// Stop takes the last readings.
func (s *Sampler) Stop(ctx context.Context) {
	close(s.stop)
	<-s.done
	s.Elapsed = time.Since(s.began)
	var err error
	s.End.Server, err = s.probe.Read(ctx)
	if err != nil && s.ServerErr == nil {
		s.ServerErr = err
	}
	s.End.Self = SelfUsage()
	s.peak(s.End.Server, s.End.Self)
}

// Report prints CPU and memory of the server and the tool apart.
func (s *Sampler) Report(w io.Writer) {
	secs := s.Elapsed.Seconds()
	if s.ServerErr != nil {
		fmt.Fprintf(w, "  server:    unknown (%v); pass --server-pid to read /proc\n", s.ServerErr)
	} else {
		cpu := s.End.Server.CPU - s.Start.Server.CPU
		fmt.Fprintf(w, "  server:    CPU %.1f s in %.1f s (%.2f cores), RSS %s now, %s peak", cpu.Seconds(), secs,
			cpu.Seconds()/secs, mib(s.End.Server.RSS), mib(s.PeakRSS))
		if s.End.Server.OpenFDs >= 0 {
			fmt.Fprintf(w, ", open files %d peak of %d", s.PeakFDs, s.End.Server.MaxFDs)
		}
		fmt.Fprintf(w, " [%s]\n", s.End.Server.Source)
	}
	cpu := s.End.Self.CPU - s.Start.Self.CPU
	fmt.Fprintf(w, "  load tool: CPU %.1f s (%.2f cores), RSS %s now, %s peak, Go heap %s, open files %d of %d\n",
		cpu.Seconds(), cpu.Seconds()/secs, mib(s.End.Self.RSS), mib(s.SelfPeak), mib(int64(s.End.Self.HeapLive)),
		s.End.Self.OpenFDs, s.End.Self.MaxFDs)
}

// Saturation names a machine limit the phase ran into, "" when none: the
// server's open files near their limit, or every core of the machine busy
// with the server and the load tool (both on one box, as here).
func (s *Sampler) Saturation() string {
	var notes []string
	if s.ServerErr == nil && s.End.Server.MaxFDs > 0 && s.PeakFDs >= s.End.Server.MaxFDs*95/100 {
		notes = append(notes, fmt.Sprintf("the server's open files (%d of its limit %d)", s.PeakFDs, s.End.Server.MaxFDs))
	}
	if s.End.Self.MaxFDs > 0 && s.End.Self.OpenFDs >= s.End.Self.MaxFDs*95/100 {
		notes = append(notes, fmt.Sprintf("the load tool's open files (%d of %d)", s.End.Self.OpenFDs, s.End.Self.MaxFDs))
	}
	secs := s.Elapsed.Seconds()
	server := (s.End.Server.CPU - s.Start.Server.CPU).Seconds() / secs
	self := (s.End.Self.CPU - s.Start.Self.CPU).Seconds() / secs
	if s.probe.PID > 0 || s.probe.Target != nil {
		if cores := float64(runtime.NumCPU()); s.ServerErr == nil && server+self >= 0.9*cores {
			notes = append(notes, fmt.Sprintf("CPU: server %.2f + load tool %.2f of %.0f cores", server, self, cores))
		}
	}
	return strings.Join(notes, "; ")
}

// serverNote reads the server once after a failure and names its open
// files when they are at their limit: a server out of files accepts no
// connection, which the tool sees only as timeouts or resets.
func serverNote(ctx context.Context, p ServerProbe) string {
	u, err := p.Read(ctx)
	if err != nil || u.MaxFDs <= 0 {
		return ""
	}
	note := fmt.Sprintf("; the server holds %d open files of its limit %d", u.OpenFDs, u.MaxFDs)
	if u.OpenFDs >= u.MaxFDs*95/100 {
		note += " (AT THE LIMIT)"
	}
	return note
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
