package ingesttest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TimeWCL is the mean wall time of three runs of `wc -l` on path, or 0 when
// there is no wc.
func TimeWCL(b *testing.B, path string) time.Duration {
	if _, err := exec.LookPath("wc"); err != nil {
		return 0
	}
	var total time.Duration
	for range 3 {
		start := time.Now()
		if out, err := exec.Command("wc", "-l", path).CombinedOutput(); err != nil {
			b.Fatalf("wc -l: %v: %s", err, out)
		}
		total += time.Since(start)
	}
	return total / 3
}

// ResetPeakRSS makes the kernel's high-water mark of resident memory start
// again from the current resident size (Linux; elsewhere it does nothing).
func ResetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSS is the process's peak resident memory in bytes since the last
// ResetPeakRSS, or 0 when unknown.
func PeakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
