package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"tenantry/internal/mail"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// invitationRow is the part of a listed invitation tests compare.
type invitationRow struct {
	Org       string
	Type      tenantry.InvitationType
	Target    string // @tenant or user email
	Status    tenantry.InvitationStatus
	ExpiresAt time.Time
	Hidden    bool
}

func invitationRows(vs []service.InvitationView) []invitationRow {
	out := []invitationRow{}
	for _, v := range vs {
		r := invitationRow{Org: v.OrganizationName, Type: v.Type, Status: v.Status, ExpiresAt: v.ExpiresAt, Hidden: v.Hidden}
		if v.Tenant != nil {
			r.Target = "@" + v.Tenant.Name
		}
		if v.User != nil {
			r.Target = v.User.Email
		}
		out = append(out, r)
	}
	return out
}

// orgInvites lists what oa's organization sent of kind.
func (e *env) orgInvites(oa *service.Actor, kind tenantry.InvitationType) []invitationRow {
	e.t.Helper()
	vs, err := e.svc.OrgInvitations(e.ctx, oa, kind)
	if err != nil {
		e.t.Fatalf("OrgInvitations(%s): %v", kind, err)
	}
	return invitationRows(vs)
}

// myInvites lists the invitations addressed to a (and its tenant).
func (e *env) myInvites(a *service.Actor, typ string) []invitationRow {
	e.t.Helper()
	vs, err := e.svc.MyInvitations(e.ctx, a, typ)
	if err != nil {
		e.t.Fatalf("MyInvitations(%q): %v", typ, err)
	}
	return invitationRows(vs)
}

const week = 7 * day

