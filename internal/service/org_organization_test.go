package service_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func TestService_CurrentOrganization(t *testing.T) {
	// The x-tenantry-organization header names an organization the caller
	// administers; any other is not_found, whatever the current tenant.
	t.Run("Header", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			orgA, _, olgaToken := e.orgOf("Alpha Org", "olga@example.com", roomy)
			orgB := e.createOrg(newLicence("Beta Org", roomy), "olga@example.com")
			orgC, _, _ := e.orgOf("Gamma Org", "gina@example.com", roomy)
			// olga's current tenant belongs to B; the header still wins.
			tara, acme, _ := e.admin("tara@example.com", "acme")
			ob := e.as(olgaToken, "", orgB.ID)
			e.join(ob, tara, orgB.ID)
			e.addMember(tara, "olga@example.com", tenantry.RoleStandard)

			for _, c := range []struct {
				header, tenant string
				want           string
			}{
				{orgA.ID, "", orgA.ID},
				{strings.ToUpper(orgA.ID), "", orgA.ID},
				{orgB.ID, "", orgB.ID},
				{orgA.ID, acme.ID, orgA.ID},
				{"", acme.ID, orgB.ID}, // (2) the current tenant's organization
			} {
				info, err := e.svc.Organization(e.ctx, e.as(olgaToken, c.tenant, c.header))
				if err != nil {
					t.Errorf("Organization(header %q, tenant %q): %v", c.header, c.tenant, err)
					continue
				}
				if info.Org.ID != c.want {
					t.Errorf("Organization(header %q, tenant %q) = %s, want %s", c.header, c.tenant, info.Org.ID, c.want)
				}
			}
			for _, header := range []string{orgC.ID, uuid.NewString(), "not-an-id", orgA.ID + "x"} {
				_, err := e.svc.Organization(e.ctx, e.as(olgaToken, acme.ID, header))
				checkCode(t, "header "+header, err, tenantry.CodeNotFound)
				_, err = e.svc.OrgAdmins(e.ctx, e.as(olgaToken, "", header))
				checkCode(t, "OrgAdmins with header "+header, err, tenantry.CodeNotFound)
			}
			// A member tenant's administrator naming the organization in the
			// header does not administer it: not_found, not forbidden.
			taraToken := e.signIn("tara@example.com")
			_, err := e.svc.Organization(e.ctx, e.as(taraToken, acme.ID, orgB.ID))
			checkCode(t, "tara naming B", err, tenantry.CodeNotFound)
		})
	})

	// Without a header: the current tenant's organization (a subtenant's is
	// its parent's), else the only organization administered, else none.
	t.Run("Fallbacks", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, olgaToken := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, taraToken := e.admin("tara@example.com", "acme")
			dev, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			e.join(oa, tara, org.ID)
			e.addMember(tara, "olga@example.com", tenantry.RoleStandard)
			loner := e.tenant("loner", "olga@example.com")

			// (3) the only one administered: olga in a tenant of no
			// organization; (2) olga in acme.
			for _, tenant := range []string{loner.ID, acme.ID} {
				info, err := e.svc.Organization(e.ctx, e.as(olgaToken, tenant, ""))
				if err != nil || info.Org.ID != org.ID {
					t.Errorf("Organization(olga, tenant %q) = %v, %v; want %s", tenant, info.Org.ID, err, org.ID)
				}
			}
			// In a subtenant, the organization is its parent's.
			inDev := e.as(taraToken, dev.ID, "")
			mine, err := e.svc.MyOrganizations(e.ctx, inDev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]service.UserOrganization{{ID: org.ID, Name: "Alpha Org", Role: "member"}}, mine); diff != "" {
				t.Errorf("MyOrganizations in a subtenant (-want +got):\n%s", diff)
			}
			_, err = e.svc.OrgAdmins(e.ctx, inDev)
			checkCode(t, "tara in a subtenant", err, tenantry.CodeForbidden)

			// A second organization: with no tenant of an organization, olga
			// has no current one.
			e.createOrg(newLicence("Beta Org", roomy), "olga@example.com")
			lonerOlga := e.as(olgaToken, loner.ID, "")
			_, err = e.svc.Organization(e.ctx, lonerOlga)
			checkCode(t, "olga administering two, in a tenant of none", err, tenantry.CodeNotFound)
			// In acme, acme's organization.
			info, err := e.svc.Organization(e.ctx, e.as(olgaToken, acme.ID, ""))
			if err != nil || info.Org.ID != org.ID {
				t.Errorf("Organization(olga in acme) = %v, %v; want %s", info.Org.ID, err, org.ID)
			}
		})
	})

	// An API key works in its tenant's organization, or the only one its
	// user administers; it ignores the organization header.
	t.Run("APIKey", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, olgaToken := e.orgOf("Alpha Org", "olga@example.com", roomy)
			loner := e.tenant("loner", "olga@example.com")
			tara, _, _ := e.admin("tara@example.com", "acme")
			e.join(oa, tara, org.ID)
			_, taraKey := e.apiKey(tara, "ci", "")
			mine, err := e.svc.MyOrganizations(e.ctx, e.authKey(taraKey))
			if err != nil || !cmp.Equal(mine, []service.UserOrganization{{ID: org.ID, Name: "Alpha Org", Role: "member"}}) {
				t.Errorf("MyOrganizations with tara's key = %v, %v", mine, err)
			}
			_, err = e.svc.OrgAdmins(e.ctx, e.authKey(taraKey))
			checkCode(t, "tara's key", err, tenantry.CodeForbidden)

			_, olgaKey := e.apiKey(e.as(olgaToken, loner.ID, ""), "ci", "")
			info, err := e.svc.Organization(e.ctx, e.authKey(olgaKey))
			if err != nil || info.Org.ID != org.ID {
				t.Errorf("Organization with olga's key = %v, %v", info.Org.ID, err)
			}
			orgB := e.createOrg(newLicence("Beta Org", roomy), "olga@example.com")
			a, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: olgaKey, Organization: orgB.ID})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.svc.Organization(e.ctx, a)
			checkCode(t, "olga's key naming an organization", err, tenantry.CodeNotFound)
		})
	})

	// (4) none: every organization endpoint is not_found.
	t.Run("None", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			for name, err := range orgAdminCalls(e, tara, acme.ID, tara.User.ID) {
				checkCode(t, name, err, tenantry.CodeNotFound)
			}
			mine, err := e.svc.MyOrganizations(e.ctx, tara)
			if err != nil || len(mine) != 0 {
				t.Errorf("MyOrganizations = %v, %v; want none", mine, err)
			}
		})
	})

	// A member of a member tenant who does not administer the organization is
	// forbidden every organization administrator endpoint.
	t.Run("NotOrgAdmin", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			e.join(oa, tara, org.ID)
			sam, _ := e.member(tara, "sam@example.com", tenantry.RoleStandard)
			for _, a := range []*service.Actor{tara, sam} {
				for name, err := range orgAdminCalls(e, a, acme.ID, oa.User.ID) {
					checkCode(t, a.User.Email+" "+name, err, tenantry.CodeForbidden)
				}
			}
			// Nothing changed.
			if got := e.orgActions(org.ID, "invitation.refused"); len(got) != 0 {
				t.Errorf("refusals of non-administrators audited: %v", got)
			}
			if n := e.count("SELECT COUNT(*) FROM org_tenants WHERE organization_id = $1", org.ID); n != 1 {
				t.Errorf("%d member tenants, want 1", n)
			}
		})
	})

	t.Run("NotSignedIn", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			for name, err := range orgAdminCalls(e, service.Operator(), uuid.NewString(), uuid.NewString()) {
				checkCode(t, name, err, tenantry.CodeUnauthenticated)
			}
			_, err := e.svc.MyOrganizations(e.ctx, service.Operator())
			checkCode(t, "MyOrganizations", err, tenantry.CodeUnauthenticated)
			_, err = e.svc.MyInvitations(e.ctx, service.Operator(), "")
			checkCode(t, "MyInvitations", err, tenantry.CodeUnauthenticated)
		})
	})
}

