package service_test

import (
	"fmt"
	"testing"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// Every scenario runs raceRounds times, each on a fresh organization, on
// both databases; the racing calls are released together.

// raceWorld holds the accounts every round reuses (signed in once: sign-in
// costs an argon2id verification and is rate limited).
type raceWorld struct {
	olgaToken, bobToken string // organization administrators
	adaToken, danToken  string // administrators of the round's tenant
}

func newRaceWorld(e *env) raceWorld {
	e.t.Helper()
	for _, email := range []string{"olga@example.com", "bob@example.com", "ada@example.com", "dan@example.com"} {
		e.user(email)
	}
	return raceWorld{olgaToken: e.signIn("olga@example.com"), bobToken: e.signIn("bob@example.com"),
		adaToken: e.signIn("ada@example.com"), danToken: e.signIn("dan@example.com")}
}

// round makes a fresh organization administered by olga (and bob, when
// withBob), and a fresh top-level tenant administered by ada and dan. It
// returns the organization and the four actors.
func (w raceWorld) round(e *env, i int, limits tenantry.Limits, withBob bool) (o tenantry.Organization, olga, bob, ada, dan *service.Actor) {
	e.t.Helper()
	o = e.createOrg(newLicence(fmt.Sprintf("Org %02d", i), limits), "olga@example.com")
	if withBob {
		if _, err := e.svc.AddOrgAdminByOperator(e.ctx, service.Operator(), o.ID, "bob@example.com"); err != nil {
			e.t.Fatal(err)
		}
		bob = e.as(w.bobToken, "", o.ID)
	}
	tn := e.tenant(fmt.Sprintf("race-%02d", i), "ada@example.com")
	ada = e.as(w.adaToken, tn.ID, "")
	e.addMember(ada, "dan@example.com", tenantry.RoleAdministrator)
	dan = e.as(w.danToken, tn.ID, "")
	return o, e.as(w.olgaToken, "", o.ID), bob, ada, dan
}

// outcome counts the racing calls that succeeded and the codes of the others.
func outcome(errs []error) (ok int, codes map[tenantry.Code]int) {
	codes = map[tenantry.Code]int{}
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			codes[tenantry.ErrorCode(err)]++
		}
	}
	return ok, codes
}