func TestService_InviteTenant(t *testing.T) {
	t.Run("Created", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			tom, _ := e.member(tara, "tom@example.com", tenantry.RoleAdministrator)
			sam, _ := e.member(tara, "sam@example.com", tenantry.RoleStandard)
			since := e.mark()
			if err := e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{Name: " @ACME "}); err != nil {
				t.Fatalf("InviteTenant(@ACME): %v", err)
			}
			want := []invitationRow{{Org: "Alpha Org", Type: tenantry.InviteTenant, Target: "@acme", Status: tenantry.InvitationInvited,
				ExpiresAt: since.Add(week), Hidden: true}}
			if diff := cmp.Diff(want, e.orgInvites(oa, tenantry.InviteTenant)); diff != "" {
				t.Errorf("OrgInvitations(tenant) (-want +got):\n%s", diff)
			}
			if got := e.orgInvites(oa, tenantry.InviteUser); len(got) != 0 {
				t.Errorf("OrgInvitations(user) = %v, want none", got)
			}
			// Every administrator of the tenant sees it, with any type filter
			// that includes tenants; a standard member does not.
			mine := want
			mine[0].Hidden = false
			for _, a := range []*service.Actor{tara, tom} {
				for _, typ := range []string{"", "tenant", " Tenant "} {
					if diff := cmp.Diff(mine, e.myInvites(a, typ)); diff != "" {
						t.Errorf("MyInvitations(%s, %q) (-want +got):\n%s", a.User.Email, typ, diff)
					}
				}
				if got := e.myInvites(a, "user"); len(got) != 0 {
					t.Errorf("MyInvitations(%s, user) = %v, want none", a.User.Email, got)
				}
			}
			if got := e.myInvites(sam, ""); len(got) != 0 {
				t.Errorf("MyInvitations(sam) = %v, want none: only administrators answer for a tenant", got)
			}
			for _, typ := range []string{"tenants", "both", "x"} {
				_, err := e.svc.MyInvitations(e.ctx, tara, typ)
				checkCode(t, "type "+typ, err, tenantry.CodeInvalid)
			}
			// One email to each administrator of the tenant, stating the
			// expiry.
			ms := e.mailsSince(since)
			for _, m := range ms {
				if m.Subject != "Alpha Org invites @acme to join the organization" {
					t.Errorf("subject %q", m.Subject)
				}
				if !strings.Contains(m.Text, "expires on "+since.Add(week).Format(mail.TimeLayout)) || !strings.Contains(m.Text, "http://127.0.0.1:8080/settings/organization") {
					t.Errorf("the invitation email does not state the expiry and the page:\n%s", m.Text)
				}
			}
			if diff := cmp.Diff([]string{"tara@example.com", "tom@example.com"}, recipients(ms)); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
			evs := e.orgAudit(org.ID)
			last := evs[len(evs)-1]
			if last.Action != tenantry.ActionInvitationCreated || last.TargetID != acme.ID || last.TenantID != acme.ID ||
				last.ActorID != oa.User.ID || last.OrganizationID != org.ID {
				t.Errorf("last event %+v, want invitation.created of acme", last)
			}
			// By ID, with a name that agrees: a resend (too soon).
			err := e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: strings.ToUpper(acme.ID), Name: "acme"})
			checkCode(t, "by id and name, at once", err, tenantry.CodeRateLimited)
		})
	})

	t.Run("Refused", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			if _, err := e.svc.CreateSubtenant(e.ctx, tara, "dev", ""); err != nil {
				t.Fatal(err)
			}
			dev := e.subtenantID(acme.ID, "dev")
			globexAdmin, globex, _ := e.admin("gus@example.com", "globex")
			e.join(oa, globexAdmin, org.ID)
			before := len(e.orgAudit(org.ID))

			for _, c := range []struct {
				name   string
				target service.InviteTarget
				code   tenantry.Code
			}{
				{"SubtenantByName", service.InviteTarget{Name: "@dev+acme"}, tenantry.CodeInvalid},
				{"SubtenantByID", service.InviteTarget{ID: dev}, tenantry.CodeInvalid},
				{"Member", service.InviteTarget{ID: globex.ID}, tenantry.CodeAlreadyMember},
				{"MemberByName", service.InviteTarget{Name: "Globex"}, tenantry.CodeAlreadyMember},
				{"UnknownName", service.InviteTarget{Name: "@nowhere"}, tenantry.CodeNotFound},
				{"UnknownSubtenant", service.InviteTarget{Name: "@ops+acme"}, tenantry.CodeNotFound},
				{"UnknownID", service.InviteTarget{ID: uuid.NewString()}, tenantry.CodeNotFound},
				{"NotAnID", service.InviteTarget{ID: "acme"}, tenantry.CodeNotFound},
				{"Neither", service.InviteTarget{}, tenantry.CodeInvalid},
				{"Disagree", service.InviteTarget{ID: acme.ID, Name: "globex"}, tenantry.CodeInvalid},
			} {
				err := e.svc.InviteTenant(e.ctx, oa, c.target)
				checkCode(t, c.name, err, c.code)
				if c.name == "SubtenantByName" || c.name == "SubtenantByID" {
					if msg := domainError(t, err).Message; !strings.Contains(msg, "@acme") {
						t.Errorf("%s: message %q does not name the parent @acme", c.name, msg)
					}
				}
			}
			if got := e.orgInvites(oa, tenantry.InviteTenant); len(got) != 0 {
				t.Errorf("invitations after refusals: %v", got)
			}
			// Every refused attempt is audited, with its code.
			var codes []string
			for _, ev := range e.orgAudit(org.ID)[before:] {
				if ev.Action != tenantry.ActionInvitationRefused || ev.OrganizationID != org.ID || ev.ActorID != oa.User.ID {
					t.Errorf("event %+v, want invitation.refused by olga", ev)
				}
				codes = append(codes, fmt.Sprint(ev.Details["code"]))
			}
			want := []string{"invalid", "invalid", "already_member", "already_member", "not_found", "not_found", "not_found", "not_found", "invalid", "invalid"}
			if diff := cmp.Diff(want, codes); diff != "" {
				t.Errorf("refusal codes (-want +got):\n%s", diff)
			}
		})
	})

	// Inviting again while invited is a resend: a new expiry and the email
	// again, at most every 10 minutes. A resend creates no second row.
	t.Run("Resend", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			_, acme, _ := e.admin("tara@example.com", "acme")
			e.inviteTenant(oa, acme.ID)
			e.clock.Advance(9 * time.Minute)
			err := e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: acme.ID})
			wantCode(t, err, tenantry.CodeRateLimited)
			if ra := domainError(t, err).RetryAfter; ra < 1 || ra > 61 {
				t.Errorf("RetryAfter = %d, want about 60", ra)
			}
			e.clock.Advance(time.Minute)
			e.inviteTenant(oa, acme.ID)
			want := []invitationRow{{Org: "Alpha Org", Type: tenantry.InviteTenant, Target: "@acme", Status: tenantry.InvitationInvited,
				ExpiresAt: t0.Add(10*time.Minute + week), Hidden: true}}
			if diff := cmp.Diff(want, e.orgInvites(oa, tenantry.InviteTenant)); diff != "" {
				t.Errorf("after resend (-want +got):\n%s", diff)
			}
			if got := e.mailsTo("tara@example.com"); len(got) != 2 || got[0] != got[1] {
				t.Errorf("mail to tara %v, want the invitation twice", got)
			}
			if ms := e.mailsFor("tara@example.com"); len(ms) == 2 && !strings.Contains(ms[1].Text, "expires on "+want[0].ExpiresAt.Format(mail.TimeLayout)) {
				t.Errorf("the resent invitation does not state its new expiry:\n%s", ms[1].Text)
			}
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"invited"}) {
				t.Errorf("rows %v, want one invited", got)
			}
			if got := e.orgActions(org.ID, "invitation."); !cmp.Equal(got, []string{"invitation.created", "invitation.refused", "invitation.resent"}) {
				t.Errorf("invitation events %v", got)
			}
		})
	})

	// Inviting again after a rejection or an expiry acknowledges the old row
	// and starts a fresh one.
	t.Run("Reinvite", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			e.inviteTenant(oa, acme.ID)
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, false); err != nil {
				t.Fatal(err)
			}
			e.mark()
			e.inviteTenant(oa, acme.ID) // at once: no resend pacing for a new row
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"acknowledged", "invited"}) {
				t.Errorf("after re-invite of a rejected: %v", got)
			}
			e.clock.Advance(week)
			e.inviteTenant(oa, acme.ID)
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"acknowledged", "acknowledged", "invited"}) {
				t.Errorf("after re-invite of an expired: %v", got)
			}
			want := []invitationRow{{Org: "Alpha Org", Type: tenantry.InviteTenant, Target: "@acme", Status: tenantry.InvitationInvited,
				ExpiresAt: t0.Add(time.Second + 2*week), Hidden: true}}
			if diff := cmp.Diff(want, e.orgInvites(oa, tenantry.InviteTenant)); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			mine := want
			mine[0].Hidden = false
			if diff := cmp.Diff(mine, e.myInvites(tara, "")); diff != "" {
				t.Errorf("tara's (-want +got):\n%s", diff)
			}
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true); err != nil {
				t.Errorf("accept the fresh invitation: %v", err)
			}
		})
	})

	// At most 50 invitations an hour; refusals are audited.
	t.Run("RateLimit", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			var ids []string
			for i := range service.InvitationsPerHour + 2 {
				ids = append(ids, e.bareTenant(fmt.Sprintf("bulk-%02d", i)).ID)
			}
			for i := range service.InvitationsPerHour {
				e.clock.Advance(time.Second)
				e.inviteTenant(oa, ids[i])
			}
			e.clock.Advance(time.Second)
			err := e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: ids[service.InvitationsPerHour]})
			wantCode(t, err, tenantry.CodeRateLimited)
			if domainError(t, err).RetryAfter <= 0 {
				t.Errorf("no RetryAfter")
			}
			// A user invitation counts the same.
			e.account("bob@example.com")
			err = e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "bob@example.com"})
			checkCode(t, "user invitation", err, tenantry.CodeRateLimited)
			if got := e.orgActions(org.ID, tenantry.ActionInvitationRefused); len(got) != 2 {
				t.Errorf("%d refusals audited, want 2", len(got))
			}
			evs := e.orgAudit(org.ID)
			if last := evs[len(evs)-1]; last.Details["code"] != "rate_limited" || last.Details["email"] != "bob@example.com" {
				t.Errorf("last refusal %+v", last)
			}
			if n := e.count("SELECT COUNT(*) FROM invitations WHERE organization_id = $1", org.ID); n != service.InvitationsPerHour {
				t.Errorf("%d invitations, want %d", n, service.InvitationsPerHour)
			}
			// An hour after the first, one more may go.
			e.clock.Set(t0.Add(time.Hour + time.Second))
			e.inviteTenant(oa, ids[service.InvitationsPerHour])
			checkCode(t, "the next", e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: ids[service.InvitationsPerHour+1]}), tenantry.CodeRateLimited)
		})
	})
}

