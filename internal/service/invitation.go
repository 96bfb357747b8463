package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"tenantry/internal/mail"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// InvitationsPerHour is how many invitations an organization may create in
// an hour (SPEC §2).
const InvitationsPerHour = 50

// InviteTarget names whom to invite: by ID, or by name (a tenant's @name) or
// email (a user's). Both given must agree.
type InviteTarget struct {
	ID    string
	Name  string // tenant invitations: @name
	Email string // user invitations
}

// InviteTenant invites a top-level tenant to the current organization, or
// sends a pending invitation again (at most every 10 minutes), or replaces a
// rejected or expired one. Every attempt is audited. Organization
// administrators only. Errors: unauthenticated, forbidden, not_found (no such
// tenant), invalid (a subtenant; neither or disagreeing id and name),
// already_member, rate_limited, licence_expired, licence_limit_exceeded.
func (s *Service) InviteTenant(ctx context.Context, a *Actor, target InviteTarget) error {
	return s.invite(ctx, a, tenantry.InviteTenant, target)
}

// InviteUser invites an existing account to administer the current
// organization; the same rules as InviteTenant. Errors: unauthenticated,
// forbidden, not_found (no such account), invalid, already_member,
// rate_limited, licence_expired, licence_limit_exceeded.
func (s *Service) InviteUser(ctx context.Context, a *Actor, target InviteTarget) error {
	return s.invite(ctx, a, tenantry.InviteUser, target)
}

func (s *Service) invite(ctx context.Context, a *Actor, kind tenantry.InvitationType, target InviteTarget) error {
	var orgID string
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		orgID = o.ID
		if o, err = s.lockOrgAsAdmin(ctx, tx, a, o.ID); err != nil {
			return err
		}
		now := s.now()
		if err := s.checkLicence(o.Licence, now); err != nil {
			return err
		}
		targetID, name, emails, err := s.resolveInviteTarget(ctx, tx, o, kind, target)
		if err != nil {
			return err
		}
		live, err := tx.LiveInvitation(ctx, o.ID, kind, targetID)
		switch {
		case err == nil && live.StatusAt(now) == tenantry.InvitationInvited:
			return s.resendInvitation(ctx, tx, a, o, live, name, emails, now)
		case err == nil:
			// Rejected or expired: acknowledge it and start afresh.
			if err := s.settleAndSet(ctx, tx, live, tenantry.InvitationAcknowledged, "", now); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, a, now, invitationEvent(tenantry.ActionInvitationAcked, live, "")); err != nil {
				return err
			}
		case !tenantry.IsCode(err, tenantry.CodeNotFound):
			return err
		}
		recent, err := tx.CountRecentInvitations(ctx, o.ID, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if recent >= s.invitesPerHour {
			e := tenantry.Errorf(tenantry.CodeRateLimited, "the organization has sent %d invitations in the last hour, the most it may; try again later", recent)
			e.RetryAfter = 600
			return e
		}
		usage, err := tx.Usage(ctx, o.ID, now)
		if err != nil {
			return err
		}
		limit := tenantry.LimitTenants
		if kind == tenantry.InviteUser {
			limit = tenantry.LimitAdministrators
		}
		if err := tenantry.CheckLimit(o.Licence, usage, limit, 1); err != nil {
			return err
		}
		inv := tenantry.Invitation{ID: newID(), OrganizationID: o.ID, Type: kind, Status: tenantry.InvitationInvited,
			InvitedBy: a.User.ID, InvitedAt: now, LastSentAt: now, ExpiresAt: now.Add(s.invitationTTL)}
		if kind == tenantry.InviteTenant {
			inv.TenantID = targetID
		} else {
			inv.UserID = targetID
		}
		if err := tx.InsertInvitation(ctx, inv); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, now, invitationEvent(tenantry.ActionInvitationCreated, inv, name)); err != nil {
			return err
		}
		return s.sendInvitation(ctx, tx, a, o, inv, name, emails)
	})
	if err != nil && orgID != "" && !errors.Is(err, context.Canceled) {
		s.auditRefusal(ctx, a, orgID, kind, target, err)
	}
	return err
}