// tenantID returns the ID of the top-level tenant named name.
func (e *env) tenantID(name string) string {
	e.t.Helper()
	tn, err := e.db.Read().TenantByName(e.ctx, name)
	if err != nil {
		e.t.Fatalf("TenantByName(%s): %v", name, err)
	}
	return tn.ID
}

func TestService_MyOrganizations(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		orgB, ob, olgaToken := e.orgOf("Beta Org", "olga@example.com", roomy)
		orgA := e.createOrg(newLicence("Alpha Org", roomy), "olga@example.com")
		orgC, oc, _ := e.orgOf("Gamma Org", "gina@example.com", roomy)
		tara, acme, _ := e.admin("tara@example.com", "acme")
		e.join(ob, tara, orgB.ID)
		globexAdmin, globex, _ := e.admin("gus@example.com", "globex")
		e.join(oc, globexAdmin, orgC.ID)
		e.addMember(tara, "olga@example.com", tenantry.RoleStandard)
		e.addMember(globexAdmin, "olga@example.com", tenantry.RoleStandard)

		mine := func(a *service.Actor) []service.UserOrganization {
			t.Helper()
			got, err := e.svc.MyOrganizations(e.ctx, a)
			if err != nil {
				t.Fatalf("MyOrganizations: %v", err)
			}
			return got
		}
		admin := []service.UserOrganization{{ID: orgA.ID, Name: "Alpha Org", Role: "administrator"}, {ID: orgB.ID, Name: "Beta Org", Role: "administrator"}}
		// Administered organizations by name; the current tenant's listed once.
		if diff := cmp.Diff(admin, mine(e.as(olgaToken, acme.ID, ""))); diff != "" {
			t.Errorf("olga in acme (-want +got):\n%s", diff)
		}
		withC := append(admin, service.UserOrganization{ID: orgC.ID, Name: "Gamma Org", Role: "member"})
		if diff := cmp.Diff(withC, mine(e.as(olgaToken, globex.ID, ""))); diff != "" {
			t.Errorf("olga in globex (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]service.UserOrganization{{ID: orgB.ID, Name: "Beta Org", Role: "member"}}, mine(tara)); diff != "" {
			t.Errorf("tara in acme (-want +got):\n%s", diff)
		}
	})
}

