package tenantry_test

import (
	"strings"
	"testing"

	"tenantry/internal/tenantry"
)

func TestValidateEmail(t *testing.T) {
	// local@domain padded to exactly n bytes.
	emailOfLen := func(n int) string {
		const domain = "@example.com"
		return strings.Repeat("a", n-len(domain)) + domain
	}
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "plain", in: "ann@example.com"},
		{name: "upper case", in: "Ann@Example.COM"},
		{name: "plus and dots", in: "ann.lee+tag@mail.example.co.uk"},
		{name: "surrounding spaces", in: "  ann@example.com  "},
		{name: "localhost", in: "root@localhost"},
		{name: "254 bytes", in: emailOfLen(254)},

		{name: "empty", in: "", wantErr: true},
		{name: "spaces only", in: "   ", wantErr: true},
		{name: "255 bytes", in: emailOfLen(255), wantErr: true},
		{name: "no at", in: "ann.example.com", wantErr: true},
		{name: "no local part", in: "@example.com", wantErr: true},
		{name: "no domain", in: "ann@", wantErr: true},
		{name: "domain without dot", in: "ann@example", wantErr: true},
		{name: "display name", in: "Ann <ann@example.com>", wantErr: true},
		{name: "angle brackets", in: "<ann@example.com>", wantErr: true},
		{name: "two addresses", in: "ann@example.com, bob@example.com", wantErr: true},
		{name: "inner space", in: "ann lee@example.com", wantErr: true},
		{name: "two ats", in: "ann@bob@example.com", wantErr: true},
		{name: "comment", in: "ann@example.com (Ann)", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.ValidateEmail(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidateEmail(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ann@example.com", "ann@example.com"},
		{"Ann@Example.COM", "ann@example.com"},
		{"  ANN@example.com\t", "ann@example.com"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := tenantry.NormalizeEmail(tt.in); got != tt.want {
				t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidatePersonName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "empty is allowed", in: ""},
		{name: "plain", in: "Ann"},
		{name: "spaces and punctuation", in: "Mary-Ann O'Brien Jr."},
		{name: "unicode", in: "Zoë Šťastná 李"},
		{name: "100 runes multibyte", in: strings.Repeat("é", 100)},
		{name: "101 runes", in: strings.Repeat("a", 101), wantErr: true},
		{name: "101 runes multibyte", in: strings.Repeat("é", 101), wantErr: true},
		{name: "newline", in: "Ann\nLee", wantErr: true},
		{name: "tab", in: "Ann\tLee", wantErr: true},
		{name: "NUL", in: "Ann\x00", wantErr: true},
		{name: "DEL", in: "Ann\x7f", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.ValidatePersonName(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidatePersonName(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "empty", in: "", wantErr: true},
		{name: "7 runes", in: "1234567", wantErr: true},
		{name: "8 runes", in: "12345678"},
		{name: "256 runes", in: strings.Repeat("a", 256)},
		{name: "257 runes", in: strings.Repeat("a", 257), wantErr: true},
		// Runes, not bytes: 4 two-byte runes are 8 bytes but only 4 characters.
		{name: "4 runes in 8 bytes", in: "éééé", wantErr: true},
		{name: "7 runes in 14 bytes", in: "ééééééé", wantErr: true},
		{name: "8 multibyte runes", in: "éééééééé"},
		{name: "8 four-byte runes", in: strings.Repeat("😀", 8)},
		{name: "256 multibyte runes", in: strings.Repeat("é", 256)},
		{name: "256 four-byte runes", in: strings.Repeat("😀", 256)},
		{name: "257 multibyte runes", in: strings.Repeat("é", 257), wantErr: true},
		{name: "spaces count", in: "        "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.ValidatePassword(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidatePassword(%d bytes) = %v, wantErr %v", len(tt.in), err, tt.wantErr)
			}
		})
	}
}
