// Package service holds every rule of Tenantry. Each use case does, in order:
// who is asking → may they → validate → one transaction (store calls and the
// audit event) → commit. The API, the web pages and the command line only
// translate to and from it.
package service

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"tenantry/internal/secret"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// Config holds what a Service needs besides its database.
type Config struct {
	// Now is the clock; time.Now when nil. Times are truncated to microseconds
	// (what PostgreSQL keeps) and made UTC.
	Now func() time.Time
	// Sessions is how long sign-in tokens live; SPEC §4's default when zero.
	Sessions tenantry.SessionLifetime
	// Limits of sign-in and sign-up attempts, shared by every replica through
	// the database; Defaults when zero.
	SignInPerEmail   RateLimit
	SignInPerAddress RateLimit
	SignUpPerAddress RateLimit
	Logger           *slog.Logger
	// BaseURL is where links in emails point (SPEC §4), without a trailing
	// slash.
	BaseURL string
	// InvitationTTL is how long invitations stay open; 7 days when zero.
	InvitationTTL time.Duration
	// MailWake is called after a change that may have queued mail.
	MailWake func()
	// Licences verifies licences for the operator's commands.
	Licences LicenceVerifier
	// RuntimeEvents hears of changes connected runtime nodes must learn
	// (shares, revocation), after they commit.
	RuntimeEvents func(RuntimeEvent)
	// HealthWindow is how recent a node's healthy report must be for it to be
	// online; 2 minutes when zero.
	HealthWindow time.Duration
	// InvitationsPerHour caps the invitations an organization creates in an
	// hour; SPEC §2's 50 when zero.
	InvitationsPerHour int
}

// LicenceVerifier checks a licence's signature and returns its payload.
type LicenceVerifier interface {
	Verify(text string) (tenantry.Licence, error)
	// TrustsDevelopmentKey is false once a vendor key is configured: from
	// then on, organizations whose licence the development key signed count
	// as expired (SPEC §5).
	TrustsDevelopmentKey() bool
}

// RateLimit is an allowance of Burst requests at once, refilled at one per
// Every. Limits slow callers down; they never lock anyone out.
type RateLimit struct {
	Burst int
	Every time.Duration
}

// Default rate limits: generous for people, slow for guessing.
var (
	DefaultSignInPerEmail   = RateLimit{Burst: 10, Every: 6 * time.Second}
	DefaultSignInPerAddress = RateLimit{Burst: 30, Every: time.Second}
	DefaultSignUpPerAddress = RateLimit{Burst: 5, Every: time.Minute}
)

// Service is Tenantry's use cases over one database.
type Service struct {
	db       *store.DB
	hasher   *secret.Hasher
	now      func() time.Time
	sessions tenantry.SessionLifetime
	log      *slog.Logger

	baseURL        string
	mailDomain     string
	invitationTTL  time.Duration
	invitesPerHour int
	runtimeEvents  func(RuntimeEvent)
	healthWindow   time.Duration
	wake           func()
	licences       LicenceVerifier

	mu     sync.Mutex
	warned map[string]string // organization → day its licence warning was logged

	signInEmail   RateLimit
	signInAddress RateLimit
	signUpAddress RateLimit
}

