package main

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkColdStart measures process start to the first "ok" from /healthz,
// on an empty data directory (creates the database, migrates, creates the
// first administrator) and on one that is already migrated.
func BenchmarkColdStart(b *testing.B) {
	b.Run("empty", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			coldStart(b, filepath.Join(b.TempDir(), "d"+strconv.Itoa(i)))
		}
	})
	b.Run("migrated", func(b *testing.B) {
		dir := b.TempDir()
		coldStart(b, dir) // migrate once
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			coldStart(b, dir)
		}
	})
}

func coldStart(b *testing.B, dir string) {
	b.Helper()
	port := freePort(b)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	start := time.Now()
	cmd := exec.Command(binary, "serve", "--addr", addr, "--data", dir, "--log-level", "error")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 20*time.Second {
			cmd.Process.Kill()
			b.Fatal("no /healthz within 20 s")
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	b.StartTimer()
}
