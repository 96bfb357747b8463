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

func TestService_Members(t *testing.T) {
	t.Run("Paging", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			// Pending members cost no password hash. Members are listed in
			// the order they joined (doc/design.md), not by email.
			for _, email := range []string{"Eve@example.com", "bob@example.com", "dan@example.com", "carl@example.com", "fay@example.com"} {
				e.clock.Advance(time.Second)
				e.addMember(admin, email, tenantry.RoleStandard)
			}
			emails := func(ms []tenantry.Member) []string {
				var out []string
				for _, m := range ms {
					out = append(out, m.Email)
				}
				return out
			}

			ms, total, p, err := e.svc.Members(e.ctx, admin, service.Page{})
			if err != nil {
				t.Fatalf("Members: %v", err)
			}
			if total != 6 || p != (service.Page{Page: 1, PageSize: service.DefaultPageSize}) {
				t.Errorf("total %d page %+v, want 6 and page 1 of %d", total, p, service.DefaultPageSize)
			}
			all := []string{"ada@example.com", "Eve@example.com", "bob@example.com", "dan@example.com", "carl@example.com", "fay@example.com"}
			if diff := cmp.Diff(all, emails(ms)); diff != "" {
				t.Errorf("members in join order (-want +got):\n%s", diff)
			}
			if ms[0].Role != tenantry.RoleAdministrator || ms[0].Status != tenantry.UserActive || ms[1].Role != tenantry.RoleStandard || ms[1].Status != tenantry.UserPending {
				t.Errorf("roles/statuses: %+v, %+v", ms[0], ms[1])
			}

			for _, c := range []struct {
				page service.Page
				want []string
			}{
				{service.Page{Page: 1, PageSize: 2}, all[0:2]},
				{service.Page{Page: 2, PageSize: 2}, all[2:4]},
				{service.Page{Page: 3, PageSize: 4}, nil},
				{service.Page{Page: 2, PageSize: 4}, all[4:6]},
				{service.Page{Page: 9, PageSize: 5}, nil},
				{service.Page{PageSize: 1}, all[0:1]},
				{service.Page{Page: 1, PageSize: service.MaxPageSize}, all},
			} {
				ms, total, p, err := e.svc.Members(e.ctx, admin, c.page)
				if err != nil {
					t.Errorf("Members(%+v): %v", c.page, err)
					continue
				}
				if total != 6 || p.PageSize != c.page.PageSize {
					t.Errorf("Members(%+v): total %d, page %+v", c.page, total, p)
				}
				if diff := cmp.Diff(c.want, emails(ms)); diff != "" {
					t.Errorf("Members(%+v) (-want +got):\n%s", c.page, diff)
				}
			}
			for _, bad := range []service.Page{{Page: 1, PageSize: service.MaxPageSize + 1}, {Page: -1}, {PageSize: -5}} {
				_, _, _, err := e.svc.Members(e.ctx, admin, bad)
				checkCode(t, fmt.Sprintf("Members(%+v)", bad), err, tenantry.CodeInvalid)
			}
		})
	})

	t.Run("Member", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			added := e.addMember(admin, "bob@example.com", tenantry.RoleStandard)
			got, err := e.svc.Member(e.ctx, admin, strings.ToUpper(added.ID))
			if err != nil {
				t.Fatalf("Member: %v", err)
			}
			if diff := cmp.Diff(added, got); diff != "" {
				t.Errorf("Member (-want +got):\n%s", diff)
			}
			e.user("out@example.com")
			e.tenant("other", "out@example.com")
			out, _, _ := e.db.Read().UserByEmail(e.ctx, "out@example.com")
			for name, id := range map[string]string{"NotAMember": out.ID, "Unknown": uuid.NewString(), "NotAUUID": "bob@example.com"} {
				_, err := e.svc.Member(e.ctx, admin, id)
				checkCode(t, name, err, tenantry.CodeNotFound)
			}
		})
	})
}

