// Package secret makes and checks the secrets Tenantry keeps: passwords
// (argon2id, SPEC §4) and bearer tokens (random, stored as SHA-256).
package secret

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"

	"tenantry/internal/tenantry"
)

// Argon2id parameters of SPEC §4: m=19 MiB, t=2, p=1.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	// Bounds on the parameters read back from a stored hash.
	maxArgonTime   = 16
	maxArgonMemory = 256 * 1024 // KiB
)

// Hasher hashes and verifies passwords, at most a fixed number at a time so
// that a burst of sign-ins cannot take all memory (each hash holds 19 MiB).
type Hasher struct {
	slots chan struct{}
	dummy string
}

// NewHasher returns a Hasher that runs at most GOMAXPROCS hashes at once.
func NewHasher() *Hasher {
	h := &Hasher{slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	// The dummy hash is verified when there is no real one (unknown or pending
	// account), so that every failed sign-in costs the same time. Only its
	// parameters count (the check never matches), so it is written, not
	// computed: no argon2id run at every start.
	h.dummy = phcString(make([]byte, argonSaltLen), make([]byte, argonKeyLen))
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC string of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.hash([]byte(password), salt), nil
}

func (h *Hasher) hash(password, salt []byte) string {
	return phcString(salt, argon2.IDKey(password, salt, argonTime, argonMemory, argonThreads, argonKeyLen))
}

// phcString is a hash in PHC form with this package's parameters.
func phcString(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether password matches encoded. An empty encoded (no
// password set) is checked against a dummy hash and never matches, taking the
// same time as a real check.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	real := encoded != ""
	if !real {
		encoded = h.dummy
	}
	p, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return real && subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parsePHC(s string) (phc, error) {
	var p phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errors.New("secret: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, errors.New("secret: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, errors.New("secret: bad argon2 parameters")
	}
	// A stored hash is data, not code: parameters that would make argon2 panic
	// or allocate without bound are refused.
	if p.time < 1 || p.time > maxArgonTime || p.threads < 1 || p.memory < 8*uint32(p.threads) || p.memory > maxArgonMemory {
		return p, errors.New("secret: argon2 parameters out of range")
	}
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, errors.New("secret: bad salt")
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, errors.New("secret: bad key")
	}
	return p, nil
}

// NewToken returns a fresh random secret of kind k and the hash to store.
func NewToken(k tenantry.SecretKind) (token, hash string) {
	b := make([]byte, tenantry.SecretBytes)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand never fails on supported platforms (Go 1.24+ crashes instead).
		panic(err)
	}
	token = tenantry.FormatSecret(k, base64.RawURLEncoding.EncodeToString(b))
	return token, HashToken(token)
}

// HashToken returns the stored form of a bearer token. Tokens carry 256 bits of
// entropy, so a fast hash is enough: the store never holds a usable secret.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
