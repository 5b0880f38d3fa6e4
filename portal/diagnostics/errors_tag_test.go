package diagnostics

import "testing"

func TestTagPattern(t *testing.T) {
	for _, tc := range []struct{ tag, want string }{
		{"PC_2", "PC_<n>"},
		{"PC_12", "PC_<n>"},
		{"pool-3-thread-1", "pool-<n>-thread-<n>"},
		{"OMX-VDEC-1080P", "OMX-VDEC-1080P"},
		{"x86", "x86"},
		{"libc", "libc"},
		{"", ""},
		{"42", "<n>"},
	} {
		if got := tagPattern(tc.tag); got != tc.want {
			t.Errorf("tagPattern(%q) = %q, want %q", tc.tag, got, tc.want)
		}
		if !tagMatches(tc.tag, tagPattern(tc.tag)) {
			t.Errorf("%q does not match its own pattern", tc.tag)
		}
	}
	if tagMatches("PC_2", "PC_") || tagMatches("OMX-VDEC-720P", "OMX-VDEC-1080P") {
		t.Error("a tag matched another tag")
	}
}
