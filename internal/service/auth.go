package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"tenantry/internal/secret"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// errSignIn is the one answer to every failed sign-in, whatever the reason
// (SPEC §4): unknown, pending, disabled or wrong password look the same.
func errSignIn() error {
	return tenantry.Errorf(tenantry.CodeUnauthenticated, "the email or password is not right")
}

// allow takes one request from the allowance of value (an email, an address)
// for purpose, shared by every replica; rate_limited, in words about what,
// when it is spent. Keys are hashed: the table does not keep the emails and
// addresses people tried.
func (s *Service) allow(ctx context.Context, purpose, value string, l RateLimit, what string) error {
	sum := sha256.Sum256([]byte(purpose + "\x00" + value))
	ok, retry, err := s.db.Read().TakeRateToken(ctx, hex.EncodeToString(sum[:16]), l.Burst, l.Every, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return rateLimited(retry, what)
	}
	return nil
}

func rateLimited(retry time.Duration, what string) error {
	secs := int(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	e := tenantry.Errorf(tenantry.CodeRateLimited, "too many %s: try again in %d seconds", what, secs)
	e.RetryAfter = secs
	return e
}

// SignInRequest is a sign-in attempt.
type SignInRequest struct {
	Email         string
	Password      string
	SourceAddress string
}

// SignIn checks an email and password and returns a new sign-in token and
// its session. Anyone may call it. Errors: unauthenticated (every failure
// alike, in the same time), rate_limited (too many attempts for the email or
// from the address).
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (string, tenantry.Session, error) {
	email := tenantry.NormalizeEmail(req.Email)
	if err := s.allow(ctx, "sign-in address", req.SourceAddress, s.signInAddress, "sign-in attempts from your address"); err != nil {
		return "", tenantry.Session{}, err
	}
	if err := s.allow(ctx, "sign-in email", email, s.signInEmail, "sign-in attempts for this account"); err != nil {
		return "", tenantry.Session{}, err
	}
	u, hash, err := s.db.Read().UserByEmail(ctx, email)
	if err != nil && !tenantry.IsCode(err, tenantry.CodeNotFound) {
		return "", tenantry.Session{}, err
	}
	if u.Status != tenantry.UserActive {
		hash = "" // pending or disabled: check against the dummy hash
	}
	// Always one argon2id verification, so every failure costs the same.
	ok, err := s.hasher.Verify(ctx, req.Password, hash)
	if err != nil {
		return "", tenantry.Session{}, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		s.log.InfoContext(ctx, "sign-in failed", "source", req.SourceAddress)
		signInFailures.Inc()
		return "", tenantry.Session{}, errSignIn()
	}
	return s.createSession(ctx, u.ID)
}

func (s *Service) createSession(ctx context.Context, userID string) (string, tenantry.Session, error) {
	now := s.now()
	token, hash := secret.NewToken(tenantry.SecretSession)
	sess := tenantry.Session{ID: newID(), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.sessions.Absolute)}
	err := s.db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateSession(ctx, sess, hash) })
	return token, sess, err
}

// SignOut ends the actor's session. Errors: unauthenticated.
func (s *Service) SignOut(ctx context.Context, a *Actor) error {
	if err := requireUser(a); err != nil || a.SessionID == "" {
		return tenantry.Errorf(tenantry.CodeUnauthenticated, "not signed in with a token")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, a.SessionID) })
}

// Credentials are what a request presents.
type Credentials struct {
	// Token is the Authorization header: a sign-in token, bare or after "Bearer ".
	Token string
	// APIKey is the x-boomi-flow-api-key header.
	APIKey string
	// Tenant is the manywhotenant header ("" when absent).
	Tenant string
	// Organization is the x-tenantry-organization header ("" when absent);
	// API keys ignore it: a key works in its tenant's organization.
	Organization string
	// RequestID and SourceAddress identify the request for audit and logs.
	RequestID     string
	SourceAddress string
}

