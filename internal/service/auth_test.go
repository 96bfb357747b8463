package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func TestService_SignIn(t *testing.T) {
	t.Run("Success", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			u := e.user("ada@example.com")
			token, sess, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: "  ADA@Example.COM ", Password: password, SourceAddress: "192.0.2.1"})
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if !tenantry.ValidSecret(tenantry.SecretSession, token) {
				t.Errorf("token %q is not a session secret", token)
			}
			want := tenantry.Session{ID: sess.ID, UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour)}
			if diff := cmp.Diff(want, sess); diff != "" {
				t.Errorf("session (-want +got):\n%s", diff)
			}
			a := e.auth(token, "")
			if diff := cmp.Diff(u, a.User); diff != "" {
				t.Errorf("authenticated user (-want +got):\n%s", diff)
			}
			if a.Kind != tenantry.ActorUser || a.SessionID != sess.ID || a.APIKey != nil {
				t.Errorf("actor = %+v, want a user with session %s and no key", a, sess.ID)
			}
		})
	})

	// Every failure gives the same code and the same message (SPEC §4).
	t.Run("FailuresLookAlike", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			e.addMember(admin, "pending@example.com", tenantry.RoleStandard)
			e.user("gone@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "gone@example.com"); err != nil {
				t.Fatalf("DisableUser: %v", err)
			}
			attempts := []struct{ name, email, password string }{
				{"WrongPassword", "ada@example.com", "not the password"},
				{"UnknownEmail", "nobody@example.com", password},
				{"Pending", "pending@example.com", password},
				{"PendingEmptyPassword", "pending@example.com", ""},
				{"Disabled", "gone@example.com", password},
			}
			var messages []string
			for _, at := range attempts {
				token, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: at.email, Password: at.password, SourceAddress: "192.0.2.1"})
				checkCode(t, at.name, err, tenantry.CodeUnauthenticated)
				if token != "" {
					t.Errorf("%s: got a token", at.name)
				}
				if err != nil {
					messages = append(messages, domainError(t, err).Message)
				}
			}
			for i := 1; i < len(messages); i++ {
				if messages[i] != messages[0] {
					t.Errorf("%s answers %q, %s answers %q: want the same", attempts[i].name, messages[i], attempts[0].name, messages[0])
				}
			}
		})
	})

	t.Run("RateLimitByEmail", func(t *testing.T) {
		cfg := service.Config{SignInPerEmail: service.RateLimit{Burst: 2, Every: time.Minute}}
		dialects(t, cfg, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			try := func(email, pw, addr string) error {
				_, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: email, Password: pw, SourceAddress: addr})
				return err
			}
			checkCode(t, "attempt 1", try("ada@example.com", "wrong password", "192.0.2.1"), tenantry.CodeUnauthenticated)
			// The key is the normalized email, and the address does not matter.
			checkCode(t, "attempt 2", try(" ADA@example.com", "wrong password", "192.0.2.2"), tenantry.CodeUnauthenticated)
			err := try("Ada@Example.com", password, "192.0.2.3")
			wantCode(t, err, tenantry.CodeRateLimited)
			if de := domainError(t, err); de.RetryAfter <= 0 || de.RetryAfter > 60 {
				t.Errorf("RetryAfter = %d, want 1..60 seconds", de.RetryAfter)
			}
			// Another email is not slowed down; an unknown email is limited too.
			checkCode(t, "other email", try("bob@example.com", "x", "192.0.2.1"), tenantry.CodeUnauthenticated)
			checkCode(t, "unknown 2", try("bob@example.com", "x", "192.0.2.1"), tenantry.CodeUnauthenticated)
			checkCode(t, "unknown 3", try("bob@example.com", "x", "192.0.2.1"), tenantry.CodeRateLimited)
			// Slow down, never lock out: the bucket refills with time.
			e.clock.Advance(time.Minute)
			if err := try("ada@example.com", password, "192.0.2.1"); err != nil {
				t.Errorf("sign-in after the wait: %v", err)
			}
		})
	})

	t.Run("RateLimitSharedByReplicas", func(t *testing.T) {
		cfg := service.Config{SignInPerEmail: service.RateLimit{Burst: 3, Every: time.Minute}}
		dialects(t, cfg, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			// A second replica: another service over the same database.
			other := cfg
			other.Now = e.clock.Now
			replicas := []*service.Service{e.svc, service.New(e.db, other)}
			for i := range 3 {
				_, _, err := replicas[i%2].SignIn(e.ctx, service.SignInRequest{Email: "ada@example.com", Password: "wrong password", SourceAddress: "192.0.2.1"})
				checkCode(t, fmt.Sprintf("attempt %d", i+1), err, tenantry.CodeUnauthenticated)
			}
			for i, r := range replicas {
				_, _, err := r.SignIn(e.ctx, service.SignInRequest{Email: "ada@example.com", Password: password, SourceAddress: "192.0.2.1"})
				checkCode(t, fmt.Sprintf("replica %d after the allowance is spent", i+1), err, tenantry.CodeRateLimited)
			}
		})
	})

	t.Run("RateLimitByAddress", func(t *testing.T) {
		cfg := service.Config{SignInPerAddress: service.RateLimit{Burst: 2, Every: time.Minute}}
		dialects(t, cfg, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			try := func(email, pw, addr string) error {
				_, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: email, Password: pw, SourceAddress: addr})
				return err
			}
			checkCode(t, "attempt 1", try("one@example.com", "x", "198.51.100.7"), tenantry.CodeUnauthenticated)
			checkCode(t, "attempt 2", try("two@example.com", "x", "198.51.100.7"), tenantry.CodeUnauthenticated)
			err := try("ada@example.com", password, "198.51.100.7")
			wantCode(t, err, tenantry.CodeRateLimited)
			if de := domainError(t, err); de.RetryAfter <= 0 {
				t.Errorf("RetryAfter = %d, want > 0", de.RetryAfter)
			}
			if err := try("ada@example.com", password, "198.51.100.8"); err != nil {
				t.Errorf("sign-in from another address: %v", err)
			}
			e.clock.Advance(time.Minute)
			if err := try("ada@example.com", password, "198.51.100.7"); err != nil {
				t.Errorf("sign-in after the wait: %v", err)
			}
		})
	})
}

