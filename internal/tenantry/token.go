package tenantry

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// SecretKind says what a bearer secret is for. Each kind has its own prefix, so
// a leaked secret is recognisable (and a secret scanner can find it), and a
// secret of one kind is never accepted as another.
type SecretKind string

const (
	SecretSession      SecretKind = "tnts" // sign-in token (POST /api/draw/1/authentication)
	SecretAPIKey       SecretKind = "tntk" // x-boomi-flow-api-key
	SecretSetup        SecretKind = "tntu" // account set-up link
	SecretReset        SecretKind = "tntr" // password reset link
	SecretInstallation SecretKind = "tnti" // runtime installation token
)

// SecretBytes is the entropy of every secret: 256 bits.
const SecretBytes = 32

// secretBodyLen is the length of SecretBytes in unpadded base64url.
const secretBodyLen = 43

// FormatSecret renders random bytes as a secret of kind k: "<prefix>_<base64url>".
// body must already be the base64url text of SecretBytes random bytes.
func FormatSecret(k SecretKind, body string) string { return string(k) + "_" + body }

// ValidSecret reports whether s has the shape of a secret of kind k. It lets
// the server refuse garbage without touching the database; it says nothing
// about whether the secret exists.
func ValidSecret(k SecretKind, s string) bool {
	body, ok := strings.CutPrefix(s, string(k)+"_")
	if !ok || len(body) != secretBodyLen {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Limits of API key names.
const MaxAPIKeyNameLength = 100

// ValidateAPIKeyName checks an API key's name: 1–100 characters without
// control characters or "/" (the name is a path segment of the delete URL).
func ValidateAPIKeyName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("a name is required")
	}
	if utf8.RuneCountInString(name) > MaxAPIKeyNameLength {
		return errors.New("names are at most 100 characters")
	}
	if name != strings.TrimSpace(name) {
		return errors.New("names cannot start or end with spaces")
	}
	if name == "." || name == ".." || strings.Contains(name, "/") || !printable(name) {
		return errors.New("names cannot be '.' or '..', or contain '/' or control characters")
	}
	return nil
}