func TestService_AddMember(t *testing.T) {
	t.Run("NewEmail", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			e.clock.Advance(time.Minute)
			m, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{Email: " New.Person@Example.com ", FirstName: " New ", LastName: "Person"})
			if err != nil {
				t.Fatalf("AddMember: %v", err)
			}
			now := t0.Add(time.Minute)
			want := tenantry.Member{User: tenantry.User{ID: m.ID, Email: "New.Person@Example.com", FirstName: "New", LastName: "Person",
				Status: tenantry.UserPending, CreatedAt: now, UpdatedAt: now}, Role: tenantry.RoleStandard, JoinedAt: now}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("AddMember (-want +got):\n%s", diff)
			}
			got, err := e.svc.Member(e.ctx, admin, m.ID)
			if diff := cmp.Diff(want, got); err != nil || diff != "" {
				t.Errorf("Member = %v (-want +got):\n%s", err, diff)
			}
			// A pending account is a member at once, as an administrator too.
			admin2, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{Email: "boss@example.com", Role: tenantry.RoleAdministrator})
			if err != nil || admin2.Role != tenantry.RoleAdministrator || admin2.Status != tenantry.UserPending {
				t.Errorf("AddMember administrator = %+v, %v", admin2, err)
			}
			var added []auditRow
			for _, ev := range e.audit(acme.ID) {
				if ev.TargetID == m.ID {
					added = append(added, auditRow{Action: ev.Action, ActorKind: ev.ActorKind, ActorID: ev.ActorID, TenantID: ev.TenantID, TargetID: ev.TargetID})
					if ev.Action == tenantry.ActionMemberAdded && ev.Details["newAccount"] != true {
						t.Errorf("member.added details = %v, want newAccount", ev.Details)
					}
				}
			}
			wantAudit := []auditRow{
				{tenantry.ActionUserCreated, tenantry.ActorUser, admin.User.ID, acme.ID, m.ID},
				{tenantry.ActionMemberAdded, tenantry.ActorUser, admin.User.ID, acme.ID, m.ID},
			}
			if diff := cmp.Diff(wantAudit, added); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("KnownEmailIgnoresNames", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			bob := e.user("bob@example.com")
			m, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{Email: "BOB@example.com", FirstName: "Robert", LastName: "Other",
				Role: tenantry.RoleAdministrator})
			if err != nil {
				t.Fatalf("AddMember: %v", err)
			}
			want := tenantry.Member{User: bob, Role: tenantry.RoleAdministrator, JoinedAt: t0}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("AddMember (-want +got):\n%s", diff)
			}
			if n := e.count("SELECT COUNT(*) FROM users"); n != 2 {
				t.Errorf("%d users, want 2", n)
			}
			for _, ev := range e.audit(acme.ID) {
				if ev.Action == tenantry.ActionMemberAdded && ev.Details["newAccount"] != false {
					t.Errorf("member.added details = %v, want newAccount false", ev.Details)
				}
			}
		})
	})

	t.Run("AlreadyMember", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			e.account("bob@example.com")
			bob := e.addMember(admin, "bob@example.com", tenantry.RoleStandard)
			for name, in := range map[string]service.AddMemberInput{
				"SameEmail":  {Email: "bob@example.com"},
				"OtherCase":  {Email: "Bob@Example.COM", Role: tenantry.RoleAdministrator},
				"ByID":       {ID: bob.ID},
				"Self":       {Email: "ada@example.com"},
				"SelfByID":   {ID: admin.User.ID},
				"IDAndEmail": {ID: strings.ToUpper(bob.ID), Email: "BOB@example.com"},
			} {
				_, err := e.svc.AddMember(e.ctx, admin, in)
				checkCode(t, name, err, tenantry.CodeAlreadyMember)
			}
			if m, _ := e.svc.Member(e.ctx, admin, bob.ID); m.Role != tenantry.RoleStandard {
				t.Errorf("bob's role changed to %q", m.Role)
			}
		})
	})

	// Re-adding a pending member sends a new set-up link and voids the old
	// one (SPEC §4); the membership stays as it was.
	t.Run("PendingAddedAgain", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			p := e.addMember(admin, "pat@example.com", tenantry.RoleStandard)
			first := e.count("SELECT COUNT(*) FROM user_tokens WHERE user_id = $1 AND kind = 'setup'", p.ID)
			var firstHash string
			if err := e.db.SQL().QueryRowContext(e.ctx, "SELECT token_hash FROM user_tokens WHERE user_id = $1", p.ID).Scan(&firstHash); err != nil || first != 1 {
				t.Fatalf("first link: %d tokens, %v", first, err)
			}
			e.clock.Advance(time.Minute)
			for name, in := range map[string]service.AddMemberInput{
				"ByEmail": {Email: "Pat@Example.com", Role: tenantry.RoleAdministrator},
				"ByID":    {ID: p.ID},
			} {
				m, err := e.svc.AddMember(e.ctx, admin, in)
				if err != nil || m.ID != p.ID || m.Role != tenantry.RoleStandard || m.Status != tenantry.UserPending {
					t.Errorf("%s: AddMember = %+v, %v; want pat as she was", name, m, err)
				}
			}
			var hash string
			if err := e.db.SQL().QueryRowContext(e.ctx, "SELECT token_hash FROM user_tokens WHERE user_id = $1", p.ID).Scan(&hash); err != nil || hash == firstHash {
				t.Errorf("set-up link not replaced (%v)", err)
			}
			if got := e.mailsTo("pat@example.com"); len(got) != 3 {
				t.Errorf("%d mails to pat, want 3 set-up links", len(got))
			}
			if n := e.count("SELECT COUNT(*) FROM audit_events WHERE tenant_id = $1 AND action = 'user.setup_resent'", acme.ID); n != 2 {
				t.Errorf("%d user.setup_resent events, want 2", n)
			}
		})
	})

	// By ID, only users who share a tenant with the caller are visible.
	t.Run("ByID", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			inSecond := e.auth(e.signIn("ada@example.com"), second.ID)
			colleague := e.addMember(inSecond, "colleague@example.com", tenantry.RoleStandard)
			e.user("stranger@example.com")
			e.tenant("elsewhere", "stranger@example.com")
			stranger, _, _ := e.db.Read().UserByEmail(e.ctx, "stranger@example.com")

			m, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{ID: " " + strings.ToUpper(colleague.ID) + " ", Role: tenantry.RoleAdministrator})
			if err != nil {
				t.Fatalf("AddMember by id of a colleague: %v", err)
			}
			if m.ID != colleague.ID || m.Role != tenantry.RoleAdministrator {
				t.Errorf("AddMember by id = %+v", m)
			}
			_, err = e.svc.AddMember(e.ctx, admin, service.AddMemberInput{ID: stranger.ID})
			checkCode(t, "stranger", err, tenantry.CodeNotFound)
			_, err = e.svc.AddMember(e.ctx, admin, service.AddMemberInput{ID: uuid.NewString()})
			checkCode(t, "unknown id", err, tenantry.CodeNotFound)
			// An id with the matching email (in any case) is fine.
			third := e.tenant("third", "ada@example.com")
			inThird := e.auth(e.signIn("ada@example.com"), third.ID)
			if _, err := e.svc.AddMember(e.ctx, inThird, service.AddMemberInput{ID: colleague.ID, Email: "COLLEAGUE@example.com"}); err != nil {
				t.Errorf("id with matching email: %v", err)
			}
		})
	})

	// A user outside the caller's tenants is not_found whatever email comes
	// with the id: answering invalid would tell that the id is an account.
	t.Run("StrangerIDWithEmail", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			e.seedAdmins("elsewhere", "stranger@example.com")
			stranger, _, _ := e.db.Read().UserByEmail(e.ctx, "stranger@example.com")
			_, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{ID: stranger.ID, Email: "guess@example.com"})
			checkCode(t, "stranger's id with another email", err, tenantry.CodeNotFound)
			_, err = e.svc.AddMember(e.ctx, admin, service.AddMemberInput{ID: uuid.NewString(), Email: "guess@example.com"})
			checkCode(t, "unknown id with an email", err, tenantry.CodeNotFound)
		})
	})

	t.Run("Invalid", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			colleague := e.addMember(e.auth(e.signIn("ada@example.com"), second.ID), "colleague@example.com", tenantry.RoleStandard)
			for name, c := range map[string]struct {
				in     service.AddMemberInput
				fields []string
			}{
				"Neither":         {service.AddMemberInput{FirstName: "No", LastName: "One"}, []string{"email"}},
				"BlankBoth":       {service.AddMemberInput{ID: "  ", Email: " "}, []string{"email"}},
				"NotAnID":         {service.AddMemberInput{ID: "bob"}, []string{"id"}},
				"NotAnEmail":      {service.AddMemberInput{Email: "bob"}, []string{"email"}},
				"DisplayName":     {service.AddMemberInput{Email: "Bob <bob@example.com>"}, []string{"email"}},
				"LongName":        {service.AddMemberInput{Email: "bob@example.com", FirstName: strings.Repeat("b", 101)}, []string{"firstName"}},
				"ControlName":     {service.AddMemberInput{Email: "bob@example.com", LastName: "a\tb"}, []string{"lastName"}},
				"IDEmailDisagree": {service.AddMemberInput{ID: colleague.ID, Email: "ada@example.com"}, []string{"email"}},
			} {
				_, err := e.svc.AddMember(e.ctx, admin, c.in)
				checkCode(t, name, err, tenantry.CodeInvalid)
				if tenantry.IsCode(err, tenantry.CodeInvalid) {
					if diff := cmp.Diff(c.fields, fields(t, err)); diff != "" {
						t.Errorf("%s fields (-want +got):\n%s", name, diff)
					}
				}
			}
			if n := e.count("SELECT COUNT(*) FROM users"); n != 2 {
				t.Errorf("%d users after refusals, want 2", n)
			}
		})
	})

	// The service validates roles itself: a role that is neither administrator
	// nor standard is invalid, not an internal error.
	t.Run("UnknownRole", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			_, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{Email: "bob@example.com", Role: "owner"})
			checkCode(t, "AddMember", err, tenantry.CodeInvalid)
			bob := e.addMember(admin, "carl@example.com", tenantry.RoleStandard)
			_, err = e.svc.SetMemberRole(e.ctx, admin, bob.ID, "owner")
			checkCode(t, "SetMemberRole", err, tenantry.CodeInvalid)
		})
	})
}