func TestService_Authenticate(t *testing.T) {
	t.Run("Token", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			_, tn, token := e.admin("ada@example.com", "acme")
			for _, tok := range []string{token, "Bearer " + token, "bearer " + token, "  Bearer   " + token + " "} {
				a, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: tok, RequestID: "r1", SourceAddress: "192.0.2.9"})
				if err != nil {
					t.Errorf("Authenticate(%q): %v", tok, err)
					continue
				}
				if a.User.Email != "ada@example.com" || a.TenantID != tn.ID || a.Role != tenantry.RoleAdministrator ||
					a.SessionID == "" || a.APIKey != nil || a.RequestID != "r1" || a.SourceAddress != "192.0.2.9" {
					t.Errorf("Authenticate(%q) = %+v", tok, a)
				}
			}
		})
	})

	t.Run("TokenAndKeyTogether", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			_, key := e.apiKey(admin, "ci", "")
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token, APIKey: key})
			wantCode(t, err, tenantry.CodeBadRequest)
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{Token: "garbage", APIKey: "garbage"})
			wantCode(t, err, tenantry.CodeBadRequest)
		})
	})

	t.Run("Garbage", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			_, key := e.apiKey(admin, "ci", "")
			unknown := "tnts_" + strings.Repeat("A", 43)
			for _, c := range []service.Credentials{
				{},
				{Token: "Bearer "},
				{Token: "nonsense"},
				{Token: unknown},
				{Token: "Bearer " + unknown},
				{Token: key},         // an API key is not a token
				{Token: token + "x"}, // wrong shape
				{APIKey: token},      // a token is not an API key
				{APIKey: "tntk_" + strings.Repeat("b", 43)}, // right shape, no such key
				{APIKey: "x"},
			} {
				_, err := e.svc.Authenticate(e.ctx, c)
				checkCode(t, "Authenticate("+c.Token+"|"+c.APIKey+")", err, tenantry.CodeUnauthenticated)
			}
		})
	})

	t.Run("TenantHeader", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			_, acme, token := e.admin("ada@example.com", "acme")
			e.user("bob@example.com")
			other := e.tenant("other", "bob@example.com")

			a := e.auth(token, strings.ToUpper(acme.ID))
			if a.TenantID != acme.ID || a.Role != tenantry.RoleAdministrator {
				t.Errorf("upper-case header: tenant %q role %q, want %q administrator", a.TenantID, a.Role, acme.ID)
			}
			for name, header := range map[string]string{
				"NotAMember": other.ID,
				"NoSuchID":   uuid.NewString(),
				"NotAUUID":   "not-a-uuid",
				"AName":      "@acme",
			} {
				_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token, Tenant: header})
				checkCode(t, name, err, tenantry.CodeForbidden)
			}
		})
	})

	t.Run("APIKey", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, token := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			k, key := e.apiKey(admin, "ci", "")

			for _, header := range []string{"", acme.ID, strings.ToUpper(acme.ID)} {
				a, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: " " + key + " ", Tenant: header})
				if err != nil {
					t.Fatalf("Authenticate(key, tenant %q): %v", header, err)
				}
				if a.TenantID != acme.ID || a.Role != tenantry.RoleAdministrator || a.SessionID != "" || a.User.ID != admin.User.ID {
					t.Errorf("key actor = %+v", a)
				}
				if diff := cmp.Diff(&k, a.APIKey); diff != "" {
					t.Errorf("actor's key (-want +got):\n%s", diff)
				}
			}
			// Another tenant in the header is forbidden, even one the user is in.
			for name, header := range map[string]string{"OwnOtherTenant": second.ID, "NoSuchTenant": uuid.NewString(), "NotAUUID": "acme"} {
				_, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: key, Tenant: header})
				checkCode(t, name, err, tenantry.CodeForbidden)
			}
			// The user's token still reaches the other tenant.
			if a := e.auth(token, second.ID); a.TenantID != second.ID {
				t.Errorf("token with header %s: tenant %s", second.ID, a.TenantID)
			}
		})
	})

	t.Run("DeletedKey", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			_, key := e.apiKey(admin, "ci", "")
			e.authKey(key)
			if err := e.svc.DeleteAPIKey(e.ctx, admin, "ci"); err != nil {
				t.Fatalf("DeleteAPIKey: %v", err)
			}
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: key})
			wantCode(t, err, tenantry.CodeUnauthenticated)
		})
	})

	t.Run("RemovedMemberKey", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			bob, _ := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			_, key := e.apiKey(bob, "bob-ci", "")
			e.authKey(key)
			if err := e.svc.RemoveMember(e.ctx, admin, bob.User.ID); err != nil {
				t.Fatalf("RemoveMember: %v", err)
			}
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: key})
			wantCode(t, err, tenantry.CodeUnauthenticated)
		})
	})

	// A token lives 24 hours after its last use (SPEC §4).
	t.Run("IdleExpiry", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			token := e.signIn("ada@example.com")
			e.clock.Advance(24*time.Hour - time.Second)
			e.auth(token, "") // alive, and the use is recorded
			e.clock.Advance(24*time.Hour - time.Second)
			e.auth(token, "")
			e.clock.Advance(24 * time.Hour)
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token})
			wantCode(t, err, tenantry.CodeUnauthenticated)

			// A use within a minute of the recorded one is not written, so the
			// idle timer still runs from the recorded use.
			other := e.signIn("ada@example.com")
			e.clock.Advance(30 * time.Second)
			e.auth(other, "")
			e.clock.Advance(24*time.Hour - 30*time.Second)
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{Token: other})
			wantCode(t, err, tenantry.CodeUnauthenticated)
		})
	})

	// A token lives at most 30 days, however often it is used (SPEC §4).
	t.Run("AbsoluteExpiry", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			token := e.signIn("ada@example.com")
			end := t0.Add(30 * 24 * time.Hour)
			for e.clock.Now().Add(20 * time.Hour).Before(end) {
				e.clock.Advance(20 * time.Hour)
				e.auth(token, "")
			}
			e.clock.Set(end.Add(-time.Second))
			e.auth(token, "")
			e.clock.Set(end)
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token})
			wantCode(t, err, tenantry.CodeUnauthenticated)
		})
	})

	t.Run("DisabledUser", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			bob, bobToken := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			_, bobKey := e.apiKey(bob, "bob-ci", "")
			carol, carolToken := e.member(admin, "carol@example.com", tenantry.RoleStandard)
			_, carolKey := e.apiKey(carol, "carol-ci", "")

			// Disabled by the operator: sessions and keys are revoked.
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "bob@example.com"); err != nil {
				t.Fatalf("DisableUser: %v", err)
			}
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: bobToken})
			checkCode(t, "bob's token", err, tenantry.CodeUnauthenticated)
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{APIKey: bobKey})
			checkCode(t, "bob's key", err, tenantry.CodeUnauthenticated)

			// Authentication itself refuses a disabled account, whatever rows remain.
			if _, err := e.db.SQL().ExecContext(e.ctx, "UPDATE users SET status = 'disabled' WHERE id = $1", carol.User.ID); err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{Token: carolToken})
			checkCode(t, "carol's token", err, tenantry.CodeUnauthenticated)
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{APIKey: carolKey})
			checkCode(t, "carol's key", err, tenantry.CodeUnauthenticated)
		})
	})

	// Without a header the current tenant is the last one used, else the first
	// by name (SPEC §1).
	t.Run("CurrentTenantDefault", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			beta := e.tenant("Beta", "ada@example.com")
			alpha := e.tenant("alpha", "ada@example.com")
			gamma := e.tenant("gamma", "ada@example.com")
			token := e.signIn("ada@example.com")

			if a := e.auth(token, ""); a.TenantID != alpha.ID || a.Role != tenantry.RoleAdministrator {
				t.Errorf("never used: tenant %s, want alpha %s", a.TenantID, alpha.ID)
			}
			e.clock.Advance(time.Hour)
			e.auth(token, gamma.ID)
			e.clock.Advance(time.Hour)
			e.auth(token, beta.ID)
			if a := e.auth(token, ""); a.TenantID != beta.ID {
				t.Errorf("after using beta: tenant %s, want beta %s", a.TenantID, beta.ID)
			}
			e.clock.Advance(time.Hour)
			e.auth(token, gamma.ID)
			if a := e.auth(token, ""); a.TenantID != gamma.ID {
				t.Errorf("after using gamma again: tenant %s, want gamma %s", a.TenantID, gamma.ID)
			}

			// A user in no tenant has no current tenant.
			e.user("loner@example.com")
			if a := e.auth(e.signIn("loner@example.com"), ""); a.TenantID != "" || a.Role != "" {
				t.Errorf("user without tenants: tenant %q role %q, want none", a.TenantID, a.Role)
			}
		})
	})

	t.Run("SweepSessions", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			idle, used := e.signIn("ada@example.com"), e.signIn("ada@example.com")
			e.clock.Advance(23 * time.Hour)
			e.auth(used, "")
			e.clock.Advance(2 * time.Hour)
			n, err := e.svc.SweepSessions(e.ctx)
			if err != nil || n != 1 {
				t.Errorf("SweepSessions = %d, %v; want 1", n, err)
			}
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{Token: idle})
			checkCode(t, "swept token", err, tenantry.CodeUnauthenticated)
			e.auth(used, "")
		})
	})

	t.Run("SignOut", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			if err := e.svc.SignOut(e.ctx, admin); err != nil {
				t.Fatalf("SignOut: %v", err)
			}
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token})
			wantCode(t, err, tenantry.CodeUnauthenticated)
		})
	})
}
