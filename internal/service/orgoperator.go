package service

import (
	"context"
	"strings"
	"time"

	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// CreateOrganization creates an organization from a licence, with adminEmail's
// account as its first administrator. Operator only. Errors: forbidden,
// invalid (a damaged, foreign or reused licence), licence_expired (expired or
// not yet valid), not_found (no such account).
func (s *Service) CreateOrganization(ctx context.Context, a *Actor, licenceText, adminEmail string) (tenantry.Organization, error) {
	if err := requireOperator(a); err != nil {
		return tenantry.Organization{}, err
	}
	l, err := s.verifyLicence(licenceText)
	if err != nil {
		return tenantry.Organization{}, err
	}
	now := s.now()
	switch {
	case now.Before(l.NotBefore):
		return tenantry.Organization{}, tenantry.Errorf(tenantry.CodeLicenceExpired, "this licence is not valid before %s", l.NotBefore.Format(time.RFC3339))
	case !now.Before(l.ExpiresAt):
		return tenantry.Organization{}, tenantry.Errorf(tenantry.CodeLicenceExpired, "this licence expired at %s", l.ExpiresAt.Format(time.RFC3339))
	}
	o := tenantry.Organization{ID: newID(), Name: l.OrganizationName, Licence: l, CreatedAt: now}
	err = s.write(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByEmail(ctx, adminEmail)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserDisabled {
			return tenantry.Errorf(tenantry.CodeInvalid, "the account %s is disabled and cannot administer an organization", u.Email)
		}
		if err := tx.CreateOrganization(ctx, o, strings.TrimSpace(licenceText)); err != nil {
			return err
		}
		if err := tx.AddOrgAdmin(ctx, o.ID, u.ID, "", now); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgCreated, OrganizationID: o.ID,
			TargetKind: "organization", TargetID: o.ID, Details: map[string]any{"name": o.Name, "licenceId": l.ID,
				"administrator": u.Email, "development": l.Development}})
	})
	return o, err
}

func (s *Service) verifyLicence(text string) (tenantry.Licence, error) {
	if s.licences == nil {
		return tenantry.Licence{}, tenantry.Errorf(tenantry.CodeInternal, "no licence authority is configured")
	}
	return s.licences.Verify(text)
}

// ReplaceLicence renews or replaces an organization's licence: the same
// licensee, issued later than the current one, never used before. A licence
// below current usage removes nothing; it only refuses further additions.
// Operator only. Errors: forbidden, not_found, invalid, licence_expired.
func (s *Service) ReplaceLicence(ctx context.Context, a *Actor, orgID, licenceText string) (ReplacedLicence, error) {
	if err := requireOperator(a); err != nil {
		return ReplacedLicence{}, err
	}
	l, err := s.verifyLicence(licenceText)
	if err != nil {
		return ReplacedLicence{}, err
	}
	now := s.now()
	if !now.Before(l.ExpiresAt) {
		return ReplacedLicence{}, tenantry.Errorf(tenantry.CodeLicenceExpired, "this licence expired at %s", l.ExpiresAt.Format(time.RFC3339))
	}
	var o ReplacedLicence
	err = s.write(ctx, func(tx *store.Tx) error {
		if !ValidID(orgID) {
			return tenantry.Errorf(tenantry.CodeNotFound, "no such organization")
		}
		old, err := tx.LockOrganization(ctx, strings.ToLower(orgID))
		if err != nil {
			return err
		}
		if l.Licensee != old.Licence.Licensee {
			return tenantry.Errorf(tenantry.CodeInvalid, "the new licence is for %q, the organization's for %q; a replacement keeps the licensee",
				l.Licensee, old.Licence.Licensee)
		}
		if !l.IssuedAt.After(old.Licence.IssuedAt) {
			return tenantry.Errorf(tenantry.CodeInvalid, "the new licence was issued %s, not after the current one (%s)",
				l.IssuedAt.Format("2006-01-02 15:04:05Z07:00"), old.Licence.IssuedAt.Format("2006-01-02 15:04:05Z07:00"))
		}
		if err := tx.ReplaceLicence(ctx, old.ID, l, strings.TrimSpace(licenceText), now); err != nil {
			return err
		}
		o.Organization = old
		o.Name, o.Licence = l.OrganizationName, l
		if o.Usage, err = tx.Usage(ctx, o.ID, now); err != nil {
			return err
		}
		o.Exceeded = l.Exceeded(o.Usage)
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgLicenceReplaced, OrganizationID: o.ID,
			TargetKind: "organization", TargetID: o.ID, Details: map[string]any{"from": old.Licence.ID, "to": l.ID,
				"expiresAt": l.ExpiresAt, "limits": l.Limits}})
	})
	return o, err
}

