package accounts

import "testing"

// BenchmarkPasswordVerify is the cost of one sign-in's password check with
// the production parameters; the target is at most 50 ms.
func BenchmarkPasswordVerify(b *testing.B) {
	h := NewHasher(DefaultArgon2)
	enc := h.Hash("correct horse battery staple")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !h.Verify(enc, "correct horse battery staple") {
			b.Fatal("verify failed")
		}
	}
}