// auditRefusal records a refused invitation attempt in its own transaction:
// the attempt's own transaction was rolled back.
func (s *Service) auditRefusal(ctx context.Context, a *Actor, orgID string, kind tenantry.InvitationType, target InviteTarget, cause error) {
	code := tenantry.ErrorCode(cause)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, a, s.now(), tenantry.AuditEvent{Action: tenantry.ActionInvitationRefused, OrganizationID: orgID,
			TargetKind: string(kind), TargetID: target.ID,
			Details: map[string]any{"code": string(code), "name": target.Name, "email": target.Email}})
	})
	if err != nil {
		s.log.WarnContext(ctx, "audit of a refused invitation failed", "err", err)
	}
}

func invitationEvent(action string, inv tenantry.Invitation, name string) tenantry.AuditEvent {
	e := tenantry.AuditEvent{Action: action, OrganizationID: inv.OrganizationID, TargetKind: string(inv.Type),
		Details: map[string]any{"invitationId": inv.ID, "name": name}}
	if inv.Type == tenantry.InviteTenant {
		e.TargetID, e.TenantID = inv.TenantID, inv.TenantID
	} else {
		e.TargetID = inv.UserID
	}
	if !inv.ExpiresAt.IsZero() {
		e.Details["expiresAt"] = inv.ExpiresAt
	}
	return e
}

// resolveInviteTarget finds the tenant or user an invitation is for, with its
// display name and the addresses to notify.
func (s *Service) resolveInviteTarget(ctx context.Context, tx *store.Tx, o tenantry.Organization, kind tenantry.InvitationType, target InviteTarget) (id, name string, emails []string, err error) {
	target.ID = strings.ToLower(strings.TrimSpace(target.ID))
	if kind == tenantry.InviteTenant {
		t, err := s.findTenant(ctx, tx, target)
		if err != nil {
			return "", "", nil, err
		}
		if t.IsSubtenant() {
			return "", "", nil, &tenantry.Error{Code: tenantry.CodeInvalid,
				Message: "@" + t.FullName() + " is a subtenant of @" + t.ParentName + "; only top-level tenants join organizations (its subtenants follow it)",
				Fields:  []tenantry.FieldError{{Field: "developerName", Message: "invite @" + t.ParentName + " instead"}}}
		}
		org, err := tx.OrgOfTopLevelTenant(ctx, t.ID)
		if err != nil {
			return "", "", nil, err
		}
		if org == o.ID {
			return "", "", nil, tenantry.Errorf(tenantry.CodeAlreadyMember, "@%s is already a member of %s", t.Name, o.Name)
		}
		emails, err := tx.TenantAdminEmails(ctx, t.ID)
		return t.ID, "@" + t.Name, emails, err
	}
	u, err := s.findUser(ctx, tx, target)
	if err != nil {
		return "", "", nil, err
	}
	if u.Status == tenantry.UserDisabled {
		return "", "", nil, tenantry.Errorf(tenantry.CodeNotFound, "no account has that email or id")
	}
	ok, err := tx.IsOrgAdmin(ctx, o.ID, u.ID)
	if err != nil {
		return "", "", nil, err
	}
	if ok {
		return "", "", nil, tenantry.Errorf(tenantry.CodeAlreadyMember, "%s is already an administrator of %s", u.Email, o.Name)
	}
	return u.ID, u.Email, []string{u.Email}, nil
}

// findTenant finds a tenant by ID or @name (a subtenant by its full name).
func (s *Service) findTenant(ctx context.Context, tx *store.Tx, target InviteTarget) (tenantry.Tenant, error) {
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such tenant")
	name := strings.TrimPrefix(strings.TrimSpace(target.Name), "@")
	var byID, byName tenantry.Tenant
	var err error
	if target.ID == "" && name == "" {
		return byID, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "name the tenant by id or developerName",
			Fields: []tenantry.FieldError{{Field: "developerName", Message: "give the tenant's @name or its id"}}}
	}
	if target.ID != "" {
		if !ValidID(target.ID) {
			return byID, notFound
		}
		if byID, err = tx.Tenant(ctx, target.ID); err != nil {
			return byID, err
		}
	}
	if name != "" {
		short, parent, isSub := strings.Cut(name, "+")
		if isSub {
			p, err := tx.TenantByName(ctx, parent)
			if err != nil {
				return byName, notFound
			}
			subs, err := tx.Subtenants(ctx, p.ID)
			if err != nil {
				return byName, err
			}
			found := false
			for _, st := range subs {
				if strings.EqualFold(st.Name, short) {
					byName, found = st.Tenant, true
				}
			}
			if !found {
				return byName, notFound
			}
		} else if byName, err = tx.TenantByName(ctx, name); err != nil {
			return byName, notFound
		}
	}
	if target.ID != "" && name != "" && byID.ID != byName.ID {
		return byID, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "the id and the developerName name different tenants",
			Fields: []tenantry.FieldError{{Field: "developerName", Message: "does not match the tenant with this id"}}}
	}
	if target.ID != "" {
		return byID, nil
	}
	return byName, nil
}

