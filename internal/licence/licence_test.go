package licence_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/licence"
	"tenantry/internal/tenantry"
)

// fixedKey returns a deterministic key, so that fuzz workers (separate
// processes) and the seed corpus agree on what is signed.
func fixedKey(b byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = b + byte(i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

var (
	vendorKey  = fixedKey(1)
	vendorKey2 = fixedKey(50)
	devKey     = fixedKey(100)
	foreignKey = fixedKey(200)
)

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func goodLicence() tenantry.Licence {
	nb := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	return tenantry.Licence{
		ID:               "6f1c1a2e-3d5b-4c8e-9a0f-1b2c3d4e5f60",
		Licensee:         "Acme Corporation",
		OrganizationName: "Acme",
		Limits:           tenantry.Limits{Tenants: 10, Administrators: 3, Runtimes: 2, Users: 250},
		IssuedAt:         nb,
		NotBefore:        nb,
		ExpiresAt:        tenantry.ExpiresAtEndOf(time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)),
	}
}

func mustSign(t testing.TB, k ed25519.PrivateKey, l tenantry.Licence) string {
	t.Helper()
	s, err := licence.Sign(k, l)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return s
}

// signRaw signs an arbitrary payload in the licence format.
func signRaw(k ed25519.PrivateKey, payload string) string {
	first := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return first + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k, []byte(first)))
}

// otherB64 returns a base64url character other than c that differs in its
// two high bits, so that the decoded bytes change wherever it stands.
func otherB64(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return alphabet[(i+32)%64]
}

func replaceAt(s string, i int, c byte) string { return s[:i] + string(c) + s[i+1:] }

func TestSignVerify_RoundTrip(t *testing.T) {
	l := goodLicence()
	dev := l
	dev.Development = true
	tests := []struct {
		name string
		auth licence.Authority
		key  ed25519.PrivateKey
		want tenantry.Licence
		code tenantry.Code // "" when accepted
	}{
		{name: "vendor key", auth: licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}}, key: vendorKey, want: l},
		{name: "second of two vendor keys", auth: licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey), pub(vendorKey2)}}, key: vendorKey2, want: l},
		{name: "vendor key with a development key present", auth: licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}, Development: pub(devKey)}, key: vendorKey, want: l},
		{name: "development key, no vendor key", auth: licence.Authority{Development: pub(devKey)}, key: devKey, want: dev},
		{name: "development key once a vendor key is configured", auth: licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}, Development: pub(devKey)}, key: devKey, code: tenantry.CodeLicenceExpired},
		{name: "development key not in the authority", auth: licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}}, key: devKey, code: tenantry.CodeInvalid},
		{name: "foreign key, vendor authority", auth: licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}, Development: pub(devKey)}, key: foreignKey, code: tenantry.CodeInvalid},
		{name: "foreign key, development authority", auth: licence.Authority{Development: pub(devKey)}, key: foreignKey, code: tenantry.CodeInvalid},
		{name: "vendor-signed, development-only authority", auth: licence.Authority{Development: pub(devKey)}, key: vendorKey, code: tenantry.CodeInvalid},
		{name: "empty authority", auth: licence.Authority{}, key: vendorKey, code: tenantry.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := mustSign(t, tt.key, l)
			got, err := tt.auth.Verify(text)
			if tt.code != "" {
				if !tenantry.IsCode(err, tt.code) {
					t.Fatalf("Verify() error = %v, want code %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerify_Accepts(t *testing.T) {
	auth := licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}}
	l := goodLicence()
	text := mustSign(t, vendorKey, l)
	zoned := l
	east := time.FixedZone("UTC+2", 2*3600)
	zoned.IssuedAt, zoned.NotBefore, zoned.ExpiresAt = l.IssuedAt.In(east), l.NotBefore.In(east), l.ExpiresAt.In(east)
	tests := []struct {
		name string
		text string
	}{
		{"as issued", text},
		{"with a trailing newline (a licence file)", text + "\n"},
		{"with CRLF and spaces around", "  \r\n" + text + " \r\n"},
		{"times signed in another zone come back in UTC", mustSign(t, vendorKey, zoned)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.Verify(tt.text)
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if diff := cmp.Diff(l, got); diff != "" {
				t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
			}
			for _, tm := range []time.Time{got.IssuedAt, got.NotBefore, got.ExpiresAt} {
				if tm.Location() != time.UTC {
					t.Errorf("time %s is not in UTC", tm)
				}
			}
		})
	}
}

