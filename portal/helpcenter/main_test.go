package helpcenter

import (
	"os"
	"testing"
)

var sharedDir string

func tempDir() (string, error) {
	var err error
	sharedDir, err = os.MkdirTemp("", "parley-helpcenter-index-")
	return sharedDir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedIndex != nil {
		_ = sharedIndex.Close()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}