func TestService_OrgAdmins(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		olga := oa.User
		bob := e.user("bob@example.com")
		e.inviteUser(oa, "bob@example.com")
		e.clock.Advance(day)
		bobActor := e.as(e.signIn("bob@example.com"), "", "")
		if _, err := e.svc.AnswerUserInvitation(e.ctx, bobActor, org.ID, true); err != nil {
			t.Fatalf("accept: %v", err)
		}
		admins, err := e.svc.OrgAdmins(e.ctx, oa)
		if err != nil {
			t.Fatal(err)
		}
		want := []tenantry.OrgAdmin{
			{User: bob, AddedAt: t0.Add(day), AddedBy: &tenantry.User{ID: olga.ID, Email: olga.Email, FirstName: olga.FirstName, LastName: olga.LastName}},
			{User: olga, AddedAt: t0},
		}
		if diff := cmp.Diff(want, admins); diff != "" {
			t.Errorf("OrgAdmins (-want +got):\n%s", diff)
		}
		// bob, now an administrator, sees the same list through (3).
		got, err := e.svc.OrgAdmins(e.ctx, bobActor)
		if err != nil || len(got) != 2 {
			t.Errorf("OrgAdmins as bob = %d, %v", len(got), err)
		}
	})
}

func TestService_RemoveOrgAdmin(t *testing.T) {
	t.Run("Another", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			bob := e.user("bob@example.com")
			if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "bob@example.com"); err != nil {
				t.Fatal(err)
			}
			bobToken := e.signIn("bob@example.com")
			// Bob's session had chosen the organization.
			if err := e.svc.SwitchOrganization(e.ctx, e.as(bobToken, "", ""), org.ID); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.RemoveOrgAdmin(e.ctx, oa, bob.ID); err != nil {
				t.Fatalf("RemoveOrgAdmin(bob): %v", err)
			}
			if n := e.count("SELECT COUNT(*) FROM sessions WHERE organization_id IS NOT NULL"); n != 0 {
				t.Errorf("%d sessions still choose an organization after bob's removal", n)
			}
			if diff := cmp.Diff([]string{"You are no longer an administrator of Alpha Org"}, e.mailsTo("bob@example.com")); diff != "" {
				t.Errorf("mail to bob (-want +got):\n%s", diff)
			}
			admins, _ := e.svc.OrgAdmins(e.ctx, oa)
			if len(admins) != 1 || admins[0].User.ID != oa.User.ID {
				t.Errorf("admins after removal: %+v", admins)
			}
			evs := e.orgAudit(org.ID)
			last := evs[len(evs)-1]
			if last.Action != tenantry.ActionOrgAdminRemoved || last.TargetID != bob.ID || last.ActorID != oa.User.ID || last.OrganizationID != org.ID {
				t.Errorf("last audit event %+v, want administrator.removed of bob by olga", last)
			}
			// bob no longer administers it.
			_, err := e.svc.OrgAdmins(e.ctx, e.as(bobToken, "", org.ID))
			checkCode(t, "bob after removal", err, tenantry.CodeNotFound)
			// Removing him again, or anyone who is not an administrator.
			checkCode(t, "remove bob again", e.svc.RemoveOrgAdmin(e.ctx, oa, bob.ID), tenantry.CodeNotFound)
			checkCode(t, "remove unknown", e.svc.RemoveOrgAdmin(e.ctx, oa, uuid.NewString()), tenantry.CodeNotFound)
			checkCode(t, "remove garbage", e.svc.RemoveOrgAdmin(e.ctx, oa, "bob"), tenantry.CodeNotFound)
		})
	})

	// Removing yourself is leaving: a confirmation email, administrator.left.
	t.Run("Leave", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			e.account("bob@example.com")
			if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "bob@example.com"); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.RemoveOrgAdmin(e.ctx, oa, oa.User.ID); err != nil {
				t.Fatalf("leave: %v", err)
			}
			if diff := cmp.Diff([]string{"You left Alpha Org"}, e.mailsTo("olga@example.com")); diff != "" {
				t.Errorf("mail to olga (-want +got):\n%s", diff)
			}
			if got := e.orgActions(org.ID, "administrator."); !cmp.Equal(got, []string{tenantry.ActionOrgAdminAddedOperator, tenantry.ActionOrgAdminLeft}) {
				t.Errorf("administrator events %v", got)
			}
			_, err := e.svc.OrgAdmins(e.ctx, oa)
			checkCode(t, "olga after leaving", err, tenantry.CodeNotFound)
		})
	})

	t.Run("LastAdministrator", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			before := e.mailCount()
			err := e.svc.RemoveOrgAdmin(e.ctx, oa, oa.User.ID)
			wantCode(t, err, tenantry.CodeLastAdministrator)
			if n := e.count("SELECT COUNT(*) FROM org_admins WHERE organization_id = $1", org.ID); n != 1 {
				t.Errorf("%d administrators, want 1", n)
			}
			if e.mailCount() != before {
				t.Errorf("a refused leave sent mail")
			}
			if got := e.orgActions(org.ID, "administrator."); len(got) != 0 {
				t.Errorf("a refused leave was audited: %v", got)
			}
		})
	})
}

