package formats

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"path"
	"strings"
	"testing"

	"parley/ingest"
)

// fuzzSamples are small valid and broken diagnostics files, one or two of
// each format, for the seed corpora.
var fuzzSamples = []string{
	logcatSnippet,
	"--------- beginning of crash\n05-01 10:00:00.000  1  1 F libc    : Fatal signal 11 (SIGSEGV)\n",
	"*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\nBuild fingerprint: 'a/b/c:9/X/1:user/release-keys'\npid: 1, tid: 2, name: main  >>> ru.parley.app <<<\nsignal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0\nbacktrace:\n    #00 pc 0000 /system/lib64/libc.so (abort+1)\n",
	`{"bug_type":"309","timestamp":"2024-05-01 10:00:00.00 +0000","app_name":"Parley","incident_id":"X"}` + "\n" + `{"exception":{"type":"EXC_CRASH","signal":"SIGABRT"},"threads":[{"triggered":true,"frames":[{"imageIndex":0,"symbol":"abort"}]}],"usedImages":[{"name":"libsystem"}]}`,
	"Incident Identifier: 1\nHardware Model: iPhone13,4\nProcess: Parley [1]\nOS Version: iPhone OS 15.2.1 (19C63)\nException Type: EXC_CRASH (SIGABRT)\n\nThread 0 Crashed:\n0   libsystem_kernel.dylib 0x1 __pthread_kill + 8\n",
	"Timestamp                       Thread     Type        Activity             PID    TTL\n2024-05-01 10:00:00.000000+0300 0x1        Error       0x0                  12     0    Parley: (CFNetwork) boom\n",
	"Wed Aug 11 05:51:02 2021 [176] <err> (0x16f) boom\nWed Aug 11 05:51:03 2021 [176] <notice> ok\n",
	"# parley-ios-log v1\n2024-05-01 10:00:00.000+03:00 [ERROR] [Network] request failed\n",
	`{"format":"parley-client-state","platform":"web","version":"1.2.3","events":[{"t":"2024-05-01T10:00:00Z","level":"error","msg":"boom"}]}`,
	`{"log":{"version":"1.2","creator":{"name":"WebInspector"},"entries":[{"startedDateTime":"2024-05-01T10:00:00Z","time":12,"request":{"method":"GET","url":"https://a.example/x?token=s3cret","headers":[{"name":"Cookie","value":"a=b"}]},"response":{"status":500,"headers":[]},"timings":{}}]}}`,
	`{"getUserMedia":[],"PeerConnections":{"1-1":{"url":"https://a","stats":{},"updateLog":[{"time":"1","type":"iceconnectionstatechange","value":"failed"}]}},"UserAgent":"Chrome"}`,
	"RTCStatsDump\n[\"create\",\"PC_0\",{\"iceServers\":[]},1714557600000]\n[\"iceConnectionStateChange\",\"PC_0\",\"failed\",1714557601000]\n",
	`{"log":{"entries":[{"request":`, // cut short
	"{\"bug_type\":\"309\"\n{{{{",
	"\xef\xbb\xbf05-01 10:00:00.000  1  1 I A: \xff\xfe bad utf-8\r\n\x00",
	"\x00\x01\x02\x03 binary",
}