// findUser finds an account by ID or email.
func (s *Service) findUser(ctx context.Context, tx *store.Tx, target InviteTarget) (tenantry.User, error) {
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no account has that email or id")
	email := strings.TrimSpace(target.Email)
	var u tenantry.User
	var err error
	switch {
	case target.ID == "" && email == "":
		return u, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "name the user by id or email",
			Fields: []tenantry.FieldError{{Field: "email", Message: "give the user's email or id"}}}
	case target.ID != "":
		if !ValidID(target.ID) {
			return u, notFound
		}
		if u, err = tx.User(ctx, target.ID); err != nil {
			return u, notFound
		}
		if email != "" && tenantry.NormalizeEmail(email) != tenantry.NormalizeEmail(u.Email) {
			return u, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "the id and the email name different users",
				Fields: []tenantry.FieldError{{Field: "email", Message: "does not match the user with this id"}}}
		}
		return u, nil
	}
	if u, _, err = tx.UserByEmail(ctx, email); err != nil {
		return u, notFound
	}
	return u, nil
}

func (s *Service) resendInvitation(ctx context.Context, tx *store.Tx, a *Actor, o tenantry.Organization, inv tenantry.Invitation, name string, emails []string, now time.Time) error {
	if err := inv.CheckResend(now); err != nil {
		return err
	}
	inv.ExpiresAt, inv.LastSentAt = now.Add(s.invitationTTL), now
	ok, err := tx.ResendInvitation(ctx, inv.ID, inv.ExpiresAt, now)
	if err != nil {
		return err
	}
	if !ok {
		return tenantry.Errorf(tenantry.CodeInvitationNotPending, "the invitation changed while it was being sent again; try again")
	}
	if err := s.audit(ctx, tx, a, now, invitationEvent(tenantry.ActionInvitationResent, inv, name)); err != nil {
		return err
	}
	return s.sendInvitation(ctx, tx, a, o, inv, name, emails)
}

func (s *Service) sendInvitation(ctx context.Context, tx *store.Tx, a *Actor, o tenantry.Organization, inv tenantry.Invitation, name string, emails []string) error {
	d := mail.Data{OrganizationName: o.Name, ActorName: describeUser(a.User), ExpiresAt: inv.ExpiresAt,
		Link: s.link("/settings/organization")}
	kind := mail.KindUserInvitation
	if inv.Type == tenantry.InviteTenant {
		kind, d.TenantName = mail.KindTenantInvitation, name
	}
	return s.mailAll(ctx, tx, kind, emails, d)
}

// settleAndSet moves an invitation to status to from whatever live status it
// has now (storing an expiry first when it is due), in one conditional change.
func (s *Service) settleAndSet(ctx context.Context, tx *store.Tx, inv tenantry.Invitation, to tenantry.InvitationStatus, by string, now time.Time) error {
	from := inv.Status
	if from == tenantry.InvitationInvited && inv.StatusAt(now) == tenantry.InvitationExpired {
		if err := tx.SettleExpiry(ctx, inv.ID, now); err != nil {
			return err
		}
		from = tenantry.InvitationExpired
	}
	ok, err := tx.SetInvitationStatus(ctx, inv.ID, from, to, by, now)
	if err != nil {
		return err
	}
	if !ok {
		return tenantry.Errorf(tenantry.CodeInvitationNotPending, "the invitation was changed by someone else at the same moment")
	}
	return nil
}

// InvitationResult is an invitation after a change, as the API returns it.
type InvitationResult = store.InvitationView

// AnswerTenantInvitation accepts or rejects, for the current tenant, the
// invitation of organization orgID. Any administrator of the tenant decides
// for it. Accepting is one conditional change: of concurrent answers exactly
// one wins. Errors: unauthenticated, bad_request (no tenant), forbidden (not
// an administrator of the tenant), not_found (no such invitation for this
// tenant), invitation_not_pending, tenant_in_other_organization,
// licence_expired, licence_limit_exceeded (users).
func (s *Service) AnswerTenantInvitation(ctx context.Context, a *Actor, orgID string, accept bool) (InvitationResult, error) {
	if err := requireTenantAdmin(a); err != nil {
		return InvitationResult{}, err
	}
	return s.answer(ctx, a, tenantry.InviteTenant, a.TenantID, orgID, accept)
}

