package service

import (
	"context"
	"strings"
	"time"

	"tenantry/internal/mail"
	"tenantry/internal/secret"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// ResetLinkTTL is how long a password reset link works (SPEC §4).
const ResetLinkTTL = time.Hour

// linkKinds maps a link's secret kind to its stored kind.
var linkKinds = map[tenantry.SecretKind]string{tenantry.SecretSetup: "setup", tenantry.SecretReset: "reset"}

// CheckLink tells whether a set-up or reset link can still be used, and for
// which account, without using it up (mail scanners open links). Errors:
// not_found (no such link), token_spent, token_expired.
func (s *Service) CheckLink(ctx context.Context, kind tenantry.SecretKind, token string) (tenantry.User, error) {
	t, err := s.findLink(ctx, s.db.Read(), kind, token)
	if err != nil {
		return tenantry.User{}, err
	}
	return s.db.Read().User(ctx, t.UserID)
}

func (s *Service) findLink(ctx context.Context, c *store.Conn, kind tenantry.SecretKind, token string) (store.UserToken, error) {
	invalid := tenantry.Errorf(tenantry.CodeNotFound, "this link is not valid: check that it was copied whole, or ask for a new one")
	if !tenantry.ValidSecret(kind, strings.TrimSpace(token)) {
		return store.UserToken{}, invalid
	}
	t, err := c.UserTokenByHash(ctx, linkKinds[kind], secret.HashToken(strings.TrimSpace(token)))
	if tenantry.IsCode(err, tenantry.CodeNotFound) {
		return t, invalid
	}
	if err != nil {
		return t, err
	}
	switch {
	case !t.UsedAt.IsZero():
		return t, tenantry.Errorf(tenantry.CodeTokenSpent, "this link was already used on %s; ask for a new one", t.UsedAt.Format("2 January 2006 15:04 UTC"))
	case !s.now().Before(t.ExpiresAt):
		return t, tenantry.Errorf(tenantry.CodeTokenExpired, "this link expired on %s; ask for a new one", t.ExpiresAt.Format("2 January 2006 15:04 UTC"))
	}
	return t, nil
}

// UseLink sets the password of the account a set-up or reset link is for,
// using the link up, signing the account out everywhere, and signing it in
// here: it returns the new session's token. Anyone holding the link may call
// it. Errors: not_found, token_spent, token_expired, invalid (password).
func (s *Service) UseLink(ctx context.Context, kind tenantry.SecretKind, token, password, source string) (string, tenantry.Session, error) {
	var v tenantry.Validation
	v.Check("password", tenantry.ValidatePassword(password))
	if err := v.Err(); err != nil {
		return "", tenantry.Session{}, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return "", tenantry.Session{}, err
	}
	var userID string
	err = s.write(ctx, func(tx *store.Tx) error {
		t, err := s.findLink(ctx, &tx.Conn, kind, token)
		if err != nil {
			return err
		}
		now := s.now()
		ok, err := tx.UseUserToken(ctx, t.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return tenantry.Errorf(tenantry.CodeTokenSpent, "this link was used a moment ago; ask for a new one")
		}
		u, err := tx.User(ctx, t.UserID)
		if err != nil {
			return err
		}
		if u.Status == tenantry.UserDisabled {
			return tenantry.Errorf(tenantry.CodeNotFound, "this link is not valid")
		}
		userID = u.ID
		if err := tx.SetPassword(ctx, u.ID, hash, now); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		action := tenantry.ActionUserSetUp
		if kind == tenantry.SecretReset {
			action = tenantry.ActionUserPasswordReset
		}
		return s.audit(ctx, tx, &Actor{Kind: tenantry.ActorUser, User: u, SourceAddress: source}, now,
			tenantry.AuditEvent{Action: action, TargetKind: "user", TargetID: u.ID})
	})
	if err != nil {
		return "", tenantry.Session{}, err
	}
	return s.createSession(ctx, userID)
}

// RequestPasswordReset mails a one-hour reset link to an active account. The
// answer is the same whether or not the email has an account (SPEC §4).
// Anyone may call it. Errors: rate_limited, invalid (not an email).
func (s *Service) RequestPasswordReset(ctx context.Context, email, source string) error {
	email = strings.TrimSpace(email)
	var v tenantry.Validation
	v.Check("email", tenantry.ValidateEmail(email))
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.allow(ctx, "sign-in address", source, s.signInAddress, "requests from your address"); err != nil {
		return err
	}
	if err := s.allow(ctx, "sign-in email", tenantry.NormalizeEmail(email), s.signInEmail, "requests for this account"); err != nil {
		return err
	}
	return s.write(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByEmail(ctx, email)
		if tenantry.IsCode(err, tenantry.CodeNotFound) {
			return nil
		}
		if err != nil || u.Status == tenantry.UserDisabled {
			return err
		}
		if u.Status == tenantry.UserPending {
			// Not set up yet: the set-up link is what they need.
			return s.sendSetupLink(ctx, tx, u, mail.Data{})
		}
		return s.sendLink(ctx, tx, u, tenantry.SecretReset, mail.KindPasswordReset, mail.Data{})
	})
}

