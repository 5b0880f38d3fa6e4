package diagnostics

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRedactOriginal is the pass that replaces an uploaded logcat by
// its redacted copy (redactFile, before the copy goes into the file
// store), per MB of log: one line in 50 holds a
// token, as in a chatty app log.
//
//	go test ./portal/diagnostics -run '^$' -bench RedactOriginal -benchtime 5x
func BenchmarkRedactOriginal(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "src.log")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 600_000 { // about 64 MB
		if i%50 == 0 {
			fmt.Fprintf(f, "05-01 10:%02d:%02d.%03d  4242  4300 D OkHttp: --> GET https://api.example.org/v1/sync?access_token=tok%08d&page=%d\n", i/60000%60, i/1000%60, i%1000, i, i)
			continue
		}
		fmt.Fprintf(f, "05-01 10:%02d:%02d.%03d  4242  4300 I SyncManager: synced chat %d with %d messages in %d ms\n", i/60000%60, i/1000%60, i%1000, i, i%97, i%300)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		path := filepath.Join(dir, "original")
		if err := os.WriteFile(path, data, 0o640); err != nil {
			b.Fatal(err)
		}
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, _, err := redactFile(in, dir, "app.log")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		in.Close()
		os.Remove(out)
		b.StartTimer()
	}
}
