package service_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/licence"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func TestService_LicenceLimits(t *testing.T) {
	// tenants = member tenants + live tenant invitations; subtenants never
	// count; a resend adds nothing; an expired or cancelled invitation frees
	// its place.
	t.Run("Tenants", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", tenantry.Limits{Tenants: 2, Administrators: 5, Users: 100})
			tara, _, _ := e.admin("tara@example.com", "acme")
			if _, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", ""); err != nil {
				t.Fatal(err)
			}
			e.join(oa, tara, org.ID)
			if _, err := e.svc.CreateSubtenant(e.ctx, tara, "ops", ""); err != nil {
				t.Fatalf("a subtenant of a member at the limit: %v", err)
			}
			globex := e.bareTenant("globex")
			initech := e.bareTenant("initech")
			e.inviteTenant(oa, globex.ID)
			if u := e.usage(oa); u.TenantMembers != 1 || u.TenantPending != 1 || u.Used(tenantry.LimitTenants) != 2 {
				t.Errorf("usage %+v, want 1 member and 1 pending", u)
			}

			err := e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: initech.ID})
			if diff := cmp.Diff(limitExtra(tenantry.LimitTenants, 2, 2), limitErr(t, err)); diff != "" {
				t.Errorf("invite at the limit (-want +got):\n%s", diff)
			}
			_, err = e.svc.CreateOrgTenant(e.ctx, oa, "newco", []service.NewTenantUser{{ID: oa.User.ID, Role: tenantry.RoleAdministrator}})
			if diff := cmp.Diff(limitExtra(tenantry.LimitTenants, 2, 2), limitErr(t, err)); diff != "" {
				t.Errorf("create at the limit (-want +got):\n%s", diff)
			}
			if _, err := e.db.Read().TenantByName(e.ctx, "newco"); !tenantry.IsCode(err, tenantry.CodeNotFound) {
				t.Errorf("a refused CreateOrgTenant left its tenant: %v", err)
			}
			// A resend adds nothing.
			e.clock.Advance(11 * time.Minute)
			e.inviteTenant(oa, globex.ID)
			// Cancelling frees the place.
			if _, err := e.svc.CancelInvitation(e.ctx, oa, tenantry.InviteTenant, globex.ID); err != nil {
				t.Fatal(err)
			}
			e.inviteTenant(oa, initech.ID)
			checkCode(t, "globex again", e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: globex.ID}), tenantry.CodeLicenceLimitExceeded)
			// An expired invitation no longer counts, stored or not.
			e.clock.Advance(week)
			e.inviteTenant(oa, globex.ID)
			if u := e.usage(oa); u.TenantMembers != 1 || u.TenantPending != 1 {
				t.Errorf("usage %+v, want 1 member and 1 pending", u)
			}
		})
	})

	// administrators = administrators + live user invitations; the operator's
	// add-admin may exceed it.
	t.Run("Administrators", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", tenantry.Limits{Tenants: 5, Administrators: 2, Users: 100})
			e.user("bob@example.com")
			e.user("carl@example.com")
			e.account("dan@example.com")
			e.inviteUser(oa, "bob@example.com")
			err := e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "carl@example.com"})
			if diff := cmp.Diff(limitExtra(tenantry.LimitAdministrators, 2, 2), limitErr(t, err)); diff != "" {
				t.Errorf("invite at the limit (-want +got):\n%s", diff)
			}
			// A rejected invitation frees the place.
			if _, err := e.svc.AnswerUserInvitation(e.ctx, e.as(e.signIn("bob@example.com"), "", ""), org.ID, false); err != nil {
				t.Fatal(err)
			}
			e.inviteUser(oa, "carl@example.com")
			if _, err := e.svc.AnswerUserInvitation(e.ctx, e.as(e.signIn("carl@example.com"), "", ""), org.ID, true); err != nil {
				t.Fatal(err)
			}
			checkCode(t, "bob again", e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "bob@example.com"}), tenantry.CodeLicenceLimitExceeded)
			if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "dan@example.com"); err != nil {
				t.Fatalf("operator add-admin beyond the limit: %v", err)
			}
			if u := e.usage(oa); u.AdminMembers != 3 || u.AdminPending != 0 {
				t.Errorf("usage %+v, want 3 administrators", u)
			}
			err = e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "bob@example.com"})
			if diff := cmp.Diff(limitExtra(tenantry.LimitAdministrators, 3, 2), limitErr(t, err)); diff != "" {
				t.Errorf("invite over the limit (-want +got):\n%s", diff)
			}
		})
	})

	// users = distinct accounts, pending included, in member tenants and
	// their subtenants: checked on create tenant, on adding a user to a
	// member tenant (its administrators get the refusal too) and on accepting
	// a tenant invitation (which then stays invited).
	t.Run("Users", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, olgaToken := e.orgOf("Alpha Org", "olga@example.com", tenantry.Limits{Tenants: 5, Administrators: 5, Users: 4})
			acme, err := e.svc.CreateOrgTenant(e.ctx, oa, "acme", []service.NewTenantUser{
				{ID: oa.User.ID, Role: tenantry.RoleAdministrator}, {Email: "pam@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			olgaInAcme := e.as(olgaToken, acme.Tenant.ID, "")
			dev, err := e.svc.CreateSubtenant(e.ctx, olgaInAcme, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			olgaInDev := e.as(olgaToken, dev.ID, "")
			// pam (pending) is counted already: adding her to the subtenant
			// adds no user; pat, a new pending account in the subtenant, does.
			e.addMember(olgaInDev, "pam@example.com", tenantry.RoleStandard)
			e.addMember(olgaInDev, "pat@example.com", tenantry.RoleStandard)
			if u := e.usage(oa); u.Users != 3 {
				t.Errorf("users %d, want 3 (olga, pam, pat)", u.Users)
			}
			e.user("tara@example.com")
			e.addMember(olgaInAcme, "tara@example.com", tenantry.RoleAdministrator)
			if u := e.usage(oa); u.Users != 4 {
				t.Errorf("users %d, want 4", u.Users)
			}

			// A tenant administrator who is no organization administrator
			// gets the refusal; no account is created.
			tara := e.as(e.signIn("tara@example.com"), acme.Tenant.ID, "")
			_, err = e.svc.AddMember(e.ctx, tara, service.AddMemberInput{Email: "quinn@example.com"})
			if diff := cmp.Diff(limitExtra(tenantry.LimitUsers, 4, 4), limitErr(t, err)); diff != "" {
				t.Errorf("AddMember at the limit (-want +got):\n%s", diff)
			}
			if _, _, err := e.db.Read().UserByEmail(e.ctx, "quinn@example.com"); !tenantry.IsCode(err, tenantry.CodeNotFound) {
				t.Errorf("a refused AddMember left an account: %v", err)
			}
			_, err = e.svc.AddMember(e.ctx, olgaInDev, service.AddMemberInput{Email: "quinn@example.com"})
			checkCode(t, "AddMember to the subtenant", err, tenantry.CodeLicenceLimitExceeded)
			// Users the organization has already: fine.
			e.addMember(olgaInDev, "tara@example.com", tenantry.RoleStandard)
			_, err = e.svc.CreateOrgTenant(e.ctx, oa, "beta", []service.NewTenantUser{
				{ID: oa.User.ID, Role: tenantry.RoleAdministrator}, {Email: "quinn@example.com"}})
			if diff := cmp.Diff(limitExtra(tenantry.LimitUsers, 4, 4), limitErr(t, err)); diff != "" {
				t.Errorf("CreateOrgTenant with a new user at the limit (-want +got):\n%s", diff)
			}
			if _, err := e.svc.CreateOrgTenant(e.ctx, oa, "beta", []service.NewTenantUser{
				{ID: oa.User.ID, Role: tenantry.RoleAdministrator}, {Email: "TARA@example.com"}}); err != nil {
				t.Errorf("CreateOrgTenant with known users: %v", err)
			}
			// Outside the organization the licence does not apply.
			gus, globex, _ := e.admin("gus@example.com", "globex")
			e.addMember(gus, "gil@example.com", tenantry.RoleStandard)
			// Accepting would bring gus and gil: refused, the invitation stays
			// invited.
			e.inviteTenant(oa, globex.ID)
			_, err = e.svc.AnswerTenantInvitation(e.ctx, gus, org.ID, true)
			if diff := cmp.Diff(limitExtra(tenantry.LimitUsers, 4, 4), limitErr(t, err)); diff != "" {
				t.Errorf("accept over the limit (-want +got):\n%s", diff)
			}
			if got := e.invitationStatuses(org.ID, globex.ID); !cmp.Equal(got, []string{"invited"}) {
				t.Errorf("globex's invitation %v, want invited", got)
			}
			if e.orgOfTenant(globex.ID) != "" {
				t.Errorf("globex joined")
			}
			// Once acme (with its subtenant) is gone, olga and tara remain in
			// beta: 2 + 2 fits.
			if err := e.svc.RemoveOrgTenant(e.ctx, oa, acme.Tenant.ID); err != nil {
				t.Fatal(err)
			}
			if u := e.usage(oa); u.Users != 2 {
				t.Errorf("users %d after removing acme, want 2", u.Users)
			}
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, gus, org.ID, true); err != nil {
				t.Errorf("accept within the limit: %v", err)
			}
			if u := e.usage(oa); u.Users != 4 || u.TenantMembers != 2 || u.TenantPending != 0 {
				t.Errorf("usage %+v", u)
			}
		})
	})

	// A replacement licence below usage removes nothing; it only refuses
	// further additions.
	t.Run("ReplacementBelowUsage", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			for _, name := range []string{"alpha", "bravo", "charlie"} {
				e.orgTenant(oa, name)
			}
			e.user("bob@example.com")
			e.inviteUser(oa, "bob@example.com")
			l := newLicence("Alpha Org", tenantry.Limits{Tenants: 1, Administrators: 1, Users: 1})
			l.Licensee, l.IssuedAt = "Licensee of Alpha Org", t0
			if _, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), org.ID, sign(t, l)); err != nil {
				t.Fatal(err)
			}
			page, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{})
			if err != nil || len(page.Tenants) != 3 {
				t.Errorf("OrgTenants = %d, %v; want all 3", len(page.Tenants), err)
			}
			if u := e.usage(oa); u.TenantMembers != 3 || u.AdminMembers != 1 || u.AdminPending != 1 || u.Users != 1 {
				t.Errorf("usage %+v", u)
			}
			_, globex, _ := e.admin("gus@example.com", "globex")
			err = e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: globex.ID})
			if diff := cmp.Diff(limitExtra(tenantry.LimitTenants, 3, 1), limitErr(t, err)); diff != "" {
				t.Errorf("invite (-want +got):\n%s", diff)
			}
			e.account("carl@example.com")
			err = e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "carl@example.com"})
			if diff := cmp.Diff(limitExtra(tenantry.LimitAdministrators, 2, 1), limitErr(t, err)); diff != "" {
				t.Errorf("invite user (-want +got):\n%s", diff)
			}
			// The pending invitation can still be accepted (it was counted),
			// and resent (a resend adds nothing).
			e.clock.Advance(11 * time.Minute)
			e.inviteUser(oa, "bob@example.com")
			if _, err := e.svc.AnswerUserInvitation(e.ctx, e.as(e.signIn("bob@example.com"), "", ""), org.ID, true); err != nil {
				t.Errorf("accept a counted invitation: %v", err)
			}
		})
	})
}

