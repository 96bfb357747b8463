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

func TestService_OrgAudit(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		olga := oa.User
		tara, acme, _ := e.admin("tara@example.com", "acme")
		bob := e.user("bob@example.com")
		bobA := e.as(e.signIn("bob@example.com"), "", "")
		e.account("carl@example.com")
		_, globex, _ := e.admin("gus@example.com", "globex")
		initech := e.bareTenant("initech")
		otherOrg, other, _ := e.orgOf("Other Org", "gina@example.com", roomy)
		e.orgTenant(other, "zulu")

		// Each change a minute after the last; times[i] is when change i
		// happened.
		var times []time.Time
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		step := func(fn func()) {
			t.Helper()
			e.clock.Advance(time.Minute)
			times = append(times, e.clock.Now())
			fn()
		}
		var beta tenantry.OrgTenant
		var dev string
		step(func() { e.inviteTenant(oa, acme.ID) })
		step(func() { _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, false); must(err) })
		step(func() { e.inviteTenant(oa, acme.ID) })
		step(func() { _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true); must(err) })
		step(func() { e.addMember(tara, "sam@example.com", tenantry.RoleStandard) })
		step(func() { st, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", ""); must(err); dev = st.ID })
		step(func() { name := "acme2"; _, err := e.svc.UpdateTenant(e.ctx, tara, &name, nil); must(err) })
		step(func() { beta = e.orgTenant(oa, "beta") })
		step(func() { must(e.svc.RemoveOrgTenant(e.ctx, oa, beta.Tenant.ID)) })
		step(func() { e.inviteUser(oa, "bob@example.com") })
		step(func() { _, err := e.svc.AnswerUserInvitation(e.ctx, bobA, org.ID, true); must(err) })
		step(func() { must(e.svc.RemoveOrgAdmin(e.ctx, e.as(e.signIn("bob@example.com"), "", org.ID), bob.ID)) })
		step(func() { _ = e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "nobody@example.com"}) })
		step(func() {
			l := newLicence("Alpha Org", roomy)
			l.Licensee, l.IssuedAt = "Licensee of Alpha Org", e.clock.Now()
			_, err := e.svc.ReplaceLicence(e.ctx, service.Operator(), org.ID, sign(t, l))
			must(err)
		})
		step(func() {
			must(errOf(e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "carl@example.com")))
		})
		step(func() { e.inviteTenant(oa, globex.ID) })
		step(func() { _, err := e.svc.CancelInvitation(e.ctx, oa, tenantry.InviteTenant, globex.ID); must(err) })
		step(func() { e.inviteTenant(oa, initech.ID) })
		step(func() {
			e.clock.Advance(week)
			n, err := e.svc.SweepInvitations(e.ctx)
			must(err)
			if n != 1 {
				t.Errorf("swept %d", n)
			}
		})
		step(func() { _, err := e.svc.AcknowledgeInvitation(e.ctx, oa, tenantry.InviteTenant, initech.ID); must(err) })
		// beta's own events no longer belong to the organization.
		step(func() {
			name := "beta2"
			_, err := e.svc.UpdateTenant(e.ctx, e.as(e.signIn("olga@example.com"), beta.Tenant.ID, ""), &name, nil)
			must(err)
		})

		all, err := e.svc.OrgAudit(e.ctx, oa, service.AuditQuery{Limit: service.MaxAuditLimit})
		if err != nil {
			t.Fatal(err)
		}
		if all.NextCursor != "" {
			t.Errorf("NextCursor %q on the only page", all.NextCursor)
		}
		var actions []string
		for i := len(all.Items) - 1; i >= 0; i-- {
			ev := all.Items[i]
			actions = append(actions, ev.Action)
			if ev.OrganizationID != org.ID {
				t.Errorf("event %s has organization %q", ev.Action, ev.OrganizationID)
			}
			if ev.Action == "invitation.rejected" {
				// A tenant's answer does not name the person until it joins.
				if ev.ActorKind != tenantry.ActorUser || ev.ActorID != "" || ev.SourceAddress != "" {
					t.Errorf("rejection names its actor: %q %q from %q", ev.ActorKind, ev.ActorID, ev.SourceAddress)
				}
				continue
			}
			if ev.ActorKind == tenantry.ActorUser && (ev.RequestID != "req-test" || ev.SourceAddress != "192.0.2.1") {
				t.Errorf("event %s: request %q from %q", ev.Action, ev.RequestID, ev.SourceAddress)
			}
		}
		want := []string{
			"organization.created",
			"invitation.created", "invitation.rejected", "invitation.acknowledged", "invitation.created", "invitation.accepted", "tenant.joined",
			"user.created", "member.added", "tenant.subtenant_created", "tenant.renamed",
			"tenant.created_in_organization", "tenant.removed",
			"invitation.created", "invitation.accepted", "administrator.added", "administrator.left",
			"invitation.refused", "organization.licence_replaced", "administrator.added_by_operator",
			"invitation.created", "invitation.cancelled", "invitation.created", "invitation.expired", "invitation.acknowledged",
		}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Errorf("the organization's log (-want +got):\n%s", diff)
		}
		newestFirst := e.orgAudit(org.ID) // oldest first, then turned
		slices.Reverse(newestFirst)
		if diff := cmp.Diff(all.Items, newestFirst); diff != "" {
			t.Errorf("service and store disagree (-store +service):\n%s", diff)
		}

		query := func(q service.AuditQuery) []string {
			t.Helper()
			p, err := e.svc.OrgAudit(e.ctx, oa, q)
			if err != nil {
				t.Fatalf("OrgAudit(%+v): %v", q, err)
			}
			var out []string
			for i := len(p.Items) - 1; i >= 0; i-- {
				out = append(out, p.Items[i].Action)
			}
			return out
		}
		for _, c := range []struct {
			name string
			q    service.AuditQuery
			want []string
		}{
			{"Exact", service.AuditQuery{Action: "invitation.accepted"}, []string{"invitation.accepted", "invitation.accepted"}},
			{"Prefix", service.AuditQuery{Action: "administrator."}, []string{"administrator.added", "administrator.left", "administrator.added_by_operator"}},
			{"NoDotNoPrefix", service.AuditQuery{Action: "invitation"}, nil},
			{"Operator", service.AuditQuery{Actor: "operator"}, []string{"organization.created", "organization.licence_replaced", "administrator.added_by_operator"}},
			{"System", service.AuditQuery{Actor: "system"}, []string{"invitation.expired"}},
			{"Bob", service.AuditQuery{Actor: bob.ID}, []string{"invitation.accepted", "administrator.added", "administrator.left"}},
			{"Tara", service.AuditQuery{Actor: tara.User.ID}, []string{"invitation.accepted", "tenant.joined",
				"user.created", "member.added", "tenant.subtenant_created", "tenant.renamed"}},
			{"TargetAcme", service.AuditQuery{Target: acme.ID}, []string{"invitation.created", "invitation.rejected", "invitation.acknowledged", "invitation.created",
				"invitation.accepted", "tenant.joined", "tenant.renamed"}},
			{"TargetDev", service.AuditQuery{Target: dev}, []string{"tenant.subtenant_created"}},
			{"TargetAndAction", service.AuditQuery{Target: acme.ID, Action: "invitation.created"}, []string{"invitation.created", "invitation.created"}},
			{"FromTo", service.AuditQuery{From: times[3], To: times[6]}, []string{"invitation.accepted", "tenant.joined", "user.created", "member.added", "tenant.subtenant_created"}},
			{"From", service.AuditQuery{From: times[19]}, []string{"invitation.acknowledged"}},
			{"To", service.AuditQuery{To: times[0]}, []string{"organization.created"}},
			{"Nothing", service.AuditQuery{Actor: uuid.NewString()}, nil},
		} {
			if diff := cmp.Diff(c.want, query(c.q)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
		// olga's own changes, with the refused invitation among them.
		for _, a := range query(service.AuditQuery{Actor: olga.ID, Action: "invitation."}) {
			if !strings.HasPrefix(a, "invitation.") {
				t.Errorf("olga's invitation events include %s", a)
			}
		}

		// Cursor paging walks the same log, newest first.
		var paged []tenantry.AuditEvent
		cursor := ""
		for range 20 {
			p, err := e.svc.OrgAudit(e.ctx, oa, service.AuditQuery{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) > 3 || (p.NextCursor != "" && len(p.Items) != 3) {
				t.Errorf("page of %d with next %q", len(p.Items), p.NextCursor)
			}
			paged = append(paged, p.Items...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff(all.Items, paged); diff != "" {
			t.Errorf("paged (-want +got):\n%s", diff)
		}
		p, err := e.svc.OrgAudit(e.ctx, oa, service.AuditQuery{Limit: 2, Action: "invitation.", Cursor: strings.ToUpper(all.Items[0].ID)})
		if err != nil || len(p.Items) != 2 || p.NextCursor == "" || p.Items[0].Action != "invitation.expired" {
			t.Errorf("filtered page after a cursor: %v, %v", p, err)
		}

		for _, c := range []struct {
			name string
			q    service.AuditQuery
		}{
			{"Cursor", service.AuditQuery{Cursor: "abc"}},
			{"CursorNotID", service.AuditQuery{Cursor: "e30"}},
			{"LimitHigh", service.AuditQuery{Limit: service.MaxAuditLimit + 1}},
			{"LimitNegative", service.AuditQuery{Limit: -1}},
			{"FromAfterTo", service.AuditQuery{From: times[5], To: times[2]}},
			{"FromIsTo", service.AuditQuery{From: times[5], To: times[5]}},
		} {
			_, err := e.svc.OrgAudit(e.ctx, oa, c.q)
			checkCode(t, c.name, err, tenantry.CodeInvalid)
		}

		// The other organization's log is its own.
		theirs, err := e.svc.OrgAudit(e.ctx, other, service.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(theirs.Items); got != 2 {
			t.Errorf("the other organization has %d events, want 2", got)
		}
		for _, ev := range theirs.Items {
			if ev.OrganizationID != otherOrg.ID {
				t.Errorf("event %+v in the other log", ev)
			}
		}
	})
}

// Retention deletes the events older than it, and nothing else.
func TestService_SweepAudit(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		e.clock.Advance(100 * day)
		e.orgTenant(oa, "acme")
		e.clock.Advance(350 * day)
		n, err := e.svc.SweepAudit(e.ctx, 400*day)
		if err != nil || n < 1 {
			t.Fatalf("SweepAudit = %d, %v", n, err)
		}
		if got := e.orgActions(org.ID, ""); !cmp.Equal(got, []string{tenantry.ActionOrgTenantCreated}) {
			t.Errorf("after the sweep %v", got)
		}
	})
}

// Every change to an invitation is audited (SPEC §7), including the ones a
// re-invite or the operator's add-admin make on the way.
func TestService_OrgAudit_ImplicitInvitationChanges(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
		tara, acme, _ := e.admin("tara@example.com", "acme")
		e.inviteTenant(oa, acme.ID)
		if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, false); err != nil {
			t.Fatal(err)
		}
		e.mark()
		e.inviteTenant(oa, acme.ID)
		want := []string{"invitation.created", "invitation.rejected", "invitation.acknowledged", "invitation.created"}
		if got := e.orgActions(org.ID, "invitation."); !cmp.Equal(got, want) {
			t.Errorf("re-invite after a rejection: %v, want %v", got, want)
		}

		e.account("bob@example.com")
		e.inviteUser(oa, "bob@example.com")
		if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, "bob@example.com"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range e.orgAudit(org.ID) {
			if ev.TargetID == e.userID("bob@example.com") {
				got = append(got, ev.Action)
			}
		}
		want = []string{"invitation.created", "invitation.cancelled", "administrator.added_by_operator"}
		if !cmp.Equal(got, want) {
			t.Errorf("operator add-admin over a pending invitation: %v, want %v", got, want)
		}
	})
}
