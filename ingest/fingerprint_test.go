package ingest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNormalizeMessage(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain words only", "plain words only"},
		{"sync finished in 123 ms, 45 messages", "sync finished in <n> ms, <n> messages"},
		{"took 12ms and 3.5s, version 1.2.3", "took <n>ms and <n>s, version <n>"},
		{"offset -42", "offset -<n>"},
		{"Thread-12 user_12345 pid=4321", "Thread-<n> user_<n> pid=<n>"},
		{"u0a123 utf8 x86 arm64 SHA256 IOUtils.java:345", "u0a123 utf8 x86 arm64 SHA256 IOUtils.java:<n>"},
		{"GET https://api.example.org/v1/chats/42?x=1, then", "GET <url>, then"},
		{"open content://com.android.providers/media/7.", "open <url>."},
		{"mail to john.doe+x@mail.example.com failed", "mail to <email> failed"},
		{"not an email: android.os.Handler@a1b2c3d", "not an email: android.os.Handler@<hex>"},
		{"session 123e4567-e89b-12d3-a456-426614174000 closed", "session <uuid> closed"},
		{"HUID 3A9F2C1D-0B4E-4C8A-9D7E-1F2A3B4C5D6E", "HUID <uuid>"},
		{"connect 192.168.1.10:8080 refused", "connect <ip>:<n> refused"},
		{"bad 999.1.1.1 is a number", "bad <n> is a number"},
		{"peer fe80::1 and 2001:db8::ff00:42:8329 and ::1", "peer <ip> and <ip> and <ip>"},
		{"std::string and a::b are not addresses", "std::string and a::b are not addresses"},
		{"fault addr 0x1c, pc 0x7fa3b2c4d5e6", "fault addr <hex>, pc <hex>"},
		{"BuildId: db634b8310fcaa935b06b7d92b8902b3f114dcf7", "BuildId: <hex>"},
		{"cursor=7fa3b2c4 deadbeef", "cursor=<hex> deadbeef"},
		{"ActivityRecord{a1b2c3d u0 com.app/.Main t12}", "ActivityRecord{<hex> u0 com.app/.Main t12}"},
		{"at 2023-05-01 12:34:56.789 and 2023/05/01", "at <date> <time> and <date>"},
		{"iso 2023-05-01T12:34:56.789Z or 2023-05-01T12:34:56+03:00", "iso <date>T<time> or <date>T<time>"},
		{"on 01.05.2023 at 9:05", "on <date> at <time>"},
		{"/data/app/io.sentry.sample-pv2R51NWhYZM79U8V4nfJg==/lib/arm/libil2cpp.so", "/data/app/io.sentry.sample-<id>==/lib/arm/libil2cpp.so"},
		{"Attempt to invoke virtual method 'boolean a.B.c(int)' on a null object reference", "Attempt to invoke virtual method 'boolean a.B.c(int)' on a null object reference"},
		{`Didn't find class "com.app.Foo" on path: 12`, `Didn't find class "com.app.Foo" on path: <n>`},
		{"кириллица 42 и ёлка", "кириллица <n> и ёлка"},
	}
	for _, c := range cases {
		if got := NormalizeMessage(c.in); got != c.want {
			t.Errorf("NormalizeMessage(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	npe := func(reason string) *Crash {
		return &Crash{Kind: "java", Type: "java.lang.NullPointerException", Reason: reason}
	}
	same := []struct{ a, b string }{
		{Fingerprint(npe("chat 42 not found at 12:00:01"), "FATAL EXCEPTION: main"), Fingerprint(npe("chat 7 not found at 13:14:15"), "FATAL EXCEPTION: Thread-5")},
		{Fingerprint(nil, "upload of 3 MB to https://a.example/x failed\n\tat …"), Fingerprint(nil, "upload of 12 MB to https://b.example/y failed")},
		{Fingerprint(&Crash{Kind: "native", Type: "SIGSEGV", Reason: "SEGV_MAPERR fault addr 0x0",
			Frames: []string{"#00 pc 0000000000051a78  /data/app/~~x==/com.a-1/lib/arm64/libvoex.so (voex::Call::hangup()+52)"}}, ""),
			Fingerprint(&Crash{Kind: "native", Type: "SIGSEGV", Reason: "SEGV_MAPERR fault addr 0x10",
				Frames: []string{"#00 pc 0000000000061b00  /data/app/~~y==/com.a-2/lib/arm64/libvoex.so (voex::Call::hangup()+60)"}}, "")},
	}
	for i, s := range same {
		if s.a != s.b {
			t.Errorf("pair %d should group together: %s %s", i, s.a, s.b)
		}
	}
	differ := [][2]string{
		{Fingerprint(npe("x"), ""), Fingerprint(&Crash{Kind: "java", Type: "java.lang.IllegalStateException", Reason: "x"}, "")},
		{Fingerprint(npe("x"), ""), Fingerprint(&Crash{Kind: "anr", Type: "java.lang.NullPointerException", Reason: "x"}, "")},
		{Fingerprint(npe("Attempt to invoke virtual method 'int a.B.size()'"), ""), Fingerprint(npe("Attempt to invoke virtual method 'int a.C.size()'"), "")},
		{Fingerprint(nil, "disk full"), Fingerprint(nil, "disk fine")},
		{Fingerprint(&Crash{Kind: "native", Type: "SIGSEGV", Frames: []string{"#00 pc 01  /system/lib/libc.so (memcpy+4)"}}, ""),
			Fingerprint(&Crash{Kind: "native", Type: "SIGSEGV", Frames: []string{"#00 pc 01  /system/lib/libc.so (strlen+4)"}}, "")},
		{Fingerprint(&Crash{Kind: "anr", Type: "ANR", Reason: "Input dispatching timed out"}, "ANR in com.a"),
			Fingerprint(&Crash{Kind: "anr", Type: "ANR", Reason: "Input dispatching timed out"}, "ANR in com.b")},
	}
	for i, d := range differ {
		if d[0] == d[1] {
			t.Errorf("pair %d should not group together: %s", i, d[0])
		}
	}
	fp := Fingerprint(nil, "x")
	if len(fp) != 16 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not 16 hex digits", fp)
	}
	// Stable across runs and machines: stored fingerprints must keep matching.
	if fp := Fingerprint(npe("chat 42 not found"), ""); fp != "97cc9b57d7bfcf54" {
		t.Errorf("fingerprint changed: %s", fp)
	}
}