func TestService_AddOrgAdminByOperator(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		lim := roomy
		lim.Administrators = 1
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", lim)
		e.account("bob@example.com")
		e.account("carl@example.com")
		// A pending invitation to bob is moot once the operator adds him.
		lim2 := lim
		lim2.Administrators = 2
		l2 := newLicence("Alpha Org", lim2)
		l2.Licensee, l2.IssuedAt = "Licensee of Alpha Org", t0
		if _, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), org.ID, sign(t, l2)); err != nil {
			t.Fatal(err)
		}
		e.inviteUser(oa, "bob@example.com")
		if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "BOB@example.com"); err != nil {
			t.Fatalf("add bob: %v", err)
		}
		if got := e.invitationStatuses(org.ID, e.userID("bob@example.com")); !cmp.Equal(got, []string{"cancelled"}) {
			t.Errorf("bob's invitation: %v, want cancelled", got)
		}
		// The operator may exceed the administrators limit.
		if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "carl@example.com"); err != nil {
			t.Fatalf("add carl beyond the limit: %v", err)
		}
		if u := e.usage(oa); u.AdminMembers != 3 || u.AdminPending != 0 {
			t.Errorf("usage %+v, want 3 administrators", u)
		}
		evs := e.orgAudit(org.ID)
		last := evs[len(evs)-1]
		if last.Action != tenantry.ActionOrgAdminAddedOperator || last.ActorKind != tenantry.ActorOperator || last.OrganizationID != org.ID {
			t.Errorf("last event %+v, want administrator.added_by_operator by the operator", last)
		}

		checkCode(t, "again", errOf(e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "carl@example.com")), tenantry.CodeAlreadyMember)
		checkCode(t, "unknown email", errOf(e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "nobody@example.com")), tenantry.CodeNotFound)
		checkCode(t, "unknown org", errOf(e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), uuid.NewString(), "carl@example.com")), tenantry.CodeNotFound)
		checkCode(t, "garbage org", errOf(e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), "x", "carl@example.com")), tenantry.CodeNotFound)
		checkCode(t, "a user", errOf(e.svc.AddOrgAdminByOperator(e.ctx, oa, org.ID, "dan@example.com")), tenantry.CodeForbidden)
		e.account("dan@example.com")
		if err := e.svc.DisableUser(e.ctx, service.Operator(), "dan@example.com"); err != nil {
			t.Fatal(err)
		}
		checkCode(t, "disabled", errOf(e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "dan@example.com")), tenantry.CodeInvalid)
	})
}

