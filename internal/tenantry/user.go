package tenantry

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// UserStatus is the state of an account.
type UserStatus string

const (
	// UserActive accounts have a password and may sign in.
	UserActive UserStatus = "active"
	// UserPending accounts were created by someone else (added to a tenant,
	// provisioned) and have not set a password yet. They are members at once.
	UserPending UserStatus = "pending"
	// UserDisabled accounts were disabled by the operator: no sign-in, no keys.
	UserDisabled UserStatus = "disabled"
)

// User is one account.
type User struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Status    UserStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits on what a person may type.
const (
	MaxEmailLength    = 254
	MaxPersonNameLen  = 100
	MinPasswordLength = 8
	MaxPasswordLength = 256
)

// NormalizeEmail returns the canonical form of an email address used for
// case-insensitive uniqueness and lookups.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidateEmail reports whether email is a plain address (no display name).
func ValidateEmail(email string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return errors.New("an email address is required")
	}
	if len(email) > MaxEmailLength {
		return errors.New("the email address is longer than 254 characters")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return errors.New("this is not an email address like name@example.com")
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if !strings.Contains(domain, ".") && !strings.EqualFold(domain, "localhost") {
		return errors.New("this is not an email address like name@example.com")
	}
	return nil
}

// ValidatePersonName checks a first or last name: optional, at most 100
// characters, no control characters.
func ValidatePersonName(name string) error {
	if utf8.RuneCountInString(name) > MaxPersonNameLen {
		return errors.New("names are at most 100 characters")
	}
	if !printable(name) {
		return errors.New("names cannot contain control or invisible formatting characters")
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters or
// invisible format characters (direction overrides, zero-width spaces), which
// make a name display as something it is not.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// ValidatePassword checks the length rule of SPEC §4: 8 to 256 characters.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return errors.New("passwords are at least 8 characters")
	case n > MaxPasswordLength:
		return errors.New("passwords are at most 256 characters")
	}
	return nil
}