// Authenticate turns credentials into an actor with its current tenant (SPEC
// §1). Errors: bad_request (a token and a key together), unauthenticated (no,
// unknown, expired or revoked credentials), forbidden (a tenant header naming a
// tenant the caller is not in, or another tenant than the key's).
func (s *Service) Authenticate(ctx context.Context, c Credentials) (*Actor, error) {
	token := strings.TrimSpace(c.Token)
	if t, ok := cutPrefixFold(token, "Bearer "); ok {
		token = strings.TrimSpace(t)
	}
	key := strings.TrimSpace(c.APIKey)
	tenantHeader := strings.TrimSpace(c.Tenant)
	switch {
	case token != "" && key != "":
		return nil, tenantry.Errorf(tenantry.CodeBadRequest, "send either a token (Authorization) or an API key (x-boomi-flow-api-key), not both")
	case key != "":
		return s.authenticateKey(ctx, key, tenantHeader, c)
	case token != "":
		return s.authenticateToken(ctx, token, tenantHeader, c)
	}
	return nil, tenantry.Errorf(tenantry.CodeUnauthenticated, "sign in first: send a token in the Authorization header or an API key in x-boomi-flow-api-key")
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func (s *Service) authenticateKey(ctx context.Context, key, tenantHeader string, c Credentials) (*Actor, error) {
	unauth := tenantry.Errorf(tenantry.CodeUnauthenticated, "the API key is not valid")
	if !tenantry.ValidSecret(tenantry.SecretAPIKey, key) {
		return nil, unauth
	}
	id, err := s.db.Read().APIKeyIdentity(ctx, secret.HashToken(key))
	if tenantry.IsCode(err, tenantry.CodeNotFound) || err == nil && id.User.Status != tenantry.UserActive {
		return nil, unauth
	}
	if err != nil {
		return nil, err
	}
	if tenantHeader != "" && !strings.EqualFold(tenantHeader, id.Key.TenantID) {
		return nil, tenantry.Errorf(tenantry.CodeForbidden, "this API key works only in its own tenant")
	}
	k := id.Key
	return &Actor{Kind: tenantry.ActorUser, User: id.User, APIKey: &k, TenantID: k.TenantID, Role: id.Role,
		RequestID: c.RequestID, SourceAddress: c.SourceAddress}, nil
}

func (s *Service) authenticateToken(ctx context.Context, token, tenantHeader string, c Credentials) (*Actor, error) {
	unauth := tenantry.Errorf(tenantry.CodeUnauthenticated, "the token is not valid or has expired: sign in again")
	if !tenantry.ValidSecret(tenantry.SecretSession, token) {
		return nil, unauth
	}
	id, err := s.db.Read().SessionIdentity(ctx, secret.HashToken(token))
	if tenantry.IsCode(err, tenantry.CodeNotFound) {
		return nil, unauth
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !s.sessions.Alive(id.Session, now) || id.User.Status != tenantry.UserActive {
		return nil, unauth
	}
	if s.sessions.NeedsRefresh(id.Session, now) {
		if err := s.db.Read().TouchSession(ctx, id.Session.ID, now); err != nil {
			return nil, err
		}
	}
	org := strings.TrimSpace(c.Organization)
	if org == "" {
		org = id.Session.OrganizationID
	}
	a := &Actor{Kind: tenantry.ActorUser, User: id.User, SessionID: id.Session.ID, OrganizationID: org,
		RequestID: c.RequestID, SourceAddress: c.SourceAddress}
	if err := s.resolveTenant(ctx, a, tenantHeader, id.Session.TenantID); err != nil {
		return nil, err
	}
	return a, nil
}

// resolveTenant sets the actor's current tenant: the header's, else the one
// chosen in the session, else the last one used, else the first by name.
func (s *Service) resolveTenant(ctx context.Context, a *Actor, header, chosen string) error {
	if header != "" {
		forbidden := tenantry.Errorf(tenantry.CodeForbidden, "you are not a member of the tenant %s", header)
		if !ValidID(header) {
			return forbidden
		}
		m, err := s.db.Read().Membership(ctx, strings.ToLower(header), a.User.ID)
		if tenantry.IsCode(err, tenantry.CodeNotFound) {
			return forbidden
		}
		if err != nil {
			return err
		}
		a.TenantID, a.Role = m.TenantID, m.Role
		return s.touchMembership(ctx, m)
	}
	if chosen != "" {
		m, err := s.db.Read().Membership(ctx, chosen, a.User.ID)
		if err == nil {
			a.TenantID, a.Role = m.TenantID, m.Role
			return nil
		}
		if !tenantry.IsCode(err, tenantry.CodeNotFound) {
			return err
		}
	}
	tenants, err := s.db.Read().UserTenants(ctx, a.User.ID)
	if err != nil || len(tenants) == 0 {
		return err
	}
	best := tenants[0] // first by name
	for _, t := range tenants {
		if t.LastUsedAt.After(best.LastUsedAt) {
			best = t
		}
	}
	a.TenantID, a.Role = best.ID, best.Role
	return nil
}

// touchMembership records when a user last worked in a tenant, at most once
// per refresh period.
func (s *Service) touchMembership(ctx context.Context, m tenantry.Membership) error {
	now := s.now()
	if now.Sub(m.LastUsedAt) < s.sessions.Refresh {
		return nil
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error { return tx.TouchMembership(ctx, m.TenantID, m.UserID, now) })
}

// SweepSessions deletes sign-ins that can no longer be used and returns how
// many. The system runs it periodically.
func (s *Service) SweepSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(ctx, s.now(), s.sessions.Idle)
		return err
	})
	return n, err
}

// SweepRateLimits forgets the rate-limit keys whose allowance is whole again
// and returns how many. The system runs it periodically.
func (s *Service) SweepRateLimits(ctx context.Context) (int64, error) {
	return s.db.Read().SweepRateLimits(ctx, s.now())
}
