package logcat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"parley/ingest"
)

func parseTombstoneString(t *testing.T, text string) ([]ingest.Event, ingest.Result, error) {
	t.Helper()
	var evs []ingest.Event
	res, err := ParseTombstone("tombstone_03", strings.NewReader(text), func(ev *ingest.Event) error {
		evs = append(evs, ev.Clone())
		return nil
	})
	return evs, res, err
}

// An Android 13-style tombstone: abort message, two threads, logs at the end.
const abortTombstone = `*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***
Build fingerprint: 'samsung/a52qnsxx/a52q:13/TP1A.220624.014/A525FXXS6DWA1:user/release-keys'
Revision: '5'
ABI: 'arm64'
Timestamp: 2023-05-01 12:34:56.123456789+0300
Process uptime: 42s
Cmdline: com.parley.app
pid: 4321, tid: 4400, name: VoexCall  >>> com.parley.app <<<
uid: 10234
tagged_addr_ctrl: 0000000000000001 (PR_TAGGED_ADDR_ENABLE)
signal 6 (SIGABRT), code -1 (SI_QUEUE), fault addr --------
Abort message: 'FORTIFY: pthread_mutex_lock called on a destroyed mutex (0x7b5c0d1e80)'
    x0  0000000000000000  x1  0000000000001130  x2  0000000000000006  x3  0000007b4a3fe090
    lr  0000007d6a1f1a4c  sp  0000007b4a3fe070  pc  0000007d6a1f1a78  pst 0000000000001000

backtrace:
      #00 pc 0000000000051a78  /apex/com.android.runtime/lib64/bionic/libc.so (abort+168) (BuildId: 1b9fecf834d610f77e641f026ca7269b)
      #01 pc 00000000000b3d5c  /apex/com.android.runtime/lib64/bionic/libc.so (__fortify_fatal(char const*, ...)+116)
      #02 pc 0000000000123456  /data/app/~~abc==/com.parley.app-xyz==/lib/arm64/libvoex.so (voex::Call::hangup()+52)

memory near x1:
    0000007b4a3fe000 0000000000000000 0000000000000000  ................
--- --- --- --- --- --- --- --- --- --- --- --- --- --- --- ---
pid: 4321, tid: 4321, name: parley.app  >>> com.parley.app <<<
uid: 10234
signal 6 (SIGABRT), code -1 (SI_QUEUE), fault addr --------

backtrace:
      #00 pc 00000000000a1b2c  /apex/com.android.runtime/lib64/bionic/libc.so (__epoll_pwait+8)

open files:
    fd 0: /dev/null (unowned)
--------- tail end of log main
05-01 12:34:55.900  4321  4400 I Voex    : hangup requested
05-01 12:34:55.950  4321  4400 F libc    : Fatal signal 6 (SIGABRT), code -1 (SI_QUEUE) in tid 4400 (VoexCall), pid 4321 (com.parley.app)
--------- log crash
05-01 12:34:55.960  4321  4400 E Voex    : last words
`