// TestNormalizeMessageLinear feeds inputs that would make a careless
// scanner quadratic; each must take milliseconds, not seconds.
func TestNormalizeMessageLinear(t *testing.T) {
	start := time.Now()
	for _, unit := range []string{"1:", ":", "a.", "a-", "1.", "ab@", "1-", "a", "0x", "1a:", "::1 ", "a@b.", "http://", "2023-"} {
		NormalizeMessage(strings.Repeat(unit, 100000/len(unit)))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("14 inputs of 100 KB took %v", d)
	}
}

func BenchmarkNormalizeMessage(b *testing.B) {
	msg := "Failed to fetch https://files.example.org/f/51234 for chat 42 from 10.0.3.17:443 after 3000 ms (attempt 3, id 123e4567-e89b-12d3-a456-426614174000)"
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		NormalizeMessage(msg)
	}
}

func BenchmarkFingerprint(b *testing.B) {
	msgs := []string{
		"sync finished in 4512 ms, 3413 messages, cursor=7fa3",
		"Failed to fetch https://files.example.org/f/51234: timeout after 3000 ms",
		"avc: denied { read } for pid=4123 comm=\"app\" name=\"stat\" dev=\"proc\" ino=1234",
		"onResume() activity=ChatActivity@7fa3b2c chatId=12345",
		"Error sending message 51234 to 10.0.3.17: ECONNRESET",
	}
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			Fingerprint(nil, m)
		}
	}
}

func FuzzNormalizeMessage(f *testing.F) {
	for _, s := range []string{
		"sync finished in 123 ms", "GET https://x.example/a?b=1", "a.b@c.de", "123e4567-e89b-12d3-a456-426614174000",
		"fe80::1%wlan0", "192.168.0.1:80", "0x1c", "2023-05-01T12:34:56.789Z", "01.05.2023 9:05", "::", "1.2.3.4.5", "@{", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeMessage(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Errorf("valid UTF-8 in, invalid out: %q -> %q", s, n)
		}
		// Not idempotent in general: a replacement can change how its
		// neighbours read ("A0::0X0" -> "A0::<hex>", whose "A0::" is an IPv6
		// address on its own), so that is not checked.
		if fp := Fingerprint(&Crash{Kind: "native", Type: s, Reason: s, Frames: []string{s, s}}, s); len(fp) != 16 {
			t.Errorf("fingerprint %q", fp)
		}
		if fp := Fingerprint(nil, s); len(fp) != 16 {
			t.Errorf("fingerprint %q", fp)
		}
	})
}
