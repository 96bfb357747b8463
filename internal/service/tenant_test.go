package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

func TestService_CurrentTenant(t *testing.T) {
	t.Run("Administrator", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			v, err := e.svc.CurrentTenant(e.ctx, admin, true)
			if err != nil {
				t.Fatalf("CurrentTenant: %v", err)
			}
			if diff := cmp.Diff(service.TenantView{Tenant: acme}, v); diff != "" {
				t.Errorf("CurrentTenant without subtenants (-want +got):\n%s", diff)
			}
			dev, err := e.svc.CreateSubtenant(e.ctx, admin, "dev", "development")
			if err != nil {
				t.Fatal(err)
			}
			e.addMember(admin, "bob@example.com", tenantry.RoleStandard)
			v, err = e.svc.CurrentTenant(e.ctx, admin, true)
			if err != nil {
				t.Fatalf("CurrentTenant: %v", err)
			}
			want := service.TenantView{Tenant: acme, Subtenants: []store.TenantStats{dev}}
			if diff := cmp.Diff(want, v); diff != "" {
				t.Errorf("CurrentTenant with subtenants (-want +got):\n%s", diff)
			}
			v, err = e.svc.CurrentTenant(e.ctx, admin, false)
			if err != nil || v.Subtenants != nil {
				t.Errorf("CurrentTenant(false) = %+v, %v; want no subtenants", v, err)
			}
			// In the subtenant, the view has its parent.
			inDev := e.auth(e.signIn("ada@example.com"), dev.ID)
			v, err = e.svc.CurrentTenant(e.ctx, inDev, true)
			if err != nil {
				t.Fatalf("CurrentTenant in subtenant: %v", err)
			}
			want = service.TenantView{Tenant: dev.Tenant, Parent: &acme}
			if diff := cmp.Diff(want, v); diff != "" {
				t.Errorf("CurrentTenant in subtenant (-want +got):\n%s", diff)
			}
		})
	})

	// Every tenant administration call refuses standard members, and needs a
	// current tenant.
	t.Run("StandardMemberForbidden", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			bob, _ := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			for name, err := range tenantAdminCalls(e, bob, admin.User.ID) {
				checkCode(t, name, err, tenantry.CodeForbidden)
			}
		})
	})

	t.Run("NoCurrentTenant", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			u := e.user("ada@example.com")
			a := e.auth(e.signIn("ada@example.com"), "")
			for name, err := range tenantAdminCalls(e, a, u.ID) {
				checkCode(t, name, err, tenantry.CodeBadRequest)
			}
		})
	})

	t.Run("NotSignedIn", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			for name, err := range tenantAdminCalls(e, service.Operator(), "") {
				checkCode(t, name, err, tenantry.CodeUnauthenticated)
			}
		})
	})
}

// tenantAdminCalls makes every call reserved to tenant administrators as a
// and returns their errors by name.
func tenantAdminCalls(e *env, a *service.Actor, otherID string) map[string]error {
	errs := map[string]error{}
	_, errs["CurrentTenant"] = e.svc.CurrentTenant(e.ctx, a, true)
	_, errs["UpdateTenant"] = e.svc.UpdateTenant(e.ctx, a, ptr("renamed"), nil)
	_, errs["Subtenants"] = e.svc.Subtenants(e.ctx, a)
	_, errs["CreateSubtenant"] = e.svc.CreateSubtenant(e.ctx, a, "dev", "")
	_, _, _, errs["Members"] = e.svc.Members(e.ctx, a, service.Page{})
	_, errs["Member"] = e.svc.Member(e.ctx, a, otherID)
	_, errs["AddMember"] = e.svc.AddMember(e.ctx, a, service.AddMemberInput{Email: "new@example.com"})
	_, errs["SetMemberRole"] = e.svc.SetMemberRole(e.ctx, a, otherID, tenantry.RoleStandard)
	errs["RemoveMember"] = e.svc.RemoveMember(e.ctx, a, otherID)
	return errs
}

