//go:build !unix

package store

import "os"

// On systems without flock the lock is advisory only: Parley is built and
// supported for Linux and other Unix systems.
func lockFile(f *os.File) error { return nil }

func unlockFile(f *os.File) {}
