package service

import (
	"context"
	"tenantry/internal/mail"

	"strings"

	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

func requireOperator(a *Actor) error {
	if a == nil || a.Kind != tenantry.ActorOperator {
		return tenantry.Errorf(tenantry.CodeForbidden, "only the operator may do this")
	}
	return nil
}

// CreateUserInput is a new active account.
type CreateUserInput struct {
	Email     string
	FirstName string
	LastName  string
	Password  string
}

// CreateUser creates an active account with a password. Operator only.
// Errors: forbidden, invalid, name_taken (the email has an account).
func (s *Service) CreateUser(ctx context.Context, a *Actor, in CreateUserInput) (tenantry.User, error) {
	if err := requireOperator(a); err != nil {
		return tenantry.User{}, err
	}
	in.Email, in.FirstName, in.LastName = strings.TrimSpace(in.Email), strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	var v tenantry.Validation
	v.Check("email", tenantry.ValidateEmail(in.Email))
	v.Check("firstName", tenantry.ValidatePersonName(in.FirstName))
	v.Check("lastName", tenantry.ValidatePersonName(in.LastName))
	v.Check("password", tenantry.ValidatePassword(in.Password))
	if err := v.Err(); err != nil {
		return tenantry.User{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return tenantry.User{}, err
	}
	now := s.now()
	u := tenantry.User{ID: newID(), Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Status: tenantry.UserActive, CreatedAt: now, UpdatedAt: now}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, u, hash); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserCreated,
			TargetKind: "user", TargetID: u.ID, Details: map[string]any{"email": u.Email}})
	})
	return u, err
}

// CreateTenant creates a top-level tenant with adminEmail's account as its
// administrator. Operator only. Errors: forbidden, invalid, not_found (no such
// account), name_taken.
func (s *Service) CreateTenant(ctx context.Context, a *Actor, name, adminEmail string) (tenantry.Tenant, error) {
	if err := requireOperator(a); err != nil {
		return tenantry.Tenant{}, err
	}
	var v tenantry.Validation
	name, err := tenantry.ParseTenantName(name)
	v.Check("name", err)
	v.Check("adminEmail", tenantry.ValidateEmail(adminEmail))
	if err := v.Err(); err != nil {
		return tenantry.Tenant{}, err
	}
	now := s.now()
	t := tenantry.Tenant{ID: newID(), Name: name, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByEmail(ctx, adminEmail)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserDisabled {
			return tenantry.Errorf(tenantry.CodeInvalid, "the account %s is disabled and cannot administer a tenant", u.Email)
		}
		if err := tx.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, tenantry.Membership{TenantID: t.ID, UserID: u.ID, Role: tenantry.RoleAdministrator, CreatedAt: now}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionTenantCreated, TenantID: t.ID,
			TargetKind: "tenant", TargetID: t.ID, Details: map[string]any{"name": t.Name, "administrator": u.Email}})
	})
	return t, err
}

// ResetPassword sets a new password for an account (activating a pending one)
// and signs it out everywhere. Operator only. Errors: forbidden, invalid,
// not_found.
func (s *Service) ResetPassword(ctx context.Context, a *Actor, email, password string) error {
	if err := requireOperator(a); err != nil {
		return err
	}
	var v tenantry.Validation
	v.Check("password", tenantry.ValidatePassword(password))
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserDisabled {
			return tenantry.Errorf(tenantry.CodeInvalid, "the account %s is disabled", u.Email)
		}
		if err := tx.SetPassword(ctx, u.ID, hash, now); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserPasswordReset,
			TargetKind: "user", TargetID: u.ID, Details: map[string]any{"email": u.Email}})
	})
}

// DisableUser disables an account and revokes its sessions and API keys.
// Operator only. Errors: forbidden, not_found, last_tenant_administrator (the
// account is the only active administrator of a tenant).
func (s *Service) DisableUser(ctx context.Context, a *Actor, email string) error {
	if err := requireOperator(a); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserDisabled {
			return nil
		}
		if err := s.checkAdministratorLossEverywhere(ctx, tx, u); err != nil {
			return err
		}
		if err := tx.SetUserStatus(ctx, u.ID, tenantry.UserDisabled, now); err != nil {
			return err
		}
		sessions, err := tx.DeleteUserSessions(ctx, u.ID, "")
		if err != nil {
			return err
		}
		keys, err := tx.DeleteUserAPIKeys(ctx, u.ID)
		if err != nil {
			return err
		}
		// Invitations only this account could answer end with it.
		cancelled, err := tx.CancelUserInvitations(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, inv := range cancelled {
			if err := s.audit(ctx, tx, a, now, invitationEvent(tenantry.ActionInvitationCancelled, inv, u.Email)); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserDisabled,
			TargetKind: "user", TargetID: u.ID,
			Details: map[string]any{"email": u.Email, "sessionsRevoked": sessions, "apiKeysRevoked": keys}})
	})
}

