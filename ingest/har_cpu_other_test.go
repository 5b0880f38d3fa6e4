//go:build !unix

package ingest

import "time"

// iwProcessCPU is not measured on this platform.
func iwProcessCPU() time.Duration { return 0 }
