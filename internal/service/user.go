package service

import (
	"context"
	"strings"

	"tenantry/internal/secret"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// Profile is a user with the tenants they belong to.
type Profile struct {
	User    tenantry.User
	Tenants []tenantry.MembershipTenant
}

// Me returns the signed-in user's profile. Errors: unauthenticated.
func (s *Service) Me(ctx context.Context, a *Actor) (Profile, error) {
	if err := requireUser(a); err != nil {
		return Profile{}, err
	}
	tenants, err := s.db.Read().UserTenants(ctx, a.User.ID)
	return Profile{User: a.User, Tenants: tenants}, err
}

// UpdateMe changes the signed-in user's own names; nil leaves a name as it
// is. Errors: unauthenticated, invalid.
func (s *Service) UpdateMe(ctx context.Context, a *Actor, first, last *string) (Profile, error) {
	if err := requireUser(a); err != nil {
		return Profile{}, err
	}
	u := a.User
	if first != nil {
		u.FirstName = strings.TrimSpace(*first)
	}
	if last != nil {
		u.LastName = strings.TrimSpace(*last)
	}
	var v tenantry.Validation
	v.Check("firstName", tenantry.ValidatePersonName(u.FirstName))
	v.Check("lastName", tenantry.ValidatePersonName(u.LastName))
	if err := v.Err(); err != nil {
		return Profile{}, err
	}
	if u.FirstName != a.User.FirstName || u.LastName != a.User.LastName {
		now := s.now()
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.UpdateUserNames(ctx, u.ID, u.FirstName, u.LastName, now); err != nil {
				return err
			}
			u.UpdatedAt = now
			return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserUpdated,
				TargetKind: "user", TargetID: u.ID, Details: map[string]any{"firstName": u.FirstName, "lastName": u.LastName}})
		})
		if err != nil {
			return Profile{}, err
		}
	}
	a.User = u
	return s.Me(ctx, a)
}

// APIKeys lists the signed-in user's API keys (never their secrets); with an
// API key, those of its tenant only. Errors: unauthenticated.
func (s *Service) APIKeys(ctx context.Context, a *Actor) ([]tenantry.APIKey, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	return s.db.Read().APIKeys(ctx, a.User.ID, keyTenant(a))
}

// keyTenant is the tenant a caller's keys are limited to: signed in with an
// API key, that key's own; with a token, none (all the user's keys).
func keyTenant(a *Actor) string {
	if a.APIKey != nil {
		return a.TenantID
	}
	return ""
}

// CreateAPIKey makes a key for the signed-in user in tenantID (the current
// tenant when empty; with an API key, only the key's own tenant) and returns it
// with its secret, which is never shown again. Errors: unauthenticated,
// bad_request (no tenant), invalid, forbidden (a tenant the user is not in),
// name_taken.
func (s *Service) CreateAPIKey(ctx context.Context, a *Actor, name, tenantID string) (tenantry.APIKey, string, error) {
	if err := requireUser(a); err != nil {
		return tenantry.APIKey{}, "", err
	}
	name = strings.TrimSpace(name)
	var v tenantry.Validation
	v.Check("name", tenantry.ValidateAPIKeyName(name))
	if err := v.Err(); err != nil {
		return tenantry.APIKey{}, "", err
	}
	tenantID = strings.ToLower(strings.TrimSpace(tenantID))
	if tenantID == "" {
		if err := requireTenant(a); err != nil {
			return tenantry.APIKey{}, "", err
		}
		tenantID = a.TenantID
	}
	forbidden := tenantry.Errorf(tenantry.CodeForbidden, "you are not a member of the tenant %s", tenantID)
	if !ValidID(tenantID) || a.APIKey != nil && tenantID != a.TenantID {
		return tenantry.APIKey{}, "", forbidden
	}
	now := s.now()
	key := tenantry.APIKey{ID: newID(), UserID: a.User.ID, TenantID: tenantID, Name: name, CreatedAt: now}
	token, hash := secret.NewToken(tenantry.SecretAPIKey)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Membership(ctx, tenantID, a.User.ID); err != nil {
			if tenantry.IsCode(err, tenantry.CodeNotFound) {
				return forbidden
			}
			return err
		}
		if err := tx.CreateAPIKey(ctx, key, hash); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionAPIKeyCreated, TenantID: tenantID,
			TargetKind: "api_key", TargetID: key.ID, Details: map[string]any{"name": name}})
	})
	if err != nil {
		return tenantry.APIKey{}, "", err
	}
	return key, token, nil
}

// DeleteAPIKey deletes the signed-in user's key with the given name. Errors:
// unauthenticated, not_found.
func (s *Service) DeleteAPIKey(ctx context.Context, a *Actor, name string) error {
	if err := requireUser(a); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		k, err := tx.DeleteAPIKey(ctx, a.User.ID, keyTenant(a), name)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionAPIKeyDeleted, TenantID: k.TenantID,
			TargetKind: "api_key", TargetID: k.ID, Details: map[string]any{"name": k.Name}})
	})
}