// checkAdministratorLossEverywhere applies the last-administrator rule to
// every tenant u administers, as when disabling u. It locks those tenants (in
// ID order, so that two such operations cannot deadlock) before counting.
func (s *Service) checkAdministratorLossEverywhere(ctx context.Context, tx *store.Tx, u tenantry.User) error {
	ids, err := tx.AdministeredTenantIDs(ctx, u.ID)
	if err != nil {
		return err
	}
	var names []string
	for _, id := range ids {
		if err := tx.LockTenant(ctx, id); err != nil {
			return err
		}
		n, err := tx.CountAdministrators(ctx, id)
		if err != nil {
			return err
		}
		if tenantry.CheckAdministratorLoss(u.Status, n) != nil {
			t, err := tx.Tenant(ctx, id)
			if err != nil {
				return err
			}
			names = append(names, "@"+t.FullName())
		}
	}
	if len(names) > 0 {
		return tenantry.Errorf(tenantry.CodeLastTenantAdministrator,
			"%s is the only active administrator of %s: make someone else an administrator there first",
			u.Email, strings.Join(names, ", "))
	}
	return nil
}

// SignUpInput is an anonymous sign-up (POST /api/admin/1/provisioning).
type SignUpInput struct {
	FirstName     string
	LastName      string
	Email         string
	TenantName    string
	SourceAddress string
	RequestID     string
}

// SignUp provisions a tenant for a new email: a pending administrator account
// and the tenant. An email that already has an account gets no tenant (the
// answer is the same, so sign-up does not reveal which emails exist). Anyone
// may call it when sign-up is on. Errors: invalid, name_taken, rate_limited.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) error {
	if err := s.allow(ctx, "sign-up address", in.SourceAddress, s.signUpAddress, "sign-ups from your address"); err != nil {
		return err
	}
	in.Email, in.FirstName, in.LastName = strings.TrimSpace(in.Email), strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	var v tenantry.Validation
	v.Check("email", tenantry.ValidateEmail(in.Email))
	v.Check("firstName", tenantry.ValidatePersonName(in.FirstName))
	v.Check("lastName", tenantry.ValidatePersonName(in.LastName))
	name, err := tenantry.ParseTenantName(in.TenantName)
	v.Check("tenantName", err)
	if err := v.Err(); err != nil {
		return err
	}
	a := &Actor{Kind: tenantry.ActorSystem, RequestID: in.RequestID, SourceAddress: in.SourceAddress}
	now := s.now()
	return s.write(ctx, func(tx *store.Tx) error {
		_, _, err := tx.UserByEmail(ctx, in.Email)
		if err == nil {
			// Known email: no tenant, and the same answer; its owner is told.
			s.log.InfoContext(ctx, "sign-up with an existing email", "source", in.SourceAddress)
			return s.mail(ctx, tx, mail.KindSignUpExisting, in.Email, mail.Data{Link: s.link("/signin")})
		}
		if !tenantry.IsCode(err, tenantry.CodeNotFound) {
			return err
		}
		u := tenantry.User{ID: newID(), Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
			Status: tenantry.UserPending, CreatedAt: now, UpdatedAt: now}
		t := tenantry.Tenant{ID: newID(), Name: name, CreatedAt: now}
		if err := tx.CreateUser(ctx, u, ""); err != nil {
			return err
		}
		if err := tx.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, tenantry.Membership{TenantID: t.ID, UserID: u.ID, Role: tenantry.RoleAdministrator, CreatedAt: now}); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionTenantSignedUp, TenantID: t.ID,
			TargetKind: "tenant", TargetID: t.ID, Details: map[string]any{"name": t.Name, "administrator": u.Email}}); err != nil {
			return err
		}
		return s.sendSetupLink(ctx, tx, u, mail.Data{TenantName: "@" + t.Name})
	})
}
