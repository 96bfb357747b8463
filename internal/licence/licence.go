// Package licence signs and verifies Tenantry licences: base64url(JSON payload)
// "." base64url(Ed25519 signature of the first part) (SPEC §1), and keeps the
// key files of a licence authority.
package licence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tenantry/internal/tenantry"
)

// DevKeyFile is the development key's file name in the data directory.
const DevKeyFile = "licence-dev.key"

// strictB64 refuses non-canonical encodings, so that a licence has exactly one
// text.
var strictB64 = base64.RawURLEncoding.Strict()

// Sign returns the licence text of l signed with key.
func Sign(key ed25519.PrivateKey, l tenantry.Licence) (string, error) {
	payload, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	first := base64.RawURLEncoding.EncodeToString(payload)
	sig := ed25519.Sign(key, []byte(first))
	return first + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Authority is the set of keys a server trusts.
type Authority struct {
	// Vendor are the configured public keys. When there is any, the
	// development key is not trusted.
	Vendor []ed25519.PublicKey
	// Development is the data directory's development key, trusted only while
	// no vendor key is configured. May be nil.
	Development ed25519.PublicKey
}

// TrustsDevelopmentKey reports whether licences signed by the development key
// are trusted: only while no vendor key is configured.
func (a Authority) TrustsDevelopmentKey() bool { return len(a.Vendor) == 0 }

// Verify checks a licence's signature and fields and returns its payload. A
// licence signed by the development key once a vendor key is configured counts
// as expired (licence_expired). Other failures are invalid. Verify does not
// check dates against a clock; see Licence.CheckValid.
func (a Authority) Verify(text string) (tenantry.Licence, error) {
	var l tenantry.Licence
	text = strings.TrimSpace(text)
	if strings.ContainsAny(text, " \t\r\n") {
		return l, tenantry.Errorf(tenantry.CodeInvalid, "this is not a Tenantry licence (it has spaces or line breaks inside)")
	}
	first, sigText, ok := strings.Cut(text, ".")
	if !ok || first == "" || sigText == "" || strings.Contains(sigText, ".") {
		return l, tenantry.Errorf(tenantry.CodeInvalid, "this is not a Tenantry licence (it should be two base64url parts joined by a dot)")
	}
	sig, err := strictB64.DecodeString(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return l, tenantry.Errorf(tenantry.CodeInvalid, "the licence's signature part is damaged")
	}
	signedBy := ""
	for _, k := range a.Vendor {
		if ed25519.Verify(k, []byte(first), sig) {
			signedBy = "vendor"
			break
		}
	}
	if signedBy == "" && a.Development != nil && ed25519.Verify(a.Development, []byte(first), sig) {
		signedBy = "development"
	}
	if signedBy == "" {
		return l, tenantry.Errorf(tenantry.CodeInvalid, "the licence's signature does not verify: it was changed, or signed by an authority this server does not trust")
	}
	payload, err := strictB64.DecodeString(first)
	if err != nil {
		return l, tenantry.Errorf(tenantry.CodeInvalid, "the licence's payload is damaged")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, tenantry.Errorf(tenantry.CodeInvalid, "the licence's payload cannot be read: %v", err)
	}
	if signedBy == "development" {
		if len(a.Vendor) > 0 {
			return l, tenantry.Errorf(tenantry.CodeLicenceExpired, "the licence is signed by a development key, which this server no longer trusts now that a vendor key is configured")
		}
		l.Development = true
	}
	l.IssuedAt, l.NotBefore, l.ExpiresAt = l.IssuedAt.UTC(), l.NotBefore.UTC(), l.ExpiresAt.UTC()
	if err := l.Validate(); err != nil {
		return l, err
	}
	return l, nil
}

// ParsePublicKey reads a public key in configuration form: base64 of the 32
// raw bytes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	}
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%q is not a licence public key (base64 of 32 bytes)", s)
	}
	return ed25519.PublicKey(b), nil
}

// FormatPublicKey renders a public key in configuration form.
func FormatPublicKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }

// CreateKeyFile makes a new key pair and writes its private key to path
// (mode 0600), refusing to overwrite an existing file.
func CreateKeyFile(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Written whole to a temporary file, then linked into place: a reader
	// never sees a half-written key, and an existing key is never replaced.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".licence-key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	_, err = fmt.Fprintf(tmp, "tenantry licence signing key\n%s\n", base64.StdEncoding.EncodeToString(priv.Seed()))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s already exists; a licence key is never overwritten: %w", path, os.ErrExist)
		}
		return nil, err
	}
	return priv, nil
}

// ReadKeyFile reads a private key written by CreateKeyFile.
func ReadKeyFile(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n")), "\n")
	if len(lines) != 2 || lines[0] != "tenantry licence signing key" {
		return nil, fmt.Errorf("%s is not a Tenantry licence key file", path)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[1]))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: the key is damaged", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// DevKey returns the development key of dataDir, creating it when create is
// set and it does not exist yet. It returns nil, nil when it does not exist
// and create is false.
func DevKey(dataDir string, create bool) (ed25519.PrivateKey, error) {
	path := filepath.Join(dataDir, DevKeyFile)
	k, err := ReadKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, nil
		}
		k, err = CreateKeyFile(path)
		if errors.Is(err, os.ErrExist) {
			return ReadKeyFile(path) // another process made it first
		}
	}
	return k, err
}
