package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

func TestService_CreateUser(t *testing.T) {
	t.Run("Create", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			u, err := e.svc.CreateUser(e.ctx, service.Operator(), service.CreateUserInput{
				Email: " Ada@Example.com ", FirstName: " Ada ", LastName: "Lovelace", Password: password})
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			want := tenantry.User{ID: u.ID, Email: "Ada@Example.com", FirstName: "Ada", LastName: "Lovelace",
				Status: tenantry.UserActive, CreatedAt: t0, UpdatedAt: t0}
			if diff := cmp.Diff(want, u); diff != "" {
				t.Errorf("CreateUser (-want +got):\n%s", diff)
			}
			got, hash, err := e.db.Read().UserByEmail(e.ctx, "ada@example.com")
			if diff := cmp.Diff(want, got); err != nil || diff != "" {
				t.Errorf("stored user = %v (-want +got):\n%s", err, diff)
			}
			if !strings.HasPrefix(hash, "$argon2id$") {
				t.Errorf("stored password hash = %q, want argon2id", hash)
			}
			if a := e.auth(e.signIn("ada@example.com"), ""); a.User.ID != u.ID {
				t.Errorf("signed in as %s, want %s", a.User.ID, u.ID)
			}
			wantAudit := []auditRow{{Action: tenantry.ActionUserCreated, ActorKind: tenantry.ActorOperator, TargetID: u.ID}}
			if diff := cmp.Diff(wantAudit, e.auditAbout(u.ID)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("NameTaken", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			_, err := e.svc.CreateUser(e.ctx, service.Operator(), service.CreateUserInput{Email: "ADA@example.COM", Password: password})
			wantCode(t, err, tenantry.CodeNameTaken)
			if n := e.count("SELECT COUNT(*) FROM users"); n != 1 {
				t.Errorf("%d users, want 1", n)
			}
		})
	})

	t.Run("Invalid", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			for name, c := range map[string]struct {
				in     service.CreateUserInput
				fields []string
			}{
				"NoEmail":       {service.CreateUserInput{Password: password}, []string{"email"}},
				"NotAnEmail":    {service.CreateUserInput{Email: "ada", Password: password}, []string{"email"}},
				"DisplayName":   {service.CreateUserInput{Email: "Ada <ada@example.com>", Password: password}, []string{"email"}},
				"ShortPassword": {service.CreateUserInput{Email: "ada@example.com", Password: "1234567"}, []string{"password"}},
				"LongPassword":  {service.CreateUserInput{Email: "ada@example.com", Password: strings.Repeat("p", 257)}, []string{"password"}},
				"Names": {service.CreateUserInput{Email: "ada@example.com", FirstName: strings.Repeat("a", 101), LastName: "a\u202eb",
					Password: password}, []string{"firstName", "lastName"}},
				"Everything": {service.CreateUserInput{Email: "x", FirstName: "\x01", LastName: "\x02"}, []string{"email", "firstName", "lastName", "password"}},
			} {
				_, err := e.svc.CreateUser(e.ctx, service.Operator(), c.in)
				checkCode(t, name, err, tenantry.CodeInvalid)
				if tenantry.IsCode(err, tenantry.CodeInvalid) {
					if diff := cmp.Diff(c.fields, fields(t, err)); diff != "" {
						t.Errorf("%s fields (-want +got):\n%s", name, diff)
					}
				}
			}
			if n := e.count("SELECT COUNT(*) FROM users"); n != 0 {
				t.Errorf("%d users, want 0", n)
			}
		})
	})

	t.Run("OperatorOnly", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			for name, a := range map[string]*service.Actor{"User": admin, "Nil": nil, "System": {Kind: tenantry.ActorSystem}} {
				_, err := e.svc.CreateUser(e.ctx, a, service.CreateUserInput{Email: "x@example.com", Password: password})
				checkCode(t, name+" CreateUser", err, tenantry.CodeForbidden)
				_, err = e.svc.CreateTenant(e.ctx, a, "other", "ada@example.com")
				checkCode(t, name+" CreateTenant", err, tenantry.CodeForbidden)
				checkCode(t, name+" ResetPassword", e.svc.ResetPassword(e.ctx, a, "ada@example.com", "new password"), tenantry.CodeForbidden)
				checkCode(t, name+" DisableUser", e.svc.DisableUser(e.ctx, a, "ada@example.com"), tenantry.CodeForbidden)
			}
		})
	})
}

