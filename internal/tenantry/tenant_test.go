package tenantry_test

import (
	"strings"
	"testing"

	"tenantry/internal/tenantry"
)

func TestParseTenantName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{name: "plain", in: "acme", want: "acme"},
		{name: "all allowed characters", in: "Az09-.", want: "Az09-."},
		{name: "case kept", in: "AcMe", want: "AcMe"},
		{name: "leading at dropped", in: "@acme", want: "acme"},
		{name: "surrounding spaces trimmed", in: "  acme  ", want: "acme"},
		{name: "spaces then at", in: " @acme ", want: "acme"},
		{name: "tabs and newline trimmed", in: "\tacme\n", want: "acme"},
		{name: "dots and dashes only", in: "-.-", want: "-.-"},
		{name: "length 3", in: "abc", want: "abc"},
		{name: "length 3 after at", in: "@abc", want: "abc"},
		{name: "length 100", in: strings.Repeat("a", 100), want: strings.Repeat("a", 100)},
		{name: "length 100 after at", in: "@" + strings.Repeat("a", 100), want: strings.Repeat("a", 100)},

		{name: "empty", in: "", wantErr: true},
		{name: "spaces only", in: "   ", wantErr: true},
		{name: "at only", in: "@", wantErr: true},
		{name: "length 2", in: "ab", wantErr: true},
		{name: "length 2 after at", in: "@ab", wantErr: true},
		{name: "length 101", in: strings.Repeat("a", 101), wantErr: true},
		{name: "double at", in: "@@acme", wantErr: true},
		{name: "double at short", in: "@@x", wantErr: true},
		{name: "at inside", in: "ac@me", wantErr: true},
		{name: "trailing at", in: "acme@", wantErr: true},
		{name: "plus", in: "acme+parent", wantErr: true},
		{name: "inner space", in: "ac me", wantErr: true},
		{name: "space after at", in: "@ acme", wantErr: true},
		{name: "underscore", in: "ac_me", wantErr: true},
		{name: "slash", in: "ac/me", wantErr: true},
		{name: "unicode letter", in: "café", wantErr: true},
		{name: "unicode only", in: "日本語", wantErr: true},
		{name: "fullwidth letters", in: "ａｂｃ", wantErr: true},
		{name: "control character", in: "ac\x00me", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tenantry.ParseTenantName(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTenantName(%q) = %q, want an error", tt.in, got)
				}
				if got != "" {
					t.Errorf("ParseTenantName(%q) returned %q with its error, want \"\"", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTenantName(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseTenantName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSubtenantName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		parent  string
		want    string
		wantErr bool
	}{
		{name: "short name", in: "dev", parent: "acme", want: "dev"},
		{name: "short name with at", in: "@dev", parent: "acme", want: "dev"},
		{name: "short name with spaces", in: "  dev ", parent: "acme", want: "dev"},
		{name: "full name", in: "dev+acme", parent: "acme", want: "dev"},
		{name: "full name with at", in: "@dev+acme", parent: "acme", want: "dev"},
		{name: "full name parent case-insensitive", in: "Dev+ACME", parent: "Acme", want: "Dev"},
		{name: "full name with spaces", in: " @dev+acme ", parent: "acme", want: "dev"},

		{name: "wrong parent", in: "dev+other", parent: "acme", wantErr: true},
		{name: "parent prefix only", in: "dev+acm", parent: "acme", wantErr: true},
		{name: "parent with extra", in: "dev+acme2", parent: "acme", wantErr: true},
		{name: "empty parent part", in: "dev+", parent: "acme", wantErr: true},
		{name: "at before parent", in: "dev+@acme", parent: "acme", wantErr: true},
		{name: "two pluses", in: "dev+x+acme", parent: "acme", wantErr: true},
		{name: "empty short part", in: "+acme", parent: "acme", wantErr: true},
		{name: "short part too short", in: "ab+acme", parent: "acme", wantErr: true},
		{name: "short name too short", in: "ab", parent: "acme", wantErr: true},
		{name: "short name too long", in: strings.Repeat("a", 101), parent: "acme", wantErr: true},
		{name: "short name bad characters", in: "dev_1", parent: "acme", wantErr: true},
		{name: "empty", in: "", parent: "acme", wantErr: true},
		{name: "plus only", in: "+", parent: "acme", wantErr: true},

		// SPEC §1 accepts one leading "@"; "@@x" and "@ x" are refused, as
		// ParseTenantName refuses them.
		{name: "double at", in: "@@dev", parent: "acme", wantErr: true},
		{name: "double at full name", in: "@@dev+acme", parent: "acme", wantErr: true},
		{name: "space after at", in: "@ dev", parent: "acme", wantErr: true},
		{name: "at space at", in: "@ @dev", parent: "acme", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tenantry.ParseSubtenantName(tt.in, tt.parent)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseSubtenantName(%q, %q) = %q, want an error", tt.in, tt.parent, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSubtenantName(%q, %q): %v", tt.in, tt.parent, err)
			}
			if got != tt.want {
				t.Errorf("ParseSubtenantName(%q, %q) = %q, want %q", tt.in, tt.parent, got, tt.want)
			}
		})
	}
}

func TestTenant_FullName(t *testing.T) {
	tests := []struct {
		name          string
		tenant        tenantry.Tenant
		want          string
		wantSubtenant bool
	}{
		{name: "top-level", tenant: tenantry.Tenant{ID: "t1", Name: "acme"}, want: "acme"},
		{name: "top-level ignores stray parent name", tenant: tenantry.Tenant{ID: "t1", Name: "acme", ParentName: "other"}, want: "acme"},
		{name: "subtenant", tenant: tenantry.Tenant{ID: "t2", Name: "dev", ParentID: "t1", ParentName: "acme"}, want: "dev+acme", wantSubtenant: true},
		{name: "subtenant keeps case", tenant: tenantry.Tenant{ID: "t2", Name: "Dev", ParentID: "t1", ParentName: "ACME"}, want: "Dev+ACME", wantSubtenant: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tenant.FullName(); got != tt.want {
				t.Errorf("FullName() = %q, want %q", got, tt.want)
			}
			if got := tt.tenant.IsSubtenant(); got != tt.wantSubtenant {
				t.Errorf("IsSubtenant() = %v, want %v", got, tt.wantSubtenant)
			}
		})
	}
}

func TestNormalizeTenantName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"acme", "acme"},
		{"ACME", "acme"},
		{"AcMe-1.x", "acme-1.x"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := tenantry.NormalizeTenantName(tt.in); got != tt.want {
				t.Errorf("NormalizeTenantName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	// Names that differ only in case share one key.
	if tenantry.NormalizeTenantName("Acme") != tenantry.NormalizeTenantName("aCME") {
		t.Error("Acme and aCME normalize differently")
	}
}

func TestValidateTenantSummary(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "empty", in: ""},
		{name: "1000 runes", in: strings.Repeat("é", 1000)},
		{name: "1001 runes", in: strings.Repeat("a", 1001), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tenantry.ValidateTenantSummary(tt.in); (err != nil) != tt.wantErr {
				t.Errorf("ValidateTenantSummary(len %d) = %v, wantErr %v", len(tt.in), err, tt.wantErr)
			}
		})
	}
}
