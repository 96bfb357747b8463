package tenantry

import "time"

// APIKey is a user's key for one tenant. The secret is shown once, at creation;
// only its hash is stored.
type APIKey struct {
	ID        string
	UserID    string
	TenantID  string
	Name      string
	CreatedAt time.Time
}

// Session is a sign-in: a bearer token (stored hashed) with a sliding idle
// expiry and an absolute one.
type Session struct {
	ID       string
	UserID   string
	TenantID string // the tenant chosen in the web session; empty when none
	// OrganizationID is the organization chosen in the web session; empty
	// when none.
	OrganizationID string
	CreatedAt      time.Time
	LastSeenAt     time.Time
	ExpiresAt      time.Time // absolute end
}

// SessionLifetime holds how long sign-in tokens live (SPEC §4).
type SessionLifetime struct {
	Idle     time.Duration // default 24h
	Absolute time.Duration // default 30 days
	// Refresh is how stale LastSeenAt may get before a use writes it again.
	Refresh time.Duration // default 1 minute
}

// DefaultSessionLifetime is SPEC §4's lifetime.
var DefaultSessionLifetime = SessionLifetime{Idle: 24 * time.Hour, Absolute: 30 * 24 * time.Hour, Refresh: time.Minute}

// Alive reports whether s may still be used at now.
func (l SessionLifetime) Alive(s Session, now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(l.Idle))
}

// NeedsRefresh reports whether a use at now should store a new LastSeenAt.
func (l SessionLifetime) NeedsRefresh(s Session, now time.Time) bool {
	return now.Sub(s.LastSeenAt) >= l.Refresh
}