func TestService_UpdateTenant(t *testing.T) {
	t.Run("RenameAndSummary", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			e.clock.Advance(time.Hour)
			v, err := e.svc.UpdateTenant(e.ctx, admin, ptr(" @NewName "), nil)
			if err != nil {
				t.Fatalf("UpdateTenant: %v", err)
			}
			want := acme
			want.Name = "NewName"
			if diff := cmp.Diff(service.TenantView{Tenant: want}, v); diff != "" {
				t.Errorf("renamed (-want +got):\n%s", diff)
			}
			v, err = e.svc.UpdateTenant(e.ctx, admin, nil, ptr("  our workspace "))
			if err != nil {
				t.Fatalf("UpdateTenant summary: %v", err)
			}
			want.Summary = "our workspace"
			if diff := cmp.Diff(service.TenantView{Tenant: want}, v); diff != "" {
				t.Errorf("summary changed (-want +got):\n%s", diff)
			}
			// Changing only the case of the name is allowed.
			if _, err := e.svc.UpdateTenant(e.ctx, admin, ptr("newname"), nil); err != nil {
				t.Errorf("UpdateTenant case only: %v", err)
			}
			got, err := e.db.Read().Tenant(e.ctx, acme.ID)
			if err != nil || got.Name != "newname" || got.Summary != "our workspace" {
				t.Errorf("stored tenant = %+v, %v", got, err)
			}

			var actions []string
			for _, ev := range e.audit(acme.ID) {
				actions = append(actions, ev.Action)
				if ev.Action == tenantry.ActionTenantRenamed && ev.Details["to"] == "NewName" {
					if ev.Details["from"] != "acme" || ev.ActorID != admin.User.ID || !ev.Time.Equal(t0.Add(time.Hour)) {
						t.Errorf("rename event = %+v", ev)
					}
				}
			}
			wantActions := []string{tenantry.ActionTenantCreated, tenantry.ActionTenantRenamed, tenantry.ActionTenantUpdated, tenantry.ActionTenantRenamed}
			if diff := cmp.Diff(wantActions, actions); diff != "" {
				t.Errorf("audit actions (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("NameTaken", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			e.tenant("Other", "ada@example.com")
			for _, name := range []string{"Other", "OTHER", "@other"} {
				_, err := e.svc.UpdateTenant(e.ctx, admin, ptr(name), nil)
				checkCode(t, name, err, tenantry.CodeNameTaken)
			}
			if got, _ := e.db.Read().Tenant(e.ctx, acme.ID); got.Name != "acme" {
				t.Errorf("name after refusals = %q, want acme", got.Name)
			}
		})
	})

	t.Run("Invalid", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			for _, name := range []string{"", "ab", "a b c", "acme!", "@@acme", strings.Repeat("a", 101), "dev+acme"} {
				_, err := e.svc.UpdateTenant(e.ctx, admin, ptr(name), nil)
				checkCode(t, "name "+name, err, tenantry.CodeInvalid)
			}
			_, err := e.svc.UpdateTenant(e.ctx, admin, nil, ptr(strings.Repeat("s", 1001)))
			checkCode(t, "long summary", err, tenantry.CodeInvalid)
		})
	})
}