func TestService_CreateTenant(t *testing.T) {
	t.Run("Create", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			u := e.user("ada@example.com")
			tn, err := e.svc.CreateTenant(e.ctx, service.Operator(), " @Acme ", "ADA@example.com")
			if err != nil {
				t.Fatalf("CreateTenant: %v", err)
			}
			want := tenantry.Tenant{ID: tn.ID, Name: "Acme", CreatedAt: t0}
			if diff := cmp.Diff(want, tn); diff != "" {
				t.Errorf("CreateTenant (-want +got):\n%s", diff)
			}
			m, err := e.db.Read().Member(e.ctx, tn.ID, u.ID)
			if err != nil || m.Role != tenantry.RoleAdministrator {
				t.Errorf("administrator membership = %+v, %v", m, err)
			}
			evs := e.audit(tn.ID)
			if len(evs) != 1 || evs[0].Action != tenantry.ActionTenantCreated || evs[0].ActorKind != tenantry.ActorOperator ||
				evs[0].Details["administrator"] != "ada@example.com" {
				t.Errorf("audit = %+v", evs)
			}
		})
	})

	t.Run("Refused", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			e.tenant("acme", "ada@example.com")
			e.user("gone@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "gone@example.com"); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name, tenant, email string
				code                tenantry.Code
			}{
				{"UnknownEmail", "other", "nobody@example.com", tenantry.CodeNotFound},
				{"NameTaken", "ACME", "ada@example.com", tenantry.CodeNameTaken},
				{"NameTakenWithAt", "@acme", "ada@example.com", tenantry.CodeNameTaken},
				{"InvalidName", "a b", "ada@example.com", tenantry.CodeInvalid},
				{"ShortName", "ab", "ada@example.com", tenantry.CodeInvalid},
				{"SubtenantName", "dev+acme", "ada@example.com", tenantry.CodeInvalid},
				{"InvalidEmail", "other", "ada", tenantry.CodeInvalid},
				{"DisabledAdministrator", "other", "gone@example.com", tenantry.CodeInvalid},
			} {
				_, err := e.svc.CreateTenant(e.ctx, service.Operator(), c.tenant, c.email)
				checkCode(t, c.name, err, c.code)
			}
			if n := e.count("SELECT COUNT(*) FROM tenants"); n != 1 {
				t.Errorf("%d tenants, want 1", n)
			}
		})
	})
}