// userID returns the ID of the account with email.
func (e *env) userID(email string) string {
	e.t.Helper()
	u, _, err := e.db.Read().UserByEmail(e.ctx, email)
	if err != nil {
		e.t.Fatalf("UserByEmail(%s): %v", email, err)
	}
	return u.ID
}

func TestService_CreateOrganization(t *testing.T) {
	t.Run("Created", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			olga := e.user("olga@example.com")
			l := newLicence("Alpha Org", tenantry.Limits{Tenants: 5, Administrators: 2, Runtimes: 1, Users: 50})
			o, err := e.svc.CreateOrganization(e.ctx, service.Operator(), "  "+sign(t, l)+"\n", "OLGA@example.com")
			if err != nil {
				t.Fatalf("CreateOrganization: %v", err)
			}
			want := tenantry.Organization{ID: o.ID, Name: "Alpha Org", Licence: l, CreatedAt: t0}
			if diff := cmp.Diff(want, o); diff != "" {
				t.Errorf("organization (-want +got):\n%s", diff)
			}
			oa := e.as(e.signIn("olga@example.com"), "", "")
			info, err := e.svc.Organization(e.ctx, oa)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(service.OrganizationInfo{Org: want, Usage: tenantry.Usage{AdminMembers: 1}}, info); diff != "" {
				t.Errorf("Organization (-want +got):\n%s", diff)
			}
			admins, _ := e.svc.OrgAdmins(e.ctx, oa)
			if len(admins) != 1 || admins[0].User.ID != olga.ID || admins[0].AddedBy != nil {
				t.Errorf("admins %+v, want olga added by the operator", admins)
			}
			evs := e.orgAudit(o.ID)
			if len(evs) != 1 || evs[0].Action != tenantry.ActionOrgCreated || evs[0].ActorKind != tenantry.ActorOperator || evs[0].TargetID != o.ID {
				t.Errorf("audit %+v, want organization.created by the operator", evs)
			}
		})
	})

	t.Run("Refused", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			e.user("olga@example.com")
			create := func(text, email string) error {
				_, err := e.svc.CreateOrganization(e.ctx, service.Operator(), text, email)
				return err
			}
			good := newLicence("Alpha Org", roomy)
			expired := newLicence("Old Org", roomy)
			expired.ExpiresAt = t0
			early := newLicence("Early Org", roomy)
			early.NotBefore = t0.Add(day)
			early.IssuedAt = t0
			text := sign(t, good)
			first, sig, _ := strings.Cut(text, ".")
			flipped := []byte(first)
			if flipped[10] == 'A' {
				flipped[10] = 'B'
			} else {
				flipped[10] = 'A'
			}
			for _, c := range []struct {
				name, text, email string
				code              tenantry.Code
			}{
				{"Expired", sign(t, expired), "olga@example.com", tenantry.CodeLicenceExpired},
				{"NotYetValid", sign(t, early), "olga@example.com", tenantry.CodeLicenceExpired},
				{"Tampered", string(flipped) + "." + sig, "olga@example.com", tenantry.CodeInvalid},
				{"Foreign", signWith(t, foreignKey, good), "olga@example.com", tenantry.CodeInvalid},
				{"Garbage", "not a licence", "olga@example.com", tenantry.CodeInvalid},
				{"UnknownAdmin", text, "nobody@example.com", tenantry.CodeNotFound},
			} {
				checkCode(t, c.name, create(c.text, c.email), c.code)
			}
			// A refused licence is not spent.
			if err := create(text, "olga@example.com"); err != nil {
				t.Fatalf("create: %v", err)
			}
			checkCode(t, "Reused", create(text, "olga@example.com"), tenantry.CodeInvalid)
			again := good
			again.OrganizationName = "Alpha Again" // the same licence ID, signed anew
			checkCode(t, "ReusedID", create(sign(t, again), "olga@example.com"), tenantry.CodeInvalid)
			_, err := e.svc.CreateOrganization(e.ctx, e.as(e.signIn("olga@example.com"), "", ""), sign(t, newLicence("X", roomy)), "olga@example.com")
			checkCode(t, "by a user", err, tenantry.CodeForbidden)
			e.account("dan@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "dan@example.com"); err != nil {
				t.Fatal(err)
			}
			checkCode(t, "disabled administrator", create(sign(t, newLicence("Dan Org", roomy)), "dan@example.com"), tenantry.CodeInvalid)
			if n := e.count("SELECT COUNT(*) FROM organizations"); n != 1 {
				t.Errorf("%d organizations, want 1", n)
			}
		})
	})
}

