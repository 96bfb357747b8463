package tenantry

import (
	"fmt"
	"strings"
	"time"
)

// Organization is a group of top-level tenants (and their subtenants) under
// one licence, run by its administrators.
type Organization struct {
	ID        string
	Name      string
	Licence   Licence
	CreatedAt time.Time
}

// OrgAdmin is an administrator of an organization.
type OrgAdmin struct {
	User    User
	AddedAt time.Time
	AddedBy *User // nil when the operator added them
}

// OrgTenant is a top-level tenant of an organization.
type OrgTenant struct {
	Tenant     Tenant
	AddedAt    time.Time
	AddedBy    *User
	UserCount  int
	Subtenants []OrgSubtenant
}

// OrgSubtenant is a subtenant of a member tenant.
type OrgSubtenant struct {
	Tenant    Tenant
	AddedAt   time.Time // the later of the parent's join and its creation
	UserCount int
}

// Usage is what an organization uses of its licence (SPEC §2).
type Usage struct {
	TenantMembers int // top-level member tenants
	TenantPending int // live tenant invitations
	AdminMembers  int // administrators
	AdminPending  int // live user invitations
	Runtimes      int // runtime connections
	Users         int // distinct accounts in member tenants and their subtenants
}

// LimitKind names one licence limit.
type LimitKind string

const (
	LimitTenants        LimitKind = "tenants"
	LimitAdministrators LimitKind = "administrators"
	LimitRuntimes       LimitKind = "runtimes"
	LimitUsers          LimitKind = "users"
)

// LimitKinds are the licence's limits, in the order they are shown.
var LimitKinds = []LimitKind{LimitTenants, LimitAdministrators, LimitRuntimes, LimitUsers}

// Exceeded lists the limits usage is above: a licence that replaced a larger
// one removes nothing, but refuses further additions of these.
func (l Licence) Exceeded(u Usage) []LimitKind {
	var out []LimitKind
	for _, k := range LimitKinds {
		if u.Used(k) > l.Limits.Of(k) {
			out = append(out, k)
		}
	}
	return out
}

// Used returns how much of limit k the usage counts.
func (u Usage) Used(k LimitKind) int {
	switch k {
	case LimitTenants:
		return u.TenantMembers + u.TenantPending
	case LimitAdministrators:
		return u.AdminMembers + u.AdminPending
	case LimitRuntimes:
		return u.Runtimes
	case LimitUsers:
		return u.Users
	}
	return 0
}

// CheckLimit refuses adding n of limit k when it would take usage past the
// licence's maximum. A replacement licence below usage removes nothing; it
// only refuses further additions.
func CheckLimit(l Licence, u Usage, k LimitKind, n int) error {
	max := l.Limits.Of(k)
	used := u.Used(k)
	if n <= 0 || n <= max-used { // not used+n: n may be huge
		return nil
	}
	return &Error{
		Code:    CodeLicenceLimitExceeded,
		Message: fmt.Sprintf("the licence allows %s and %s in use; this would add %d", k.count(max), isAre(used), n),
		Extra:   map[string]any{"limit": string(k), "used": used, "max": max},
	}
}

// count says n of the kind in words: "1 tenant", "3 tenants".
func (k LimitKind) count(n int) string {
	if n == 1 {
		return "1 " + strings.TrimSuffix(string(k), "s")
	}
	return fmt.Sprintf("%d %s", n, k)
}

// isAre is "1 is" or "n are".
func isAre(n int) string {
	if n == 1 {
		return "1 is"
	}
	return fmt.Sprintf("%d are", n)
}
