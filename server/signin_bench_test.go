package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"parley/portal"
	"parley/server"
	"parley/server/accounts"
	"parley/server/servertest"
)

// BenchmarkSignInHTTP drives POST /api/v1/auth/login over real HTTP with
// the production argon2id cost, from as many clients as GOMAXPROCS allows.
func BenchmarkSignInHTTP(b *testing.B) {
	env := servertest.Start(b, servertest.Options{Accounts: accounts.Options{Hasher: accounts.NewHasher(accounts.DefaultArgon2)}})
	env.CreateUser("bench@example.org", "bench-secret-1", accounts.RoleUser)
	client := env.HTTP.Client()
	var n atomic.Int64
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(`{"login":"bench@example.org","password":"bench-secret-1","device":{"udid":"b%d"}}`, n.Add(1))
			resp, err := client.Post(env.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// stormClients is how many clients sign in at once in BenchmarkSignInStorm.
const stormClients = 100

// searchEvery paces the help searches made beside the storm: at a fixed
// rate, like people searching, so that they cost every variant the same
// CPU time however fast they are answered.
const searchEvery = 20 * time.Millisecond

// BenchmarkSignInStorm is a sign-in storm: stormClients clients sign in over
// and over (b.N sign-ins in all) with the production argon2id cost against
// a real server with the portal mounted, while people search the help
// center, 50 searches a second. A client told 429 waits Retry-After and
// tries again, as the apps do. It reports sign-ins/s, the latency of
// successful sign-in requests, the process's CPU time per sign-in,
// help-search latency before and during the storm, and the peak resident
// memory and live heap of the whole process.
//
// The sub-benchmarks set how many hashes may run at once; "default" is
// accounts.DefaultHashLimit on this machine.
func BenchmarkSignInStorm(b *testing.B) {
	def := accounts.DefaultHashLimit(accounts.DefaultArgon2)
	b.Logf("default limit here: %+v", def)
	for _, slots := range []int{0, 1, 2, 4} {
		name, limit := "default", def
		if slots > 0 {
			name = fmt.Sprintf("slots=%d", slots)
			limit = accounts.HashLimit{Slots: slots, Admitted: 4 * slots, Wait: def.Wait, MaxWaiting: 16 * slots, RetryAfter: def.RetryAfter}
		}
		b.Run(name, func(b *testing.B) { signInStorm(b, limit) })
	}
}

func signInStorm(b *testing.B, limit accounts.HashLimit) {
	env := servertest.Start(b, servertest.Options{Mounts: []server.Mount{portal.Mount},
		Accounts: accounts.Options{Hasher: accounts.NewHasherLimit(accounts.DefaultArgon2, limit)}})
	env.CreateUser("storm@example.org", "storm-secret-1", accounts.RoleUser)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * stormClients}}
	defer client.CloseIdleConnections()

	// The searches come from many readers, as the help center's per-address
	// limit expects: each from its own address behind a trusted proxy.
	env.Server.Site.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	var reader atomic.Uint32
	searchURL := env.URL + "/api/v1/help/search?" + url.Values{"q": {"не приходят уведомления"}, "lang": {"ru"}}.Encode()
	search := func() time.Duration {
		req, err := http.NewRequest("GET", searchURL, nil)
		if err != nil {
			b.Fatal(err)
		}
		n := reader.Add(1)
		req.Header.Set("X-Forwarded-For", netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}).String())
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("help search: %s", resp.Status)
		}
		return time.Since(start)
	}
	var idle []time.Duration
	for range 200 {
		idle = append(idle, search())
		time.Sleep(searchEvery)
	}

	var (
		mu        sync.Mutex
		okTimes   []time.Duration
		busy      atomic.Int64
		left      atomic.Int64
		stop      = make(chan struct{})
		searchers sync.WaitGroup
		during    []time.Duration
		peakHeap  uint64
	)
	left.Store(int64(b.N))
	searchers.Add(2)
	go func() { // help search: people searching, 50 a second
		defer searchers.Done()
		tick := time.NewTicker(searchEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			d := search()
			mu.Lock()
			during = append(during, d)
			mu.Unlock()
		}
	}()
	go func() { // live heap, sampled
		defer searchers.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peakHeap = max(peakHeap, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	debug.FreeOSMemory()                                  // what earlier runs left behind
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // restart the peak-RSS mark

	cpuBefore := cpuTime()
	b.ResetTimer()
	var clients sync.WaitGroup
	for c := range stormClients {
		clients.Add(1)
		go func() {
			defer clients.Done()
			body := fmt.Sprintf(`{"login":"storm@example.org","password":"storm-secret-1","device":{"udid":"storm-%d"}}`, c)
			for left.Add(-1) >= 0 {
				for {
					start := time.Now()
					resp, err := client.Post(env.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						d := time.Since(start)
						mu.Lock()
						okTimes = append(okTimes, d)
						mu.Unlock()
						break
					}
					if resp.StatusCode != http.StatusTooManyRequests {
						b.Errorf("sign-in: %s", resp.Status)
						return
					}
					busy.Add(1)
					secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
					if err != nil || secs < 1 {
						b.Errorf("429 without a usable Retry-After: %q", resp.Header.Get("Retry-After"))
						return
					}
					time.Sleep(time.Duration(secs) * time.Second)
				}
			}
		}()
	}
	clients.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpuBefore
	close(stop)
	searchers.Wait()

	pct := func(ds []time.Duration, p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return float64(ds[int(float64(len(ds)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(okTimes))/b.Elapsed().Seconds(), "signins/s")
	// CPU time of the whole process per sign-in: unlike sign-ins/s, it does
	// not depend on what else the machine is running.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(max(1, len(okTimes))), "cpu-ms/signin")
	b.ReportMetric(pct(okTimes, 0.50), "signin-p50-ms")
	b.ReportMetric(pct(okTimes, 0.99), "signin-p99-ms")
	b.ReportMetric(float64(busy.Load()), "429s")
	b.ReportMetric(pct(idle, 0.99), "search-idle-p99-ms")
	b.ReportMetric(pct(during, 0.50), "search-storm-p50-ms")
	b.ReportMetric(pct(during, 0.99), "search-storm-p99-ms")
	b.ReportMetric(float64(peakRSSBytes())/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
}

// peakRSSBytes is the process's resident high-water mark (VmHWM), or 0
// where /proc is not available.
func peakRSSBytes() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
