package tenantry

import (
	"fmt"
	"strings"
	"time"
)

// Role is a tenant role.
type Role string

const (
	RoleAdministrator Role = "administrator"
	RoleStandard      Role = "standard"
)

// RoleID is the numeric role identifier of Boomi Flow's wire format.
func (r Role) RoleID() int {
	switch r {
	case RoleAdministrator:
		return 1
	case RoleStandard:
		return 2
	}
	return 0
}

// FriendlyName is the role's name as people read it.
func (r Role) FriendlyName() string {
	switch r {
	case RoleAdministrator:
		return "Administrator"
	case RoleStandard:
		return "Standard user"
	}
	return string(r)
}

// ParseRole accepts a role's developer name or friendly name,
// case-insensitively. An empty string is RoleStandard (SPEC §1).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "standard", "standard user":
		return RoleStandard, nil
	case "administrator":
		return RoleAdministrator, nil
	}
	return "", fmt.Errorf("%q is not a role: use administrator or standard", s)
}

// Check refuses anything but the two tenant roles.
func (r Role) Check() error {
	if r != RoleAdministrator && r != RoleStandard {
		return fmt.Errorf("%q is not a role: use administrator or standard", r)
	}
	return nil
}

// RoleFromID maps a Boomi roleId to a Role.
func RoleFromID(id int) (Role, error) {
	switch id {
	case 1:
		return RoleAdministrator, nil
	case 2:
		return RoleStandard, nil
	}
	return "", fmt.Errorf("%d is not a roleId: use 1 (administrator) or 2 (standard)", id)
}

// Membership is a user's place in a tenant.
type Membership struct {
	TenantID   string
	UserID     string
	Role       Role
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// Member is a membership together with its account, as tenant listings show it.
type Member struct {
	User
	Role     Role
	JoinedAt time.Time
}

// MembershipTenant is a membership together with its tenant, as a user's own
// listing shows it.
type MembershipTenant struct {
	Tenant
	Role       Role
	LastUsedAt time.Time
	// The organization the tenant belongs to (a subtenant's is its
	// parent's); empty when none.
	OrganizationID   string
	OrganizationName string
}

// AdminCount counts a tenant's administrators.
type AdminCount struct {
	Active int // administrators whose account is active
	All    int // administrators, pending and disabled included
}

// CheckAdministratorLoss decides whether a tenant may lose one administrator
// (by demotion, removal or disabling). A tenant keeps at least one
// administrator with an active account (SPEC §1): losing the only active one is
// refused, and so is losing the very last administrator of any kind.
func CheckAdministratorLoss(targetStatus UserStatus, c AdminCount) error {
	if c.All <= 1 {
		return Errorf(CodeLastTenantAdministrator,
			"this is the tenant's only administrator: make someone else an administrator first")
	}
	if targetStatus == UserActive && c.Active <= 1 {
		return Errorf(CodeLastTenantAdministrator,
			"this is the tenant's last active administrator: make someone else an administrator first")
	}
	return nil
}
