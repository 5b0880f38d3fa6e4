package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DirLock keeps a second Parley process away from a data directory that one
// already serves: two writers on one SQLite file and one search index would
// corrupt neither outright but would confuse both.
type DirLock struct {
	f *os.File
}

// ErrLocked means another process holds the data directory.
var ErrLocked = errors.New("data directory is in use by another Parley process")

// LockDir takes the lock file in dir, or says which process holds it.
func LockDir(dir string) (*DirLock, error) {
	path := filepath.Join(dir, "parley.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, unwrapPath(err))
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		pid := strings.TrimSpace(string(holder))
		if pid != "" {
			return nil, fmt.Errorf("%s (pid %s): %w", dir, pid, ErrLocked)
		}
		return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DirLock{f: f}, nil
}

// Release lets another process take the directory.
func (l *DirLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	unlockFile(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}
