//go:build unix

package ingest

import (
	"syscall"
	"time"
)

// iwProcessCPU is the CPU time (user and system) this test process has used,
// so BenchmarkParseHAR can report throughput per CPU-second, which other load
// on the machine distorts far less than wall-clock time.
func iwProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