// subtenantID returns the ID of parentID's subtenant named name.
func (e *env) subtenantID(parentID, name string) string {
	e.t.Helper()
	subs, err := e.db.Read().Subtenants(e.ctx, parentID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range subs {
		if s.Name == name {
			return s.ID
		}
	}
	e.t.Fatalf("no subtenant %s", name)
	return ""
}

func TestService_InviteUser(t *testing.T) {
	t.Run("AcceptAndReject", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			bob := e.user("bob@example.com")
			carl := e.user("carl@example.com")
			bobA := e.as(e.signIn("bob@example.com"), "", "")
			carlA := e.as(e.signIn("carl@example.com"), "", "")
			if err := e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "BOB@example.com"}); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.InviteUser(e.ctx, oa, service.InviteTarget{ID: carl.ID, Email: "carl@example.com"}); err != nil {
				t.Fatal(err)
			}
			want := []invitationRow{
				{Org: "Alpha Org", Type: tenantry.InviteUser, Target: "bob@example.com", Status: tenantry.InvitationInvited, ExpiresAt: t0.Add(week)},
				{Org: "Alpha Org", Type: tenantry.InviteUser, Target: "carl@example.com", Status: tenantry.InvitationInvited, ExpiresAt: t0.Add(week)},
			}
			got := e.orgInvites(oa, tenantry.InviteUser)
			if diff := cmp.Diff(want, got, sortRows); diff != "" {
				t.Errorf("OrgInvitations(user) (-want +got):\n%s", diff)
			}
			for _, typ := range []string{"", "user"} {
				if diff := cmp.Diff(want[:1], e.myInvites(bobA, typ)); diff != "" {
					t.Errorf("bob's (%q) (-want +got):\n%s", typ, diff)
				}
			}
			if got := e.myInvites(bobA, "tenant"); len(got) != 0 {
				t.Errorf("bob's tenant invitations %v", got)
			}
			if got := e.mailsTo("bob@example.com"); !cmp.Equal(got, []string{"You are invited to administer Alpha Org"}) {
				t.Errorf("mail to bob %v", got)
			}

			// No invitation from an unknown organization.
			_, err := e.svc.AnswerUserInvitation(e.ctx, carlA, uuid.NewString(), true)
			checkCode(t, "an unknown organization", err, tenantry.CodeNotFound)
			_, err = e.svc.AnswerUserInvitation(e.ctx, service.Operator(), org.ID, true)
			checkCode(t, "not signed in", err, tenantry.CodeUnauthenticated)

			res, err := e.svc.AnswerUserInvitation(e.ctx, bobA, strings.ToUpper(org.ID), true)
			if err != nil {
				t.Fatalf("bob accepts: %v", err)
			}
			if res.Status != tenantry.InvitationAccepted || res.CompletedBy == nil || res.CompletedBy.ID != bob.ID {
				t.Errorf("result %+v", res.Invitation)
			}
			if got := e.mailsTo("olga@example.com"); !cmp.Equal(got, []string{"Bob Tester (bob@example.com) is now an administrator of Alpha Org"}) {
				t.Errorf("mail to olga %v", got)
			}
			if _, err := e.svc.OrgAdmins(e.ctx, e.as(e.signIn("bob@example.com"), "", org.ID)); err != nil {
				t.Errorf("bob administers: %v", err)
			}
			checkCode(t, "invite bob again", e.svc.InviteUser(e.ctx, oa, service.InviteTarget{ID: bob.ID}), tenantry.CodeAlreadyMember)
			checkCode(t, "invite olga", e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: "olga@example.com"}), tenantry.CodeAlreadyMember)

			// carl rejects: who answered is shown for user invitations.
			if _, err := e.svc.AnswerUserInvitation(e.ctx, carlA, org.ID, false); err != nil {
				t.Fatal(err)
			}
			vs, err := e.svc.OrgInvitations(e.ctx, oa, tenantry.InviteUser)
			if err != nil || len(vs) != 1 {
				t.Fatalf("OrgInvitations = %d, %v", len(vs), err)
			}
			if vs[0].Status != tenantry.InvitationRejected || vs[0].Hidden || vs[0].CompletedBy == nil || vs[0].CompletedBy.ID != carl.ID {
				t.Errorf("carl's rejected invitation: %+v hidden=%v", vs[0].Invitation, vs[0].Hidden)
			}
			if got := e.myInvites(carlA, ""); len(got) != 1 || got[0].Status != tenantry.InvitationRejected {
				t.Errorf("carl still sees his rejected invitation: %v", got)
			}
			if got := e.orgActions(org.ID, "invitation."); !cmp.Equal(got, []string{"invitation.created", "invitation.created", "invitation.accepted",
				"invitation.refused", "invitation.refused", "invitation.rejected"}) {
				t.Errorf("invitation events %v", got)
			}
		})
	})

	// Disabling an account cancels the invitations only it could answer.
	t.Run("Disabled", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			bob := e.account("bob@example.com")
			e.inviteUser(oa, "bob@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "bob@example.com"); err != nil {
				t.Fatal(err)
			}
			if got := e.invitationStatuses(org.ID, bob.ID); !cmp.Equal(got, []string{"cancelled"}) {
				t.Errorf("bob's invitation %v, want cancelled", got)
			}
			if got := e.orgInvites(oa, tenantry.InviteUser); len(got) != 0 {
				t.Errorf("listed %v", got)
			}
			if u := e.usage(oa); u.AdminPending != 0 {
				t.Errorf("usage %+v", u)
			}
			evs := e.orgAudit(org.ID)
			last := evs[len(evs)-1]
			if last.Action != tenantry.ActionInvitationCancelled || last.ActorKind != tenantry.ActorOperator || last.TargetID != bob.ID {
				t.Errorf("last event %+v, want invitation.cancelled by the operator", last)
			}
		})
	})

	t.Run("Refused", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			_, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			bob := e.account("bob@example.com")
			e.account("dan@example.com")
			if err := e.svc.DisableUser(e.ctx, service.Operator(), "dan@example.com"); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name   string
				target service.InviteTarget
				code   tenantry.Code
			}{
				{"UnknownEmail", service.InviteTarget{Email: "nobody@example.com"}, tenantry.CodeNotFound},
				{"UnknownID", service.InviteTarget{ID: uuid.NewString()}, tenantry.CodeNotFound},
				{"NotAnID", service.InviteTarget{ID: "bob"}, tenantry.CodeNotFound},
				{"Disabled", service.InviteTarget{Email: "dan@example.com"}, tenantry.CodeNotFound},
				{"Neither", service.InviteTarget{}, tenantry.CodeInvalid},
				{"Disagree", service.InviteTarget{ID: bob.ID, Email: "dan@example.com"}, tenantry.CodeInvalid},
				{"Administrator", service.InviteTarget{ID: oa.User.ID}, tenantry.CodeAlreadyMember},
			} {
				checkCode(t, c.name, e.svc.InviteUser(e.ctx, oa, c.target), c.code)
			}
		})
	})
}

