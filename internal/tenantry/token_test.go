package tenantry_test

import (
	"strings"
	"testing"

	"tenantry/internal/tenantry"
)

func TestValidSecret(t *testing.T) {
	// 43 characters of the base64url alphabet: 32 bytes, unpadded.
	body := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN-_0"
	if len(body) != 43 {
		t.Fatalf("test body is %d characters, want 43", len(body))
	}
	tests := []struct {
		name string
		kind tenantry.SecretKind
		in   string
		want bool
	}{
		{name: "session", kind: tenantry.SecretSession, in: "tnts_" + body, want: true},
		{name: "api key", kind: tenantry.SecretAPIKey, in: "tntk_" + body, want: true},
		{name: "setup", kind: tenantry.SecretSetup, in: "tntu_" + body, want: true},
		{name: "reset", kind: tenantry.SecretReset, in: "tntr_" + body, want: true},
		{name: "formatted", kind: tenantry.SecretAPIKey, in: tenantry.FormatSecret(tenantry.SecretAPIKey, body), want: true},
		{name: "all digits", kind: tenantry.SecretSession, in: "tnts_" + strings.Repeat("0", 43), want: true},
		{name: "all dashes and underscores", kind: tenantry.SecretSession, in: "tnts_" + strings.Repeat("-_", 21) + "-", want: true},

		{name: "api key as session", kind: tenantry.SecretSession, in: "tntk_" + body},
		{name: "session as api key", kind: tenantry.SecretAPIKey, in: "tnts_" + body},
		{name: "reset as setup", kind: tenantry.SecretSetup, in: "tntr_" + body},
		{name: "setup as reset", kind: tenantry.SecretReset, in: "tntu_" + body},
		{name: "no prefix", kind: tenantry.SecretSession, in: body},
		{name: "prefix without underscore", kind: tenantry.SecretSession, in: "tnts" + body},
		{name: "prefix with dash", kind: tenantry.SecretSession, in: "tnts-" + body},
		{name: "upper-case prefix", kind: tenantry.SecretSession, in: "TNTS_" + body},
		{name: "empty", kind: tenantry.SecretSession, in: ""},
		{name: "prefix only", kind: tenantry.SecretSession, in: "tnts_"},
		{name: "body 42", kind: tenantry.SecretSession, in: "tnts_" + body[:42]},
		{name: "body 44", kind: tenantry.SecretSession, in: "tnts_" + body + "A"},
		{name: "padded", kind: tenantry.SecretSession, in: "tnts_" + body + "="},
		{name: "padding inside length", kind: tenantry.SecretSession, in: "tnts_" + body[:42] + "="},
		{name: "std base64 plus", kind: tenantry.SecretSession, in: "tnts_" + body[:42] + "+"},
		{name: "std base64 slash", kind: tenantry.SecretSession, in: "tnts_" + body[:42] + "/"},
		{name: "space", kind: tenantry.SecretSession, in: "tnts_" + body[:42] + " "},
		{name: "leading space", kind: tenantry.SecretSession, in: " tnts_" + body[:42]},
		{name: "non-ASCII", kind: tenantry.SecretSession, in: "tnts_" + body[:41] + "é"},
		{name: "bearer prefix left on", kind: tenantry.SecretSession, in: "Bearer tnts_" + body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tenantry.ValidSecret(tt.kind, tt.in); got != tt.want {
				t.Errorf("ValidSecret(%q, %q) = %v, want %v", tt.kind, tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatSecret(t *testing.T) {
	tests := []struct {
		kind tenantry.SecretKind
		body string
		want string
	}{
		{kind: tenantry.SecretSession, body: "abc", want: "tnts_abc"},
		{kind: tenantry.SecretAPIKey, body: "abc", want: "tntk_abc"},
		{kind: tenantry.SecretSetup, body: "abc", want: "tntu_abc"},
		{kind: tenantry.SecretReset, body: "abc", want: "tntr_abc"},
	}
	for _, tt := range tests {
		if got := tenantry.FormatSecret(tt.kind, tt.body); got != tt.want {
			t.Errorf("FormatSecret(%q, %q) = %q, want %q", tt.kind, tt.body, got, tt.want)
		}
	}
}

// The kinds' prefixes are distinct, so no secret is valid as two kinds.
func TestSecretKind_Distinct(t *testing.T) {
	kinds := []tenantry.SecretKind{tenantry.SecretSession, tenantry.SecretAPIKey, tenantry.SecretSetup, tenantry.SecretReset}
	body := strings.Repeat("A", 43)
	for _, made := range kinds {
		for _, checked := range kinds {
			got := tenantry.ValidSecret(checked, tenantry.FormatSecret(made, body))
			if want := made == checked; got != want {
				t.Errorf("ValidSecret(%q, secret of kind %q) = %v, want %v", checked, made, got, want)
			}
		}
	}
}