func gzipBytes(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// zipBytes builds a zip of name, data pairs, in order.
func zipBytes(pairs ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(pairs); i += 2 {
		f, err := w.Create(pairs[i])
		if err != nil {
			panic(err)
		}
		f.Write([]byte(pairs[i+1]))
	}
	w.Close()
	return b.Bytes()
}

// fuzzArchives are small zips and gzips, valid and broken.
func fuzzArchives() [][]byte {
	tiny := zipBytes("app/logcat.txt", logcatSnippet)
	gzLog := gzipBytes([]byte(logcatSnippet))
	mixed := zipBytes(
		"app/logcat.txt", logcatSnippet,
		"calls/internals.json.gz", string(gzipBytes([]byte(fuzzSamples[10]))),
		"inner.zip", string(tiny),
		"double.gz", string(gzipBytes(gzLog)),
		"../evil.txt", "x",
		"__MACOSX/app/._logcat.txt", "\x00\x05\x16\x07",
		".DS_Store", "Bud1",
		"dir/", "",
		"empty.txt", "",
	)
	var stored bytes.Buffer
	w := zip.NewWriter(&stored)
	fw, _ := w.CreateHeader(&zip.FileHeader{Name: "stored.txt", Method: zip.Store})
	fw.Write([]byte(logcatSnippet))
	w.Close()
	good := bytes.Clone(stored.Bytes())
	badCRC := stored.Bytes()
	badCRC[bytes.Index(badCRC, []byte("ActivityManager"))] ^= 1 // the checksum no longer matches
	return [][]byte{
		tiny, mixed, gzLog, good,
		gzipBytes(tiny),              // zip in gzip
		gzipBytes(gzLog),             // gzip in gzip
		tiny[:len(tiny)/2],           // cut zip
		gzLog[:len(gzLog)/2],         // cut gzip
		badCRC,                       // damaged zip
		[]byte("PK\x03\x04"),         // a zip's magic only
		[]byte("\x1f\x8b\x08\x00xx"), // a gzip's magic only
		append(gzLog, "trailing garbage"...),
		gzipBytes(bytes.Repeat([]byte("05-01 10:00:00.000  1  1 I A: x\n"), 100000)), // ~3 MiB, ratio ~1000
	}
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSamples {
		f.Add([]byte(s))
		f.Add(gzipBytes([]byte(s)))
	}
	f.Add([]byte{})
	for _, a := range fuzzArchives() {
		f.Add(a)
	}
}

var fuzzLimits = ingest.Limits{MaxFiles: 20, MaxFileBytes: 4 << 20, MaxTotal: 6 << 20, MaxRatio: 200}

// FuzzExpand expands arbitrary bytes and opens, parses and reads every
// member: nothing panics, names stay inside the upload, macOS metadata is
// skipped and the limits hold.
func FuzzExpand(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "upload.zip"
		members, skipped, err := ingest.Expand(name, bytes.NewReader(data), int64(len(data)), fuzzLimits)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("error not naming the upload: %v", err)
			}
			return
		}
		if len(members) > fuzzLimits.MaxFiles {
			t.Fatalf("%d members, limit %d", len(members), fuzzLimits.MaxFiles)
		}
		for _, e := range skipped {
			if !strings.HasPrefix(e.Error(), name) {
				t.Fatalf("refusal not naming the upload: %v", e)
			}
		}
		var total int64
		for _, m := range members {
			if m.Name != name && (!strings.HasPrefix(m.Name, name+"/") || strings.Contains(m.Name, "/../") ||
				strings.HasSuffix(m.Name, "/..") || testMacMetadata(strings.TrimPrefix(m.Name, name+"/"))) {
				t.Fatalf("member name %q", m.Name)
			}
			rc, err := m.Open()
			if err != nil {
				if !strings.HasPrefix(err.Error(), m.Name+": ") {
					t.Fatalf("open error not naming the member: %v", err)
				}
				continue
			}
			c := &countingSource{r: rc}
			res, err := ParseFile(m.Name, c, nil)
			if err != nil && !strings.Contains(err.Error(), m.Name) {
				t.Fatalf("parse error not naming the member: %v", err)
			}
			if res.File != m.Name {
				t.Fatalf("result for %q, want %q", res.File, m.Name)
			}
			io.Copy(io.Discard, c)
			rc.Close()
			if m.Name == name {
				continue // the upload itself: ParseFile's limits apply
			}
			if c.n > fuzzLimits.MaxFileBytes {
				t.Fatalf("%s gave %d bytes, more than one file may", m.Name, c.n)
			}
			total += c.n
		}
		if total > fuzzLimits.MaxTotal {
			t.Fatalf("members gave %d bytes, more than the total of %d", total, fuzzLimits.MaxTotal)
		}
	})
}

// FuzzParseFile runs the format dispatcher on arbitrary bytes: nothing
// panics, the result counts what the sink saw, and errors name the file.
func FuzzParseFile(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "upload.log"
		events := 0
		res, err := ParseFile(name, bytes.NewReader(data), func(ev *ingest.Event) error {
			events++
			if ev.Source != name {
				t.Fatalf("event source %q", ev.Source)
			}
			_ = ev.Clone()
			return nil
		})
		if res.File != name || res.Events != events {
			t.Fatalf("result for %q counts %d events, sink saw %d", res.File, res.Events, events)
		}
		if err != nil && !strings.Contains(err.Error(), name) {
			t.Fatalf("error not naming the file: %v", err)
		}
		for _, e := range res.Errors {
			if e.File != name {
				t.Fatalf("parse error for %q: %v", e.File, e)
			}
		}
	})
}

// testMacMetadata is Expand's rule for the files macOS adds to its zips
// (__MACOSX, ._name, .DS_Store), none of which may come out as a member.
func testMacMetadata(name string) bool {
	base := path.Base(name)
	return base == ".DS_Store" || strings.HasPrefix(base, "._") ||
		name == "__MACOSX" || strings.HasPrefix(name, "__MACOSX/") || strings.Contains(name, "/__MACOSX/")
}