func TestTombstoneAbort(t *testing.T) {
	evs, res, err := parseTombstoneString(t, abortTombstone)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 || res.Events != 5 || res.Crashes != 1 {
		for _, e := range evs {
			t.Logf("%d %s %q", e.Line, e.Tag, e.Message)
		}
		t.Fatalf("events %d/%d crashes %d, want 5 and 1", len(evs), res.Events, res.Crashes)
	}
	ev := evs[0]
	c := ev.Crash
	when := time.Date(2023, 5, 1, 9, 34, 56, 123456789, time.UTC)
	if ev.Line != 1 || ev.Level != ingest.LevelFatal || !ev.Time.Equal(when) || ev.PID != "4321" || ev.TID != "4400" || ev.Source != "tombstone_03" {
		t.Errorf("crash event %+v", ev)
	}
	if c.Kind != "native" || c.Type != "SIGABRT" || c.Reason != "FORTIFY: pthread_mutex_lock called on a destroyed mutex (0x7b5c0d1e80)" || len(c.Frames) != 3 {
		t.Errorf("crash %+v", c)
	}
	if !strings.HasPrefix(c.Frames[2], "#02 pc 0000000000123456  /data/app/") {
		t.Errorf("frame %q", c.Frames[2])
	}
	if ev.Attrs[ingest.AttrProcess] != "com.parley.app" || ev.Attrs[ingest.AttrThread] != "VoexCall" {
		t.Errorf("attrs %v", ev.Attrs)
	}
	if ab := evs[1]; ab.Line != 12 || ab.Tag != "abort" || ab.Level != ingest.LevelError || !strings.Contains(ab.Message, "destroyed mutex") {
		t.Errorf("abort event %+v", ab)
	}
	// The tombstone's own logs, in the device's zone (+03:00): no second crash.
	if l := evs[2]; l.Tag != "Voex" || l.Line != 34 || !l.Time.Equal(time.Date(2023, 5, 1, 9, 34, 55, 900e6, time.UTC)) || l.Attrs[ingest.AttrLogcatBuffer] != "main" {
		t.Errorf("log event %+v", l)
	}
	if l := evs[3]; l.Crash != nil || l.Level != ingest.LevelFatal {
		t.Errorf("libc line inside a tombstone is not another crash: %+v", l)
	}
	if l := evs[4]; l.Attrs[ingest.AttrLogcatBuffer] != "crash" || l.Message != "last words" {
		t.Errorf("crash buffer %+v", l)
	}
	e := res.Env
	if e.Platform != "android" || e.OS != "Android 13" || e.Device != "samsung a52q" || e.App != "com.parley.app" || e.Extra["abi"] != "arm64" {
		t.Errorf("env %+v", e)
	}
	if res.Format != ingest.FormatTombstone || len(res.Errors) != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestTombstoneTwoInOneFile(t *testing.T) {
	one := "*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\npid: 1, tid: 1, name: a  >>> com.a <<<\nsignal 11 (SIGSEGV), code 2 (SEGV_ACCERR), fault addr 0xdead\n\nbacktrace:\n    #00 pc 0001  /system/lib/libc.so (memcpy+4)\n\n"
	two := strings.ReplaceAll(strings.ReplaceAll(one, "com.a", "com.b"), "SEGV_ACCERR", "SEGV_MAPERR")
	evs, res, err := parseTombstoneString(t, one+two)
	if err != nil || len(evs) != 2 || res.Crashes != 2 {
		t.Fatalf("err %v events %d crashes %d", err, len(evs), res.Crashes)
	}
	if evs[0].Crash.Reason != "SEGV_ACCERR fault addr 0xdead" || evs[1].Crash.Reason != "SEGV_MAPERR fault addr 0xdead" || evs[1].Line != 8 {
		t.Errorf("crashes %+v %+v (line %d)", evs[0].Crash, evs[1].Crash, evs[1].Line)
	}
	if !evs[0].Time.IsZero() {
		t.Errorf("no Timestamp line: time should be zero, got %v", evs[0].Time)
	}
}

func TestTombstoneNotATombstone(t *testing.T) {
	for _, text := range []string{"", strings.Repeat("hello\n", 200), mixedLogcat} {
		evs, res, err := parseTombstoneString(t, text)
		var pe ingest.ParseError
		if !errors.As(err, &pe) || !strings.HasPrefix(pe.Msg, "not a tombstone") || len(evs) != 0 || len(res.Errors) != 1 {
			t.Errorf("%.30q: err %v, %d events", text, err, len(evs))
		}
	}
}

func TestTombstoneSinkError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	_, err := ParseTombstone("t", strings.NewReader(abortTombstone), func(*ingest.Event) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("err %v after %d events", err, n)
	}
}

func TestLooksLikeTombstone(t *testing.T) {
	if !LooksLikeTombstone([]byte(abortTombstone)) {
		t.Error("tombstone not recognised")
	}
	if !LooksLikeTombstone([]byte("Build fingerprint: 'a/b/c:9/x/y:user/k'\npid: 1, tid: 2, name: x\nsignal 11 (SIGSEGV), code 1\n")) {
		t.Error("tombstone without banner not recognised")
	}
	for _, s := range []string{"", mixedLogcat, nativeCrashLogcat, "*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\nnothing else\n"} {
		if LooksLikeTombstone([]byte(s)) {
			t.Errorf("wrongly recognised: %.60q", s)
		}
	}
}
