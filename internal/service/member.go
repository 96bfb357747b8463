package service

import (
	"tenantry/internal/mail"
	"time"

	"context"
	"strings"

	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// Members returns one page of the current tenant's members and the total.
// Errors: unauthenticated, bad_request, forbidden, invalid (page).
func (s *Service) Members(ctx context.Context, a *Actor, p Page) ([]tenantry.Member, int, Page, error) {
	if err := requireTenantAdmin(a); err != nil {
		return nil, 0, p, err
	}
	p, err := p.validate()
	if err != nil {
		return nil, 0, p, err
	}
	members, total, err := s.db.Read().Members(ctx, a.TenantID, p.offset(), p.PageSize)
	return members, total, p, err
}

// Member returns one member of the current tenant. Errors: unauthenticated,
// bad_request, forbidden, not_found (not a member, or not an ID).
func (s *Service) Member(ctx context.Context, a *Actor, userID string) (tenantry.Member, error) {
	if err := requireTenantAdmin(a); err != nil {
		return tenantry.Member{}, err
	}
	if !ValidID(userID) {
		return tenantry.Member{}, tenantry.Errorf(tenantry.CodeNotFound, "no such user in this tenant")
	}
	return s.db.Read().Member(ctx, a.TenantID, strings.ToLower(userID))
}

// AddMemberInput names the user to add, by ID or email, and their role.
type AddMemberInput struct {
	ID        string
	Email     string
	FirstName string // used only when the email has no account yet
	LastName  string
	Role      tenantry.Role // RoleStandard when empty
}

// AddMember adds a user to the current tenant. An email with no account
// creates a pending account (a member at once). A known email adds that
// account and ignores the names. An ID must be a user who shares a tenant with
// the caller. A pending member added again gets a new set-up link (the old
// one void) and stays as they were. Errors: unauthenticated, bad_request,
// forbidden, invalid (neither or disagreeing id and email, bad email or
// names), not_found (an ID the caller may not see), already_member (an active
// member).
func (s *Service) AddMember(ctx context.Context, a *Actor, in AddMemberInput) (tenantry.Member, error) {
	if err := requireTenantAdmin(a); err != nil {
		return tenantry.Member{}, err
	}
	in.ID, in.Email = strings.ToLower(strings.TrimSpace(in.ID)), strings.TrimSpace(in.Email)
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if in.Role == "" {
		in.Role = tenantry.RoleStandard
	}
	var v tenantry.Validation
	v.Check("role", in.Role.Check())
	switch {
	case in.ID == "" && in.Email == "":
		v.Add("email", "name the user by email or id")
	case in.ID != "" && !ValidID(in.ID):
		v.Add("id", "this is not a user ID")
	case in.Email != "":
		v.Check("email", tenantry.ValidateEmail(in.Email))
	}
	v.Check("firstName", tenantry.ValidatePersonName(in.FirstName))
	v.Check("lastName", tenantry.ValidatePersonName(in.LastName))
	if err := v.Err(); err != nil {
		return tenantry.Member{}, err
	}
	var out tenantry.Member
	err := s.write(ctx, func(tx *store.Tx) error {
		// The top-level tenant first, then (in the licence check) its
		// organization: the order accepting a tenant invitation takes too.
		t, err := tx.Tenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		top := t.ID
		if t.IsSubtenant() {
			top = t.ParentID
		}
		if err := tx.LockTenant(ctx, top); err != nil {
			return err
		}
		now := s.now()
		u, created, err := s.findOrCreateUser(ctx, tx, a, in, now)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserPending && !created {
			// A pending member added again: a fresh set-up link, voiding the
			// old one, and the membership as it was (SPEC §4).
			m, err := tx.Member(ctx, a.TenantID, u.ID)
			if err == nil {
				if err := s.sendSetupLink(ctx, tx, u, mail.Data{TenantName: "@" + t.FullName(), ActorName: describeUser(a.User)}); err != nil {
					return err
				}
				out = m
				return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserSetupResent, TenantID: a.TenantID,
					TargetKind: "user", TargetID: u.ID, Details: map[string]any{"email": u.Email}})
			}
			if !tenantry.IsCode(err, tenantry.CodeNotFound) {
				return err
			}
		}
		if err := s.checkAddUserToMemberTenant(ctx, tx, a.TenantID, u.ID, created, now); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, tenantry.Membership{TenantID: a.TenantID, UserID: u.ID, Role: in.Role, CreatedAt: now}); err != nil {
			return err
		}
		if u.Status == tenantry.UserPending {
			// A new pending account, or a pending one added again: a fresh
			// set-up link, voiding the old one.
			if err := s.sendSetupLink(ctx, tx, u, mail.Data{TenantName: "@" + t.FullName(), ActorName: describeUser(a.User)}); err != nil {
				return err
			}
		}
		out = tenantry.Member{User: u, Role: in.Role, JoinedAt: now}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionMemberAdded, TenantID: a.TenantID,
			TargetKind: "user", TargetID: u.ID, Details: map[string]any{"email": u.Email, "role": string(in.Role), "newAccount": created}})
	})
	return out, err
}