// AnswerUserInvitation accepts or rejects the caller's invitation to
// administer organization orgID. Errors: unauthenticated, not_found,
// invitation_not_pending, licence_expired, already_member.
func (s *Service) AnswerUserInvitation(ctx context.Context, a *Actor, orgID string, accept bool) (InvitationResult, error) {
	if err := requireUser(a); err != nil {
		return InvitationResult{}, err
	}
	return s.answer(ctx, a, tenantry.InviteUser, a.User.ID, orgID, accept)
}

func (s *Service) answer(ctx context.Context, a *Actor, kind tenantry.InvitationType, targetID, orgID string, accept bool) (InvitationResult, error) {
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no invitation from that organization")
	if !ValidID(orgID) {
		return InvitationResult{}, notFound
	}
	orgID = strings.ToLower(orgID)
	var invID string
	err := s.write(ctx, func(tx *store.Tx) error {
		if kind == tenantry.InviteTenant {
			// The tenant first, then the organization: the order every change
			// to a member tenant's users takes (see AddMember), so that joining
			// and adding a user count each other.
			if err := tx.LockTenant(ctx, targetID); err != nil {
				return err
			}
		}
		inv, err := tx.LiveInvitation(ctx, orgID, kind, targetID)
		if tenantry.IsCode(err, tenantry.CodeNotFound) {
			// Answered already (perhaps a moment ago by another
			// administrator), or never sent.
			if prev, err := tx.LatestInvitation(ctx, orgID, kind, targetID); err == nil &&
				(prev.Status == tenantry.InvitationAccepted || prev.Status == tenantry.InvitationRejected) {
				return tenantry.Errorf(tenantry.CodeInvitationNotPending, "the invitation was already %s", prev.Status)
			}
			return notFound
		}
		if err != nil {
			return err
		}
		invID = inv.ID
		now := s.now()
		act := tenantry.ActReject
		if accept {
			act = tenantry.ActAccept
		}
		to, err := inv.Transition(act, now)
		if err != nil {
			return err
		}
		o, err := tx.LockOrganization(ctx, orgID)
		if err != nil {
			return err
		}
		if accept {
			if err := s.checkLicence(o.Licence, now); err != nil {
				return err
			}
		}
		// The conditional change decides between concurrent answers; the
		// checks after it roll it back when they refuse.
		ok, err := tx.SetInvitationStatus(ctx, inv.ID, tenantry.InvitationInvited, to, a.User.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return tenantry.Errorf(tenantry.CodeInvitationNotPending, "the invitation was answered or expired a moment ago")
		}
		if accept {
			if err := s.checkJoin(ctx, tx, o, kind, targetID); err != nil {
				return err
			}
		}
		name := ""
		if kind == tenantry.InviteTenant {
			t, err := tx.Tenant(ctx, targetID)
			if err != nil {
				return err
			}
			name = "@" + t.Name
		} else {
			name = a.User.Email
		}
		action := tenantry.ActionInvitationRejected
		if accept {
			action = tenantry.ActionInvitationAccepted
			if kind == tenantry.InviteTenant {
				err = tx.AddOrgTenant(ctx, o.ID, targetID, inv.InvitedBy, now)
			} else {
				err = tx.AddOrgAdmin(ctx, o.ID, targetID, inv.InvitedBy, now)
			}
			if err != nil {
				return err
			}
		}
		// Until a tenant joins, the organization does not learn who answered
		// for it (SPEC §3): its log records a rejection without the person.
		actor, event := a, invitationEvent(action, inv, name)
		if !accept && kind == tenantry.InviteTenant {
			actor = &Actor{Kind: tenantry.ActorUser, RequestID: a.RequestID}
			event.Details["answeredBy"] = "an administrator of the tenant"
		}
		if err := s.audit(ctx, tx, actor, now, event); err != nil {
			return err
		}
		switch {
		case accept && kind == tenantry.InviteTenant:
			if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgTenantJoined, OrganizationID: o.ID,
				TenantID: targetID, TargetKind: "tenant", TargetID: targetID, Details: map[string]any{"name": name}}); err != nil {
				return err
			}
		case accept:
			if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgAdminAdded, OrganizationID: o.ID,
				TargetKind: "user", TargetID: targetID, Details: map[string]any{"email": a.User.Email, "by": "invitation"}}); err != nil {
				return err
			}
		}
		return s.notifyAnswer(ctx, tx, a, o, inv, name, accept)
	})
	if err != nil {
		return InvitationResult{}, err
	}
	return s.db.Read().Invitation(ctx, invID)
}

