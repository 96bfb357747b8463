package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func ptr(s string) *string { return &s }

func TestService_Me(t *testing.T) {
	t.Run("Profile", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			sub, err := e.svc.CreateSubtenant(e.ctx, admin, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			e.user("bob@example.com")
			beta := e.tenant("Beta", "bob@example.com")
			bob := e.auth(e.signIn("bob@example.com"), beta.ID)
			e.addMember(bob, "ada@example.com", tenantry.RoleStandard)

			p, err := e.svc.Me(e.ctx, admin)
			if err != nil {
				t.Fatalf("Me: %v", err)
			}
			want := service.Profile{User: admin.User, Tenants: []tenantry.MembershipTenant{
				{Tenant: acme, Role: tenantry.RoleAdministrator},
				{Tenant: sub.Tenant, Role: tenantry.RoleAdministrator},
				{Tenant: beta, Role: tenantry.RoleStandard},
			}}
			if diff := cmp.Diff(want, p, cmpopts.IgnoreFields(tenantry.MembershipTenant{}, "LastUsedAt")); diff != "" {
				t.Errorf("Me (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("NotSignedIn", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			_, err := e.svc.Me(e.ctx, service.Operator())
			checkCode(t, "operator", err, tenantry.CodeUnauthenticated)
			_, err = e.svc.Me(e.ctx, nil)
			checkCode(t, "nil actor", err, tenantry.CodeUnauthenticated)
			_, err = e.svc.UpdateMe(e.ctx, nil, ptr("A"), nil)
			checkCode(t, "UpdateMe nil actor", err, tenantry.CodeUnauthenticated)
		})
	})
}

func TestService_UpdateMe(t *testing.T) {
	t.Run("Names", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			token := e.signIn("ada@example.com")
			a := e.auth(token, "")
			e.clock.Advance(time.Hour)

			p, err := e.svc.UpdateMe(e.ctx, a, ptr("  Augusta "), nil)
			if err != nil {
				t.Fatalf("UpdateMe: %v", err)
			}
			want := a.User
			want.FirstName, want.LastName, want.UpdatedAt = "Augusta", "Tester", t0.Add(time.Hour)
			if diff := cmp.Diff(want, p.User); diff != "" {
				t.Errorf("UpdateMe user (-want +got):\n%s", diff)
			}
			if _, err := e.svc.UpdateMe(e.ctx, a, nil, ptr("King")); err != nil {
				t.Fatalf("UpdateMe last name: %v", err)
			}
			// Unchanged names write nothing.
			if _, err := e.svc.UpdateMe(e.ctx, a, ptr("Augusta"), ptr("King")); err != nil {
				t.Fatalf("UpdateMe same names: %v", err)
			}
			want.LastName = "King"
			got := e.auth(token, "").User
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored user (-want +got):\n%s", diff)
			}
			audits := e.auditAbout(a.User.ID)
			var updates int
			for _, r := range audits {
				if r.Action == tenantry.ActionUserUpdated {
					updates++
					if r.ActorKind != tenantry.ActorUser || r.ActorID != a.User.ID {
						t.Errorf("audit actor = %s %s, want user %s", r.ActorKind, r.ActorID, a.User.ID)
					}
				}
			}
			if updates != 2 {
				t.Errorf("%d user.updated events, want 2: %+v", updates, audits)
			}
		})
	})

	t.Run("Invalid", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			a := e.auth(e.signIn("ada@example.com"), "")
			for name, c := range map[string]struct {
				first, last *string
				fields      []string
			}{
				"LongFirst":   {ptr(strings.Repeat("x", 101)), nil, []string{"firstName"}},
				"ControlLast": {nil, ptr("a\x00b"), []string{"lastName"}},
				"Both":        {ptr("a\nb"), ptr(strings.Repeat("é", 101)), []string{"firstName", "lastName"}},
			} {
				_, err := e.svc.UpdateMe(e.ctx, a, c.first, c.last)
				checkCode(t, name, err, tenantry.CodeInvalid)
				if err != nil {
					if diff := cmp.Diff(c.fields, fields(t, err)); diff != "" {
						t.Errorf("%s fields (-want +got):\n%s", name, diff)
					}
				}
			}
			// 100 characters is still fine.
			if _, err := e.svc.UpdateMe(e.ctx, a, ptr(strings.Repeat("é", 100)), nil); err != nil {
				t.Errorf("100-character name: %v", err)
			}
		})
	})
}

