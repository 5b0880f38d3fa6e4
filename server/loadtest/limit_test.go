package loadtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A run must say which limit stopped it; these are the errors each limit
// produces, real ones where this machine can produce them.
func TestLimitNamesWhatStoppedARun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	_, refused := (&Target{}).Dial(ctx, "tcp", closedAddr)
	// A source address this machine does not have: binding to it fails
	// as running out of ports on one does.
	_, noAddr := (&Target{Bind: []net.IP{net.ParseIP("192.0.2.1")}}).Dial(ctx, "tcp", closedAddr)
	tctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	<-tctx.Done()
	_, timeout := (&Target{}).Dial(tctx, "tcp", closedAddr)

	cases := []struct {
		name string
		err  error
		want string
	}{
		{"connection refused", refused, "connection refused"},
		{"no such source address", noAddr, "ephemeral ports of a source address"},
		{"timeout", timeout, "timeout"},
		{"too many open files", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)},
			"open files of the load tool"},
		{"reset", fmt.Errorf("read: %w", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}),
			"connection reset or closed by the server"},
		{"busy server", &APIError{Method: "POST", Path: "/api/v1/chats/0f8fad5b-d9cb-469f-a165-70867728950e/messages",
			Status: 429, Code: "busy"}, "HTTP 429 busy on POST /api/v1/chats/{id}/messages"},
		{"refused upgrade", &UpgradeError{Status: 401}, "websocket upgrade HTTP 401"},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error to classify", c.name)
			continue
		}
		if got := Limit(c.err); !strings.Contains(got, c.want) {
			t.Errorf("%s (%v): limit %q, want %q", c.name, c.err, got, c.want)
		}
	}
	var e Errors
	e.Add(refused)
	e.Add(refused)
	e.Add(&UpgradeError{Status: 401})
	if e.Total() != 3 || !strings.Contains(e.Top(), "connection refused") || !strings.Contains(e.Lines()[0], "2  connection refused") {
		t.Errorf("counts: total %d, top %q, lines %q", e.Total(), e.Top(), e.Lines())
	}
}
