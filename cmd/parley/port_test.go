package main

import (
	"net"
	"testing"
)

// freePort asks the kernel for a free loopback port. The benchmark needs to
// know the port before the process starts to poll it from the first moment.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
