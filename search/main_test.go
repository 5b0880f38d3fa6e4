package search

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"parley/kb"
)

// The real knowledge base and one index of it are shared by the tests that
// only read: building takes a noticeable part of a second.
var (
	sharedOnce  sync.Once
	sharedBase  *kb.Base
	sharedIndex *HelpIndex
	sharedErr   error
	sharedDir   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedIndex != nil {
		_ = sharedIndex.Close()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	closeSynthetic()
	if synthetic.dir != "" {
		_ = os.RemoveAll(synthetic.dir)
	}
	os.Exit(code)
}

// realIndex is the help index of the embedded knowledge base.
func realIndex(tb testing.TB) (*HelpIndex, *kb.Base) {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedBase, sharedErr = kb.Load()
		if sharedErr != nil {
			return
		}
		sharedDir, sharedErr = os.MkdirTemp("", "parley-help-index-")
		if sharedErr != nil {
			return
		}
		sharedIndex, sharedErr = OpenHelp(sharedDir, sharedBase)
		if sharedErr != nil {
			sharedErr = fmt.Errorf("open help index: %w", sharedErr)
		}
	})
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return sharedIndex, sharedBase
}
