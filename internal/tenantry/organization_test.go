package tenantry_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/tenantry"
)

var allLimitKinds = []tenantry.LimitKind{
	tenantry.LimitTenants, tenantry.LimitAdministrators, tenantry.LimitRuntimes, tenantry.LimitUsers,
}

func TestUsage_Used(t *testing.T) {
	u := tenantry.Usage{
		TenantMembers: 3, TenantPending: 2,
		AdminMembers: 5, AdminPending: 7,
		Runtimes: 11,
		Users:    13,
	}
	tests := []struct {
		name  string
		usage tenantry.Usage
		kind  tenantry.LimitKind
		want  int
	}{
		{"tenants are members plus pending", u, tenantry.LimitTenants, 5},
		{"administrators are members plus pending", u, tenantry.LimitAdministrators, 12},
		{"runtimes", u, tenantry.LimitRuntimes, 11},
		{"users", u, tenantry.LimitUsers, 13},
		{"tenants/only pending", tenantry.Usage{TenantPending: 4}, tenantry.LimitTenants, 4},
		{"tenants/only members", tenantry.Usage{TenantMembers: 4}, tenantry.LimitTenants, 4},
		{"tenants/ignores the other counts", tenantry.Usage{AdminMembers: 9, AdminPending: 9, Runtimes: 9, Users: 9}, tenantry.LimitTenants, 0},
		{"administrators/only pending", tenantry.Usage{AdminPending: 2}, tenantry.LimitAdministrators, 2},
		{"administrators/ignores the other counts", tenantry.Usage{TenantMembers: 9, TenantPending: 9, Runtimes: 9, Users: 9}, tenantry.LimitAdministrators, 0},
		{"runtimes/ignores the other counts", tenantry.Usage{TenantMembers: 9, AdminMembers: 9, Users: 9}, tenantry.LimitRuntimes, 0},
		{"users/ignores the other counts", tenantry.Usage{TenantMembers: 9, AdminMembers: 9, Runtimes: 9}, tenantry.LimitUsers, 0},
		{"zero usage", tenantry.Usage{}, tenantry.LimitUsers, 0},
		{"unknown kind", u, "nodes", 0},
		{"kinds are case-sensitive", u, "Tenants", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.usage.Used(tt.kind); got != tt.want {
				t.Errorf("%+v.Used(%q) = %d, want %d", tt.usage, tt.kind, got, tt.want)
			}
		})
	}
}

func TestLimits_Of(t *testing.T) {
	l := tenantry.Limits{Tenants: 10, Administrators: 3, Runtimes: 2, Users: 250}
	tests := []struct {
		kind tenantry.LimitKind
		want int
	}{
		{tenantry.LimitTenants, 10},
		{tenantry.LimitAdministrators, 3},
		{tenantry.LimitRuntimes, 2},
		{tenantry.LimitUsers, 250},
		{"nodes", 0},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if got := l.Of(tt.kind); got != tt.want {
				t.Errorf("Of(%q) = %d, want %d", tt.kind, got, tt.want)
			}
		})
	}
}

