package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
)

// password is every fixture user's password.
const password = "correct horse battery staple"

// t0 is when every fake clock starts.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// fakeClock is the service's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// env is one service over one fresh database, with a fake clock.
type env struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	svc   *service.Service
	clock *fakeClock
}

// newEnv opens a fresh database of dialect d and a service over it. cfg.Now is
// replaced by a fake clock.
func newEnv(t testing.TB, d store.Dialect, cfg service.Config) *env {
	t.Helper()
	db := storetest.Open(t, d)
	clk := newClock()
	cfg.Now = clk.Now
	return &env{t: t, ctx: context.Background(), db: db, svc: service.New(db, cfg), clock: clk}
}

// dialects runs fn on each database with a fresh env configured by cfg, in
// parallel with other tests: each env has its own database, clock and rate
// limits.
func dialects(t *testing.T, cfg service.Config, fn func(t testing.TB, e *env)) {
	t.Parallel()
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		t.(*testing.T).Parallel()
		fn(t, newEnv(t, d, cfg))
	})
}

// user creates an active account with the fixture password.
func (e *env) user(email string) tenantry.User {
	e.t.Helper()
	first, _, _ := strings.Cut(email, "@")
	u, err := e.svc.CreateUser(e.ctx, service.Operator(), service.CreateUserInput{
		Email: email, FirstName: strings.ToUpper(first[:1]) + first[1:], LastName: "Tester", Password: password})
	if err != nil {
		e.t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// tenant creates a top-level tenant administered by adminEmail's account.
func (e *env) tenant(name, adminEmail string) tenantry.Tenant {
	e.t.Helper()
	tn, err := e.svc.CreateTenant(e.ctx, service.Operator(), name, adminEmail)
	if err != nil {
		e.t.Fatalf("CreateTenant(%s, %s): %v", name, adminEmail, err)
	}
	return tn
}

// signIn signs email in with the fixture password and returns the token.
func (e *env) signIn(email string) string {
	e.t.Helper()
	token, _, err := e.svc.SignIn(e.ctx, service.SignInRequest{Email: email, Password: password, SourceAddress: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("SignIn(%s): %v", email, err)
	}
	return token
}

// auth authenticates a token with an optional manywhotenant header.
func (e *env) auth(token, tenantID string) *service.Actor {
	e.t.Helper()
	a, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token, Tenant: tenantID,
		RequestID: "req-test", SourceAddress: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("Authenticate(token, tenant %q): %v", tenantID, err)
	}
	return a
}

// authKey authenticates an API key.
func (e *env) authKey(key string) *service.Actor {
	e.t.Helper()
	a, err := e.svc.Authenticate(e.ctx, service.Credentials{APIKey: key, RequestID: "req-test", SourceAddress: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("Authenticate(key): %v", err)
	}
	return a
}

// admin creates an account and a tenant it administers, signs it in and
// returns its actor in that tenant and its token.
func (e *env) admin(email, tenantName string) (*service.Actor, tenantry.Tenant, string) {
	e.t.Helper()
	e.user(email)
	tn := e.tenant(tenantName, email)
	token := e.signIn(email)
	return e.auth(token, tn.ID), tn, token
}

// member creates an account, adds it to the tenant of admin with role, signs
// it in and returns its actor in that tenant and its token.
func (e *env) member(admin *service.Actor, email string, role tenantry.Role) (*service.Actor, string) {
	e.t.Helper()
	e.user(email)
	e.addMember(admin, email, role)
	token := e.signIn(email)
	return e.auth(token, admin.TenantID), token
}

// addMember adds email to admin's current tenant.
func (e *env) addMember(admin *service.Actor, email string, role tenantry.Role) tenantry.Member {
	e.t.Helper()
	m, err := e.svc.AddMember(e.ctx, admin, service.AddMemberInput{Email: email, Role: role})
	if err != nil {
		e.t.Fatalf("AddMember(%s, %s): %v", email, role, err)
	}
	return m
}

// apiKey creates an API key for a in tenantID (the current tenant when "").
func (e *env) apiKey(a *service.Actor, name, tenantID string) (tenantry.APIKey, string) {
	e.t.Helper()
	k, secret, err := e.svc.CreateAPIKey(e.ctx, a, name, tenantID)
	if err != nil {
		e.t.Fatalf("CreateAPIKey(%s): %v", name, err)
	}
	return k, secret
}

// audit returns the tenant's audit events, oldest first.
func (e *env) audit(tenantID string) []tenantry.AuditEvent {
	e.t.Helper()
	evs, err := e.db.Read().TenantAudit(e.ctx, tenantID, 1000)
	if err != nil {
		e.t.Fatalf("TenantAudit: %v", err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// auditRow is the part of an audit event tests compare.
type auditRow struct {
	Action    string
	ActorKind tenantry.ActorKind
	ActorID   string
	TenantID  string
	TargetID  string
}

// auditAbout returns the audit events whose target is targetID, oldest first,
// whatever their tenant.
func (e *env) auditAbout(targetID string) []auditRow {
	e.t.Helper()
	rows, err := e.db.SQL().QueryContext(e.ctx, `SELECT action, actor_kind, COALESCE(actor_id, ''), COALESCE(CAST(tenant_id AS TEXT), ''),
		COALESCE(target_id, '') FROM audit_events WHERE target_id = $1 ORDER BY id`, targetID)
	if err != nil {
		e.t.Fatalf("query audit_events: %v", err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.Action, &r.ActorKind, &r.ActorID, &r.TenantID, &r.TargetID); err != nil {
			e.t.Fatalf("scan audit_events: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("read audit_events: %v", err)
	}
	return out
}

// count runs a SELECT COUNT(*) query.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.SQL().QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantCode fails the test unless err carries code.
func wantCode(t testing.TB, err error, code tenantry.Code) {
	t.Helper()
	if !tenantry.IsCode(err, code) {
		t.Fatalf("error = %v (code %q), want code %q", err, tenantry.ErrorCode(err), code)
	}
}

// checkCode reports, without stopping the test, unless err carries code.
func checkCode(t testing.TB, what string, err error, code tenantry.Code) {
	t.Helper()
	if !tenantry.IsCode(err, code) {
		t.Errorf("%s: error = %v (code %q), want code %q", what, err, tenantry.ErrorCode(err), code)
	}
}

// domainError returns err's *tenantry.Error, failing the test when it has none.
func domainError(t testing.TB, err error) *tenantry.Error {
	t.Helper()
	var de *tenantry.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a *tenantry.Error", err)
	}
	return de
}

// fields returns the field names of an invalid error.
func fields(t testing.TB, err error) []string {
	t.Helper()
	var out []string
	for _, f := range domainError(t, err).Fields {
		out = append(out, f.Field)
	}
	return out
}