func TestService_CreateSubtenant(t *testing.T) {
	t.Run("Create", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			e.addMember(admin, "bob@example.com", tenantry.RoleStandard)
			dev, err := e.svc.CreateSubtenant(e.ctx, admin, " @dev ", " for developers ")
			if err != nil {
				t.Fatalf("CreateSubtenant: %v", err)
			}
			want := store.TenantStats{Tenant: tenantry.Tenant{ID: dev.ID, Name: "dev", Summary: "for developers",
				ParentID: acme.ID, ParentName: "acme", CreatedAt: t0}, UserCount: 1}
			if diff := cmp.Diff(want, dev); diff != "" {
				t.Errorf("CreateSubtenant (-want +got):\n%s", diff)
			}
			if dev.FullName() != "dev+acme" {
				t.Errorf("full name %q, want dev+acme", dev.FullName())
			}
			// The full name is accepted, with the parent's name in any case.
			qa, err := e.svc.CreateSubtenant(e.ctx, admin, "test+ACME", "")
			if err != nil || qa.Name != "test" {
				t.Fatalf("CreateSubtenant(test+ACME) = %+v, %v", qa, err)
			}
			subs, err := e.svc.Subtenants(e.ctx, admin)
			if err != nil {
				t.Fatalf("Subtenants: %v", err)
			}
			if diff := cmp.Diff([]store.TenantStats{dev, qa}, subs); diff != "" {
				t.Errorf("Subtenants (-want +got):\n%s", diff)
			}
			// The creator administers the subtenant; the parent's members are not in it.
			inDev := e.auth(e.signIn("ada@example.com"), dev.ID)
			if inDev.Role != tenantry.RoleAdministrator {
				t.Errorf("creator's role in subtenant = %q", inDev.Role)
			}
			members, total, _, err := e.svc.Members(e.ctx, inDev, service.Page{})
			if err != nil || total != 1 || len(members) != 1 || members[0].ID != admin.User.ID {
				t.Errorf("subtenant members = %+v, %d, %v", members, total, err)
			}
			var found bool
			for _, ev := range e.audit(acme.ID) {
				if ev.Action == tenantry.ActionSubtenantCreated && ev.TargetID == dev.ID && ev.Details["name"] == "dev+acme" {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s event for dev+acme", tenantry.ActionSubtenantCreated)
			}
		})
	})

	t.Run("NoSubtenants", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			subs, err := e.svc.Subtenants(e.ctx, admin)
			if err != nil || subs == nil || len(subs) != 0 {
				t.Errorf("Subtenants = %#v, %v; want an empty list", subs, err)
			}
		})
	})

	t.Run("NameTakenAndInvalid", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			e.tenant("top", "ada@example.com")
			if _, err := e.svc.CreateSubtenant(e.ctx, admin, "dev", ""); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.CreateSubtenant(e.ctx, admin, "DEV", "")
			checkCode(t, "DEV", err, tenantry.CodeNameTaken)
			_, err = e.svc.CreateSubtenant(e.ctx, admin, "dev+acme", "")
			checkCode(t, "dev+acme", err, tenantry.CodeNameTaken)
			// Subtenant names are scoped to their parent.
			if _, err := e.svc.CreateSubtenant(e.ctx, admin, "top", ""); err != nil {
				t.Errorf("subtenant named like a top-level tenant: %v", err)
			}
			for _, name := range []string{"", "d", "dev+other", "a b", strings.Repeat("x", 101)} {
				_, err := e.svc.CreateSubtenant(e.ctx, admin, name, "")
				checkCode(t, "name "+name, err, tenantry.CodeInvalid)
			}
			_, err = e.svc.CreateSubtenant(e.ctx, admin, "docs", strings.Repeat("s", 1001))
			checkCode(t, "long summary", err, tenantry.CodeInvalid)
		})
	})

	t.Run("SubtenantOfSubtenant", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			dev, err := e.svc.CreateSubtenant(e.ctx, admin, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			inDev := e.auth(token, dev.ID)
			_, err = e.svc.CreateSubtenant(e.ctx, inDev, "deeper", "")
			wantCode(t, err, tenantry.CodeInvalid)
			if n := e.count("SELECT COUNT(*) FROM tenants"); n != 2 {
				t.Errorf("%d tenants, want 2", n)
			}
			subs, err := e.svc.Subtenants(e.ctx, inDev)
			if err != nil || len(subs) != 0 {
				t.Errorf("subtenants of a subtenant = %+v, %v", subs, err)
			}
		})
	})

	// As in Boomi Flow, a subtenant's full name follows its parent's renames.
	t.Run("FollowsParentRename", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			dev, err := e.svc.CreateSubtenant(e.ctx, admin, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.UpdateTenant(e.ctx, admin, ptr("newname"), nil); err != nil {
				t.Fatalf("rename parent: %v", err)
			}
			subs, err := e.svc.Subtenants(e.ctx, admin)
			if err != nil || len(subs) != 1 || subs[0].FullName() != "dev+newname" {
				t.Fatalf("Subtenants after rename = %+v, %v; want dev+newname", subs, err)
			}
			inDev := e.auth(token, dev.ID)
			v, err := e.svc.CurrentTenant(e.ctx, inDev, false)
			if err != nil || v.Tenant.FullName() != "dev+newname" || v.Parent == nil || v.Parent.Name != "newname" {
				t.Errorf("subtenant view = %+v, %v; want dev+newname", v, err)
			}
			p, err := e.svc.Me(e.ctx, inDev)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, mt := range p.Tenants {
				names = append(names, mt.FullName())
			}
			if diff := cmp.Diff([]string{"newname", "dev+newname"}, names); diff != "" {
				t.Errorf("Me tenants (-want +got):\n%s", diff)
			}
			// Renaming the subtenant takes its short or full name.
			v, err = e.svc.UpdateTenant(e.ctx, inDev, ptr("@test+NewName"), nil)
			if err != nil || v.Tenant.FullName() != "test+newname" {
				t.Errorf("rename subtenant = %+v, %v; want test+newname", v, err)
			}
			_, err = e.svc.UpdateTenant(e.ctx, inDev, ptr("test+acme"), nil)
			checkCode(t, "subtenant renamed under another parent", err, tenantry.CodeInvalid)
		})
	})

	t.Run("SubtenantNameTakenOnRename", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			dev, err := e.svc.CreateSubtenant(e.ctx, admin, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.CreateSubtenant(e.ctx, admin, "test", ""); err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.UpdateTenant(e.ctx, e.auth(token, dev.ID), ptr("TEST"), nil)
			wantCode(t, err, tenantry.CodeNameTaken)
		})
	})
}
