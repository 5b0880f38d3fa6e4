package portal_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// samplesDir is the field samples beside the repository (../shared/samples):
// skipped in a clone elsewhere, required in CI, which always has them.
func samplesDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "shared", "samples"))
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("samples folder %s is missing, and CI always has it", dir)
		}
		t.Skipf("samples folder %s is absent (a clone elsewhere); skipping", dir)
	}
	return dir
}

// zipSamples packs sample files (paths relative to the samples folder) into
// one zip, as a user would before uploading.
func zipSamples(t *testing.T, dir string, rels ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(rel))
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