func TestVerify_Refuses(t *testing.T) {
	auth := licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}, Development: pub(devKey)}
	text := mustSign(t, vendorKey, goodLicence())
	first, sig, _ := strings.Cut(text, ".")
	invalidLicence := goodLicence()
	invalidLicence.Limits.Administrators = 0
	tests := []struct {
		name string
		text string
		code tenantry.Code
	}{
		{name: "empty", text: ""},
		{name: "whitespace", text: " \n\t"},
		{name: "a dot", text: "."},
		{name: "payload byte changed/first", text: replaceAt(text, 0, otherB64(text[0]))},
		{name: "payload byte changed/middle", text: replaceAt(text, len(first)/2, otherB64(text[len(first)/2]))},
		{name: "payload byte changed/last", text: replaceAt(text, len(first)-1, otherB64(text[len(first)-1]))},
		{name: "signature byte changed/first", text: replaceAt(text, len(first)+1, otherB64(text[len(first)+1]))},
		{name: "signature byte changed/middle", text: replaceAt(text, len(first)+1+len(sig)/2, otherB64(text[len(first)+1+len(sig)/2]))},
		{name: "signature byte changed/last", text: replaceAt(text, len(text)-1, otherB64(text[len(text)-1]))},
		{name: "signature bit flipped (decoded)", text: func() string {
			b, _ := base64.RawURLEncoding.DecodeString(sig)
			b[10] ^= 1
			return first + "." + base64.RawURLEncoding.EncodeToString(b)
		}()},
		{name: "parts swapped", text: sig + "." + first},
		{name: "extra dot at the end", text: text + "."},
		{name: "extra dot at the start", text: "." + text},
		{name: "extra part", text: text + "." + sig},
		{name: "dot inside the signature", text: first + "." + sig[:40] + "." + sig[40:]},
		{name: "dot inside the payload", text: first[:20] + "." + first[20:] + "." + sig},
		{name: "payload only", text: first},
		{name: "payload and dot", text: first + "."},
		{name: "signature only", text: "." + sig},
		{name: "signature truncated", text: text[:len(text)-1]},
		{name: "signature one byte short", text: first + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 63))},
		{name: "signature one byte long", text: text + "AA"},
		{name: "signature padded", text: text + "=="},
		{name: "signature in standard base64", text: first + "." + strings.NewReplacer("-", "+", "_", "/").Replace(sig) + "+/"},
		{name: "signature garbage", text: first + ".!!!!" + sig[4:]},
		{name: "payload garbage, signed", text: func() string {
			f := "!!not*base64!!"
			return f + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(vendorKey, []byte(f)))
		}()},
		{name: "payload padded, signed", text: func() string {
			f := first + "=="
			return f + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(vendorKey, []byte(f)))
		}()},
		{name: "all zero signature", text: first + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64))},
		{name: "signature of another licence", text: func() string {
			other := goodLicence()
			other.ID = "another"
			_, s, _ := strings.Cut(mustSign(t, vendorKey, other), ".")
			return first + "." + s
		}()},
		{name: "unknown JSON field, signed", text: signRaw(vendorKey, `{"id":"x","licensee":"Acme","organizationName":"Acme","limits":{"tenants":1,"administrators":1,"runtimes":1,"users":1},"issuedAt":"2027-01-01T00:00:00Z","notBefore":"2027-01-01T00:00:00Z","expiresAt":"2028-01-01T00:00:00Z","unlimited":true}`)},
		{name: "unknown limit, signed", text: signRaw(vendorKey, `{"id":"x","licensee":"Acme","organizationName":"Acme","limits":{"tenants":1,"administrators":1,"runtimes":1,"users":1,"nodes":5},"issuedAt":"2027-01-01T00:00:00Z","notBefore":"2027-01-01T00:00:00Z","expiresAt":"2028-01-01T00:00:00Z"}`)},
		{name: "development flag in the payload, signed", text: signRaw(vendorKey, `{"id":"x","licensee":"Acme","organizationName":"Acme","limits":{"tenants":1,"administrators":1,"runtimes":1,"users":1},"issuedAt":"2027-01-01T00:00:00Z","notBefore":"2027-01-01T00:00:00Z","expiresAt":"2028-01-01T00:00:00Z","Development":true}`)},
		{name: "wrong types, signed", text: signRaw(vendorKey, `{"id":1,"limits":"many"}`)},
		{name: "not JSON, signed", text: signRaw(vendorKey, `hello`)},
		{name: "truncated JSON, signed", text: signRaw(vendorKey, `{"id":"x",`)},
		{name: "JSON null, signed", text: signRaw(vendorKey, `null`)},
		{name: "JSON array, signed", text: signRaw(vendorKey, `[1,2,3]`)},
		{name: "empty object, signed", text: signRaw(vendorKey, `{}`)},
		{name: "bad time, signed", text: signRaw(vendorKey, `{"id":"x","licensee":"Acme","organizationName":"Acme","limits":{"tenants":1,"administrators":1,"runtimes":1,"users":1},"expiresAt":"next year"}`)},
		{name: "invalid fields, signed", text: mustSign(t, vendorKey, invalidLicence)},
		// The development key is refused before the fields are looked at.
		{name: "invalid fields, development-signed", text: mustSign(t, devKey, invalidLicence), code: tenantry.CodeLicenceExpired},
		{name: "development-signed", text: mustSign(t, devKey, goodLicence()), code: tenantry.CodeLicenceExpired},
		{name: "foreign-signed", text: mustSign(t, foreignKey, goodLicence())},
		{name: "non-canonical base64 in the signature (unused low bits set)", text: func() string {
			// 64 bytes take 86 base64 characters; the last one carries 2
			// bits of signature and 4 unused bits.
			c := sig[len(sig)-1]
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			return first + "." + sig[:len(sig)-1] + string(alphabet[strings.IndexByte(alphabet, c)^1])
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.text == text {
				t.Fatal("the tampered text is the original")
			}
			want := tt.code
			if want == "" {
				want = tenantry.CodeInvalid
			}
			got, err := auth.Verify(tt.text)
			if err == nil {
				t.Fatalf("Verify(%q) accepted: %+v", tt.text, got)
			}
			var e *tenantry.Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify(%q) error = %#v, want a *tenantry.Error", tt.text, err)
			}
			if e.Code != want {
				t.Errorf("Verify(%q) code = %q (%v), want %q", tt.text, e.Code, err, want)
			}
			if e.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	k := pub(vendorKey)
	std := licence.FormatPublicKey(k)
	if len(std) != 44 || !strings.HasSuffix(std, "=") {
		t.Errorf("FormatPublicKey = %q, want 44 characters of padded standard base64", std)
	}
	if dec, err := base64.StdEncoding.DecodeString(std); err != nil || !ed25519.PublicKey(dec).Equal(k) {
		t.Errorf("FormatPublicKey = %q is not base64 of the 32 raw bytes", std)
	}
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"FormatPublicKey output", std, true},
		{"surrounded by whitespace", "  " + std + "\n", true},
		{"raw URL base64", base64.RawURLEncoding.EncodeToString(k), true},
		{"empty", "", false},
		{"whitespace", "  \n", false},
		{"not base64", "this is not a key!", false},
		{"31 bytes", base64.StdEncoding.EncodeToString(k[:31]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(append([]byte{}, k...), 0)), false},
		{"a private key (64 bytes)", base64.StdEncoding.EncodeToString(vendorKey), false},
		{"a seed file line of another length", base64.StdEncoding.EncodeToString(make([]byte, 16)), false},
		{"hex", "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", false},
		{"two keys joined by a comma", std + "," + std, false},
		{"truncated", std[:20], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := licence.ParsePublicKey(tt.in)
			if !tt.ok {
				if err == nil {
					t.Errorf("ParsePublicKey(%q) = %x, want an error", tt.in, got)
				}
				if got != nil {
					t.Errorf("ParsePublicKey(%q) returned a key with its error", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublicKey(%q) error = %v", tt.in, err)
			}
			if !got.Equal(k) {
				t.Errorf("ParsePublicKey(%q) = %x, want %x", tt.in, []byte(got), []byte(k))
			}
			if s := licence.FormatPublicKey(got); s != std {
				t.Errorf("FormatPublicKey(ParsePublicKey(%q)) = %q, want %q", tt.in, s, std)
			}
		})
	}
	// A freshly generated key survives the round trip too.
	for i := 0; i < 20; i++ {
		p, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		got, err := licence.ParsePublicKey(licence.FormatPublicKey(p))
		if err != nil || !got.Equal(p) {
			t.Fatalf("round trip of %x: %x, %v", []byte(p), []byte(got), err)
		}
	}
}

func TestCreateKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "keys", "vendor.key")
	k, err := licence.CreateKeyFile(path)
	if err != nil {
		t.Fatalf("CreateKeyFile: %v", err)
	}
	if len(k) != ed25519.PrivateKeySize {
		t.Fatalf("CreateKeyFile returned a %d-byte key", len(k))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	before, _ := os.ReadFile(path)

	read, err := licence.ReadKeyFile(path)
	if err != nil {
		t.Fatalf("ReadKeyFile: %v", err)
	}
	if !read.Equal(k) {
		t.Error("ReadKeyFile returned another key than CreateKeyFile")
	}
	// What it signs verifies against its public key.
	text := mustSign(t, read, goodLicence())
	if _, err := (licence.Authority{Vendor: []ed25519.PublicKey{pub(k)}}).Verify(text); err != nil {
		t.Errorf("licence signed with the read key: %v", err)
	}

	t.Run("refuses to overwrite", func(t *testing.T) {
		k2, err := licence.CreateKeyFile(path)
		if err == nil {
			t.Fatal("CreateKeyFile over an existing key succeeded")
		}
		if k2 != nil {
			t.Error("CreateKeyFile returned a key with its error")
		}
		after, _ := os.ReadFile(path)
		if string(after) != string(before) {
			t.Error("the existing key file was changed")
		}
	})
	t.Run("refuses to overwrite any file", func(t *testing.T) {
		other := filepath.Join(dir, "notes.txt")
		if err := os.WriteFile(other, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := licence.CreateKeyFile(other); err == nil {
			t.Fatal("CreateKeyFile over an existing file succeeded")
		}
		if b, _ := os.ReadFile(other); string(b) != "keep me" {
			t.Errorf("the existing file now holds %q", b)
		}
	})
	t.Run("two files hold two keys", func(t *testing.T) {
		k3, err := licence.CreateKeyFile(filepath.Join(dir, "other.key"))
		if err != nil {
			t.Fatal(err)
		}
		if k3.Equal(k) {
			t.Error("two key files hold the same key")
		}
	})
}

func TestReadKeyFile(t *testing.T) {
	seed := base64.StdEncoding.EncodeToString(vendorKey.Seed())
	tests := []struct {
		name    string
		content string
		ok      bool
	}{
		{"as written", "tenantry licence signing key\n" + seed + "\n", true},
		{"without the final newline", "tenantry licence signing key\n" + seed, true},
		{"with blank lines around", "\n\ntenantry licence signing key\n" + seed + "\n\n\n", true},
		{"empty", "", false},
		{"header only", "tenantry licence signing key\n", false},
		{"seed only", seed + "\n", false},
		{"wrong header", "some other key\n" + seed + "\n", false},
		{"header in capitals", "TENANTRY LICENCE SIGNING KEY\n" + seed + "\n", false},
		{"bad base64", "tenantry licence signing key\n!!" + seed[2:] + "\n", false},
		{"seed truncated", "tenantry licence signing key\n" + seed[:len(seed)-4] + "\n", false},
		{"31-byte seed", "tenantry licence signing key\n" + base64.StdEncoding.EncodeToString(vendorKey.Seed()[:31]) + "\n", false},
		{"whole private key instead of seed", "tenantry licence signing key\n" + base64.StdEncoding.EncodeToString(vendorKey) + "\n", false},
		{"extra line", "tenantry licence signing key\n" + seed + "\nmore\n", false},
		{"binary garbage", "\x00\x01\x02\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			k, err := licence.ReadKeyFile(path)
			if !tt.ok {
				if err == nil {
					t.Fatalf("ReadKeyFile(%q) succeeded", tt.content)
				}
				if k != nil {
					t.Error("ReadKeyFile returned a key with its error")
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadKeyFile(%q): %v", tt.content, err)
			}
			if !k.Equal(vendorKey) {
				t.Error("ReadKeyFile returned another key")
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := licence.ReadKeyFile(filepath.Join(t.TempDir(), "none.key"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadKeyFile(missing) = %v, want os.ErrNotExist", err)
		}
	})
}

func TestDevKey(t *testing.T) {
	t.Run("create=false on an empty directory", func(t *testing.T) {
		dir := t.TempDir()
		k, err := licence.DevKey(dir, false)
		if k != nil || err != nil {
			t.Fatalf("DevKey(empty, false) = %v, %v; want nil, nil", k, err)
		}
		if _, err := os.Stat(filepath.Join(dir, licence.DevKeyFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("DevKey(create=false) made a file: %v", err)
		}
	})
	t.Run("create=false on a missing directory", func(t *testing.T) {
		k, err := licence.DevKey(filepath.Join(t.TempDir(), "no", "such"), false)
		if k != nil || err != nil {
			t.Fatalf("DevKey(missing, false) = %v, %v; want nil, nil", k, err)
		}
	})
	t.Run("create=true creates, then returns the same key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		k1, err := licence.DevKey(dir, true)
		if err != nil || k1 == nil {
			t.Fatalf("DevKey(create=true) = %v, %v", k1, err)
		}
		fi, err := os.Stat(filepath.Join(dir, licence.DevKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("development key mode = %o, want 600", perm)
		}
		for _, create := range []bool{true, false} {
			k2, err := licence.DevKey(dir, create)
			if err != nil {
				t.Fatalf("DevKey again (create=%v): %v", create, err)
			}
			if !k2.Equal(k1) {
				t.Errorf("DevKey again (create=%v) returned another key", create)
			}
		}
		fromFile, err := licence.ReadKeyFile(filepath.Join(dir, licence.DevKeyFile))
		if err != nil || !fromFile.Equal(k1) {
			t.Errorf("ReadKeyFile(dev key) = %v, want the development key", err)
		}
	})
	t.Run("damaged file is an error and is kept", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, licence.DevKeyFile)
		if err := os.WriteFile(path, []byte("damaged"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, create := range []bool{false, true} {
			k, err := licence.DevKey(dir, create)
			if err == nil || k != nil {
				t.Errorf("DevKey(damaged, create=%v) = %v, %v; want an error", create, k, err)
			}
		}
		if b, _ := os.ReadFile(path); string(b) != "damaged" {
			t.Errorf("the damaged key file was replaced by %q", b)
		}
	})
}

// Several starts at once (a server and an operator command on a fresh data
// directory) agree on one development key.
func TestDevKey_Concurrent(t *testing.T) {
	for round := 0; round < 50; round++ {
		dir := t.TempDir()
		const n = 8
		keys := make([]ed25519.PrivateKey, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				keys[i], errs[i] = licence.DevKey(dir, true)
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("concurrent DevKey(create=true) on a fresh directory failed (round %d): %v", round, errs[i])
			}
			if !keys[i].Equal(keys[0]) {
				t.Fatalf("round %d: concurrent DevKey calls returned different keys", round)
			}
		}
	}
}

// FuzzVerify feeds arbitrary text to Authority.Verify: it must never panic,
// and never accept anything whose payload part was not signed by a key the
// authority trusts.
func FuzzVerify(f *testing.F) {
	vendorAuth := licence.Authority{Vendor: []ed25519.PublicKey{pub(vendorKey)}, Development: pub(devKey)}
	devAuth := licence.Authority{Development: pub(devKey)}

	// signed maps each payload part this test signed to what it holds.
	vendorSigned := map[string]tenantry.Licence{}
	devSigned := map[string]tenantry.Licence{}
	var seeds []string
	add := func(k ed25519.PrivateKey, into map[string]tenantry.Licence, l tenantry.Licence) string {
		s := mustSign(f, k, l)
		first, _, _ := strings.Cut(s, ".")
		if into != nil {
			into[first] = l
		}
		seeds = append(seeds, s)
		return s
	}
	l := goodLicence()
	v := add(vendorKey, vendorSigned, l)
	add(devKey, devSigned, l)
	add(foreignKey, nil, l)
	l2 := l
	l2.ID, l2.Limits.Users = "second", 1
	add(vendorKey, vendorSigned, l2)
	bad := l
	bad.Limits.Administrators = 0
	add(vendorKey, vendorSigned, bad)

	first, sig, _ := strings.Cut(v, ".")
	seeds = append(seeds,
		"", ".", "..", "a.b", "a.b.c", v+"\n", " "+v+" ", v+".", "."+v, sig+"."+first,
		first, first+".", "."+sig, v[:len(v)-1], v+"A", v+"==",
		replaceAt(v, 5, otherB64(v[5])), replaceAt(v, len(first)+5, otherB64(v[len(first)+5])),
		signRaw(vendorKey, `{"id":"x","unknown":1}`), signRaw(vendorKey, "null"), signRaw(foreignKey, "{}"),
		"eyJpZCI6IngifQ."+strings.Repeat("A", 86), "\x00.\xff", strings.Repeat(".", 100),
	)
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, text string) {
		trimmed := strings.TrimSpace(text)
		first, _, _ := strings.Cut(trimmed, ".")

		got, err := vendorAuth.Verify(text)
		switch {
		case err == nil:
			want, ok := vendorSigned[first]
			if !ok {
				t.Fatalf("vendor authority accepted %q, whose payload part was never signed by the vendor key", text)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("vendor authority accepted %q as another licence (-signed +got):\n%s", text, diff)
			}
		case tenantry.IsCode(err, tenantry.CodeLicenceExpired):
			if _, ok := devSigned[first]; !ok {
				t.Fatalf("licence_expired for %q, which the development key never signed: %v", text, err)
			}
		case tenantry.IsCode(err, tenantry.CodeInvalid):
		default:
			t.Fatalf("Verify(%q) error = %v (code %s), want invalid or licence_expired", text, err, tenantry.ErrorCode(err))
		}

		got, err = devAuth.Verify(text)
		switch {
		case err == nil:
			want, ok := devSigned[first]
			if !ok {
				t.Fatalf("development authority accepted %q, whose payload part was never signed by the development key", text)
			}
			want.Development = true
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("development authority accepted %q as another licence (-signed +got):\n%s", text, diff)
			}
		case tenantry.IsCode(err, tenantry.CodeInvalid):
		default:
			t.Fatalf("development authority: Verify(%q) error = %v (code %s), want invalid", text, err, tenantry.ErrorCode(err))
		}
	})
}