// checkJoin refuses accepting what the organization cannot take: a tenant in
// another organization, or more users than the licence allows.
func (s *Service) checkJoin(ctx context.Context, tx *store.Tx, o tenantry.Organization, kind tenantry.InvitationType, targetID string) error {
	if kind == tenantry.InviteUser {
		return nil
	}
	other, err := tx.OrgOfTopLevelTenant(ctx, targetID)
	if err != nil {
		return err
	}
	if other != "" && other != o.ID {
		return tenantry.Errorf(tenantry.CodeTenantInOtherOrganization,
			"the tenant belongs to another organization; it can join %s once it has left that one", o.Name)
	}
	if other == o.ID {
		return tenantry.Errorf(tenantry.CodeAlreadyMember, "the tenant is already a member of %s", o.Name)
	}
	n, err := tx.NewUsersFromTenant(ctx, o.ID, targetID)
	if err != nil {
		return err
	}
	usage, err := tx.Usage(ctx, o.ID, s.now())
	if err != nil {
		return err
	}
	return tenantry.CheckLimit(o.Licence, usage, tenantry.LimitUsers, n)
}

// notifyAnswer mails the outcome of an invitation: to the inviter while still
// an administrator, else to every administrator; a tenant invitation's outcome
// also to the tenant's other administrators.
func (s *Service) notifyAnswer(ctx context.Context, tx *store.Tx, a *Actor, o tenantry.Organization, inv tenantry.Invitation, name string, accepted bool) error {
	kind := mail.KindInvitationRejected
	if accepted {
		kind = mail.KindInvitationAccepted
	}
	d := mail.Data{OrganizationName: o.Name, ActorName: describeUser(a.User), InvitationType: string(inv.Type),
		Link: s.link("/settings/organization")}
	if inv.Type == tenantry.InviteTenant {
		d.TenantName = name
	}
	var orgSide []string
	stillAdmin := false
	if inv.InvitedBy != "" {
		var err error
		if stillAdmin, err = tx.IsOrgAdmin(ctx, o.ID, inv.InvitedBy); err != nil {
			return err
		}
	}
	if stillAdmin {
		u, err := tx.User(ctx, inv.InvitedBy)
		if err != nil {
			return err
		}
		orgSide = append(orgSide, u.Email)
	} else {
		emails, err := tx.OrgAdminEmails(ctx, o.ID)
		if err != nil {
			return err
		}
		orgSide = append(orgSide, emails...)
	}
	if inv.Type != tenantry.InviteTenant {
		return s.mailAll(ctx, tx, kind, orgSide, d)
	}
	// A tenant that rejected never joined: the organization is not told who
	// answered for it (SPEC §3). The tenant's other administrators are.
	orgData := d
	if !accepted {
		orgData.ActorName = ""
	}
	if err := s.mailAll(ctx, tx, kind, orgSide, orgData); err != nil {
		return err
	}
	tenantAdmins, err := tx.TenantAdminEmails(ctx, inv.TenantID)
	if err != nil {
		return err
	}
	var others []string
	for _, e := range tenantAdmins {
		if !strings.EqualFold(e, a.User.Email) && !containsFold(orgSide, e) {
			others = append(others, e)
		}
	}
	return s.mailAll(ctx, tx, kind, others, d)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// CancelInvitation cancels the current organization's pending invitation to a
// tenant or user (by target ID). Organization administrators only. Errors:
// unauthenticated, forbidden, not_found, invitation_not_pending.
func (s *Service) CancelInvitation(ctx context.Context, a *Actor, kind tenantry.InvitationType, targetID string) (InvitationResult, error) {
	return s.close(ctx, a, kind, targetID, tenantry.ActCancel)
}

// AcknowledgeInvitation clears the current organization's rejected or expired
// invitation to a tenant or user from every list. Organization administrators
// only. Errors: unauthenticated, forbidden, not_found, invitation_not_pending.
func (s *Service) AcknowledgeInvitation(ctx context.Context, a *Actor, kind tenantry.InvitationType, targetID string) (InvitationResult, error) {
	return s.close(ctx, a, kind, targetID, tenantry.ActAcknowledge)
}

func (s *Service) close(ctx context.Context, a *Actor, kind tenantry.InvitationType, targetID string, act tenantry.InvitationAction) (InvitationResult, error) {
	var invID string
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		notFound := tenantry.Errorf(tenantry.CodeNotFound, "no invitation to that %s", kind)
		if !ValidID(targetID) {
			return notFound
		}
		inv, err := tx.LiveInvitation(ctx, o.ID, kind, strings.ToLower(targetID))
		if tenantry.IsCode(err, tenantry.CodeNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		invID = inv.ID
		now := s.now()
		to, err := inv.Transition(act, now)
		if err != nil {
			return err
		}
		if err := s.settleAndSet(ctx, tx, inv, to, "", now); err != nil {
			return err
		}
		action := tenantry.ActionInvitationCancelled
		if act == tenantry.ActAcknowledge {
			action = tenantry.ActionInvitationAcked
		}
		return s.audit(ctx, tx, a, now, invitationEvent(action, inv, ""))
	})
	if err != nil {
		return InvitationResult{}, err
	}
	return s.db.Read().Invitation(ctx, invID)
}

