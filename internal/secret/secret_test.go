package secret_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"tenantry/internal/secret"
	"tenantry/internal/tenantry"
)

// phcPattern is SPEC §4's argon2id (m=19 MiB, t=2, p=1) with a 16-byte salt
// and a 32-byte key, both unpadded standard base64.
var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

// Each argon2id hash at SPEC parameters takes tens of milliseconds, so the test
// makes only a handful: two Hash calls and three
// full-cost Verify calls.
func TestHasher(t *testing.T) {
	ctx := context.Background()
	h := secret.NewHasher()
	const password = "correct horse battery staple"

	encoded, err := h.Hash(ctx, password)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !phcPattern.MatchString(encoded) {
		t.Errorf("Hash = %q, want the form %s", encoded, phcPattern)
	}
	again, err := h.Hash(ctx, password)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if again == encoded {
		t.Errorf("two hashes of the same password are both %q; want different salts", encoded)
	}
	if salt := func(s string) string { return strings.Split(s, "$")[4] }; salt(again) == salt(encoded) {
		t.Errorf("two hashes share the salt %q", salt(encoded))
	}

	tests := []struct {
		name     string
		password string
		encoded  string
		want     bool
	}{
		{name: "right password", password: password, encoded: encoded, want: true},
		{name: "wrong password", password: password + "!", encoded: encoded, want: false},
		// No password set: the dummy hash is checked and never matches, even
		// for the password the dummy was made from.
		{name: "empty hash", password: "tenantry dummy password", encoded: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(ctx, tt.password, tt.encoded)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Errorf("Verify(%q, %q) = %v, want %v", tt.password, tt.encoded, got, tt.want)
			}
		})
	}
}

// lightPHC encodes password with cheap argon2id parameters, so that Verify can
// be checked against hashes made elsewhere without paying SPEC's cost.
func lightPHC(password string, salt []byte, m, t uint32, p uint8) string {
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func TestHasher_VerifyUsesEncodedParameters(t *testing.T) {
	ctx := context.Background()
	h := secret.NewHasher()
	encoded := lightPHC("s3cret-password", []byte("0123456789abcdef"), 64, 1, 1)
	tests := []struct {
		password string
		want     bool
	}{
		{password: "s3cret-password", want: true},
		{password: "s3cret-passwore", want: false},
		{password: "", want: false},
	}
	for _, tt := range tests {
		got, err := h.Verify(ctx, tt.password, encoded)
		if err != nil {
			t.Fatalf("Verify(%q): %v", tt.password, err)
		}
		if got != tt.want {
			t.Errorf("Verify(%q, %q) = %v, want %v", tt.password, encoded, got, tt.want)
		}
	}
}

func TestHasher_VerifyMalformed(t *testing.T) {
	ctx := context.Background()
	h := secret.NewHasher()
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	good := lightPHC("pw", []byte("0123456789abcdef"), 64, 1, 1)
	tests := []struct {
		name    string
		encoded string
	}{
		{name: "garbage", encoded: "garbage"},
		{name: "plain text password", encoded: "hunter2hunter2"},
		{name: "dollar only", encoded: "$"},
		{name: "bcrypt", encoded: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{name: "argon2i", encoded: strings.Replace(good, "$argon2id$", "$argon2i$", 1)},
		{name: "argon2d", encoded: strings.Replace(good, "$argon2id$", "$argon2d$", 1)},
		{name: "upper-case algorithm", encoded: strings.Replace(good, "$argon2id$", "$ARGON2ID$", 1)},
		{name: "version 16", encoded: strings.Replace(good, "$v=19$", "$v=16$", 1)},
		{name: "no version", encoded: "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{name: "too many parts", encoded: good + "$extra"},
		{name: "bad parameters", encoded: "$argon2id$v=19$memory=64$" + salt + "$" + key},
		{name: "empty parameters", encoded: "$argon2id$v=19$$" + salt + "$" + key},
		{name: "parallelism overflow", encoded: "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key},
		{name: "salt not base64", encoded: "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key},
		{name: "padded salt", encoded: "$argon2id$v=19$m=64,t=1,p=1$" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")) + "$" + key},
		{name: "key not base64", encoded: "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$****"},
		{name: "empty key", encoded: "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},

		// Parameters argon2 refuses by panicking: a corrupt stored hash is an
		// error, not a crash of the request.
		{name: "zero time", encoded: "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{name: "zero parallelism", encoded: "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, "pw", tt.encoded)
			if err == nil {
				t.Errorf("Verify(%q) = %v, nil; want an error", tt.encoded, ok)
			}
			if ok {
				t.Errorf("Verify(%q) = true with error %v; want false", tt.encoded, err)
			}
		})
	}
}

func TestHashToken(t *testing.T) {
	hexPattern := regexp.MustCompile(`^[0-9a-f]{64}$`)
	tests := []struct {
		token string
		want  string
	}{
		// SHA-256 of the empty string, a published test vector.
		{token: "", want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{token: "abc", want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{token: "tnts_" + strings.Repeat("A", 43)},
		{token: "tntk_" + strings.Repeat("A", 43)},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := secret.HashToken(tt.token)
		if !hexPattern.MatchString(got) {
			t.Errorf("HashToken(%q) = %q, want 64 lower-case hex characters", tt.token, got)
		}
		want := tt.want
		if want == "" {
			sum := sha256.Sum256([]byte(tt.token))
			want = hex.EncodeToString(sum[:])
		}
		if got != want {
			t.Errorf("HashToken(%q) = %q, want %q", tt.token, got, want)
		}
		if got != secret.HashToken(tt.token) {
			t.Errorf("HashToken(%q) is not deterministic", tt.token)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("HashToken(%q) == HashToken(%q)", tt.token, other)
		}
		seen[got] = tt.token
	}
}

func TestNewToken(t *testing.T) {
	kinds := []tenantry.SecretKind{tenantry.SecretSession, tenantry.SecretAPIKey, tenantry.SecretSetup, tenantry.SecretReset}
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			token, hash := secret.NewToken(kind)
			if !tenantry.ValidSecret(kind, token) {
				t.Errorf("ValidSecret(%q, %q) = false", kind, token)
			}
			for _, other := range kinds {
				if other != kind && tenantry.ValidSecret(other, token) {
					t.Errorf("token %q of kind %q is also valid as %q", token, kind, other)
				}
			}
			if !strings.HasPrefix(token, string(kind)+"_") {
				t.Errorf("token %q lacks the prefix %q", token, string(kind)+"_")
			}
			body := strings.TrimPrefix(token, string(kind)+"_")
			raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
			if err != nil || len(raw) != tenantry.SecretBytes {
				t.Errorf("token body %q decodes to %d bytes (err %v), want %d", body, len(raw), err, tenantry.SecretBytes)
			}
			if hash != secret.HashToken(token) {
				t.Errorf("NewToken hash = %q, want HashToken(token) = %q", hash, secret.HashToken(token))
			}
			if len(hash) != 64 {
				t.Errorf("hash %q has %d characters, want 64", hash, len(hash))
			}
			again, againHash := secret.NewToken(kind)
			if again == token || againHash == hash {
				t.Errorf("two NewToken(%q) calls returned the same token %q", kind, token)
			}
		})
	}
}