func TestCheckLimit(t *testing.T) {
	lic := tenantry.Licence{Limits: tenantry.Limits{Tenants: 5, Administrators: 3, Runtimes: 2, Users: 10}}
	// refusal is the wanted error's code and problem members; nil means allowed.
	type refusal struct {
		Code  tenantry.Code
		Extra map[string]any
	}
	refused := func(k tenantry.LimitKind, used, max int) *refusal {
		return &refusal{
			Code:  tenantry.CodeLicenceLimitExceeded,
			Extra: map[string]any{"limit": string(k), "used": used, "max": max},
		}
	}
	tests := []struct {
		name  string
		lic   tenantry.Licence
		usage tenantry.Usage
		kind  tenantry.LimitKind
		n     int
		want  *refusal
	}{
		// tenants = members + pending invitations.
		{name: "tenants/below the limit", lic: lic, usage: tenantry.Usage{TenantMembers: 2, TenantPending: 2}, kind: tenantry.LimitTenants, n: 1},
		{name: "tenants/at the limit", lic: lic, usage: tenantry.Usage{TenantMembers: 3, TenantPending: 2}, kind: tenantry.LimitTenants, n: 1,
			want: refused(tenantry.LimitTenants, 5, 5)},
		{name: "tenants/pending invitations count", lic: lic, usage: tenantry.Usage{TenantPending: 5}, kind: tenantry.LimitTenants, n: 1,
			want: refused(tenantry.LimitTenants, 5, 5)},
		{name: "tenants/members count", lic: lic, usage: tenantry.Usage{TenantMembers: 5}, kind: tenantry.LimitTenants, n: 1,
			want: refused(tenantry.LimitTenants, 5, 5)},
		{name: "tenants/other counts do not", lic: lic, usage: tenantry.Usage{AdminMembers: 50, Runtimes: 50, Users: 50}, kind: tenantry.LimitTenants, n: 1},
		// administrators = administrators + pending user invitations.
		{name: "administrators/below the limit", lic: lic, usage: tenantry.Usage{AdminMembers: 1, AdminPending: 1}, kind: tenantry.LimitAdministrators, n: 1},
		{name: "administrators/at the limit", lic: lic, usage: tenantry.Usage{AdminMembers: 1, AdminPending: 2}, kind: tenantry.LimitAdministrators, n: 1,
			want: refused(tenantry.LimitAdministrators, 3, 3)},
		// runtimes.
		{name: "runtimes/below the limit", lic: lic, usage: tenantry.Usage{Runtimes: 1}, kind: tenantry.LimitRuntimes, n: 1},
		{name: "runtimes/at the limit", lic: lic, usage: tenantry.Usage{Runtimes: 2}, kind: tenantry.LimitRuntimes, n: 1,
			want: refused(tenantry.LimitRuntimes, 2, 2)},
		// users: creating a tenant or accepting one may add several at once.
		{name: "users/adding several that just fit", lic: lic, usage: tenantry.Usage{Users: 7}, kind: tenantry.LimitUsers, n: 3},
		{name: "users/adding several, one too many", lic: lic, usage: tenantry.Usage{Users: 7}, kind: tenantry.LimitUsers, n: 4,
			want: refused(tenantry.LimitUsers, 7, 10)},
		{name: "users/at the limit", lic: lic, usage: tenantry.Usage{Users: 10}, kind: tenantry.LimitUsers, n: 1,
			want: refused(tenantry.LimitUsers, 10, 10)},
		{name: "users/empty organization", lic: lic, kind: tenantry.LimitUsers, n: 10},
		// Adding nothing (a resend) or a negative amount is always allowed.
		{name: "adding 0 at the limit", lic: lic, usage: tenantry.Usage{TenantMembers: 5}, kind: tenantry.LimitTenants, n: 0},
		{name: "adding -1 at the limit", lic: lic, usage: tenantry.Usage{Runtimes: 2}, kind: tenantry.LimitRuntimes, n: -1},
		{name: "adding 0 above the limit", lic: lic, usage: tenantry.Usage{Users: 99}, kind: tenantry.LimitUsers, n: 0},
		{name: "adding MinInt", lic: lic, usage: tenantry.Usage{Users: 99}, kind: tenantry.LimitUsers, n: math.MinInt},
		// A replacement licence below usage removes nothing; it only refuses
		// further additions.
		{name: "above the limit/adding 1 refused", lic: lic, usage: tenantry.Usage{TenantMembers: 6, TenantPending: 2}, kind: tenantry.LimitTenants, n: 1,
			want: refused(tenantry.LimitTenants, 8, 5)},
		{name: "above the limit/administrators", lic: lic, usage: tenantry.Usage{AdminMembers: 4}, kind: tenantry.LimitAdministrators, n: 1,
			want: refused(tenantry.LimitAdministrators, 4, 3)},
		// A zero limit allows nothing.
		{name: "zero limit/adding 1", lic: tenantry.Licence{Limits: tenantry.Limits{Administrators: 1}}, kind: tenantry.LimitRuntimes, n: 1,
			want: refused(tenantry.LimitRuntimes, 0, 0)},
		{name: "zero limit/adding 0", lic: tenantry.Licence{Limits: tenantry.Limits{Administrators: 1}}, kind: tenantry.LimitRuntimes, n: 0},
		// An unknown kind has no allowance: it fails closed.
		{name: "unknown kind", lic: lic, kind: "nodes", n: 1, want: refused("nodes", 0, 0)},
		// used+n must not wrap around.
		{name: "huge addition", lic: lic, usage: tenantry.Usage{Users: 1}, kind: tenantry.LimitUsers, n: math.MaxInt,
			want: refused(tenantry.LimitUsers, 1, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.CheckLimit(tt.lic, tt.usage, tt.kind, tt.n)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckLimit(%q, +%d) = %v, want nil", tt.kind, tt.n, err)
				}
				return
			}
			var e *tenantry.Error
			if !errors.As(err, &e) {
				t.Fatalf("CheckLimit(%q, +%d) = %#v, want a *tenantry.Error", tt.kind, tt.n, err)
			}
			got := &refusal{Code: e.Code, Extra: e.Extra}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckLimit(%q, +%d) mismatch (-want +got):\n%s", tt.kind, tt.n, diff)
			}
			for _, s := range []string{string(tt.kind), strconv.Itoa(tt.want.Extra["max"].(int)), strconv.Itoa(tt.want.Extra["used"].(int))} {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not mention %q", e.Message, s)
				}
			}
		})
	}
}