// InvitationView is an invitation as a listing shows it, with its status at
// the time of reading.
type InvitationView struct {
	store.InvitationView
	// Hidden says that who answered and the tenant's user count are not shown
	// (a tenant that has not joined).
	Hidden bool
}

// MyInvitations lists the invited and rejected invitations addressed to the
// caller and, when they administer the current tenant, to it. typ is "",
// "tenant" or "user". Errors: unauthenticated, invalid (another type).
func (s *Service) MyInvitations(ctx context.Context, a *Actor, typ string) ([]InvitationView, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	typ = strings.ToLower(strings.TrimSpace(typ))
	if typ != "" && typ != string(tenantry.InviteTenant) && typ != string(tenantry.InviteUser) {
		return nil, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "type is tenant or user",
			Fields: []tenantry.FieldError{{Field: "type", Message: "use tenant, user, or leave it out for both"}}}
	}
	c := s.db.Read()
	var all []store.InvitationView
	if typ != string(tenantry.InviteUser) && a.TenantID != "" && a.Role == tenantry.RoleAdministrator {
		vs, err := c.InvitationsToTenant(ctx, a.TenantID)
		if err != nil {
			return nil, err
		}
		all = append(all, vs...)
	}
	if typ != string(tenantry.InviteTenant) {
		vs, err := c.InvitationsToUser(ctx, a.User.ID)
		if err != nil {
			return nil, err
		}
		all = append(all, vs...)
	}
	now := s.now()
	out := []InvitationView{}
	for _, v := range all {
		v.Status = v.StatusAt(now)
		if v.Status == tenantry.InvitationInvited || v.Status == tenantry.InvitationRejected {
			out = append(out, InvitationView{InvitationView: v})
		}
	}
	return out, nil
}

// OrgInvitations lists what the current organization sent of a kind that is
// invited, rejected or expired. Until a tenant joins, its user count and who
// answered stay hidden. Organization administrators only. Errors:
// unauthenticated, forbidden, not_found.
func (s *Service) OrgInvitations(ctx context.Context, a *Actor, kind tenantry.InvitationType) ([]InvitationView, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return nil, err
	}
	vs, err := c.OrgInvitations(ctx, o.ID, kind)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]InvitationView, 0, len(vs))
	for _, v := range vs {
		v.Status = v.StatusAt(now)
		out = append(out, InvitationView{InvitationView: v, Hidden: kind == tenantry.InviteTenant && !v.TenantIsMember})
	}
	return out, nil
}

// SweepInvitations stores the expiry of invitations past it and audits each
// (actor system). It returns how many expired.
func (s *Service) SweepInvitations(ctx context.Context) (int, error) {
	var n int
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		expired, err := tx.ExpireInvitations(ctx, now, 500)
		if err != nil {
			return err
		}
		for _, inv := range expired {
			if err := s.audit(ctx, tx, nil, now, invitationEvent(tenantry.ActionInvitationExpired, inv, "")); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}