// Before notBefore or after expiry the licence refuses additions
// (licence_expired); reading, removing and leaving keep working.
func TestService_LicenceExpired(t *testing.T) {
	type world struct {
		org             tenantry.Organization
		oa, tara, gus   *service.Actor
		bob             *service.Actor
		acmeDev, globex string
		olgaToken       string
	}
	// setup builds the world with a licence signed by key.
	setup := func(e *env, l tenantry.Licence, key ed25519.PrivateKey) world {
		e.user("olga@example.com")
		var w world
		org, err := e.svc.CreateOrganization(e.ctx, service.Operator(), signWith(e.t, key, l), "olga@example.com")
		if err != nil {
			e.t.Fatal(err)
		}
		w.org = org
		w.olgaToken = e.signIn("olga@example.com")
		w.oa = e.as(w.olgaToken, "", w.org.ID)
		w.tara, _, _ = e.admin("tara@example.com", "acme")
		e.join(w.oa, w.tara, w.org.ID)
		dev, err := e.svc.CreateSubtenant(e.ctx, w.tara, "dev", "")
		if err != nil {
			e.t.Fatal(err)
		}
		w.acmeDev = dev.ID
		var globex tenantry.Tenant
		w.gus, globex, _ = e.admin("gus@example.com", "globex")
		w.globex = globex.ID
		e.inviteTenant(w.oa, globex.ID)
		e.user("bob@example.com")
		w.bob = e.as(e.signIn("bob@example.com"), "", "")
		e.inviteUser(w.oa, "bob@example.com")
		e.account("dan@example.com")
		if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), w.org.ID, "dan@example.com"); err != nil {
			e.t.Fatal(err)
		}
		return w
	}
	check := func(t testing.TB, e *env, w world) {
		t.Helper()
		_, initech, _ := e.admin("ivan@example.com", "initech")
		e.account("carl@example.com")
		refused := map[string]error{}
		refused["InviteTenant"] = e.svc.InviteTenant(e.ctx, w.oa, service.InviteTarget{ID: initech.ID})
		refused["InviteUser"] = e.svc.InviteUser(e.ctx, w.oa, service.InviteTarget{Email: "carl@example.com"})
		refused["Resend"] = e.svc.InviteTenant(e.ctx, w.oa, service.InviteTarget{ID: w.globex})
		_, refused["AcceptTenant"] = e.svc.AnswerTenantInvitation(e.ctx, w.gus, w.org.ID, true)
		_, refused["AcceptUser"] = e.svc.AnswerUserInvitation(e.ctx, w.bob, w.org.ID, true)
		_, refused["CreateOrgTenant"] = e.svc.CreateOrgTenant(e.ctx, w.oa, "newco", []service.NewTenantUser{{ID: w.oa.User.ID, Role: tenantry.RoleAdministrator}})
		_, refused["AddMember"] = e.svc.AddMember(e.ctx, w.tara, service.AddMemberInput{Email: "quinn@example.com"})
		_, refused["AddMemberKnown"] = e.svc.AddMember(e.ctx, w.tara, service.AddMemberInput{Email: "carl@example.com"})
		_, refused["AddMemberSubtenant"] = e.svc.AddMember(e.ctx, e.as(e.signIn("tara@example.com"), w.acmeDev, ""), service.AddMemberInput{Email: "quinn@example.com"})
		for name, err := range refused {
			checkCode(t, name, err, tenantry.CodeLicenceExpired)
		}
		if got := e.invitationStatuses(w.org.ID, w.globex); !cmp.Equal(got, []string{"invited"}) {
			t.Errorf("globex's invitation %v", got)
		}

		// Everything else keeps working.
		info, err := e.svc.Organization(e.ctx, w.oa)
		if err != nil || !info.Expired {
			t.Errorf("Organization = expired %v, %v; want expired", info.Expired, err)
		}
		if _, err := e.svc.OrgTenants(e.ctx, w.oa, service.OrgTenantsQuery{}); err != nil {
			t.Errorf("OrgTenants: %v", err)
		}
		if _, err := e.svc.OrgInvitations(e.ctx, w.oa, tenantry.InviteTenant); err != nil {
			t.Errorf("OrgInvitations: %v", err)
		}
		if _, err := e.svc.OrgAdmins(e.ctx, w.oa); err != nil {
			t.Errorf("OrgAdmins: %v", err)
		}
		if _, err := e.svc.OrgAudit(e.ctx, w.oa, service.AuditQuery{}); err != nil {
			t.Errorf("OrgAudit: %v", err)
		}
		if got := e.myInvites(w.gus, ""); len(got) != 1 {
			t.Errorf("gus's invitations %v", got)
		}
		if _, err := e.svc.AnswerUserInvitation(e.ctx, w.bob, w.org.ID, false); err != nil {
			t.Errorf("reject: %v", err)
		}
		if _, err := e.svc.CancelInvitation(e.ctx, w.oa, tenantry.InviteTenant, w.globex); err != nil {
			t.Errorf("cancel: %v", err)
		}
		if _, err := e.svc.AcknowledgeInvitation(e.ctx, w.oa, tenantry.InviteUser, w.bob.User.ID); err != nil {
			t.Errorf("acknowledge: %v", err)
		}
		// A tenant outside the organization is not bound by its licence.
		if _, err := e.svc.AddMember(e.ctx, w.gus, service.AddMemberInput{Email: "quinn@example.com"}); err != nil {
			t.Errorf("AddMember outside the organization: %v", err)
		}
		if err := e.svc.RemoveOrgTenant(e.ctx, w.oa, w.tara.TenantID); err != nil {
			t.Errorf("RemoveOrgTenant: %v", err)
		}
		if err := e.svc.RemoveOrgAdmin(e.ctx, w.oa, w.oa.User.ID); err != nil {
			t.Errorf("leave: %v", err)
		}
	}

	t.Run("AfterExpiry", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			l := newLicence("Alpha Org", roomy)
			l.ExpiresAt = t0.Add(3 * day)
			w := setup(e, l, vendorKey)
			// Just before: still valid (a resend goes).
			e.clock.Set(l.ExpiresAt.Add(-time.Microsecond))
			if err := e.svc.InviteTenant(e.ctx, w.oa, service.InviteTarget{ID: w.globex}); err != nil {
				t.Fatalf("resend just before expiry: %v", err)
			}
			e.clock.Set(l.ExpiresAt.Add(11 * time.Minute))
			check(t, e, w)
		})
	})

	t.Run("BeforeNotBefore", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := setup(e, newLicence("Alpha Org", roomy), vendorKey)
			// A renewal that starts in ten days takes effect now: until then
			// nothing may be added.
			l := newLicence("Alpha Org", roomy)
			l.Licensee, l.IssuedAt, l.NotBefore = "Licensee of Alpha Org", t0, t0.Add(10*day)
			if _, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), w.org.ID, sign(t, l)); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(11 * time.Minute)
			check(t, e, w)
		})
	})

	// A licence the development key signed counts as expired once the
	// operator configures a vendor key (SPEC §5), whatever its dates.
	t.Run("DevelopmentKeyOnceVendorKeyConfigured", func(t *testing.T) {
		devPub, devKey := mustKey()
		dialects(t, service.Config{Licences: licence.Authority{Development: devPub}}, func(t testing.TB, e *env) {
			w := setup(e, newLicence("Alpha Org", roomy), devKey)
			if info, err := e.svc.Organization(e.ctx, w.oa); err != nil || info.Expired {
				t.Fatalf("while the development key is trusted: expired %v, %v", info.Expired, err)
			}
			// The server restarts with a vendor key.
			cfg := orgConfig()
			cfg.Now = e.clock.Now
			e.svc = service.New(e.db, cfg)
			e.clock.Advance(11 * time.Minute)
			check(t, e, w)
		})
	})

	t.Run("ValidAgain", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			l := newLicence("Alpha Org", roomy)
			l.ExpiresAt = t0.Add(3 * day)
			w := setup(e, l, vendorKey)
			e.clock.Set(l.ExpiresAt)
			checkCode(t, "at expiry", e.svc.InviteTenant(e.ctx, w.oa, service.InviteTarget{ID: w.globex}), tenantry.CodeLicenceExpired)
			renewal := newLicence("Alpha Org", roomy)
			renewal.Licensee, renewal.IssuedAt = "Licensee of Alpha Org", l.ExpiresAt
			if _, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), w.org.ID, sign(t, renewal)); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.InviteTenant(e.ctx, w.oa, service.InviteTarget{ID: w.globex}); err != nil {
				t.Errorf("resend after renewal: %v", err)
			}
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, w.gus, w.org.ID, true); err != nil {
				t.Errorf("accept after renewal: %v", err)
			}
		})
	})
}

