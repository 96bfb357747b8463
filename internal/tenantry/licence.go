package tenantry

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits are what a licence allows.
type Limits struct {
	Tenants        int `json:"tenants"`
	Administrators int `json:"administrators"`
	Runtimes       int `json:"runtimes"`
	Users          int `json:"users"`
}

// Of returns the limit of kind k.
func (l Limits) Of(k LimitKind) int {
	switch k {
	case LimitTenants:
		return l.Tenants
	case LimitAdministrators:
		return l.Administrators
	case LimitRuntimes:
		return l.Runtimes
	case LimitUsers:
		return l.Users
	}
	return 0
}

// Licence is the vendor-signed payload that backs one organization (SPEC §1).
// ExpiresAt is exclusive: a licence issued with --expires D is valid through
// day D (UTC), so ExpiresAt is midnight UTC at the start of D+1.
type Licence struct {
	ID               string    `json:"id"`
	Licensee         string    `json:"licensee"`
	OrganizationName string    `json:"organizationName"`
	Limits           Limits    `json:"limits"`
	IssuedAt         time.Time `json:"issuedAt"`
	NotBefore        time.Time `json:"notBefore"`
	ExpiresAt        time.Time `json:"expiresAt"`
	// Development is set (not signed) when the licence is signed by the
	// server's development key rather than a vendor key.
	Development bool `json:"-"`
}

// ExpiresAtEndOf returns the exclusive expiry of a licence valid through day.
func ExpiresAtEndOf(day time.Time) time.Time {
	y, m, d := day.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// Validate checks a licence's fields (not its signature or dates).
func (l Licence) Validate() error {
	var v Validation
	if strings.TrimSpace(l.ID) == "" {
		v.Add("id", "a licence needs an id")
	}
	if strings.TrimSpace(l.Licensee) == "" || utf8.RuneCountInString(l.Licensee) > 200 {
		v.Add("licensee", "the licensee is 1 to 200 characters")
	}
	if err := ValidateOrganizationName(l.OrganizationName); err != nil {
		v.Add("organizationName", err.Error())
	}
	for _, k := range LimitKinds {
		if n := l.Limits.Of(k); n < 0 || n > 1_000_000 {
			v.Add(string(k), fmt.Sprintf("the %s limit is between 0 and 1000000", k))
		}
	}
	if l.Limits.Administrators < 1 {
		v.Add("administrators", "an organization needs at least one administrator")
	}
	if l.ExpiresAt.IsZero() || !l.ExpiresAt.After(l.NotBefore) {
		v.Add("expiresAt", "the licence must expire after it starts")
	}
	return v.Err()
}

// ValidateOrganizationName checks an organization's name: 1–100 characters.
func ValidateOrganizationName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 100 || !printable(name) {
		return errors.New("an organization name is 1 to 100 printable characters")
	}
	return nil
}

// CheckValid returns licence_expired when the licence does not allow
// additions at now (SPEC §2).
func (l Licence) CheckValid(now time.Time) error {
	switch {
	case now.Before(l.NotBefore):
		return Errorf(CodeLicenceExpired, "the organization's licence is not valid before %s", l.NotBefore.Format(time.RFC3339))
	case !now.Before(l.ExpiresAt):
		return Errorf(CodeLicenceExpired, "the organization's licence expired at %s; ask the operator for a new one", l.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// DaysLeft is the number of whole days until expiry (negative once expired).
func (l Licence) DaysLeft(now time.Time) int {
	d := l.ExpiresAt.Sub(now)
	if d <= 0 {
		return -int((-d).Hours()/24) - 1
	}
	return int(d.Hours() / 24)
}