func TestService_SetMemberRole(t *testing.T) {
	t.Run("PromoteAndDemote", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			bob, bobToken := e.member(admin, "bob@example.com", tenantry.RoleStandard)

			m, err := e.svc.SetMemberRole(e.ctx, admin, strings.ToUpper(bob.User.ID), tenantry.RoleAdministrator)
			if err != nil {
				t.Fatalf("promote: %v", err)
			}
			want := tenantry.Member{User: bob.User, Role: tenantry.RoleAdministrator, JoinedAt: t0}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("promoted member (-want +got):\n%s", diff)
			}
			// Bob's next request is an administrator's.
			bob = e.auth(bobToken, acme.ID)
			if bob.Role != tenantry.RoleAdministrator {
				t.Fatalf("bob's role after promotion = %q", bob.Role)
			}
			// Now that there are two administrators, either may step down.
			if _, err := e.svc.SetMemberRole(e.ctx, bob, admin.User.ID, tenantry.RoleStandard); err != nil {
				t.Fatalf("demote ada: %v", err)
			}
			// Setting the role a member has changes nothing.
			if m, err := e.svc.SetMemberRole(e.ctx, bob, admin.User.ID, tenantry.RoleStandard); err != nil || m.Role != tenantry.RoleStandard {
				t.Errorf("same role again = %+v, %v", m, err)
			}
			var changes []string
			for _, ev := range e.audit(acme.ID) {
				if ev.Action == tenantry.ActionMemberRoleChanged {
					changes = append(changes, fmt.Sprintf("%s %s->%s by %s", ev.TargetID, ev.Details["from"], ev.Details["to"], ev.ActorID))
				}
			}
			wantChanges := []string{
				bob.User.ID + " standard->administrator by " + admin.User.ID,
				admin.User.ID + " administrator->standard by " + bob.User.ID,
			}
			if diff := cmp.Diff(wantChanges, changes); diff != "" {
				t.Errorf("role changes (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("NotFound", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			e.user("out@example.com")
			e.tenant("other", "out@example.com")
			out, _, _ := e.db.Read().UserByEmail(e.ctx, "out@example.com")
			for name, id := range map[string]string{"NotAMember": out.ID, "Unknown": uuid.NewString(), "NotAUUID": "ada"} {
				_, err := e.svc.SetMemberRole(e.ctx, admin, id, tenantry.RoleAdministrator)
				checkCode(t, "SetMemberRole "+name, err, tenantry.CodeNotFound)
				checkCode(t, "RemoveMember "+name, e.svc.RemoveMember(e.ctx, admin, id), tenantry.CodeNotFound)
			}
		})
	})

	// A tenant keeps at least one administrator with an active account.
	t.Run("LastAdministrator", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			_, err := e.svc.SetMemberRole(e.ctx, admin, admin.User.ID, tenantry.RoleStandard)
			checkCode(t, "demote self", err, tenantry.CodeLastTenantAdministrator)

			// A pending administrator does not count as active.
			pending := e.addMember(admin, "pending@example.com", tenantry.RoleAdministrator)
			_, err = e.svc.SetMemberRole(e.ctx, admin, admin.User.ID, tenantry.RoleStandard)
			checkCode(t, "demote self beside a pending administrator", err, tenantry.CodeLastTenantAdministrator)
			// ... but it may itself be demoted while an active one remains.
			if _, err := e.svc.SetMemberRole(e.ctx, admin, pending.ID, tenantry.RoleStandard); err != nil {
				t.Errorf("demote pending administrator: %v", err)
			}
			if m, _ := e.svc.Member(e.ctx, admin, admin.User.ID); m.Role != tenantry.RoleAdministrator {
				t.Errorf("ada's role = %q, want administrator", m.Role)
			}
		})
	})

	t.Run("ConcurrentDemotion", testConcurrentDemotion)
}

