package tenantry

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Tenant is a workspace. A tenant with a ParentID is a subtenant; a subtenant
// has no subtenants of its own.
type Tenant struct {
	ID       string
	Name     string // stored without "@"; for a subtenant the short name
	Summary  string
	ParentID string // empty for a top-level tenant
	// ParentName is the parent's name, filled in by the store for subtenants so
	// that FullName follows the parent's renames.
	ParentName string
	CreatedAt  time.Time
}

// IsSubtenant reports whether t has a parent.
func (t Tenant) IsSubtenant() bool { return t.ParentID != "" }

// FullName is the name shown everywhere: a subtenant is "<name>+<parent name>",
// as in Boomi Flow.
func (t Tenant) FullName() string {
	if t.ParentID != "" {
		return t.Name + "+" + t.ParentName
	}
	return t.Name
}

// Tenant name limits (SPEC §1).
const (
	MinTenantNameLength = 3
	MaxTenantNameLength = 100
	MaxTenantSummaryLen = 1000
)

// ParseTenantName turns what a person typed into a stored tenant name: one
// leading "@" is accepted and dropped, surrounding spaces are trimmed, and the
// rest must be 3–100 characters of A-Z a-z 0-9 - and ".".
func ParseTenantName(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if err := validTenantName(s); err != nil {
		return "", err
	}
	return s, nil
}

func validTenantName(s string) error {
	if s == "" {
		return errors.New("a tenant name is required")
	}
	if len(s) < MinTenantNameLength || len(s) > MaxTenantNameLength {
		return errors.New("tenant names are 3 to 100 characters long")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return errors.New("tenant names may contain only letters A-Z, digits, '-' and '.'")
		}
	}
	return nil
}

// NormalizeTenantName returns the key under which tenant names are unique.
func NormalizeTenantName(name string) string { return strings.ToLower(name) }

// ParseSubtenantName accepts a subtenant's short name, or its full name
// "<name>+<parent>" when the parent part matches parentName; one leading "@"
// is dropped, as for any tenant name.
func ParseSubtenantName(s, parentName string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if short, parent, ok := strings.Cut(s, "+"); ok {
		if !strings.EqualFold(parent, parentName) {
			return "", errors.New("a subtenant's full name ends with its parent's name, +" + parentName)
		}
		s = short
	}
	if err := validTenantName(s); err != nil {
		return "", err
	}
	return s, nil
}

// ValidateTenantSummary checks a tenant's free-text summary.
func ValidateTenantSummary(s string) error {
	if utf8.RuneCountInString(s) > MaxTenantSummaryLen {
		return errors.New("summaries are at most 1000 characters")
	}
	return nil
}
