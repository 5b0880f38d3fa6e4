package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost settings stored with every hash, so
// they can be raised later without invalidating old passwords.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
}

// DefaultArgon2 follows OWASP's argon2id minimum (19 MiB, 2 passes); two lanes keep
// one sign-in well under 50 ms on a 2-core server (see docs/benchmarks.md).
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 2, KeyLen: 32}

// Hasher hashes and checks passwords, bounding how many run at once: each
// holds Memory KiB and keeps Threads cores busy, so a flood of sign-ins must
// queue rather than exhaust memory and starve every other request (see
// hashslots.go for the limit and for requests that wait for a turn).
type Hasher struct {
	params Argon2Params
	slots  chan struct{} // one per hash running
	gate   *hashGate     // requests that will hash wait here, for a while
	dummy  string
}

// NewHasher returns a Hasher with the given cost and the default limit on
// concurrent hashing (DefaultHashLimit).
func NewHasher(p Argon2Params) *Hasher { return NewHasherLimit(p, DefaultHashLimit(p)) }

// NewHasherLimit returns a Hasher with the given cost and limit.
func NewHasherLimit(p Argon2Params, l HashLimit) *Hasher {
	l.Slots = max(1, l.Slots)
	h := &Hasher{params: p, slots: make(chan struct{}, l.Slots), gate: newHashGate(l)}
	h.dummy = h.Hash("parley-timing-equaliser")
	return h
}

// Hash returns the PHC-style encoding of pw.
func (h *Hasher) Hash(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	p := h.params
	h.slots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	<-h.slots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether pw matches encoded. An empty encoded hash (an
// account with no password yet) never matches, but costs the same time.
func (h *Hasher) Verify(encoded, pw string) bool {
	if encoded == "" {
		encoded = h.dummy
		pw += "\x00never"
	}
	p, salt, key, err := decodeHash(encoded)
	if err != nil || len(pw) > MaxPasswordLen {
		return false
	}
	h.slots <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	<-h.slots
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Waste spends the time of one verification; used when the login is unknown
// so that response time does not reveal which logins exist.
func (h *Hasher) Waste(pw string) { h.Verify("", pw) }

func decodeHash(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("argon2 parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("argon2 salt: %w", err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("argon2 key: %w", err)
	}
	return p, salt, key, nil
}

// RandomPassword makes a password for first-start and invited accounts:
// 26 base32 characters, 130 bits from the system's secure source.
func RandomPassword() string { return rand.Text() }