// Administrators are emailed 30, 7 and 1 days before expiry, each notice once.
func TestService_LicenceNotices(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		l := newLicence("Alpha Org", roomy)
		l.ExpiresAt = t0.Add(40 * day)
		e.account("olga@example.com")
		o := e.createOrg(l, "olga@example.com")
		e.account("bob@example.com")
		if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), o.ID, "bob@example.com"); err != nil {
			t.Fatal(err)
		}
		notices := func() []string {
			t.Helper()
			if err := e.svc.LicenceNotices(e.ctx); err != nil {
				t.Fatal(err)
			}
			return e.mailsTo("bob@example.com")
		}
		for _, c := range []struct {
			at   time.Duration // before expiry
			want int
		}{
			{31 * day, 0},
			{30*day - time.Second, 1},
			{20 * day, 1},
			{7*day - time.Second, 2},
			{7*day - time.Hour, 2},
			{time.Hour, 3},
			{-time.Hour, 3}, // expired: no more notices
		} {
			e.clock.Set(l.ExpiresAt.Add(-c.at))
			if got := notices(); len(got) != c.want {
				t.Errorf("%v before expiry: %d notices (%v), want %d", c.at, len(got), got, c.want)
			}
		}
		if got := e.mailsTo("bob@example.com"); len(got) == 3 && got[0] != "The licence of Alpha Org expires in 29 days" {
			t.Errorf("first notice %q", got[0])
		}
	})
}
