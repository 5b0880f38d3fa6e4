package ingest_test

import (
	"testing"

	"parley/ingest"
)

// http-failures counts what the network view counts as failed: no answer,
// 4xx and 5xx; 2xx and 3xx are not failures.
func TestHTTPFailuresMeanWhatTheNetworkViewMeans(t *testing.T) {
	for _, tc := range []struct {
		status, err string
		failed      bool
	}{
		{"200", "", false}, {"304", "", false}, {"101", "", false},
		{"401", "", true}, {"404", "", true}, {"429", "", true}, {"500", "", true}, {"503", "", true},
		{"0", "net::ERR_CONNECTION_RESET", true}, {"200", "net::ERR_ABORTED", true},
	} {
		d := ingest.NewDiagnoser(nil)
		d.Event(&ingest.Event{Level: ingest.LevelInfo, Message: "GET /x", Attrs: map[string]string{
			"http.status": tc.status, "http.method": "GET", "http.url": "https://a.example.org/x", "http.error": tc.err}})
		got := false
		for _, f := range d.Findings(ingest.Environment{}) {
			got = got || f.Rule == "http-failures"
		}
		if got != tc.failed {
			t.Errorf("status %s error %q: failed %v, want %v", tc.status, tc.err, got, tc.failed)
		}
	}
}