// New returns a Service over db.
func New(db *store.DB, cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	clock := func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	if cfg.Sessions == (tenantry.SessionLifetime{}) {
		cfg.Sessions = tenantry.DefaultSessionLifetime
	}
	if cfg.SignInPerEmail == (RateLimit{}) {
		cfg.SignInPerEmail = DefaultSignInPerEmail
	}
	if cfg.SignInPerAddress == (RateLimit{}) {
		cfg.SignInPerAddress = DefaultSignInPerAddress
	}
	if cfg.SignUpPerAddress == (RateLimit{}) {
		cfg.SignUpPerAddress = DefaultSignUpPerAddress
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HealthWindow == 0 {
		cfg.HealthWindow = tenantry.DefaultHealthWindow
	}
	if cfg.InvitationsPerHour == 0 {
		cfg.InvitationsPerHour = InvitationsPerHour
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = tenantry.DefaultInvitationTTL
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8080"
	}
	baseURL := strings.TrimRight(cfg.BaseURL, "/")
	mailDomain := "tenantry.invalid"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		mailDomain = u.Hostname()
	}
	return &Service{
		db:             db,
		baseURL:        baseURL,
		mailDomain:     mailDomain,
		invitationTTL:  cfg.InvitationTTL,
		invitesPerHour: cfg.InvitationsPerHour,
		runtimeEvents:  cfg.RuntimeEvents,
		healthWindow:   cfg.HealthWindow,
		wake:           cfg.MailWake,
		licences:       cfg.Licences,
		warned:         map[string]string{},
		hasher:         secret.NewHasher(),
		now:            clock,
		sessions:       cfg.Sessions,
		log:            cfg.Logger,
		signInEmail:    cfg.SignInPerEmail,
		signInAddress:  cfg.SignInPerAddress,
		signUpAddress:  cfg.SignUpPerAddress,
	}
}

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// Actor is who is asking: a signed-in user (with a token or an API key), the
// operator at the command line, or the system itself.
type Actor struct {
	Kind tenantry.ActorKind
	User tenantry.User
	// SessionID is set when the user authenticated with a sign-in token.
	SessionID string
	// APIKey is set when the user authenticated with an API key.
	APIKey *tenantry.APIKey
	// RuntimeID is set for a runtime's actions (registration, its nodes).
	RuntimeID string
	// OrganizationID is the organization asked for (x-tenantry-organization
	// or the web session); "" when none.
	OrganizationID string
	// TenantID is the current tenant ("" when none) and Role the user's role in it.
	TenantID string
	Role     tenantry.Role
	// RequestID and SourceAddress go into audit events.
	RequestID     string
	SourceAddress string
}

// Operator returns the actor of command-line operator actions.
func Operator() *Actor { return &Actor{Kind: tenantry.ActorOperator} }

func (a *Actor) isUser() bool { return a != nil && a.Kind == tenantry.ActorUser && a.User.ID != "" }

// requireUser refuses anyone but a signed-in user.
func requireUser(a *Actor) error {
	if !a.isUser() {
		return tenantry.Errorf(tenantry.CodeUnauthenticated, "sign in first")
	}
	return nil
}

// requireTenant refuses a user with no current tenant.
func requireTenant(a *Actor) error {
	if err := requireUser(a); err != nil {
		return err
	}
	if a.TenantID == "" {
		return tenantry.Errorf(tenantry.CodeBadRequest, "this needs a tenant: send the manywhotenant header with a tenant ID")
	}
	return nil
}

// requireTenantAdmin refuses anyone but an administrator of the current tenant.
func requireTenantAdmin(a *Actor) error {
	if err := requireTenant(a); err != nil {
		return err
	}
	if a.Role != tenantry.RoleAdministrator {
		return tenantry.Errorf(tenantry.CodeForbidden, "only administrators of this tenant may do this")
	}
	return nil
}

func newID() string { return uuid.NewString() }

// audit writes one audit event for a change made by a in tx.
func (s *Service) audit(ctx context.Context, tx *store.Tx, a *Actor, now time.Time, e tenantry.AuditEvent) error {
	e.ID = uuid.Must(uuid.NewV7()).String()
	e.Time = now
	if a != nil {
		e.ActorKind = a.Kind
		switch a.Kind {
		case tenantry.ActorUser:
			e.ActorID = a.User.ID
		case tenantry.ActorRuntime:
			e.ActorID = a.RuntimeID
		}
		e.RequestID, e.SourceAddress = a.RequestID, a.SourceAddress
	} else {
		e.ActorKind = tenantry.ActorSystem
	}
	if e.OrganizationID == "" && e.TenantID != "" {
		// A tenant's events belong to its organization's log too.
		id, err := tx.OrganizationOfTenant(ctx, e.TenantID)
		if err != nil {
			return err
		}
		e.OrganizationID = id
	}
	return tx.InsertAudit(ctx, e)
}

// ValidID reports whether s is a UUID in its canonical text form. Anything else
// cannot name a row, so callers answer not_found (or forbidden) without a query.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Page asks for one page of an envelope listing (SPEC §8).
type Page struct {
	Page     int // from 1
	PageSize int // 1..1000
}

// Page size bounds.
const (
	DefaultPageSize = 30
	MaxPageSize     = 1000
)

func (p Page) validate() (Page, error) {
	if p.Page == 0 {
		p.Page = 1
	}
	if p.PageSize == 0 {
		p.PageSize = DefaultPageSize
	}
	var v tenantry.Validation
	if p.Page < 1 {
		v.Add("page", "pages are numbered from 1")
	}
	if p.PageSize < 1 || p.PageSize > MaxPageSize {
		v.Add("pageSize", "pageSize is between 1 and 1000")
	}
	return p, v.Err()
}

func (p Page) offset() int { return (p.Page - 1) * p.PageSize }
