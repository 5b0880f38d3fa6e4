package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"parley/server/accounts"
	"parley/server/servertest"
)

// BenchmarkSignInHTTP drives POST /api/v1/auth/login over real HTTP with
// the production argon2id cost, from as many clients as GOMAXPROCS allows.
func BenchmarkSignInHTTP(b *testing.B) {
	env := servertest.Start(b, servertest.Options{Accounts: accounts.Options{Hasher: accounts.NewHasher(accounts.DefaultArgon2)}})
	env.CreateUser("bench@example.org", "bench-secret-1", accounts.RoleUser)
	client := env.HTTP.Client()
	var n atomic.Int64
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(`{"login":"bench@example.org","password":"bench-secret-1","device":{"udid":"b%d"}}`, n.Add(1))
			resp, err := client.Post(env.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}