// ReplacedLicence is an organization with its new licence, its usage, and
// the limits that usage is already above (nothing is removed; those
// additions are refused).
type ReplacedLicence struct {
	tenantry.Organization
	Usage    tenantry.Usage
	Exceeded []tenantry.LimitKind
}

// AddOrgAdminByOperator makes an account an administrator of an organization,
// to recover one whose administrators are gone; it may exceed the licence.
// Operator only. Errors: forbidden, not_found, already_member, invalid
// (disabled account).
func (s *Service) AddOrgAdminByOperator(ctx context.Context, a *Actor, orgID, email string) (tenantry.Organization, error) {
	if err := requireOperator(a); err != nil {
		return tenantry.Organization{}, err
	}
	var o tenantry.Organization
	err := s.write(ctx, func(tx *store.Tx) error {
		if !ValidID(orgID) {
			return tenantry.Errorf(tenantry.CodeNotFound, "no such organization")
		}
		var err error
		if o, err = tx.LockOrganization(ctx, strings.ToLower(orgID)); err != nil {
			return err
		}
		u, _, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserDisabled {
			return tenantry.Errorf(tenantry.CodeInvalid, "the account %s is disabled", u.Email)
		}
		now := s.now()
		if err := tx.AddOrgAdmin(ctx, o.ID, u.ID, "", now); err != nil {
			return err
		}
		// A pending invitation to this user is now moot.
		if live, err := tx.LiveInvitation(ctx, o.ID, tenantry.InviteUser, u.ID); err == nil && live.Status == tenantry.InvitationInvited {
			cancelled, err := tx.SetInvitationStatus(ctx, live.ID, tenantry.InvitationInvited, tenantry.InvitationCancelled, "", now)
			if err != nil {
				return err
			}
			if cancelled {
				if err := s.audit(ctx, tx, a, now, invitationEvent(tenantry.ActionInvitationCancelled, live, u.Email)); err != nil {
					return err
				}
			}
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgAdminAddedOperator, OrganizationID: o.ID,
			TargetKind: "user", TargetID: u.ID, Details: map[string]any{"email": u.Email}})
	})
	return o, err
}

// DeleteOrganization deletes an organization: its memberships, runtime
// connections and shares, and invitations end; tenants, accounts and the audit
// log stay. Operator only. Errors: forbidden, not_found.
func (s *Service) DeleteOrganization(ctx context.Context, a *Actor, orgID string) error {
	if err := requireOperator(a); err != nil {
		return err
	}
	var runtimes []string
	err := s.write(ctx, func(tx *store.Tx) error {
		if !ValidID(orgID) {
			return tenantry.Errorf(tenantry.CodeNotFound, "no such organization")
		}
		o, err := tx.LockOrganization(ctx, strings.ToLower(orgID))
		if err != nil {
			return err
		}
		if runtimes, err = tx.RuntimeIDs(ctx, o.ID); err != nil {
			return err
		}
		if err := tx.DeleteOrganization(ctx, o.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, s.now(), tenantry.AuditEvent{Action: tenantry.ActionOrgDeleted, OrganizationID: o.ID,
			TargetKind: "organization", TargetID: o.ID, Details: map[string]any{"name": o.Name, "licenceId": o.Licence.ID}})
	})
	if err == nil {
		for _, id := range runtimes {
			s.runtimeEvent(RuntimeEvent{RuntimeID: id, Revoked: true})
		}
	}
	return err
}

// OrganizationSummary is an organization as the operator's list shows it.
type OrganizationSummary struct {
	Org   tenantry.Organization
	Usage tenantry.Usage
}

// ListOrganizations lists every organization with its usage. Operator only.
func (s *Service) ListOrganizations(ctx context.Context, a *Actor) ([]OrganizationSummary, error) {
	if err := requireOperator(a); err != nil {
		return nil, err
	}
	c := s.db.Read()
	orgs, err := c.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]OrganizationSummary, 0, len(orgs))
	for _, o := range orgs {
		u, err := c.Usage(ctx, o.ID, now)
		if err != nil {
			return nil, err
		}
		out = append(out, OrganizationSummary{Org: o, Usage: u})
	}
	return out, nil
}

// FailedMail lists messages that could not be delivered. Operator only.
func (s *Service) FailedMail(ctx context.Context, a *Actor, limit int) ([]store.Mail, error) {
	if err := requireOperator(a); err != nil {
		return nil, err
	}
	return s.db.Read().FailedMail(ctx, limit)
}
