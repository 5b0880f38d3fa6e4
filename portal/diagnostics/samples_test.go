package diagnostics_test

import (
	"os"
	"path/filepath"
	"testing"
)

// samplesDir is the folder of real field files, ../shared/samples beside
// the repository. A clone elsewhere has none: the test is skipped, except
// under CI, which always has them.
func samplesDir(t testing.TB) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "samples"))
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("samples are missing: %v", err)
		}
		t.Skipf("samples not here: %v", err)
	}
	return dir
}

// readSample reads one sample by its path under samplesDir.
func readSample(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