func TestService_OrgConcurrency(t *testing.T) {
	// Two administrators of a tenant accept its invitation at once: exactly
	// one succeeds; the tenant joins once and the invitation is accepted once.
	t.Run("ConcurrentAccept", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, _, ada, dan := w.round(e, i, roomy, false)
				e.inviteTenant(olga, ada.TenantID)
				errs := raceN(2, func(k int) error {
					_, err := e.svc.AnswerTenantInvitation(e.ctx, []*service.Actor{ada, dan}[k], o.ID, true)
					return err
				})
				if ok, _ := outcome(errs); ok != 1 {
					t.Errorf("round %d: %d accepts succeeded (%v), want exactly 1", i, ok, errs)
				}
				if n := e.count("SELECT COUNT(*) FROM org_tenants WHERE tenant_id = $1", ada.TenantID); n != 1 {
					t.Errorf("round %d: %d memberships", i, n)
				}
				if got := e.invitationStatuses(o.ID, ada.TenantID); len(got) != 1 || got[0] != "accepted" {
					t.Errorf("round %d: invitations %v, want one accepted", i, got)
				}
				if got := e.orgActions(o.ID, tenantry.ActionOrgTenantJoined); len(got) != 1 {
					t.Errorf("round %d: %d join events", i, len(got))
				}
			}
		})
	})

	// SPEC §3: of concurrent accepts, the others get invitation_not_pending.
	t.Run("ConcurrentAcceptLoserCode", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, _, ada, dan := w.round(e, i, roomy, false)
				e.inviteTenant(olga, ada.TenantID)
				errs := raceN(2, func(k int) error {
					_, err := e.svc.AnswerTenantInvitation(e.ctx, []*service.Actor{ada, dan}[k], o.ID, true)
					return err
				})
				if ok, codes := outcome(errs); ok != 1 || codes[tenantry.CodeInvitationNotPending] != 1 {
					t.Errorf("round %d: %v, want one success and one invitation_not_pending", i, errs)
				}
				_, err := e.svc.AnswerTenantInvitation(e.ctx, ada, o.ID, true)
				checkCode(t, fmt.Sprintf("round %d: accept again", i), err, tenantry.CodeInvitationNotPending)
			}
		})
	})

	// The two last administrators leave at once: exactly one leaves.
	t.Run("ConcurrentLeave", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, bob, _, _ := w.round(e, i, roomy, true)
				errs := raceN(2, func(k int) error {
					a := []*service.Actor{olga, bob}[k]
					return e.svc.RemoveOrgAdmin(e.ctx, a, a.User.ID)
				})
				checkOneAdminLeft(t, e, i, o.ID, errs)
			}
		})
	})

	// Two administrators, the only two, remove each other at once.
	t.Run("ConcurrentMutualRemoval", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, bob, _, _ := w.round(e, i, roomy, true)
				errs := raceN(2, func(k int) error {
					if k == 0 {
						return e.svc.RemoveOrgAdmin(e.ctx, olga, bob.User.ID)
					}
					return e.svc.RemoveOrgAdmin(e.ctx, bob, olga.User.ID)
				})
				// The loser is refused as the last administrator's remover
				// when both checked at once, or as no longer an administrator
				// (not_found) when the winner's removal came first.
				ok, codes := outcome(errs)
				if ok != 1 || codes[tenantry.CodeLastAdministrator]+codes[tenantry.CodeNotFound] != 1 {
					t.Errorf("round %d: %v, want one success and one last_administrator or not_found", i, errs)
				}
				if n := e.count("SELECT COUNT(*) FROM org_admins WHERE organization_id = $1", o.ID); n != 1 {
					t.Errorf("round %d: %d administrators, want 1", i, n)
				}
			}
		})
	})

	// One leaves while the other removes them.
	t.Run("ConcurrentLeaveAndRemoval", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, bob, _, _ := w.round(e, i, roomy, true)
				errs := raceN(2, func(k int) error {
					if k == 0 {
						return e.svc.RemoveOrgAdmin(e.ctx, olga, olga.User.ID)
					}
					return e.svc.RemoveOrgAdmin(e.ctx, bob, olga.User.ID)
				})
				// Both end olga's role: one succeeds, the other finds her
				// gone (not_found).
				ok, codes := outcome(errs)
				if ok != 1 || codes[tenantry.CodeNotFound] != 1 {
					t.Errorf("round %d: %v, want one success and one not_found", i, errs)
				}
				if n := e.count("SELECT COUNT(*) FROM org_admins WHERE organization_id = $1", o.ID); n != 1 {
					t.Errorf("round %d: %d administrators, want 1", i, n)
				}
			}
		})
	})

	// Many tenants created and invited at once at the tenants limit: never
	// over it.
	t.Run("ConcurrentProvisioningAtLimit", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			const racers = 8
			for i := range raceRounds {
				limits := roomy
				limits.Tenants = 3
				o, olga, _, _, _ := w.round(e, i, limits, false)
				e.orgTenant(olga, fmt.Sprintf("first-%02d", i))
				var invitees []string
				for k := range racers / 2 {
					invitees = append(invitees, e.bareTenant(fmt.Sprintf("inv-%02d-%d", i, k)).ID)
				}
				errs := raceN(racers, func(k int) error {
					if k%2 == 0 {
						_, err := e.svc.CreateOrgTenant(e.ctx, olga, fmt.Sprintf("new-%02d-%d", i, k),
							[]service.NewTenantUser{{ID: olga.User.ID, Role: tenantry.RoleAdministrator}})
						return err
					}
					return e.svc.InviteTenant(e.ctx, olga, service.InviteTarget{ID: invitees[k/2]})
				})
				ok, codes := outcome(errs)
				if ok != 2 || codes[tenantry.CodeLicenceLimitExceeded] != racers-2 {
					t.Errorf("round %d: %d succeeded, refusals %v; want 2 and %d licence_limit_exceeded", i, ok, codes, racers-2)
				}
				members := e.count("SELECT COUNT(*) FROM org_tenants WHERE organization_id = $1", o.ID)
				pending := e.count("SELECT COUNT(*) FROM invitations WHERE organization_id = $1 AND status = 'invited'", o.ID)
				if members+pending != 3 {
					t.Errorf("round %d: %d members + %d invited, want 3 in all", i, members, pending)
				}
				if u := e.usage(olga); u.Used(tenantry.LimitTenants) != 3 {
					t.Errorf("round %d: usage %+v", i, u)
				}
			}
		})
	})

	// Only CreateOrgTenant, from many goroutines, at the limit.
	t.Run("ConcurrentCreateAtLimit", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			const racers = 6
			for i := range raceRounds {
				limits := roomy
				limits.Tenants = 2
				o, olga, _, _, _ := w.round(e, i, limits, false)
				e.orgTenant(olga, fmt.Sprintf("first-%02d", i))
				errs := raceN(racers, func(k int) error {
					_, err := e.svc.CreateOrgTenant(e.ctx, olga, fmt.Sprintf("new-%02d-%d", i, k),
						[]service.NewTenantUser{{ID: olga.User.ID, Role: tenantry.RoleAdministrator}})
					return err
				})
				ok, codes := outcome(errs)
				if ok != 1 || codes[tenantry.CodeLicenceLimitExceeded] != racers-1 {
					t.Errorf("round %d: %d created, refusals %v", i, ok, codes)
				}
				if n := e.count("SELECT COUNT(*) FROM org_tenants WHERE organization_id = $1", o.ID); n != 2 {
					t.Errorf("round %d: %d member tenants, want the limit 2", i, n)
				}
			}
		})
	})

	// An invitation to a member tenant races its removal: either the invite
	// came first (already_member) and the tenant is out with no invitation,
	// or the removal came first and the tenant is out and invited. Never a
	// live invitation for a member tenant.
	t.Run("ConcurrentInviteAndRemove", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, bob, ada, _ := w.round(e, i, roomy, true)
				e.join(olga, ada, o.ID)
				errs := raceN(2, func(k int) error {
					if k == 0 {
						return e.svc.InviteTenant(e.ctx, olga, service.InviteTarget{ID: ada.TenantID})
					}
					return e.svc.RemoveOrgTenant(e.ctx, bob, ada.TenantID)
				})
				if errs[1] != nil {
					t.Errorf("round %d: remove: %v", i, errs[1])
				}
				member := e.orgOfTenant(ada.TenantID) == o.ID
				live := e.count(`SELECT COUNT(*) FROM invitations WHERE organization_id = $1 AND tenant_id = $2
					AND status IN ('invited', 'rejected', 'expired')`, o.ID, ada.TenantID)
				accepted := e.count("SELECT COUNT(*) FROM invitations WHERE organization_id = $1 AND tenant_id = $2 AND status = 'accepted'", o.ID, ada.TenantID)
				switch {
				case member && live > 0:
					t.Errorf("round %d: a member tenant with a live invitation", i)
				case member && accepted == 0:
					t.Errorf("round %d: a membership without its accepted invitation", i)
				case member:
					t.Errorf("round %d: the removal did not take", i)
				case errs[0] == nil && live != 1:
					t.Errorf("round %d: the invite succeeded but %d live invitations", i, live)
				case errs[0] != nil && (!tenantry.IsCode(errs[0], tenantry.CodeAlreadyMember) || live != 0):
					t.Errorf("round %d: invite %v with %d live invitations, want already_member and none", i, errs[0], live)
				}
			}
		})
	})

	// An accept races a cancel of the same invitation: either the tenant is a
	// member and the invitation accepted, or neither.
	t.Run("ConcurrentAcceptAndCancel", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, _, ada, _ := w.round(e, i, roomy, false)
				e.inviteTenant(olga, ada.TenantID)
				errs := raceN(2, func(k int) error {
					var err error
					if k == 0 {
						_, err = e.svc.AnswerTenantInvitation(e.ctx, ada, o.ID, true)
					} else {
						_, err = e.svc.CancelInvitation(e.ctx, olga, tenantry.InviteTenant, ada.TenantID)
					}
					return err
				})
				member := e.orgOfTenant(ada.TenantID) == o.ID
				got := e.invitationStatuses(o.ID, ada.TenantID)
				if ok, _ := outcome(errs); ok != 1 {
					t.Errorf("round %d: %v, want exactly one success", i, errs)
				}
				switch {
				case len(got) != 1:
					t.Errorf("round %d: invitations %v", i, got)
				case member != (got[0] == "accepted"):
					t.Errorf("round %d: member %v with the invitation %s", i, member, got[0])
				case member && errs[0] != nil, !member && errs[1] != nil:
					t.Errorf("round %d: the outcome %v does not match the answers %v", i, got, errs)
				}
			}
		})
	})

	// One tenant accepts two organizations' invitations at once (two of its
	// administrators): it joins exactly one.
	t.Run("ConcurrentAcceptOfTwoOrganizations", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, _, ada, dan := w.round(e, i, roomy, false)
				o2 := e.createOrg(newLicence(fmt.Sprintf("Second %02d", i), roomy), "olga@example.com")
				e.inviteTenant(olga, ada.TenantID)
				e.inviteTenant(e.as(w.olgaToken, "", o2.ID), ada.TenantID)
				errs := raceN(2, func(k int) error {
					var err error
					if k == 0 {
						_, err = e.svc.AnswerTenantInvitation(e.ctx, ada, o.ID, true)
					} else {
						_, err = e.svc.AnswerTenantInvitation(e.ctx, dan, o2.ID, true)
					}
					return err
				})
				ok, codes := outcome(errs)
				if ok != 1 || codes[tenantry.CodeTenantInOtherOrganization] != 1 {
					t.Errorf("round %d: %v, want one success and one tenant_in_other_organization", i, errs)
				}
				if n := e.count("SELECT COUNT(*) FROM org_tenants WHERE tenant_id = $1", ada.TenantID); n != 1 {
					t.Errorf("round %d: %d memberships", i, n)
				}
				// The loser's invitation is still pending.
				loser := o2.ID
				if errs[0] != nil {
					loser = o.ID
				}
				if got := e.invitationStatuses(loser, ada.TenantID); len(got) != 1 || got[0] != "invited" {
					t.Errorf("round %d: the other organization's invitation %v, want invited", i, got)
				}
			}
		})
	})

	// Two organization administrators invite the same tenant at once: one
	// invitation; the second is a resend, too soon.
	t.Run("ConcurrentInvite", func(t *testing.T) {
		orgDialects(t, func(t testing.TB, e *env) {
			w := newRaceWorld(e)
			for i := range raceRounds {
				o, olga, bob, ada, _ := w.round(e, i, roomy, true)
				errs := raceN(2, func(k int) error {
					return e.svc.InviteTenant(e.ctx, []*service.Actor{olga, bob}[k], service.InviteTarget{ID: ada.TenantID})
				})
				ok, codes := outcome(errs)
				if ok != 1 || codes[tenantry.CodeRateLimited] != 1 {
					t.Errorf("round %d: %v, want one invitation and one rate_limited", i, errs)
				}
				if got := e.invitationStatuses(o.ID, ada.TenantID); len(got) != 1 || got[0] != "invited" {
					t.Errorf("round %d: invitations %v", i, got)
				}
			}
		})
	})
}