// sortRows orders invitation rows by target.
var sortRows = cmp.Transformer("sort", func(in []invitationRow) []invitationRow {
	out := append([]invitationRow(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].Target < out[i].Target {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestService_AnswerInvitation(t *testing.T) {
	// Accepting a tenant invitation makes the tenant a member at once, tells
	// the inviter and the tenant's other administrators, and audits both the
	// answer and the join.
	t.Run("Accept", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			e.member(tara, "tom@example.com", tenantry.RoleAdministrator)
			e.inviteTenant(oa, acme.ID)
			e.clock.Advance(time.Hour - time.Second)
			since := e.mark()
			res, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true)
			if err != nil {
				t.Fatalf("accept: %v", err)
			}
			if res.Status != tenantry.InvitationAccepted || res.CompletedBy == nil || res.CompletedBy.ID != tara.User.ID ||
				!res.CompletedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("result %+v", res.Invitation)
			}
			if e.orgOfTenant(acme.ID) != org.ID {
				t.Errorf("acme did not join")
			}
			ms := e.mailsSince(since)
			for _, m := range ms {
				if m.Subject != "@acme joined Alpha Org" {
					t.Errorf("subject %q", m.Subject)
				}
			}
			if diff := cmp.Diff([]string{"olga@example.com", "tom@example.com"}, recipients(ms)); diff != "" {
				t.Errorf("notice recipients (-want +got):\n%s", diff)
			}
			evs := e.orgAudit(org.ID)
			if got := []string{evs[len(evs)-2].Action, evs[len(evs)-1].Action}; !cmp.Equal(got, []string{"invitation.accepted", "tenant.joined"}) {
				t.Errorf("last events %v", got)
			}
			for _, ev := range evs[len(evs)-2:] {
				if ev.ActorID != tara.User.ID || ev.TargetID != acme.ID || ev.OrganizationID != org.ID {
					t.Errorf("event %+v", ev)
				}
			}
			// The invitation is no longer listed anywhere.
			if got := e.orgInvites(oa, tenantry.InviteTenant); len(got) != 0 {
				t.Errorf("OrgInvitations after accept %v", got)
			}
			if got := e.myInvites(tara, ""); len(got) != 0 {
				t.Errorf("MyInvitations after accept %v", got)
			}
		})
	})

	// A rejection is recorded with who and when; the organization is told
	// that the tenant rejected, not who.
	t.Run("Reject", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			e.inviteTenant(oa, acme.ID)
			res, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, false)
			if err != nil {
				t.Fatalf("reject: %v", err)
			}
			if res.Status != tenantry.InvitationRejected || res.CompletedBy == nil || res.CompletedBy.ID != tara.User.ID {
				t.Errorf("result %+v", res.Invitation)
			}
			vs, err := e.svc.OrgInvitations(e.ctx, oa, tenantry.InviteTenant)
			if err != nil || len(vs) != 1 {
				t.Fatalf("OrgInvitations %v %v", vs, err)
			}
			// Until a tenant joins, its user count and who answered are hidden.
			if !vs[0].Hidden || vs[0].Status != tenantry.InvitationRejected {
				t.Errorf("rejected tenant invitation: status %s hidden %v, want rejected and hidden", vs[0].Status, vs[0].Hidden)
			}
			m := e.mailsFor("olga@example.com")
			if len(m) != 1 {
				t.Fatalf("%d messages to olga, want the notice", len(m))
			}
			last := m[0]
			if last.Subject != "@acme rejected the invitation from Alpha Org" || strings.Contains(last.Text, "tara") {
				t.Errorf("notice to the organization: %s %q\n%s", last.To, last.Subject, last.Text)
			}
			if e.orgOfTenant(acme.ID) != "" {
				t.Errorf("a rejecting tenant joined")
			}
		})
	})

	// Every transition the state machine forbids is invitation_not_pending.
	t.Run("Transitions", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			accept := func() error { _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true); return err }
			reject := func() error { _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, false); return err }
			cancel := func() error { _, err := e.svc.CancelInvitation(e.ctx, oa, tenantry.InviteTenant, acme.ID); return err }
			ack := func() error {
				_, err := e.svc.AcknowledgeInvitation(e.ctx, oa, tenantry.InviteTenant, acme.ID)
				return err
			}

			// invited: acknowledge is refused.
			e.inviteTenant(oa, acme.ID)
			checkCode(t, "acknowledge invited", ack(), tenantry.CodeInvitationNotPending)
			// rejected: accept, reject and cancel are refused; acknowledge clears it.
			if err := reject(); err != nil {
				t.Fatal(err)
			}
			checkCode(t, "accept rejected", accept(), tenantry.CodeInvitationNotPending)
			checkCode(t, "reject rejected", reject(), tenantry.CodeInvitationNotPending)
			checkCode(t, "cancel rejected", cancel(), tenantry.CodeInvitationNotPending)
			if err := ack(); err != nil {
				t.Fatalf("acknowledge rejected: %v", err)
			}
			if got := e.orgInvites(oa, tenantry.InviteTenant); len(got) != 0 {
				t.Errorf("listed after acknowledge: %v", got)
			}
			if got := e.myInvites(tara, ""); len(got) != 0 {
				t.Errorf("tara sees an acknowledged invitation: %v", got)
			}
			checkCode(t, "acknowledge twice", ack(), tenantry.CodeNotFound)
			// cancelled: gone from every list; nothing to answer.
			e.mark()
			e.inviteTenant(oa, acme.ID)
			if err := cancel(); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			if got := e.myInvites(tara, ""); len(got) != 0 {
				t.Errorf("tara sees a cancelled invitation: %v", got)
			}
			checkCode(t, "accept cancelled", accept(), tenantry.CodeNotFound)
			checkCode(t, "cancel twice", cancel(), tenantry.CodeNotFound)
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"acknowledged", "cancelled"}) {
				t.Errorf("rows %v", got)
			}
			checkCode(t, "cancel a garbage id", func() error {
				_, err := e.svc.CancelInvitation(e.ctx, oa, tenantry.InviteTenant, "acme")
				return err
			}(), tenantry.CodeNotFound)
			if got := e.orgActions(org.ID, "invitation."); !cmp.Equal(got, []string{"invitation.created", "invitation.rejected",
				"invitation.acknowledged", "invitation.created", "invitation.cancelled"}) {
				t.Errorf("invitation events %v", got)
			}
		})
	})

	// Expiry is computed when read: listed as expired to the organization,
	// hidden from the invitee, a late accept names the expiry; the sweep
	// stores it and audits it as the system.
	t.Run("Expiry", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			bob := e.user("bob@example.com")
			bobA := e.as(e.signIn("bob@example.com"), "", "")
			e.inviteTenant(oa, acme.ID)
			e.inviteUser(oa, "bob@example.com")
			if u := e.usage(oa); u.TenantPending != 1 || u.AdminPending != 1 {
				t.Errorf("usage before expiry %+v", u)
			}
			e.clock.Advance(week)
			want := []invitationRow{{Org: "Alpha Org", Type: tenantry.InviteTenant, Target: "@acme", Status: tenantry.InvitationExpired,
				ExpiresAt: t0.Add(week), Hidden: true}}
			if diff := cmp.Diff(want, e.orgInvites(oa, tenantry.InviteTenant)); diff != "" {
				t.Errorf("OrgInvitations after expiry (-want +got):\n%s", diff)
			}
			if got := e.myInvites(tara, ""); len(got) != 0 {
				t.Errorf("tara still sees an expired invitation: %v", got)
			}
			if got := e.myInvites(bobA, ""); len(got) != 0 {
				t.Errorf("bob still sees an expired invitation: %v", got)
			}
			if u := e.usage(oa); u.TenantPending != 0 || u.AdminPending != 0 {
				t.Errorf("usage after expiry %+v: expired invitations count", u)
			}
			_, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true)
			wantCode(t, err, tenantry.CodeInvitationNotPending)
			if msg := domainError(t, err).Message; !strings.Contains(msg, t0.Add(week).Format(time.RFC3339)) {
				t.Errorf("message %q does not state the expiry %s", msg, t0.Add(week).Format(time.RFC3339))
			}
			_, err = e.svc.AnswerUserInvitation(e.ctx, bobA, org.ID, true)
			checkCode(t, "bob accepts late", err, tenantry.CodeInvitationNotPending)
			_, err = e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, false)
			checkCode(t, "tara rejects late", err, tenantry.CodeInvitationNotPending)
			_, err = e.svc.CancelInvitation(e.ctx, oa, tenantry.InviteTenant, acme.ID)
			checkCode(t, "cancel expired", err, tenantry.CodeInvitationNotPending)
			if e.orgOfTenant(acme.ID) != "" {
				t.Errorf("acme joined on a late accept")
			}

			// The sweep stores both, once, as the system.
			n, err := e.svc.SweepInvitations(e.ctx)
			if err != nil || n != 2 {
				t.Fatalf("SweepInvitations = %d, %v; want 2", n, err)
			}
			if n, _ := e.svc.SweepInvitations(e.ctx); n != 0 {
				t.Errorf("second sweep expired %d", n)
			}
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"expired"}) {
				t.Errorf("acme's row %v", got)
			}
			if got := e.invitationStatuses(org.ID, bob.ID); !cmp.Equal(got, []string{"expired"}) {
				t.Errorf("bob's row %v", got)
			}
			var expired int
			for _, ev := range e.orgAudit(org.ID) {
				if ev.Action == tenantry.ActionInvitationExpired {
					expired++
					if ev.ActorKind != tenantry.ActorSystem || ev.ActorID != "" || ev.OrganizationID != org.ID {
						t.Errorf("expiry event %+v, want by the system", ev)
					}
				}
			}
			if expired != 2 {
				t.Errorf("%d invitation.expired events, want 2", expired)
			}
			// Stored, it reads the same; acknowledge clears it.
			if diff := cmp.Diff(want, e.orgInvites(oa, tenantry.InviteTenant)); diff != "" {
				t.Errorf("OrgInvitations after sweep (-want +got):\n%s", diff)
			}
			_, err = e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true)
			checkCode(t, "accept after the sweep", err, tenantry.CodeInvitationNotPending)
			if _, err := e.svc.AcknowledgeInvitation(e.ctx, oa, tenantry.InviteTenant, acme.ID); err != nil {
				t.Errorf("acknowledge expired: %v", err)
			}
			if _, err := e.svc.AcknowledgeInvitation(e.ctx, oa, tenantry.InviteUser, bob.ID); err != nil {
				t.Errorf("acknowledge expired user invitation: %v", err)
			}
		})
	})

	// An unswept expired invitation is acknowledged from its computed state.
	t.Run("AcknowledgeUnswept", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			_, acme, _ := e.admin("tara@example.com", "acme")
			e.inviteTenant(oa, acme.ID)
			e.clock.Advance(week + time.Second)
			if _, err := e.svc.AcknowledgeInvitation(e.ctx, oa, tenantry.InviteTenant, acme.ID); err != nil {
				t.Fatalf("acknowledge: %v", err)
			}
			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"acknowledged"}) {
				t.Errorf("rows %v", got)
			}
		})
	})

	// A wrong identity gets not_found (or forbidden when it is not a tenant
	// administrator at all), and the invitation stays invited.
	t.Run("WrongIdentity", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			sam, _ := e.member(tara, "sam@example.com", tenantry.RoleStandard)
			gus, _, gusToken := e.admin("gus@example.com", "globex")
			bob := e.user("bob@example.com")
			e.inviteTenant(oa, acme.ID)
			e.inviteUser(oa, "bob@example.com")
			before := e.mailCount()

			for _, accept := range []bool{true, false} {
				_, err := e.svc.AnswerTenantInvitation(e.ctx, gus, org.ID, accept)
				checkCode(t, "another tenant's administrator", err, tenantry.CodeNotFound)
				_, err = e.svc.AnswerTenantInvitation(e.ctx, sam, org.ID, accept)
				checkCode(t, "a standard member", err, tenantry.CodeForbidden)
				_, err = e.svc.AnswerTenantInvitation(e.ctx, e.as(gusToken, "", ""), org.ID, accept)
				checkCode(t, "gus in his own tenant by default", err, tenantry.CodeNotFound)
				_, err = e.svc.AnswerUserInvitation(e.ctx, gus, org.ID, accept)
				checkCode(t, "another user", err, tenantry.CodeNotFound)
				_, err = e.svc.AnswerUserInvitation(e.ctx, tara, org.ID, accept)
				checkCode(t, "the tenant's administrator for bob", err, tenantry.CodeNotFound)
				_, err = e.svc.AnswerTenantInvitation(e.ctx, tara, uuid.NewString(), accept)
				checkCode(t, "unknown organization", err, tenantry.CodeNotFound)
				_, err = e.svc.AnswerTenantInvitation(e.ctx, tara, "alpha", accept)
				checkCode(t, "not an id", err, tenantry.CodeNotFound)
			}
			// Without a current tenant: bad_request.
			e.user("nora@example.com")
			_, err := e.svc.AnswerTenantInvitation(e.ctx, e.as(e.signIn("nora@example.com"), "", ""), org.ID, true)
			checkCode(t, "no tenant", err, tenantry.CodeBadRequest)

			if got := e.invitationStatuses(org.ID, acme.ID); !cmp.Equal(got, []string{"invited"}) {
				t.Errorf("acme's invitation %v, want invited", got)
			}
			if got := e.invitationStatuses(org.ID, bob.ID); !cmp.Equal(got, []string{"invited"}) {
				t.Errorf("bob's invitation %v, want invited", got)
			}
			if e.mailCount() != before {
				t.Errorf("wrong identities caused mail")
			}
			// The right identities still can.
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true); err != nil {
				t.Errorf("tara accepts: %v", err)
			}
			if _, err := e.svc.AnswerUserInvitation(e.ctx, e.as(e.signIn("bob@example.com"), "", ""), org.ID, true); err != nil {
				t.Errorf("bob accepts: %v", err)
			}
		})
	})

	// A tenant in another organization may be invited, but accepting is
	// tenant_in_other_organization until it leaves that one; joining one
	// organization leaves the others' invitations pending.
	t.Run("OtherOrganization", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			orgA, oa, olgaToken := e.orgOf("Alpha Org", "olga@example.com", roomy)
			orgB := e.createOrg(newLicence("Beta Org", roomy), "olga@example.com")
			ob := e.as(olgaToken, "", orgB.ID)
			tara, acme, _ := e.admin("tara@example.com", "acme")
			e.inviteTenant(oa, acme.ID)
			e.inviteTenant(ob, acme.ID)
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, orgB.ID, true); err != nil {
				t.Fatalf("join B: %v", err)
			}
			// A's invitation is still pending, for both sides.
			if got := e.myInvites(tara, "tenant"); len(got) != 1 || got[0].Org != "Alpha Org" || got[0].Status != tenantry.InvitationInvited {
				t.Errorf("tara's invitations after joining B: %v", got)
			}
			_, err := e.svc.AnswerTenantInvitation(e.ctx, tara, orgA.ID, true)
			wantCode(t, err, tenantry.CodeTenantInOtherOrganization)
			if got := e.invitationStatuses(orgA.ID, acme.ID); !cmp.Equal(got, []string{"invited"}) {
				t.Errorf("A's invitation after a refused accept: %v", got)
			}
			// Inviting a member of another organization is allowed.
			_, globex, _ := e.admin("gus@example.com", "globex")
			if err := e.svc.InviteTenant(e.ctx, ob, service.InviteTarget{ID: globex.ID}); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.RemoveOrgTenant(e.ctx, ob, acme.ID); err != nil {
				t.Fatalf("remove from B: %v", err)
			}
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, orgA.ID, true); err != nil {
				t.Fatalf("join A after leaving B: %v", err)
			}
			if e.orgOfTenant(acme.ID) != orgA.ID {
				t.Errorf("acme is not in A")
			}
		})
	})

	// Invitations belong to the organization and survive their sender: the
	// outcome goes to every administrator once the inviter is gone.
	t.Run("InviterGone", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			org, oa, _ := e.orgOf("Alpha Org", "olga@example.com", roomy)
			e.account("bob@example.com")
			e.account("carl@example.com")
			for _, email := range []string{"bob@example.com", "carl@example.com"} {
				if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), org.ID, email); err != nil {
					t.Fatal(err)
				}
			}
			tara, acme, _ := e.admin("tara@example.com", "acme")
			e.inviteTenant(oa, acme.ID)
			if err := e.svc.RemoveOrgAdmin(e.ctx, oa, oa.User.ID); err != nil {
				t.Fatal(err)
			}
			since := e.mark()
			if _, err := e.svc.AnswerTenantInvitation(e.ctx, tara, org.ID, true); err != nil {
				t.Fatalf("accept: %v", err)
			}
			if diff := cmp.Diff([]string{"bob@example.com", "carl@example.com"}, recipients(e.mailsSince(since))); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
		})
	})
}