func TestService_RemoveMember(t *testing.T) {
	t.Run("Remove", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, acme, _ := e.admin("ada@example.com", "acme")
			bob := e.addMember(admin, "bob@example.com", tenantry.RoleStandard)
			if err := e.svc.RemoveMember(e.ctx, admin, strings.ToUpper(bob.ID)); err != nil {
				t.Fatalf("RemoveMember: %v", err)
			}
			_, err := e.svc.Member(e.ctx, admin, bob.ID)
			checkCode(t, "Member after removal", err, tenantry.CodeNotFound)
			checkCode(t, "removed twice", e.svc.RemoveMember(e.ctx, admin, bob.ID), tenantry.CodeNotFound)
			_, total, _, _ := e.svc.Members(e.ctx, admin, service.Page{})
			if total != 1 {
				t.Errorf("total after removal = %d, want 1", total)
			}
			var found bool
			for _, ev := range e.audit(acme.ID) {
				if ev.Action == tenantry.ActionMemberRemoved && ev.TargetID == bob.ID && ev.Details["email"] == "bob@example.com" {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s event", tenantry.ActionMemberRemoved)
			}
			// The account remains and may be added again.
			if _, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{Email: "bob@example.com"}); err != nil {
				t.Errorf("add again: %v", err)
			}
		})
	})

	t.Run("LastAdministrator", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			checkCode(t, "remove self", e.svc.RemoveMember(e.ctx, admin, admin.User.ID), tenantry.CodeLastTenantAdministrator)
			pending := e.addMember(admin, "pending@example.com", tenantry.RoleAdministrator)
			checkCode(t, "remove self beside a pending administrator", e.svc.RemoveMember(e.ctx, admin, admin.User.ID), tenantry.CodeLastTenantAdministrator)
			if err := e.svc.RemoveMember(e.ctx, admin, pending.ID); err != nil {
				t.Errorf("remove pending administrator: %v", err)
			}
			// With a second active administrator, the first may leave.
			bob, _ := e.member(admin, "bob@example.com", tenantry.RoleAdministrator)
			if err := e.svc.RemoveMember(e.ctx, bob, admin.User.ID); err != nil {
				t.Errorf("remove ada beside bob: %v", err)
			}
			checkCode(t, "bob removes himself", e.svc.RemoveMember(e.ctx, bob, bob.User.ID), tenantry.CodeLastTenantAdministrator)
		})
	})

	t.Run("KeysStopWorking", func(t *testing.T) {
		dialects(t, service.Config{}, func(t testing.TB, e *env) {
			admin, _, _ := e.admin("ada@example.com", "acme")
			second := e.tenant("second", "ada@example.com")
			inSecond := e.auth(e.signIn("ada@example.com"), second.ID)
			bob, bobToken := e.member(admin, "bob@example.com", tenantry.RoleStandard)
			e.addMember(inSecond, "bob@example.com", tenantry.RoleStandard)
			_, acmeKey := e.apiKey(bob, "acme-key", "")
			_, secondKey := e.apiKey(bob, "second-key", second.ID)

			if err := e.svc.RemoveMember(e.ctx, admin, bob.User.ID); err != nil {
				t.Fatalf("RemoveMember: %v", err)
			}
			_, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: acmeKey})
			checkCode(t, "key for the tenant left", err, tenantry.CodeUnauthenticated)
			if a := e.authKey(secondKey); a.TenantID != second.ID {
				t.Errorf("key for the other tenant works in %s", a.TenantID)
			}
			keys, err := e.svc.APIKeys(e.ctx, bob)
			if err != nil || len(keys) != 1 || keys[0].Name != "second-key" {
				t.Errorf("bob's keys = %+v, %v; want only second-key", keys, err)
			}
			// His token still works, but no longer in the tenant he left.
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{Token: bobToken, Tenant: admin.TenantID})
			checkCode(t, "token in the tenant left", err, tenantry.CodeForbidden)
			// Joining again does not bring the key back.
			e.addMember(admin, "bob@example.com", tenantry.RoleStandard)
			_, err = e.svc.Authenticate(e.ctx, service.Credentials{APIKey: acmeKey})
			checkCode(t, "key after joining again", err, tenantry.CodeUnauthenticated)
		})
	})

	t.Run("ConcurrentRemoval", testConcurrentRemoval)
	t.Run("ConcurrentRemovalAndDemotion", testConcurrentRemovalAndDemotion)
}