// Usage above the maximum is not an error by itself: only an addition is
// refused, for that limit only.
func TestCheckLimit_UsageAboveMaxOnlyRefusesAdditions(t *testing.T) {
	lic := tenantry.Licence{Limits: tenantry.Limits{Tenants: 1, Administrators: 1, Runtimes: 1, Users: 1}}
	over := tenantry.Usage{TenantMembers: 4, TenantPending: 1, AdminMembers: 3, AdminPending: 2, Runtimes: 7, Users: 40}
	for _, k := range allLimitKinds {
		t.Run(string(k), func(t *testing.T) {
			if err := tenantry.CheckLimit(lic, over, k, 0); err != nil {
				t.Errorf("CheckLimit(%q, +0) with usage above max = %v, want nil", k, err)
			}
			err := tenantry.CheckLimit(lic, over, k, 1)
			if !tenantry.IsCode(err, tenantry.CodeLicenceLimitExceeded) {
				t.Fatalf("CheckLimit(%q, +1) with usage above max = %v, want licence_limit_exceeded", k, err)
			}
			var e *tenantry.Error
			errors.As(err, &e)
			want := map[string]any{"limit": string(k), "used": over.Used(k), "max": 1}
			if diff := cmp.Diff(want, e.Extra); diff != "" {
				t.Errorf("Extra mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckLimit_MessageInWords(t *testing.T) {
	l := tenantry.Licence{Limits: tenantry.Limits{Tenants: 1, Users: 5}}
	for _, c := range []struct {
		k    tenantry.LimitKind
		u    tenantry.Usage
		want string
	}{
		{tenantry.LimitTenants, tenantry.Usage{TenantMembers: 3}, "the licence allows 1 tenant and 3 are in use; this would add 1"},
		{tenantry.LimitUsers, tenantry.Usage{Users: 5}, "the licence allows 5 users and 5 are in use; this would add 1"},
		{tenantry.LimitTenants, tenantry.Usage{TenantMembers: 1}, "the licence allows 1 tenant and 1 is in use; this would add 1"},
	} {
		err := tenantry.CheckLimit(l, c.u, c.k, 1)
		if err == nil || err.(*tenantry.Error).Message != c.want {
			t.Errorf("tenantry.CheckLimit(%s) = %v, want %q", c.k, err, c.want)
		}
	}
}