func TestService_ResetPassword(t *testing.T) {
	t.Run("RevokesTokens", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			other := e.signIn("ada@example.com")
			e.clock.Advance(time.Hour)
			if err := e.svc.ResetPassword(e.ctx, service.Operator(), "ADA@example.com", "a brand new password"); err != nil {
				t.Fatalf("ResetPassword: %v", err)
			}
			for name, tok := range map[string]string{"first": token, "second": other} {
				_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: tok})
				checkCode(t, name+" token", err, tenantry.CodeUnauthenticated)
			}
			_, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: "ada@example.com", Password: password})
			checkCode(t, "old password", err, tenantry.CodeUnauthenticated)
			newToken, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: "ada@example.com", Password: "a brand new password"})
			if err != nil {
				t.Fatalf("sign in with the new password: %v", err)
			}
			if a := e.auth(newToken, ""); a.User.UpdatedAt != t0.Add(time.Hour) {
				t.Errorf("UpdatedAt = %v, want %v", a.User.UpdatedAt, t0.Add(time.Hour))
			}
			var actions []string
			for _, r := range e.auditAbout(admin.User.ID) {
				actions = append(actions, r.Action)
			}
			if diff := cmp.Diff([]string{tenantry.ActionUserCreated, tenantry.ActionUserPasswordReset}, actions); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("ActivatesPending", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			e.addMember(admin, "new@example.com", tenantry.RoleStandard)
			if err := e.svc.ResetPassword(e.ctx, service.Operator(), "new@example.com", "welcome aboard"); err != nil {
				t.Fatalf("ResetPassword: %v", err)
			}
			token, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: "new@example.com", Password: "welcome aboard"})
			if err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if a := e.auth(token, ""); a.User.Status != tenantry.UserActive || a.TenantID != acme.ID || a.Role != tenantry.RoleStandard {
				t.Errorf("actor = %+v", a)
			}
		})
	})

	t.Run("Refused", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("gone@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "gone@example.com"); err != nil {
				t.Fatal(err)
			}
			checkCode(t, "unknown", e.svc.ResetPassword(e.ctx, service.Operator(), "nobody@example.com", "long enough"), tenantry.CodeNotFound)
			checkCode(t, "short", e.svc.ResetPassword(e.ctx, service.Operator(), "gone@example.com", "short"), tenantry.CodeInvalid)
			checkCode(t, "disabled", e.svc.ResetPassword(e.ctx, service.Operator(), "gone@example.com", "long enough"), tenantry.CodeInvalid)
		})
	})
}

func TestService_DisableUser(t *testing.T) {
	t.Run("RevokesSessionsAndKeys", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			bob, bobToken := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			e.addMember(e.auth(e.signIn("ada@example.com"), second.ID), "bob@example.com", tenantry.RoleStandard)
			_, key1 := e.apiKey(bob, "one", "")
			_, key2 := e.apiKey(bob, "two", second.ID)
			e.signIn("bob@example.com")

			if err := e.svc.DisableUser(e.ctx, service.Operator(), "BOB@example.com"); err != nil {
				t.Fatalf("DisableUser: %v", err)
			}
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: bobToken})
			checkCode(t, "token", err, tenantry.CodeUnauthenticated)
			for _, k := range []string{key1, key2} {
				_, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: k})
				checkCode(t, "key", err, tenantry.CodeUnauthenticated)
			}
			_, _, err = e.svc.SignIn(e.ctx, service.SignInRequest{Email: "bob@example.com", Password: password})
			checkCode(t, "sign-in", err, tenantry.CodeUnauthenticated)
			if n := e.count("SELECT COUNT(*) FROM sessions WHERE user_id = $1", bob.User.ID); n != 0 {
				t.Errorf("%d sessions left", n)
			}
			if n := e.count("SELECT COUNT(*) FROM api_keys WHERE user_id = $1", bob.User.ID); n != 0 {
				t.Errorf("%d API keys left", n)
			}
			u, _, _ := e.db.Read().UserByEmail(e.ctx, "bob@example.com")
			if u.Status != tenantry.UserDisabled {
				t.Errorf("status = %q, want disabled", u.Status)
			}
			// Disabled members stay members (shown as disabled).
			if m, err := e.svc.Member(e.ctx, admin, bob.User.ID); err != nil || m.Status != tenantry.UserDisabled {
				t.Errorf("Member = %+v, %v", m, err)
			}
			// Disabling twice is no error and writes nothing more.
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "bob@example.com"); err != nil {
				t.Errorf("DisableUser again: %v", err)
			}
			rows := e.auditAbout(bob.User.ID)
			var disabled int
			for _, r := range rows {
				if r.Action == tenantry.ActionUserDisabled {
					disabled++
				}
			}
			if disabled != 1 {
				t.Errorf("%d user.disabled events, want 1: %+v", disabled, rows)
			}
			var details string
			if err := e.db.SQL().QueryRowContext(e.ctx, "SELECT CAST(details AS TEXT) FROM audit_events WHERE action = $1",
				tenantry.ActionUserDisabled).Scan(&details); err != nil {
				t.Fatal(err)
			}
			if d := strings.ReplaceAll(details, " ", ""); !strings.Contains(d, `"sessionsRevoked":2`) || !strings.Contains(d, `"apiKeysRevoked":2`) {
				t.Errorf("user.disabled details = %s, want 2 sessions and 2 keys revoked", details)
			}
		})
	})

	t.Run("LastAdministrator", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, token := e.admin("ada@example.com", "acme")
			err := e.svc.DisableUser(e.ctx, service.Operator(), "ada@example.com")
			wantCode(t, err, tenantry.CodeLastTenantAdministrator)
			if !strings.Contains(err.Error(), "@acme") {
				t.Errorf("error %q does not name the tenant", err)
			}
			e.auth(token, "") // nothing was revoked

			// A pending administrator does not count.
			e.addMember(admin, "pending@example.com", tenantry.RoleAdministrator)
			checkCode(t, "beside a pending administrator", e.svc.DisableUser(e.ctx, service.Operator(), "ada@example.com"), tenantry.CodeLastTenantAdministrator)
			// Another active administrator does.
			e.member(admin, "bob@example.com", tenantry.RoleAdministrator)
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "ada@example.com"); err != nil {
				t.Errorf("DisableUser beside bob: %v", err)
			}
		})
	})

	// A signed-up tenant's only administrator is pending. Disabling it would
	// leave the tenant with no administrator who can ever act (a disabled
	// account cannot be reset or enabled); tenantry.CheckAdministratorLoss
	// refuses losing the very last administrator of any kind, disabling included.
	t.Run("PendingSoleAdministrator", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			if err := e.svc.SignUp(e.ctx, service.SignUpInput{Email: "new@example.com", TenantName: "startup"}); err != nil {
				t.Fatal(err)
			}
			wantCode(t, e.svc.DisableUser(e.ctx, service.Operator(), "new@example.com"), tenantry.CodeLastTenantAdministrator)
		})
	})

	t.Run("NotFound", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			wantCode(t, e.svc.DisableUser(e.ctx, service.Operator(), "nobody@example.com"), tenantry.CodeNotFound)
		})
	})

	// Two administrators, the only two, disabled at once by two operator
	// commands: one must be refused, as with demotion and removal.
	t.Run("ConcurrentDisable", testConcurrentDisable)
	t.Run("ConcurrentDisableAndDemotion", testConcurrentDisableAndDemotion)
}