// concurrentAdmins makes, on a fresh tenant, two active administrators and
// their actors in it. ada and bob exist already.
func concurrentAdmins(e *env, i int, adaToken, bobToken string) (ada, bob *service.Actor, tenantID string) {
	e.t.Helper()
	tn := e.tenant(fmt.Sprintf("race-%02d", i), "ada@example.com")
	ada = e.auth(adaToken, tn.ID)
	e.addMember(ada, "bob@example.com", tenantry.RoleAdministrator)
	bob = e.auth(bobToken, tn.ID)
	return ada, bob, tn.ID
}

// race runs a and b at once, released together, and returns their errors.
func race(a, b func() error) (errA, errB error) {
	errs := raceN(2, func(i int) error {
		if i == 0 {
			return a()
		}
		return b()
	})
	return errs[0], errs[1]
}

// checkOneWins checks that exactly one of two racing changes succeeded and the
// other was refused with last_tenant_administrator, and that the tenant kept
// an active administrator.
func checkOneWins(t testing.TB, e *env, round int, tenantID string, errA, errB error) {
	t.Helper()
	ok := 0
	for _, err := range []error{errA, errB} {
		switch {
		case err == nil:
			ok++
		case !tenantry.IsCode(err, tenantry.CodeLastTenantAdministrator):
			t.Errorf("round %d: unexpected error %v", round, err)
		}
	}
	if ok != 1 {
		t.Errorf("round %d: %d changes succeeded (%v, %v), want exactly 1", round, ok, errA, errB)
	}
	n := e.count(`SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.role = 'administrator' AND u.status = 'active'`, tenantID)
	if n < 1 {
		t.Errorf("round %d: the tenant has %d active administrators", round, n)
	}
}

