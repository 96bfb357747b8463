package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func TestService_CreateOrgTenant(t *testing.T) {
	t.Run("Created", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			bob := e.account("bob@example.com")
			if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "bob@example.com"); err != nil {
				t.Fatal(err)
			}
			tara, _, _ := e.admin("tara@example.com", "acme")
			e.join(oa, tara, org.ID)
			sam := e.addMember(tara, "sam@example.com", tenantry.RoleStandard) // pending, in a member tenant
			e.account("zed@example.com")                                       // in no tenant of the organization
			since := e.mark()
			ot, err := e.svc.CreateOrgTenant(e.ctx, oa, "@NewCo", []service.NewTenantUser{
				{ID: oa.User.ID, Role: tenantry.RoleAdministrator},
				{ID: strings.ToUpper(bob.ID)},                        // another administrator of the organization
				{ID: tara.User.ID, Role: tenantry.RoleAdministrator}, // a member of a member tenant
				{ID: sam.ID, Email: "SAM@example.com"},
				{Email: "zed@example.com"},                                   // by email: no visibility needed
				{Email: "pat@example.com", Role: tenantry.RoleAdministrator}, // a new, pending account
				{Email: "olga@example.com"},                                  // a duplicate: the administrator role stays
				{Email: "BOB@example.com", Role: tenantry.RoleAdministrator}, // a duplicate made administrator
			})
			if err != nil {
				t.Fatalf("CreateOrgTenant: %v", err)
			}
			olga := oa.User
			want := tenantry.OrgTenant{Tenant: tenantry.Tenant{ID: ot.Tenant.ID, Name: "NewCo", CreatedAt: since}, AddedAt: since,
				AddedBy: &olga, UserCount: 6}
			if diff := cmp.Diff(want, ot); diff != "" {
				t.Errorf("CreateOrgTenant (-want +got):\n%s", diff)
			}
			if e.orgOfTenant(ot.Tenant.ID) != org.ID {
				t.Errorf("the new tenant did not join at once")
			}
			tm, err := e.svc.OrgTenantUsers(e.ctx, oa, ot.Tenant.ID, service.Page{})
			if err != nil || tm.Total != 6 {
				t.Fatalf("OrgTenantUsers = %d, %v", tm.Total, err)
			}
			roles := map[string]string{}
			for _, m := range tm.Members {
				roles[m.Email] = string(m.Role) + "/" + string(m.Status)
			}
			wantRoles := map[string]string{
				"olga@example.com": "administrator/active", "bob@example.com": "administrator/active", "tara@example.com": "administrator/active",
				"sam@example.com": "standard/pending", "zed@example.com": "standard/active", "pat@example.com": "administrator/pending",
			}
			if diff := cmp.Diff(wantRoles, roles); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			// The new pending account gets a set-up email with a one-time link.
			pat := e.mailsFor("pat@example.com")
			if len(pat) != 1 || pat[0].Subject != "Set up your Tenantry account" || !strings.Contains(pat[0].Text, "http://127.0.0.1:8080/setup?token=tntu_") {
				t.Errorf("mail to pat: %+v", pat)
			}
			if n := e.count("SELECT COUNT(*) FROM user_tokens WHERE user_id = $1 AND kind = 'setup'", e.userID("pat@example.com")); n != 1 {
				t.Errorf("%d set-up tokens for pat", n)
			}
			if got := e.mailsFor("zed@example.com"); len(got) != 0 {
				t.Errorf("an existing account was sent %v", got)
			}
			var actions []string
			for _, ev := range e.orgAudit(org.ID) {
				if !ev.Time.Before(since) {
					actions = append(actions, ev.Action)
					if ev.OrganizationID != org.ID || ev.TenantID != ot.Tenant.ID || ev.ActorID != olga.ID {
						t.Errorf("event %+v", ev)
					}
				}
			}
			if diff := cmp.Diff([]string{tenantry.ActionUserCreated, tenantry.ActionOrgTenantCreated}, actions); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("Invalid", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			e.tenant("acme", "olga@example.com")
			e.admin("gus@example.com", "globex") // not in the organization
			gusID := e.userID("gus@example.com")
			e.addMember(e.as(e.signIn("olga@example.com"), e.tenantID("acme"), ""), "pam@example.com", tenantry.RoleStandard)
			e.account("dan@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "dan@example.com"); err != nil {
				t.Fatal(err)
			}
			me := service.NewTenantUser{ID: oa.User.ID, Role: tenantry.RoleAdministrator}
			mailsBefore := e.mailCount()
			for _, c := range []struct {
				name   string
				tenant string
				users  []service.NewTenantUser
				code   tenantry.Code
				field  string
			}{
				{"ShortName", "ab", []service.NewTenantUser{me}, tenantry.CodeInvalid, "developerName"},
				{"BadName", "new co", []service.NewTenantUser{me}, tenantry.CodeInvalid, "developerName"},
				{"NoUsers", "newco", nil, tenantry.CodeInvalid, "users"},
				{"Unnamed", "newco", []service.NewTenantUser{me, {Role: tenantry.RoleStandard}}, tenantry.CodeInvalid, "users[1]"},
				{"BadEmail", "newco", []service.NewTenantUser{me, {Email: "not an email"}}, tenantry.CodeInvalid, "users[1].email"},
				{"BadRole", "newco", []service.NewTenantUser{{ID: oa.User.ID, Role: "owner"}}, tenantry.CodeInvalid, "users[0].role"},
				{"NoAdministrator", "newco", []service.NewTenantUser{{ID: oa.User.ID}}, tenantry.CodeInvalid, "users"},
				{"PendingAdministrator", "newco", []service.NewTenantUser{{ID: oa.User.ID}, {Email: "pam@example.com", Role: tenantry.RoleAdministrator}}, tenantry.CodeInvalid, "users"},
				{"NewAdministratorOnly", "newco", []service.NewTenantUser{{Email: "new@example.com", Role: tenantry.RoleAdministrator}}, tenantry.CodeInvalid, "users"},
				{"Disabled", "newco", []service.NewTenantUser{me, {Email: "dan@example.com"}}, tenantry.CodeInvalid, "users[1]"},
				{"Disagree", "newco", []service.NewTenantUser{{ID: oa.User.ID, Email: "pam@example.com", Role: tenantry.RoleAdministrator}}, tenantry.CodeInvalid, "users[0].email"},
				{"Invisible", "newco", []service.NewTenantUser{me, {ID: gusID}}, tenantry.CodeNotFound, ""},
				{"Unknown", "newco", []service.NewTenantUser{me, {ID: uuid.NewString()}}, tenantry.CodeNotFound, ""},
				{"NotAnID", "newco", []service.NewTenantUser{me, {ID: "gus"}}, tenantry.CodeNotFound, ""},
				{"NameTaken", "ACME", []service.NewTenantUser{me}, tenantry.CodeNameTaken, ""},
				{"NameTakenOutside", "@globex", []service.NewTenantUser{me}, tenantry.CodeNameTaken, ""},
			} {
				_, err := e.svc.CreateOrgTenant(e.ctx, oa, c.tenant, c.users)
				checkCode(t, c.name, err, c.code)
				if c.field != "" && tenantry.IsCode(err, tenantry.CodeInvalid) {
					if got := fields(t, err); !slices.Contains(got, c.field) {
						t.Errorf("%s: fields %v, want %s", c.name, got, c.field)
					}
				}
			}
			if n := e.count("SELECT COUNT(*) FROM org_tenants WHERE organization_id = $1", org.ID); n != 0 {
				t.Errorf("%d member tenants after refusals", n)
			}
			if _, _, err := e.db.Read().UserByEmail(e.ctx, "new@example.com"); !tenantry.IsCode(err, tenantry.CodeNotFound) {
				t.Errorf("a refused creation left a pending account: %v", err)
			}
			if e.mailCount() != mailsBefore {
				t.Errorf("refusals sent mail")
			}
		})
	})
}