func TestService_ReplaceLicence(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		renewal := func(mod func(l *tenantry.Licence)) tenantry.Licence {
			l := newLicence("Alpha Org", roomy)
			l.Licensee, l.IssuedAt = "Licensee of Alpha Org", t0
			if mod != nil {
				mod(&l)
			}
			return l
		}
		replace := func(orgID, text string) error {
			_, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), orgID, text)
			return err
		}
		usedElsewhere := newLicence("Third Org", roomy)
		usedElsewhere.Licensee, usedElsewhere.IssuedAt = "Licensee of Alpha Org", t0
		e.createOrg(usedElsewhere, "olga@example.com")

		for _, c := range []struct {
			name string
			text string
			code tenantry.Code
		}{
			{"OtherLicensee", sign(t, renewal(func(l *tenantry.Licence) { l.Licensee = "Someone Else" })), tenantry.CodeInvalid},
			{"SameIssuedAt", sign(t, renewal(func(l *tenantry.Licence) { l.IssuedAt = t0.Add(-day) })), tenantry.CodeInvalid},
			{"IssuedEarlier", sign(t, renewal(func(l *tenantry.Licence) { l.IssuedAt = t0.Add(-2 * day) })), tenantry.CodeInvalid},
			{"Expired", sign(t, renewal(func(l *tenantry.Licence) { l.ExpiresAt = t0 })), tenantry.CodeLicenceExpired},
			{"Foreign", signWith(t, foreignKey, renewal(nil)), tenantry.CodeInvalid},
			{"Tampered", strings.Replace(sign(t, renewal(nil)), ".", "x.", 1), tenantry.CodeInvalid},
			{"UsedByAnother", sign(t, usedElsewhere), tenantry.CodeInvalid},
		} {
			checkCode(t, c.name, replace(org.ID, c.text), c.code)
		}
		checkCode(t, "UnknownOrg", replace(uuid.NewString(), sign(t, renewal(nil))), tenantry.CodeNotFound)
		_, err := e.svc.ReplaceLicence(e.ctx, oa, org.ID, sign(t, renewal(nil)))
		checkCode(t, "by a user", err, tenantry.CodeForbidden)

		l := renewal(func(l *tenantry.Licence) {
			l.OrganizationName = "Alpha Renamed"
			l.Limits = tenantry.Limits{Tenants: 1, Administrators: 1, Runtimes: 0, Users: 1}
		})
		text := sign(t, l)
		o, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), strings.ToUpper(org.ID), text)
		if err != nil {
			t.Fatalf("ReplaceLicence: %v", err)
		}
		if diff := cmp.Diff(tenantry.Organization{ID: org.ID, Name: "Alpha Renamed", Licence: l, CreatedAt: t0}, o.Organization); diff != "" {
			t.Errorf("replaced (-want +got):\n%s", diff)
		}
		info, err := e.svc.Organization(e.ctx, oa)
		if err != nil || info.Org.Name != "Alpha Renamed" || info.Org.Licence.Limits != l.Limits || info.Org.Licence.ID != l.ID {
			t.Errorf("Organization after replacement = %+v, %v", info.Org, err)
		}
		// The same licence again: issued no later, and used.
		checkCode(t, "again", replace(org.ID, text), tenantry.CodeInvalid)
		later := l
		later.IssuedAt = t0.Add(day) // the same ID, signed anew
		checkCode(t, "same ID", replace(org.ID, sign(t, later)), tenantry.CodeInvalid)

		evs := e.orgAudit(org.ID)
		last := evs[len(evs)-1]
		if last.Action != tenantry.ActionOrgLicenceReplaced || last.ActorKind != tenantry.ActorOperator || last.Details["to"] != l.ID {
			t.Errorf("last event %+v, want organization.licence_replaced to %s", last, l.ID)
		}
	})
}

