//go:build unix

package ingesttest

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time (user and system) the test process has used.
// Benchmarks report throughput per CPU-second beside the wall-clock figure,
// which other load on the machine would otherwise distort.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