// orgTenantRow is the part of a listed member tenant tests compare.
type orgTenantRow struct {
	Name       string
	AddedAt    time.Time
	UserCount  int
	Subtenants []orgSubtenantRow
}

type orgSubtenantRow struct {
	Name      string
	AddedAt   time.Time
	UserCount int
}

func orgTenantRows(ts []tenantry.OrgTenant) []orgTenantRow {
	var out []orgTenantRow
	for _, ot := range ts {
		r := orgTenantRow{Name: ot.Tenant.Name, AddedAt: ot.AddedAt, UserCount: ot.UserCount}
		for _, st := range ot.Subtenants {
			if st.Tenant.ParentID != ot.Tenant.ID {
				panic("subtenant under the wrong parent")
			}
			r.Subtenants = append(r.Subtenants, orgSubtenantRow{Name: st.Tenant.FullName(), AddedAt: st.AddedAt, UserCount: st.UserCount})
		}
		out = append(out, r)
	}
	return out
}

func TestService_OrgTenants(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		tara, _, taraToken := e.admin("tara@example.com", "acme")
		dev, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", "") // before joining
		if err != nil {
			t.Fatal(err)
		}
		e.addMember(e.as(taraToken, dev.ID, ""), "pam@example.com", tenantry.RoleStandard)
		e.clock.Advance(time.Hour)
		e.join(oa, tara, org.ID)
		joined := e.clock.Now()
		e.clock.Advance(time.Hour)
		if _, err := e.svc.CreateSubtenant(e.ctx, tara, "ops", ""); err != nil { // after joining
			t.Fatal(err)
		}
		opsAt := e.clock.Now()
		var created []time.Time
		for _, name := range []string{"echo", "Bravo", "delta", "charlie", "alpha"} {
			created = append(created, e.mark())
			e.orgTenant(oa, name)
		}
		// A tenant in another organization is not listed.
		_, other, _ := e.orgOf("Other Org", "gina@example.com", roomy)
		e.orgTenant(other, "zulu")

		all := []orgTenantRow{
			{Name: "acme", AddedAt: joined, UserCount: 1, Subtenants: []orgSubtenantRow{
				{Name: "dev+acme", AddedAt: joined, UserCount: 2},
				{Name: "ops+acme", AddedAt: opsAt, UserCount: 1},
			}},
			{Name: "alpha", AddedAt: created[4], UserCount: 1},
			{Name: "Bravo", AddedAt: created[1], UserCount: 1},
			{Name: "charlie", AddedAt: created[3], UserCount: 1},
			{Name: "delta", AddedAt: created[2], UserCount: 1},
			{Name: "echo", AddedAt: created[0], UserCount: 1},
		}
		page, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(all, orgTenantRows(page.Tenants)); diff != "" {
			t.Errorf("all (-want +got):\n%s", diff)
		}
		if page.Next != "" {
			t.Errorf("Next = %q with no limit", page.Next)
		}
		if by := page.Tenants[1].AddedBy; by == nil || by.ID != oa.User.ID {
			t.Errorf("AddedBy %+v, want olga", by)
		}

		// Pages of 2 by cursor cover the list once.
		var got []orgTenantRow
		cursor := ""
		for range 10 {
			p, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Tenants) > 2 {
				t.Errorf("page of %d", len(p.Tenants))
			}
			got = append(got, orgTenantRows(p.Tenants)...)
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("paged (-want +got):\n%s", diff)
		}

		for _, c := range []struct {
			search string
			want   []orgTenantRow
		}{
			{"b", all[2:3]},
			{"@BR", all[2:3]},
			{"a", all[0:2]},
			{"dev", nil}, // subtenants are found through their parent
			{"zulu", nil},
			{"x", nil},
		} {
			p, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{Search: c.search})
			if err != nil {
				t.Errorf("search %q: %v", c.search, err)
				continue
			}
			if diff := cmp.Diff(c.want, orgTenantRows(p.Tenants)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", c.search, diff)
			}
		}
		p, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{Search: "a", Limit: 1})
		if err != nil || len(p.Tenants) != 1 || p.Next == "" {
			t.Fatalf("search a, limit 1: %v %v", p, err)
		}
		p, err = e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{Search: "a", Limit: 1, Cursor: p.Next})
		if err != nil || len(p.Tenants) != 1 || p.Tenants[0].Tenant.Name != "alpha" || p.Next != "" {
			t.Errorf("search a, second page: %v %v", p, err)
		}

		// A member tenant renamed is listed and found by its new name.
		newName := "zeta"
		if _, err := e.svc.UpdateTenant(e.ctx, tara, &newName, nil); err != nil {
			t.Fatal(err)
		}
		page, err = e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{})
		if err != nil || len(page.Tenants) != 6 || page.Tenants[5].Tenant.Name != "zeta" || len(page.Tenants[5].Subtenants) != 2 {
			t.Errorf("after rename: %v %v", orgTenantRows(page.Tenants), err)
		}
		for search, want := range map[string]int{"ze": 1, "ac": 0} {
			p, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{Search: search})
			if err != nil || len(p.Tenants) != want {
				t.Errorf("search %q after rename: %v %v, want %d", search, orgTenantRows(p.Tenants), err, want)
			}
		}

		for _, q := range []service.OrgTenantsQuery{{Cursor: "garbage"}, {Cursor: "e30"}, {Limit: -1}, {Limit: service.MaxPageSize + 1}} {
			_, err := e.svc.OrgTenants(e.ctx, oa, q)
			checkCode(t, "query "+q.Cursor, err, tenantry.CodeInvalid)
		}
	})
}