// Deleting an organization ends its memberships, runtimes and their shares,
// administrators and invitations; tenants, accounts and the audit log stay,
// and its licence is never used again.
func TestService_DeleteOrganization(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		l := newLicence("Alpha Org", roomy)
		e.user("olga@example.com")
		org := e.createOrg(l, "olga@example.com")
		oa := e.as(e.signIn("olga@example.com"), "", org.ID)
		tara, acme, _ := e.admin("tara@example.com", "acme")
		e.join(oa, tara, org.ID)
		_, globex, _ := e.admin("gus@example.com", "globex")
		e.inviteTenant(oa, globex.ID)
		rt := e.runtime(org.ID, "main", e.clock.Now())
		e.share(rt, acme.ID)

		checkCode(t, "by a user", e.svc.DeleteOrganization(e.ctx, oa, org.ID), tenantry.CodeForbidden)
		checkCode(t, "unknown", e.svc.DeleteOrganization(e.ctx, service.Operator(), uuid.NewString()), tenantry.CodeNotFound)
		if err := e.svc.DeleteOrganization(e.ctx, service.Operator(), org.ID); err != nil {
			t.Fatalf("DeleteOrganization: %v", err)
		}
		for table, q := range map[string]string{
			"org_tenants": "SELECT COUNT(*) FROM org_tenants", "org_admins": "SELECT COUNT(*) FROM org_admins",
			"invitations": "SELECT COUNT(*) FROM invitations", "runtimes": "SELECT COUNT(*) FROM runtimes",
			"runtime_shares": "SELECT COUNT(*) FROM runtime_shares",
		} {
			if n := e.count(q); n != 0 {
				t.Errorf("%d rows left in %s", n, table)
			}
		}
		if n := e.count("SELECT COUNT(*) FROM tenants WHERE id = $1 OR id = $2", acme.ID, globex.ID); n != 2 {
			t.Errorf("%d tenants left, want 2", n)
		}
		if got := e.orgActions(org.ID, ""); len(got) == 0 || got[len(got)-1] != tenantry.ActionOrgDeleted {
			t.Errorf("audit log after deletion %v", got)
		}
		if got := e.myInvites(tara, ""); len(got) != 0 {
			t.Errorf("invitations of a deleted organization: %v", got)
		}
		mine, err := e.svc.MyOrganizations(e.ctx, tara)
		if err != nil || len(mine) != 0 {
			t.Errorf("MyOrganizations after deletion = %v, %v", mine, err)
		}
		_, err = e.svc.CreateOrganization(e.ctx, service.Operator(), sign(t, l), "olga@example.com")
		checkCode(t, "the deleted organization's licence", err, tenantry.CodeInvalid)
		checkCode(t, "delete again", e.svc.DeleteOrganization(e.ctx, service.Operator(), org.ID), tenantry.CodeNotFound)
	})
}

func TestService_ListOrganizations(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		orgB, ob, _ := e.orgOf("Beta Org", "olga@example.com", roomy)
		orgA := e.createOrg(newLicence("Alpha Org", roomy), "olga@example.com")
		e.orgTenant(ob, "acme")
		e.account("bob@example.com")
		e.inviteUser(ob, "bob@example.com")
		list, err := e.svc.ListOrganizations(e.ctx, service.Operator())
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			ID, Name string
			Usage    tenantry.Usage
			Admins   int
		}
		var got []row
		for _, s := range list {
			got = append(got, row{s.Org.ID, s.Org.Name, s.Usage, s.Usage.AdminMembers})
		}
		want := []row{
			{orgA.ID, "Alpha Org", tenantry.Usage{AdminMembers: 1}, 1},
			{orgB.ID, "Beta Org", tenantry.Usage{TenantMembers: 1, AdminMembers: 1, AdminPending: 1, Users: 1}, 1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListOrganizations (-want +got):\n%s", diff)
		}
		_, err = e.svc.ListOrganizations(e.ctx, ob)
		checkCode(t, "by a user", err, tenantry.CodeForbidden)
	})
}