func testConcurrentDisable(t *testing.T) {
	dialects(t, service.Config{}, func(t testing.TB, e *env) {
		for i := range raceRounds {
			a, b := fmt.Sprintf("a%02d@example.com", i), fmt.Sprintf("b%02d@example.com", i)
			tenantID := e.seedAdmins(fmt.Sprintf("race-%02d", i), a, b)
			errA, errB := race(
				func() error { return e.svc.DisableUser(e.ctx, service.Operator(), a) },
				func() error { return e.svc.DisableUser(e.ctx, service.Operator(), b) },
			)
			checkOneWins(t, e, i, tenantID, errA, errB)
		}
	})
}

// One administrator steps down while the operator disables the other.
func testConcurrentDisableAndDemotion(t *testing.T) {
	dialects(t, service.Config{}, func(t testing.TB, e *env) {
		bob := e.user("bob@example.com")
		bobToken := e.signIn("bob@example.com")
		for i := range raceRounds {
			other := fmt.Sprintf("a%02d@example.com", i)
			tenantID := e.seedAdmins(fmt.Sprintf("race-%02d", i), other)
			err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
				return tx.AddMember(e.ctx, tenantry.Membership{TenantID: tenantID, UserID: bob.ID, Role: tenantry.RoleAdministrator, CreatedAt: e.clock.Now()})
			})
			if err != nil {
				t.Fatal(err)
			}
			bobActor := e.auth(bobToken, tenantID)
			errA, errB := race(
				func() error { return e.svc.DisableUser(e.ctx, service.Operator(), other) },
				func() error {
					_, err := e.svc.SetMemberRole(e.ctx, bobActor, bob.ID, tenantry.RoleStandard)
					return err
				},
			)
			checkOneWins(t, e, i, tenantID, errA, errB)
		}
	})
}