func TestService_APIKeys(t *testing.T) {
	t.Run("Create", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")

			k, secret, err := e.svc.CreateAPIKey(e.ctx, admin, "  ci  ", "")
			if err != nil {
				t.Fatalf("CreateAPIKey: %v", err)
			}
			want := tenantry.APIKey{ID: k.ID, UserID: admin.User.ID, TenantID: acme.ID, Name: "ci", CreatedAt: t0}
			if diff := cmp.Diff(want, k); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
			if !tenantry.ValidSecret(tenantry.SecretAPIKey, secret) {
				t.Errorf("secret %q is not an API key", secret)
			}
			e.clock.Advance(time.Minute)
			k2, secret2, err := e.svc.CreateAPIKey(e.ctx, admin, "deploy", strings.ToUpper(second.ID))
			if err != nil {
				t.Fatalf("CreateAPIKey in another tenant: %v", err)
			}
			if k2.TenantID != second.ID || secret2 == secret {
				t.Errorf("second key = %+v", k2)
			}

			// The listing has no secrets: only what was returned, by name.
			keys, err := e.svc.APIKeys(e.ctx, admin)
			if err != nil {
				t.Fatalf("APIKeys: %v", err)
			}
			if diff := cmp.Diff([]tenantry.APIKey{k, k2}, keys); diff != "" {
				t.Errorf("APIKeys (-want +got):\n%s", diff)
			}
			// Only the secret's hash is stored.
			if n := e.count("SELECT COUNT(*) FROM api_keys WHERE secret_hash = $1 OR secret_hash = $2", secret, secret2); n != 0 {
				t.Errorf("%d keys stored with their plain secret", n)
			}
			if a := e.authKey(secret2); a.TenantID != second.ID {
				t.Errorf("second key authenticates in %s, want %s", a.TenantID, second.ID)
			}
		})
	})

	t.Run("NameTaken", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			e.apiKey(admin, "ci", "")
			_, _, err := e.svc.CreateAPIKey(e.ctx, admin, "ci", "")
			checkCode(t, "same tenant", err, tenantry.CodeNameTaken)
			_, _, err = e.svc.CreateAPIKey(e.ctx, admin, " ci", second.ID)
			checkCode(t, "other tenant", err, tenantry.CodeNameTaken)
			// Names are per user.
			bob, _ := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			e.apiKey(bob, "ci", "")
		})
	})

	t.Run("InvalidName", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			for _, name := range []string{"", "   ", "a/b", "tab\there", strings.Repeat("k", 101)} {
				_, _, err := e.svc.CreateAPIKey(e.ctx, admin, name, "")
				checkCode(t, "name "+name, err, tenantry.CodeInvalid)
			}
		})
	})

	t.Run("TenantNotAMember", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			e.user("bob@example.com")
			other := e.tenant("other", "bob@example.com")
			for name, tenantID := range map[string]string{
				"Existing": other.ID, "Unknown": uuid.NewString(), "NotAUUID": "other", "AName": "@other",
			} {
				_, _, err := e.svc.CreateAPIKey(e.ctx, admin, "k-"+name, tenantID)
				checkCode(t, name, err, tenantry.CodeForbidden)
			}
			if n := e.count("SELECT COUNT(*) FROM api_keys"); n != 0 {
				t.Errorf("%d keys stored, want 0", n)
			}
		})
	})

	t.Run("KeyActorOtherTenant", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			_, secret := e.apiKey(admin, "ci", "")
			keyActor := e.authKey(secret)

			_, _, err := e.svc.CreateAPIKey(e.ctx, keyActor, "elsewhere", second.ID)
			wantCode(t, err, tenantry.CodeForbidden)
			k, _, err := e.svc.CreateAPIKey(e.ctx, keyActor, "here", "")
			if err != nil || k.TenantID != acme.ID {
				t.Errorf("key actor, own tenant by default: %+v, %v", k, err)
			}
			k, _, err = e.svc.CreateAPIKey(e.ctx, keyActor, "here-too", acme.ID)
			if err != nil || k.TenantID != acme.ID {
				t.Errorf("key actor, own tenant named: %+v, %v", k, err)
			}
		})
	})

	t.Run("NoCurrentTenant", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			a := e.auth(e.signIn("ada@example.com"), "")
			_, _, err := e.svc.CreateAPIKey(e.ctx, a, "ci", "")
			wantCode(t, err, tenantry.CodeBadRequest)
		})
	})

	t.Run("Delete", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			bob, _ := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			e.apiKey(bob, "bobs", "")
			e.apiKey(admin, "ci", "")

			checkCode(t, "unknown name", e.svc.DeleteAPIKey(e.ctx, admin, "nope"), tenantry.CodeNotFound)
			checkCode(t, "another user's key", e.svc.DeleteAPIKey(e.ctx, admin, "bobs"), tenantry.CodeNotFound)
			if err := e.svc.DeleteAPIKey(e.ctx, admin, "ci"); err != nil {
				t.Fatalf("DeleteAPIKey: %v", err)
			}
			checkCode(t, "deleted twice", e.svc.DeleteAPIKey(e.ctx, admin, "ci"), tenantry.CodeNotFound)
			keys, err := e.svc.APIKeys(e.ctx, admin)
			if err != nil || len(keys) != 0 {
				t.Errorf("APIKeys after delete = %+v, %v; want none", keys, err)
			}
			if keys, _ := e.svc.APIKeys(e.ctx, bob); len(keys) != 1 {
				t.Errorf("bob's keys = %+v, want his one key", keys)
			}
		})
	})

	t.Run("Audit", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			k, _ := e.apiKey(admin, "ci", "")
			if err := e.svc.DeleteAPIKey(e.ctx, admin, "ci"); err != nil {
				t.Fatal(err)
			}
			var got []tenantry.AuditEvent
			for _, ev := range e.audit(acme.ID) {
				if strings.HasPrefix(ev.Action, "api_key.") {
					got = append(got, ev)
				}
			}
			want := []tenantry.AuditEvent{
				{Action: tenantry.ActionAPIKeyCreated, ActorKind: tenantry.ActorUser, ActorID: admin.User.ID, TenantID: acme.ID,
					TargetKind: "api_key", TargetID: k.ID, RequestID: "req-test", SourceAddress: "192.0.2.1", Time: t0,
					Details: map[string]any{"name": "ci"}},
				{Action: tenantry.ActionAPIKeyDeleted, ActorKind: tenantry.ActorUser, ActorID: admin.User.ID, TenantID: acme.ID,
					TargetKind: "api_key", TargetID: k.ID, RequestID: "req-test", SourceAddress: "192.0.2.1", Time: t0,
					Details: map[string]any{"name": "ci"}},
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(tenantry.AuditEvent{}, "ID")); diff != "" {
				t.Errorf("api key audit events (-want +got):\n%s", diff)
			}
		})
	})
}