// A tenant joins while one of its administrators adds a user to it, at the
// users limit: one of the two must be refused, or the organization ends over
// its licence.
func TestService_OrgConcurrency_JoinAndAddMemberAtUsersLimit(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		w := newRaceWorld(e)
		for i := range raceRounds {
			// ada and dan administer the tenant; olga's organization has room
			// for exactly those two users more (olga herself is in none of
			// its tenants).
			limits := roomy
			limits.Users = 2
			o, olga, _, ada, dan := w.round(e, i, limits, false)
			e.inviteTenant(olga, ada.TenantID)
			errs := raceN(2, func(k int) error {
				if k == 0 {
					_, err := e.svc.AnswerTenantInvitation(e.ctx, ada, o.ID, true)
					return err
				}
				_, err := e.svc.AddMember(e.ctx, dan, service.AddMemberInput{Email: fmt.Sprintf("new-%02d@example.com", i)})
				return err
			})
			u := e.usage(olga)
			if u.Users > limits.Users {
				t.Errorf("round %d: %d users over a limit of %d (accept: %v, add: %v)", i, u.Users, limits.Users, errs[0], errs[1])
			}
			if ok, codes := outcome(errs); ok != 1 || codes[tenantry.CodeLicenceLimitExceeded] != 1 {
				t.Errorf("round %d: %v, want one success and one licence_limit_exceeded", i, errs)
			}
		}
	})
}