// ChangePassword changes the signed-in user's password after checking the
// current one, and signs out their other sessions. Errors: unauthenticated,
// invalid (wrong current password, or a bad new one).
func (s *Service) ChangePassword(ctx context.Context, a *Actor, current, next string) error {
	if err := requireUser(a); err != nil {
		return err
	}
	var v tenantry.Validation
	v.Check("newPassword", tenantry.ValidatePassword(next))
	if err := v.Err(); err != nil {
		return err
	}
	_, hash, err := s.db.Read().UserByEmail(ctx, a.User.Email)
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, current, hash)
	if err != nil {
		return err
	}
	if !ok {
		return &tenantry.Error{Code: tenantry.CodeInvalid, Message: "the current password is not right",
			Fields: []tenantry.FieldError{{Field: "currentPassword", Message: "the current password is not right"}}}
	}
	newHash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *store.Tx) error {
		now := s.now()
		if err := tx.SetPassword(ctx, a.User.ID, newHash, now); err != nil {
			return err
		}
		if _, err := tx.DeleteUserSessions(ctx, a.User.ID, a.SessionID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserPasswordChanged, TargetKind: "user", TargetID: a.User.ID})
	})
}

// SwitchTenant makes tenantID the current tenant of the actor's session.
// Errors: unauthenticated, forbidden (not a member).
func (s *Service) SwitchTenant(ctx context.Context, a *Actor, tenantID string) error {
	if err := requireUser(a); err != nil || a.SessionID == "" {
		return tenantry.Errorf(tenantry.CodeUnauthenticated, "sign in first")
	}
	forbidden := tenantry.Errorf(tenantry.CodeForbidden, "you are not a member of that tenant")
	if !ValidID(tenantID) {
		return forbidden
	}
	tenantID = strings.ToLower(tenantID)
	return s.write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Membership(ctx, tenantID, a.User.ID); err != nil {
			if tenantry.IsCode(err, tenantry.CodeNotFound) {
				return forbidden
			}
			return err
		}
		if err := tx.SetSessionTenant(ctx, a.SessionID, tenantID); err != nil {
			return err
		}
		return tx.TouchMembership(ctx, tenantID, a.User.ID, s.now())
	})
}

// SwitchOrganization makes orgID the current organization of the actor's
// session ("" returns to the default). Errors: unauthenticated, not_found
// (not an administrator of it).
func (s *Service) SwitchOrganization(ctx context.Context, a *Actor, orgID string) error {
	if err := requireUser(a); err != nil || a.SessionID == "" {
		return tenantry.Errorf(tenantry.CodeUnauthenticated, "sign in first")
	}
	orgID = strings.ToLower(strings.TrimSpace(orgID))
	return s.write(ctx, func(tx *store.Tx) error {
		if orgID != "" {
			ok := false
			if ValidID(orgID) {
				var err error
				if ok, err = tx.IsOrgAdmin(ctx, orgID, a.User.ID); err != nil {
					return err
				}
			}
			if !ok {
				return tenantry.Errorf(tenantry.CodeNotFound, "you do not administer that organization")
			}
		}
		return tx.SetSessionOrganization(ctx, a.SessionID, orgID)
	})
}

// FirstRun reports whether the database has no accounts yet.
func (s *Service) FirstRun(ctx context.Context) (bool, error) {
	n, err := s.db.Read().CountUsers(ctx)
	return n == 0, err
}
