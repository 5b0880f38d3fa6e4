package logcat

import (
	"bytes"
	"strings"
	"testing"

	"parley/ingest"
)

// checkParse verifies what must hold for any input: the Result counts
// exactly the events the sink saw, events come in line order with a line
// number, and every error names the file.
func checkParse(t *testing.T, name string, evs []ingest.Event, res ingest.Result) {
	t.Helper()
	if res.Events != len(evs) {
		t.Fatalf("result counts %d events, sink saw %d", res.Events, len(evs))
	}
	sum, crashes := 0, 0
	for _, n := range res.Levels {
		sum += n
	}
	if sum != res.Events {
		t.Fatalf("levels %v add up to %d, not %d", res.Levels, sum, res.Events)
	}
	for i, ev := range evs {
		if ev.Crash != nil {
			crashes++
			if ev.Level != ingest.LevelFatal || len(ev.Crash.Frames) > maxFrames {
				t.Fatalf("crash event %+v", ev)
			}
		}
		if ev.Line < 1 || (i > 0 && ev.Line < evs[i-1].Line) {
			t.Fatalf("event %d has line %d after %d", i, ev.Line, evs[max(i-1, 0)].Line)
		}
		if ev.Source != name || len(ev.Message) > maxLine+maxMessage {
			t.Fatalf("event %d: source %q, message of %d bytes", i, ev.Source, len(ev.Message))
		}
	}
	if crashes != res.Crashes {
		t.Fatalf("%d crash events, result says %d", crashes, res.Crashes)
	}
	for _, e := range res.Errors {
		if e.File != name || !strings.HasPrefix(e.Error(), name+":") {
			t.Fatalf("error without the file's name: %q", e.Error())
		}
	}
}

func FuzzParseLogcat(f *testing.F) {
	for _, s := range []string{
		mixedLogcat,
		nativeCrashLogcat,
		"05-01 10:00:00.000  1  1 E AndroidRuntime: FATAL EXCEPTION: main\n05-01 10:00:00.000  1  1 E AndroidRuntime: java.lang.Error: x\n05-01 10:00:00.000  1  1 E AndroidRuntime: \tat a.B.c(B.java:1)\n",
		"05-01 10:00:00.000  1000  1020 E ActivityManager: ANR in com.a (com.a/.M)\n05-01 10:00:00.000  1000  1020 E ActivityManager: Reason: slow\n",
		"I/Vold    (  236): up\r\nD/NetworkMonitor [WIFI () - null](  858): ok\r\n",
		"[ 05-01 10:00:00.000  1234: 1256 E/AndroidRuntime ]\nFATAL EXCEPTION: main\n\n",
		"2024-05-01 10:00:02.500  400-401  OkHttp   com.parley.app  E  studio\n        continuation\n",
		"1714564800.250  1  1 I A: epoch\n   123.456  1  1 I A: uptime\n05-01 12:00:00.000 -0400  1  1 I A: zone\n",
		"05-01 10:00:00.000  1  1 I lmkd    : Kill 'com.a' (4500), uid 1, oom_score_adj 900; reason: x\n05-01 10:00:00.000  1  1 I am_kill : [0,1,com.a,900,empty]\n",
		"--------- beginning of crash\n\x00\x01\x02 binary\n",
		"12-31 23:59:59.999  1  1 I A: a\n01-01 00:00:00.000  1  1 I A: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var evs []ingest.Event
		res, err := ParseWith("fuzz.log", bytes.NewReader(data), func(ev *ingest.Event) error {
			evs = append(evs, ev.Clone())
			return nil
		}, Options{Year: 2024})
		checkParse(t, "fuzz.log", evs, res)
		if err != nil && (len(evs) != 0 || !strings.Contains(err.Error(), "fuzz.log")) {
			t.Fatalf("error %v after %d events", err, len(evs))
		}
		LooksLike(data)
		LooksLikeTombstone(data)
	})
}

func FuzzParseTombstone(f *testing.F) {
	f.Add([]byte(abortTombstone))
	f.Add([]byte("*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\npid: 1, tid: 1, name: a  >>> com.a <<<\nsignal 11 (SIGSEGV), code 2 (SEGV_ACCERR), fault addr 0xdead\n\nbacktrace:\n    #00 pc 0001  /system/lib/libc.so (memcpy+4)\n"))
	f.Add([]byte("Build fingerprint: 'a/b/c:9/x/y:user/k'\nTimestamp: 2020-07-24 16:23:56-0400\npid: 1, tid: 2, name: x\nsignal 6 (SIGABRT)\nAbort message: 'x'\n--------- log main\n05-01 10:00:00.000  1  1 I A: x\n"))
	f.Add([]byte(mixedLogcat))
	f.Fuzz(func(t *testing.T, data []byte) {
		var evs []ingest.Event
		res, err := ParseTombstone("tombstone_00", bytes.NewReader(data), func(ev *ingest.Event) error {
			evs = append(evs, ev.Clone())
			return nil
		})
		checkParse(t, "tombstone_00", evs, res)
		if err != nil && !strings.Contains(err.Error(), "tombstone_00") {
			t.Fatalf("error without the file's name: %v", err)
		}
	})
}

// TestAndroidParsersOnSplicedInput is a cheap stand-in for the fuzzers in
// ordinary runs: the seed files cut and spliced at many points must keep
// the invariants of checkParse.
func TestAndroidParsersOnSplicedInput(t *testing.T) {
	seeds := []string{mixedLogcat, nativeCrashLogcat, abortTombstone}
	for _, s := range seeds {
		for cut := 0; cut < len(s); cut += 7 {
			for _, in := range []string{s[:cut], s[cut:], s[:cut] + "\x00\xff" + s[cut:], s[:cut] + "\n" + s[cut/2:]} {
				var evs []ingest.Event
				res, _ := ParseWith("m.log", strings.NewReader(in), func(ev *ingest.Event) error { evs = append(evs, ev.Clone()); return nil }, Options{Year: 2024})
				checkParse(t, "m.log", evs, res)
				evs = nil
				res, _ = ParseTombstone("m.log", strings.NewReader(in), func(ev *ingest.Event) error { evs = append(evs, ev.Clone()); return nil })
				checkParse(t, "m.log", evs, res)
			}
		}
	}
}