// TestService_OrgConcurrency_ShareAndRemoval: a runtime shared with a tenant
// while the tenant is removed from the organization never keeps the share.
func TestService_OrgConcurrency_ShareAndRemoval(t *testing.T) {
	orgDialects(t, func(t testing.TB, e *env) {
		w := newRaceWorld(e)
		for i := range raceRounds {
			o, olga, _, _, _ := w.round(e, i, roomy, false)
			ot := e.orgTenant(olga, fmt.Sprintf("shared-%02d", i))
			d, _, err := e.svc.CreateRuntime(e.ctx, olga, fmt.Sprintf("rt-%02d", i), nil)
			if err != nil {
				t.Fatal(err)
			}
			errs := raceN(2, func(k int) error {
				if k == 0 {
					ids := []string{ot.Tenant.ID}
					_, err := e.svc.UpdateRuntime(e.ctx, olga, d.Runtime.ID, nil, &ids)
					return err
				}
				return e.svc.RemoveOrgTenant(e.ctx, olga, ot.Tenant.ID)
			})
			if errs[1] != nil || (errs[0] != nil && !tenantry.IsCode(errs[0], tenantry.CodeNotFound)) {
				t.Errorf("round %d: share %v, removal %v; want the removal to succeed and the share to succeed or be not_found", i, errs[0], errs[1])
			}
			if org := e.orgOfTenant(ot.Tenant.ID); org == o.ID {
				t.Errorf("round %d: the tenant is still in the organization", i)
			}
			if n := e.count("SELECT COUNT(*) FROM runtime_shares WHERE tenant_id = $1", ot.Tenant.ID); n != 0 {
				t.Errorf("round %d: the removed tenant keeps %d runtime shares", i, n)
			}
		}
	})
}

// checkOneAdminLeft checks that of two racing removals exactly one succeeded,
// the other was last_administrator, and the organization kept one
// administrator.
func checkOneAdminLeft(t testing.TB, e *env, round int, orgID string, errs []error) {
	t.Helper()
	ok, codes := outcome(errs)
	if ok != 1 || codes[tenantry.CodeLastAdministrator] != 1 {
		t.Errorf("round %d: %v, want one success and one last_administrator", round, errs)
	}
	if n := e.count("SELECT COUNT(*) FROM org_admins WHERE organization_id = $1", orgID); n != 1 {
		t.Errorf("round %d: %d administrators, want 1", round, n)
	}
}