// Search is a name prefix; the characters LIKE treats specially are not
// tenant name characters and must match nothing.
func TestService_OrgTenants_SearchWildcards(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		_, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		e.orgTenant(oa, "alpha")
		for _, search := range []string{"_lpha", "%", "a%a", "a_"} {
			p, err := e.svc.OrgTenants(e.ctx, oa, service.OrgTenantsQuery{Search: search})
			if err != nil {
				t.Errorf("search %q: %v", search, err)
				continue
			}
			if len(p.Tenants) != 0 {
				t.Errorf("OrgTenants(Search %q) lists %d tenant(s), want none", search, len(p.Tenants))
			}
		}
	})
}

func TestService_RemoveOrgTenant(t *testing.T) {
	t.Run("Removed", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, taraToken := e.admin("tara@example.com", "acme")
			e.member(tara, "tom@example.com", tenantry.RoleAdministrator)
			e.addMember(tara, "sam@example.com", tenantry.RoleStandard)
			dev, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			e.join(oa, tara, org.ID)
			beta := e.orgTenant(oa, "beta")
			otherOrg, _, _ := e.orgOf("Other Org", "gina@example.com", roomy)
			now := e.clock.Now()
			rt := e.runtime(org.ID, "main", now)
			otherRT := e.runtime(otherOrg.ID, "theirs", now)
			for _, tn := range []string{acme.ID, dev.ID, beta.Tenant.ID} {
				e.share(rt, tn)
			}
			e.share(otherRT, acme.ID)

			since := e.mark()
			if err := e.svc.RemoveOrgTenant(e.ctx, oa, strings.ToUpper(acme.ID)); err != nil {
				t.Fatalf("RemoveOrgTenant: %v", err)
			}
			if e.orgOfTenant(acme.ID) != "" || e.orgOfTenant(dev.ID) != "" {
				t.Errorf("acme or its subtenant still in an organization")
			}
			// Shares of it and its subtenant on the organization's runtimes go;
			// nothing else.
			if got := e.shares(); !cmp.Equal(got, []string{otherRT + " " + acme.ID, rt + " " + beta.Tenant.ID}, sortStrings) {
				t.Errorf("shares left %v", got)
			}
			// Every administrator of the tenant is told.
			ms := e.mailsSince(since)
			if diff := cmp.Diff([]string{"tara@example.com", "tom@example.com"}, recipients(ms)); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
			for _, m := range ms {
				if m.Subject != "@acme was removed from Alpha Org" {
					t.Errorf("subject %q", m.Subject)
				}
			}
			evs := e.orgAudit(org.ID)
			last := evs[len(evs)-1]
			if last.Action != tenantry.ActionOrgTenantRemoved || last.TargetID != acme.ID || last.ActorID != oa.User.ID || last.OrganizationID != org.ID {
				t.Errorf("last event %+v", last)
			}
			// Nothing else is deleted.
			if n := e.count("SELECT COUNT(*) FROM memberships WHERE tenant_id = $1", acme.ID); n != 3 {
				t.Errorf("%d members of acme left, want 3", n)
			}
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"accepted"}) {
				t.Errorf("acme's invitation %v", got)
			}
			// Member-only data is no longer the organization's.
			_, err = e.svc.OrgTenantUsers(e.ctx, oa, acme.ID, service.Page{})
			checkCode(t, "OrgTenantUsers after removal", err, tenantry.CodeNotFound)
			mine, _ := e.svc.MyOrganizations(e.ctx, e.as(taraToken, acme.ID, ""))
			if len(mine) != 0 {
				t.Errorf("tara's organizations after removal %v", mine)
			}
			checkCode(t, "remove again", e.svc.RemoveOrgTenant(e.ctx, oa, acme.ID), tenantry.CodeNotFound)
			// Coming back takes a new invitation.
			e.inviteTenant(oa, acme.ID)
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true); err != nil {
				t.Errorf("join again: %v", err)
			}
		})
	})

	t.Run("Refused", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			dev, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			e.join(oa, tara, org.ID)
			gus, globex, _ := e.admin("gus@example.com", "globex")
			gdev, err := e.svc.CreateSubtenant(e.ctx, gus, "dev", "")
			if err != nil {
				t.Fatal(err)
			}
			otherOrg, other, _ := e.orgOf("Other Org", "gina@example.com", roomy)
			zulu := e.orgTenant(other, "zulu")
			e.inviteTenant(oa, globex.ID) // invited is not a member

			err = e.svc.RemoveOrgTenant(e.ctx, oa, dev.ID)
			wantCode(t, err, tenantry.CodeInvalid)
			if msg := domainError(t, err).Message; !strings.Contains(msg, "@acme") {
				t.Errorf("message %q does not name the parent", msg)
			}
			for name, id := range map[string]string{
				"NotMember": globex.ID, "SubtenantOfNonMember": gdev.ID, "OtherOrganization": zulu.Tenant.ID,
				"Unknown": uuid.NewString(), "NotAnID": "acme",
			} {
				checkCode(t, name, e.svc.RemoveOrgTenant(e.ctx, oa, id), tenantry.CodeNotFound)
			}
			if e.orgOfTenant(acme.ID) != org.ID || e.orgOfTenant(zulu.Tenant.ID) != otherOrg.ID {
				t.Errorf("a refused removal removed")
			}
		})
	})
}