// findOrCreateUser resolves the user an AddMemberInput names, creating a
// pending account for an unknown email.
func (s *Service) findOrCreateUser(ctx context.Context, tx *store.Tx, a *Actor, in AddMemberInput, now time.Time) (tenantry.User, bool, error) {
	if in.ID != "" {
		u, err := tx.User(ctx, in.ID)
		if err != nil {
			return u, false, err
		}
		// Visibility first: a user the caller may not see is not_found,
		// whatever else the request says about them.
		if u.ID != a.User.ID {
			ok, err := tx.SharesTenant(ctx, a.User.ID, u.ID)
			if err != nil {
				return u, false, err
			}
			if !ok {
				return u, false, tenantry.Errorf(tenantry.CodeNotFound, "no such user")
			}
		}
		if in.Email != "" && tenantry.NormalizeEmail(in.Email) != tenantry.NormalizeEmail(u.Email) {
			return u, false, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "the id and the email name different users",
				Fields: []tenantry.FieldError{{Field: "email", Message: "does not match the user with this id"}}}
		}
		return u, false, nil
	}
	u, _, err := tx.UserByEmail(ctx, in.Email)
	if err == nil {
		return u, false, nil
	}
	if !tenantry.IsCode(err, tenantry.CodeNotFound) {
		return u, false, err
	}
	u = tenantry.User{ID: newID(), Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Status: tenantry.UserPending, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateUser(ctx, u, ""); err != nil {
		return u, false, err
	}
	if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserCreated, TenantID: a.TenantID,
		TargetKind: "user", TargetID: u.ID, Details: map[string]any{"email": u.Email, "pending": true}}); err != nil {
		return u, false, err
	}
	return u, true, nil
}

// SetMemberRole changes a member's role in the current tenant. Errors:
// unauthenticated, bad_request, forbidden, not_found, last_tenant_administrator.
func (s *Service) SetMemberRole(ctx context.Context, a *Actor, userID string, role tenantry.Role) (tenantry.Member, error) {
	if err := requireTenantAdmin(a); err != nil {
		return tenantry.Member{}, err
	}
	var v tenantry.Validation
	if v.Check("role", role.Check()); v.Err() != nil {
		return tenantry.Member{}, v.Err()
	}
	if !ValidID(userID) {
		return tenantry.Member{}, tenantry.Errorf(tenantry.CodeNotFound, "no such user in this tenant")
	}
	userID = strings.ToLower(userID)
	var out tenantry.Member
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockTenant(ctx, a.TenantID); err != nil {
			return err
		}
		m, err := tx.Member(ctx, a.TenantID, userID)
		if err != nil {
			return err
		}
		out = m
		if m.Role == role {
			return nil
		}
		if m.Role == tenantry.RoleAdministrator {
			if err := s.checkAdministratorLoss(ctx, tx, a.TenantID, m.User); err != nil {
				return err
			}
		}
		if err := tx.SetMemberRole(ctx, a.TenantID, userID, role); err != nil {
			return err
		}
		out.Role = role
		now := s.now()
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionMemberRoleChanged, TenantID: a.TenantID,
			TargetKind: "user", TargetID: userID, Details: map[string]any{"from": string(m.Role), "to": string(role)}})
	})
	return out, err
}

// RemoveMember removes a user from the current tenant; their API keys for it
// go too. Errors: unauthenticated, bad_request, forbidden, not_found,
// last_tenant_administrator.
func (s *Service) RemoveMember(ctx context.Context, a *Actor, userID string) error {
	if err := requireTenantAdmin(a); err != nil {
		return err
	}
	if !ValidID(userID) {
		return tenantry.Errorf(tenantry.CodeNotFound, "no such user in this tenant")
	}
	userID = strings.ToLower(userID)
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockTenant(ctx, a.TenantID); err != nil {
			return err
		}
		m, err := tx.Member(ctx, a.TenantID, userID)
		if err != nil {
			return err
		}
		if m.Role == tenantry.RoleAdministrator {
			if err := s.checkAdministratorLoss(ctx, tx, a.TenantID, m.User); err != nil {
				return err
			}
		}
		if err := tx.RemoveMember(ctx, a.TenantID, userID); err != nil {
			return err
		}
		now := s.now()
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionMemberRemoved, TenantID: a.TenantID,
			TargetKind: "user", TargetID: userID, Details: map[string]any{"email": m.Email, "role": string(m.Role)}})
	})
}

// checkAdministratorLoss applies the last-administrator rule; the caller holds
// the tenant's lock.
func (s *Service) checkAdministratorLoss(ctx context.Context, tx *store.Tx, tenantID string, u tenantry.User) error {
	n, err := tx.CountAdministrators(ctx, tenantID)
	if err != nil {
		return err
	}
	return tenantry.CheckAdministratorLoss(u.Status, n)
}

// checkAddUserToMemberTenant applies the licence to adding a user to a tenant
// of an organization: the licence must be valid, and a user new to the
// organization counts against its users limit (SPEC §2).
func (s *Service) checkAddUserToMemberTenant(ctx context.Context, tx *store.Tx, tenantID, userID string, created bool, now time.Time) error {
	orgID, err := tx.OrganizationOfTenant(ctx, tenantID)
	if err != nil || orgID == "" {
		return err
	}
	o, err := tx.LockOrganization(ctx, orgID)
	if err != nil {
		return err
	}
	if err := s.checkLicence(o.Licence, now); err != nil {
		return err
	}
	known := false
	if !created {
		if known, err = tx.IsOrganizationUser(ctx, orgID, userID); err != nil {
			return err
		}
	}
	if known {
		return nil
	}
	usage, err := tx.Usage(ctx, orgID, now)
	if err != nil {
		return err
	}
	return tenantry.CheckLimit(o.Licence, usage, tenantry.LimitUsers, 1)
}