// seedAdmins writes, through the store and without password hashes, a tenant
// whose only administrators are active accounts with the given emails.
func (e *env) seedAdmins(tenantName string, emails ...string) string {
	e.t.Helper()
	now := e.clock.Now()
	tn := tenantry.Tenant{ID: uuid.NewString(), Name: tenantName, CreatedAt: now}
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.CreateTenant(e.ctx, tn); err != nil {
			return err
		}
		for _, email := range emails {
			u := tenantry.User{ID: uuid.NewString(), Email: email, Status: tenantry.UserActive, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateUser(e.ctx, u, ""); err != nil {
				return err
			}
			if err := tx.AddMember(e.ctx, tenantry.Membership{TenantID: tn.ID, UserID: u.ID, Role: tenantry.RoleAdministrator, CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatalf("seed %s: %v", tenantName, err)
	}
	return tn.ID
}

func TestService_SignUp(t *testing.T) {
	signUp := func(e *env, email, tenant string) error {
		return e.svc.SignUp(e.ctx, service.SignUpInput{FirstName: "New", LastName: "Comer", Email: email, TenantName: tenant,
			SourceAddress: "203.0.113.5", RequestID: "req-signup"})
	}

	t.Run("NewEmail", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			if err := signUp(e, " New@Example.com ", "@Startup"); err != nil {
				t.Fatalf("SignUp: %v", err)
			}
			u, _, err := e.db.Read().UserByEmail(e.ctx, "new@example.com")
			if err != nil {
				t.Fatalf("user: %v", err)
			}
			wantUser := tenantry.User{ID: u.ID, Email: "New@Example.com", FirstName: "New", LastName: "Comer",
				Status: tenantry.UserPending, CreatedAt: t0, UpdatedAt: t0}
			if diff := cmp.Diff(wantUser, u); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
			tn, err := e.db.Read().TenantByName(e.ctx, "startup")
			if err != nil {
				t.Fatalf("tenant: %v", err)
			}
			if diff := cmp.Diff(tenantry.Tenant{ID: tn.ID, Name: "Startup", CreatedAt: t0}, tn); diff != "" {
				t.Errorf("tenant (-want +got):\n%s", diff)
			}
			m, err := e.db.Read().Member(e.ctx, tn.ID, u.ID)
			if err != nil || m.Role != tenantry.RoleAdministrator {
				t.Errorf("membership = %+v, %v; want administrator", m, err)
			}
			evs := e.audit(tn.ID)
			if len(evs) != 1 {
				t.Fatalf("audit = %+v, want one event", evs)
			}
			got := evs[0]
			want := tenantry.AuditEvent{ID: got.ID, Time: t0, Action: tenantry.ActionTenantSignedUp, ActorKind: tenantry.ActorSystem,
				TenantID: tn.ID, TargetKind: "tenant", TargetID: tn.ID, RequestID: "req-signup", SourceAddress: "203.0.113.5",
				Details: map[string]any{"name": "Startup", "administrator": "New@Example.com"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
			// A pending account cannot sign in until set up.
			_, _, err = e.svc.SignIn(e.ctx, service.SignInRequest{Email: "new@example.com", Password: ""})
			checkCode(t, "sign-in", err, tenantry.CodeUnauthenticated)
		})
	})

	// An existing email gets no tenant, and the answer is the same.
	t.Run("ExistingEmail", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			e.user("ada@example.com")
			e.tenant("acme", "ada@example.com")
			if err := signUp(e, "ADA@example.com", "fresh"); err != nil {
				t.Errorf("SignUp with a known email: %v", err)
			}
			// Not even a taken name gives it away.
			if err := signUp(e, "ada@example.com", "acme"); err != nil {
				t.Errorf("SignUp with a known email and a taken name: %v", err)
			}
			_, err := e.db.Read().TenantByName(e.ctx, "fresh")
			checkCode(t, "tenant", err, tenantry.CodeNotFound)
			if n := e.count("SELECT COUNT(*) FROM users"); n != 1 {
				t.Errorf("%d users, want 1", n)
			}
			if n := e.count("SELECT COUNT(*) FROM tenants"); n != 1 {
				t.Errorf("%d tenants, want 1", n)
			}
			if n := e.count("SELECT COUNT(*) FROM audit_events WHERE action = $1", tenantry.ActionTenantSignedUp); n != 0 {
				t.Errorf("%d sign-up events, want 0", n)
			}
		})
	})

	t.Run("Invalid", func(t *testing.T) {
		cfg := service.Config{SignUpPerAddress: service.RateLimit{Burst: 100, Every: time.Second}}
		dialects(t, cfg, func(t testing.TB, e *env) {
			for name, c := range map[string]struct {
				in     service.SignUpInput
				fields []string
			}{
				"Empty":       {service.SignUpInput{}, []string{"email", "tenantName"}},
				"BadEmail":    {service.SignUpInput{Email: "new", TenantName: "startup"}, []string{"email"}},
				"BadTenant":   {service.SignUpInput{Email: "new@example.com", TenantName: "a b"}, []string{"tenantName"}},
				"Subtenant":   {service.SignUpInput{Email: "new@example.com", TenantName: "dev+acme"}, []string{"tenantName"}},
				"LongName":    {service.SignUpInput{Email: "new@example.com", TenantName: "startup", FirstName: strings.Repeat("n", 101)}, []string{"firstName"}},
				"ControlName": {service.SignUpInput{Email: "new@example.com", TenantName: "startup", LastName: "\x1b[31m"}, []string{"lastName"}},
			} {
				err := e.svc.SignUp(e.ctx, c.in)
				checkCode(t, name, err, tenantry.CodeInvalid)
				if tenantry.IsCode(err, tenantry.CodeInvalid) {
					if diff := cmp.Diff(c.fields, fields(t, err)); diff != "" {
						t.Errorf("%s fields (-want +got):\n%s", name, diff)
					}
				}
			}
			if n := e.count("SELECT COUNT(*) FROM users"); n != 0 {
				t.Errorf("%d users, want 0", n)
			}
		})
	})

	t.Run("NameTaken", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			if err := signUp(e, "first@example.com", "startup"); err != nil {
				t.Fatal(err)
			}
			wantCode(t, signUp(e, "second@example.com", "STARTUP"), tenantry.CodeNameTaken)
			// The account made in the refused transaction is gone with it.
			_, _, err := e.db.Read().UserByEmail(e.ctx, "second@example.com")
			checkCode(t, "second account", err, tenantry.CodeNotFound)
		})
	})

	t.Run("RateLimit", func(t *testing.T) {
		cfg := service.Config{SignUpPerAddress: service.RateLimit{Burst: 2, Every: time.Minute}}
		dialects(t, cfg, func(t testing.TB, e *env) {
			if err := signUp(e, "one@example.com", "one-co"); err != nil {
				t.Fatal(err)
			}
			// Refused attempts count too.
			checkCode(t, "invalid", signUp(e, "two", "two-co"), tenantry.CodeInvalid)
			err := signUp(e, "three@example.com", "three-co")
			wantCode(t, err, tenantry.CodeRateLimited)
			if de := domainError(t, err); de.RetryAfter <= 0 || de.RetryAfter > 60 {
				t.Errorf("RetryAfter = %d, want 1..60", de.RetryAfter)
			}
			_, err = e.db.Read().TenantByName(e.ctx, "three-co")
			checkCode(t, "rate-limited tenant", err, tenantry.CodeNotFound)
			// Another address is not slowed down.
			if err := e.svc.SignUp(e.ctx, service.SignUpInput{Email: "four@example.com", TenantName: "four-co", SourceAddress: "203.0.113.99"}); err != nil {
				t.Errorf("other address: %v", err)
			}
			e.clock.Advance(time.Minute)
			if err := signUp(e, "three@example.com", "three-co"); err != nil {
				t.Errorf("after the wait: %v", err)
			}
		})
	})
}
