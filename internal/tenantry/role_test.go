package tenantry_test

import (
	"testing"

	"tenantry/internal/tenantry"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    tenantry.Role
		wantErr bool
	}{
		{in: "", want: tenantry.RoleStandard},
		{in: "   ", want: tenantry.RoleStandard},
		{in: "standard", want: tenantry.RoleStandard},
		{in: "STANDARD", want: tenantry.RoleStandard},
		{in: " Standard ", want: tenantry.RoleStandard},
		{in: "Standard user", want: tenantry.RoleStandard},
		{in: "standard USER", want: tenantry.RoleStandard},
		{in: "administrator", want: tenantry.RoleAdministrator},
		{in: "Administrator", want: tenantry.RoleAdministrator},
		{in: "ADMINISTRATOR", want: tenantry.RoleAdministrator},
		{in: "\tadministrator\n", want: tenantry.RoleAdministrator},

		{in: "admin", wantErr: true},
		{in: "owner", wantErr: true},
		{in: "standarduser", wantErr: true},
		{in: "standard  user", wantErr: true},
		{in: "1", wantErr: true},
		{in: "2", wantErr: true},
		{in: "administrators", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := tenantry.ParseRole(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseRole(%q) = %q, want an error", tt.in, got)
				}
				if got != "" {
					t.Errorf("ParseRole(%q) returned %q with its error, want \"\"", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRole(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseRole(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRoleFromID(t *testing.T) {
	tests := []struct {
		id      int
		want    tenantry.Role
		wantErr bool
	}{
		{id: 1, want: tenantry.RoleAdministrator},
		{id: 2, want: tenantry.RoleStandard},
		{id: 0, wantErr: true},
		{id: 3, wantErr: true},
		{id: -1, wantErr: true},
	}
	for _, tt := range tests {
		got, err := tenantry.RoleFromID(tt.id)
		if (err != nil) != tt.wantErr {
			t.Errorf("RoleFromID(%d) error = %v, wantErr %v", tt.id, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("RoleFromID(%d) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestRole_RoleIDAndFriendlyName(t *testing.T) {
	tests := []struct {
		role         tenantry.Role
		wantID       int
		wantFriendly string
	}{
		{role: tenantry.RoleAdministrator, wantID: 1, wantFriendly: "Administrator"},
		{role: tenantry.RoleStandard, wantID: 2, wantFriendly: "Standard user"},
		{role: "", wantID: 0, wantFriendly: ""},
		{role: "owner", wantID: 0, wantFriendly: "owner"},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			if got := tt.role.RoleID(); got != tt.wantID {
				t.Errorf("RoleID() = %d, want %d", got, tt.wantID)
			}
			if got := tt.role.FriendlyName(); got != tt.wantFriendly {
				t.Errorf("FriendlyName() = %q, want %q", got, tt.wantFriendly)
			}
		})
	}
}

// Every known role survives the trips through its wire forms.
func TestRole_RoundTrip(t *testing.T) {
	for _, r := range []tenantry.Role{tenantry.RoleAdministrator, tenantry.RoleStandard} {
		if got, err := tenantry.RoleFromID(r.RoleID()); err != nil || got != r {
			t.Errorf("RoleFromID(%q.RoleID()) = %q, %v", r, got, err)
		}
		if got, err := tenantry.ParseRole(r.FriendlyName()); err != nil || got != r {
			t.Errorf("ParseRole(%q.FriendlyName()) = %q, %v", r, got, err)
		}
		if got, err := tenantry.ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
}

func TestCheckAdministratorLoss(t *testing.T) {
	// c counts the tenant's administrators including the one being lost.
	tests := []struct {
		name    string
		target  tenantry.UserStatus
		count   tenantry.AdminCount
		refused bool
	}{
		{name: "only administrator, active", target: tenantry.UserActive, count: tenantry.AdminCount{Active: 1, All: 1}, refused: true},
		{name: "only active among several, active", target: tenantry.UserActive, count: tenantry.AdminCount{Active: 1, All: 3}, refused: true},
		{name: "two active, active", target: tenantry.UserActive, count: tenantry.AdminCount{Active: 2, All: 2}},
		{name: "two active among more, active", target: tenantry.UserActive, count: tenantry.AdminCount{Active: 2, All: 5}},

		{name: "only administrator, pending", target: tenantry.UserPending, count: tenantry.AdminCount{Active: 0, All: 1}, refused: true},
		{name: "pending beside one active", target: tenantry.UserPending, count: tenantry.AdminCount{Active: 1, All: 2}},
		{name: "pending beside another pending", target: tenantry.UserPending, count: tenantry.AdminCount{Active: 0, All: 2}},

		{name: "only administrator, disabled", target: tenantry.UserDisabled, count: tenantry.AdminCount{Active: 0, All: 1}, refused: true},
		{name: "disabled beside one active", target: tenantry.UserDisabled, count: tenantry.AdminCount{Active: 1, All: 2}},
		{name: "disabled beside a pending", target: tenantry.UserDisabled, count: tenantry.AdminCount{Active: 0, All: 2}},

		{name: "no administrators counted, active", target: tenantry.UserActive, count: tenantry.AdminCount{}, refused: true},
		{name: "no administrators counted, pending", target: tenantry.UserPending, count: tenantry.AdminCount{}, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.CheckAdministratorLoss(tt.target, tt.count)
			if !tt.refused {
				if err != nil {
					t.Fatalf("CheckAdministratorLoss(%s, %+v) = %v, want nil", tt.target, tt.count, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckAdministratorLoss(%s, %+v) = nil, want last_tenant_administrator", tt.target, tt.count)
			}
			if code := tenantry.ErrorCode(err); code != tenantry.CodeLastTenantAdministrator {
				t.Errorf("ErrorCode = %q, want %q", code, tenantry.CodeLastTenantAdministrator)
			}
		})
	}
}
