package store

import (
	"context"
	"database/sql"
	"time"

	"tenantry/internal/tenantry"
)

// CreateSession stores a sign-in with the hash of its token.
func (tx *Tx) CreateSession(ctx context.Context, s tenantry.Session, tokenHash string) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO sessions (id, token_hash, user_id, tenant_id, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.ID, tokenHash, s.UserID, nullString(s.TenantID), s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
	return err
}

// SessionIdentity is who a sign-in token authenticates as.
type SessionIdentity struct {
	Session tenantry.Session
	User    tenantry.User
}

// SessionIdentity finds the session with the given token hash and its user.
func (c *Conn) SessionIdentity(ctx context.Context, tokenHash string) (SessionIdentity, error) {
	var id SessionIdentity
	var tenantID sql.NullString
	var err error
	s := &id.Session
	var orgID sql.NullString
	id.User, err = scanUser(c.q.QueryRowContext(ctx, "SELECT "+userColumns+
		", s.id, s.tenant_id, s.organization_id, s.created_at, s.last_seen_at, s.expires_at FROM sessions s"+
		" JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", tokenHash),
		&s.ID, &tenantID, &orgID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	s.UserID, s.TenantID, s.OrganizationID = id.User.ID, tenantID.String, orgID.String
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return id, notFound(err, "no such session")
}

// TouchSession records a use of the session. Only the newest time wins, so
// concurrent requests never move it back.
func (c *Conn) TouchSession(ctx context.Context, id string, now time.Time) error {
	_, err := c.q.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2", id, now)
	return err
}

// SetSessionTenant records the tenant chosen in a session.
func (tx *Tx) SetSessionTenant(ctx context.Context, sessionID, tenantID string) error {
	return tx.execOne(ctx, "no such session", "UPDATE sessions SET tenant_id = $2 WHERE id = $1", sessionID, nullString(tenantID))
}

// SetSessionOrganization records the organization chosen in a session.
func (tx *Tx) SetSessionOrganization(ctx context.Context, sessionID, orgID string) error {
	return tx.execOne(ctx, "no such session", "UPDATE sessions SET organization_id = $2 WHERE id = $1", sessionID, nullString(orgID))
}

// ForgetSessionOrganization makes a user's sessions that chose an
// organization go back to the default one (the user no longer administers
// it).
func (tx *Tx) ForgetSessionOrganization(ctx context.Context, userID, orgID string) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE sessions SET organization_id = NULL WHERE user_id = $1 AND organization_id = $2", userID, orgID)
	return err
}

// CountUsers counts every account.
func (c *Conn) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

// DeleteSession ends one session.
func (tx *Tx) DeleteSession(ctx context.Context, id string) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM sessions WHERE id = $1", id)
	return err
}

// DeleteUserSessions ends every session of a user but exceptID (may be "").
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID, exceptID string) (int64, error) {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, exceptOrNone(exceptID))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// exceptOrNone returns an ID no row has when id is empty, so "<> $n" keeps
// every row and the parameter stays a valid UUID on PostgreSQL.
func exceptOrNone(id string) string {
	if id == "" {
		return "00000000-0000-0000-0000-000000000000"
	}
	return id
}

// DeleteExpiredSessions removes sessions past their absolute end or idle
// longer than idle, and returns how many.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2", now, now.Add(-idle))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