// runtime writes a runtime connection of orgID and returns its ID.
func (e *env) runtime(orgID, name string, now time.Time) string {
	e.t.Helper()
	id := uuid.NewString()
	if _, err := e.db.SQL().ExecContext(e.ctx, `INSERT INTO runtimes (id, organization_id, developer_name, name_norm, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, id, orgID, name, strings.ToLower(name), now); err != nil {
		e.t.Fatalf("insert runtime: %v", err)
	}
	return id
}

// share shares a runtime with a tenant.
func (e *env) share(runtimeID, tenantID string) {
	e.t.Helper()
	if _, err := e.db.SQL().ExecContext(e.ctx, "INSERT INTO runtime_shares (runtime_id, tenant_id) VALUES ($1, $2)", runtimeID, tenantID); err != nil {
		e.t.Fatalf("insert runtime share: %v", err)
	}
}

// shares lists every runtime share as "runtime tenant".
func (e *env) shares() []string {
	e.t.Helper()
	rows, err := e.db.SQL().QueryContext(e.ctx, "SELECT CAST(runtime_id AS TEXT), CAST(tenant_id AS TEXT) FROM runtime_shares")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r, tn string
		if err := rows.Scan(&r, &tn); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, r+" "+tn)
	}
	return out
}

var sortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestService_OrgTenantUsers(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		tara, acme, taraToken := e.admin("tara@example.com", "acme")
		// Members are listed in the order they joined.
		e.mark()
		e.addMember(tara, "sam@example.com", tenantry.RoleStandard)
		e.mark()
		e.addMember(tara, "pam@example.com", tenantry.RoleStandard)
		e.mark()
		dev, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", "")
		if err != nil {
			t.Fatal(err)
		}
		e.mark()
		e.addMember(e.as(taraToken, dev.ID, ""), "dee@example.com", tenantry.RoleStandard)
		e.join(oa, tara, org.ID)
		_, globex, _ := e.admin("gus@example.com", "globex")
		e.inviteTenant(oa, globex.ID)

		emails := func(ms []tenantry.Member) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.Email)
			}
			return out
		}
		tm, err := e.svc.OrgTenantUsers(e.ctx, oa, acme.ID, service.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if tm.Total != 3 || tm.Page != (service.Page{Page: 1, PageSize: service.DefaultPageSize}) || tm.Tenant.ID != acme.ID {
			t.Errorf("total %d page %+v tenant %+v", tm.Total, tm.Page, tm.Tenant)
		}
		if diff := cmp.Diff([]string{"tara@example.com", "sam@example.com", "pam@example.com"}, emails(tm.Members)); diff != "" {
			t.Errorf("acme's users (-want +got):\n%s", diff)
		}
		tm, err = e.svc.OrgTenantUsers(e.ctx, oa, acme.ID, service.Page{Page: 2, PageSize: 2})
		if err != nil || tm.Total != 3 || !cmp.Equal(emails(tm.Members), []string{"pam@example.com"}) {
			t.Errorf("page 2 of 2: %v %d %v", emails(tm.Members), tm.Total, err)
		}
		tm, err = e.svc.OrgTenantUsers(e.ctx, oa, strings.ToUpper(dev.ID), service.Page{})
		if err != nil || tm.Total != 2 || !cmp.Equal(emails(tm.Members), []string{"tara@example.com", "dee@example.com"}) || tm.Tenant.FullName() != "dev+acme" {
			t.Errorf("dev's users: %v %d %v %v", emails(tm.Members), tm.Total, tm.Tenant.FullName(), err)
		}
		for name, id := range map[string]string{"Invited": globex.ID, "Unknown": uuid.NewString(), "NotAnID": "acme"} {
			_, err := e.svc.OrgTenantUsers(e.ctx, oa, id, service.Page{})
			checkCode(t, name, err, tenantry.CodeNotFound)
		}
		_, err = e.svc.OrgTenantUsers(e.ctx, oa, acme.ID, service.Page{PageSize: service.MaxPageSize + 1})
		checkCode(t, "page size", err, tenantry.CodeInvalid)
	})
}