const raceRounds = 20

// Two administrators, the only two, demote each other at once: one wins.
func testConcurrentDemotion(t *testing.T) {
	dialects(t, service.Config{}, func(t testing.TB, e *env) {
		e.user("ada@example.com")
		e.user("bob@example.com")
		adaToken, bobToken := e.signIn("ada@example.com"), e.signIn("bob@example.com")
		for i := range raceRounds {
			ada, bob, tenantID := concurrentAdmins(e, i, adaToken, bobToken)
			errA, errB := race(
				func() error {
					_, err := e.svc.SetMemberRole(e.ctx, ada, bob.User.ID, tenantry.RoleStandard)
					return err
				},
				func() error {
					_, err := e.svc.SetMemberRole(e.ctx, bob, ada.User.ID, tenantry.RoleStandard)
					return err
				},
			)
			checkOneWins(t, e, i, tenantID, errA, errB)
		}
	})
}

// Two administrators, the only two, remove each other at once: one wins.
func testConcurrentRemoval(t *testing.T) {
	dialects(t, service.Config{}, func(t testing.TB, e *env) {
		e.user("ada@example.com")
		e.user("bob@example.com")
		adaToken, bobToken := e.signIn("ada@example.com"), e.signIn("bob@example.com")
		for i := range raceRounds {
			ada, bob, tenantID := concurrentAdmins(e, i, adaToken, bobToken)
			errA, errB := race(
				func() error { return e.svc.RemoveMember(e.ctx, ada, bob.User.ID) },
				func() error { return e.svc.RemoveMember(e.ctx, bob, ada.User.ID) },
			)
			checkOneWins(t, e, i, tenantID, errA, errB)
			if n := e.count("SELECT COUNT(*) FROM memberships WHERE tenant_id = $1", tenantID); n != 1 {
				t.Errorf("round %d: %d members left, want 1", i, n)
			}
		}
	})
}

// One administrator removes the other while being demoted by them: one wins.
func testConcurrentRemovalAndDemotion(t *testing.T) {
	dialects(t, service.Config{}, func(t testing.TB, e *env) {
		e.user("ada@example.com")
		e.user("bob@example.com")
		adaToken, bobToken := e.signIn("ada@example.com"), e.signIn("bob@example.com")
		for i := range raceRounds {
			ada, bob, tenantID := concurrentAdmins(e, i, adaToken, bobToken)
			errA, errB := race(
				func() error { return e.svc.RemoveMember(e.ctx, ada, bob.User.ID) },
				func() error {
					_, err := e.svc.SetMemberRole(e.ctx, bob, ada.User.ID, tenantry.RoleStandard)
					return err
				},
			)
			checkOneWins(t, e, i, tenantID, errA, errB)
		}
	})
}
