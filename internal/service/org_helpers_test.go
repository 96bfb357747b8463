package service_test

import (
	"crypto/ed25519"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"tenantry/internal/licence"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// The test licence authority: the vendor key the services trust, and one they
// do not.
var (
	vendorPub, vendorKey   = mustKey()
	foreignPub, foreignKey = mustKey()
)

func mustKey() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return pub, priv
}

// orgConfig is a service configuration that trusts the test vendor key.
func orgConfig() service.Config {
	return service.Config{Licences: licence.Authority{Vendor: []ed25519.PublicKey{vendorPub}}}
}

// orgDialects is dialects with the test licence authority.
func orgDialects(t *testing.T, fn func(t testing.TB, e *env)) { dialects(t, orgConfig(), fn) }

// roomy limits never get in the way.
var roomy = tenantry.Limits{Tenants: 100, Administrators: 100, Runtimes: 10, Users: 1000}

const day = 24 * time.Hour

// newLicence returns a licence for name, valid from a day before t0 for a
// year.
func newLicence(name string, limits tenantry.Limits) tenantry.Licence {
	return tenantry.Licence{ID: uuid.NewString(), Licensee: "Licensee of " + name, OrganizationName: name, Limits: limits,
		IssuedAt: t0.Add(-day), NotBefore: t0.Add(-day), ExpiresAt: t0.Add(365 * day)}
}

// sign signs l with the vendor key.
func sign(t testing.TB, l tenantry.Licence) string {
	t.Helper()
	return signWith(t, vendorKey, l)
}

func signWith(t testing.TB, key ed25519.PrivateKey, l tenantry.Licence) string {
	t.Helper()
	text, err := licence.Sign(key, l)
	if err != nil {
		t.Fatalf("licence.Sign: %v", err)
	}
	return text
}

// createOrg creates an organization from l with adminEmail's account (which
// must exist) as its administrator.
func (e *env) createOrg(l tenantry.Licence, adminEmail string) tenantry.Organization {
	e.t.Helper()
	o, err := e.svc.CreateOrganization(e.ctx, service.Operator(), sign(e.t, l), adminEmail)
	if err != nil {
		e.t.Fatalf("CreateOrganization(%s): %v", l.OrganizationName, err)
	}
	return o
}

// as authenticates a token with a manywhotenant header and an
// x-tenantry-organization header (either may be "").
func (e *env) as(token, tenantID, orgID string) *service.Actor {
	e.t.Helper()
	a, err := e.svc.Authenticate(e.ctx, service.Credentials{Token: token, Tenant: tenantID, Organization: orgID,
		RequestID: "req-test", SourceAddress: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("Authenticate(token, tenant %q, organization %q): %v", tenantID, orgID, err)
	}
	return a
}

// orgOf creates an account for adminEmail (unless it exists), an
// organization from a fresh licence with limits, and returns the
// organization and the administrator's actor naming it in the header.
func (e *env) orgOf(name, adminEmail string, limits tenantry.Limits) (tenantry.Organization, *service.Actor, string) {
	e.t.Helper()
	if _, _, err := e.db.Read().UserByEmail(e.ctx, adminEmail); tenantry.IsCode(err, tenantry.CodeNotFound) {
		e.user(adminEmail)
	}
	o := e.createOrg(newLicence(name, limits), adminEmail)
	token := e.signIn(adminEmail)
	return o, e.as(token, "", o.ID), token
}

// account writes an active account through the store, with the names
// e.user gives but no password: for users who never sign in (a password
// hash costs an argon2id run).
func (e *env) account(email string) tenantry.User {
	e.t.Helper()
	first, _, _ := strings.Cut(email, "@")
	now := e.clock.Now()
	u := tenantry.User{ID: uuid.NewString(), Email: email, FirstName: strings.ToUpper(first[:1]) + first[1:], LastName: "Tester",
		Status: tenantry.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := e.db.InTx(e.ctx, func(tx *store.Tx) error { return tx.CreateUser(e.ctx, u, "") }); err != nil {
		e.t.Fatalf("seed account %s: %v", email, err)
	}
	return u
}

// inviteTenant invites tenantID as oa.
func (e *env) inviteTenant(oa *service.Actor, tenantID string) {
	e.t.Helper()
	if err := e.svc.InviteTenant(e.ctx, oa, service.InviteTarget{ID: tenantID}); err != nil {
		e.t.Fatalf("InviteTenant(%s): %v", tenantID, err)
	}
}

// inviteUser invites email as oa.
func (e *env) inviteUser(oa *service.Actor, email string) {
	e.t.Helper()
	if err := e.svc.InviteUser(e.ctx, oa, service.InviteTarget{Email: email}); err != nil {
		e.t.Fatalf("InviteUser(%s): %v", email, err)
	}
}

// join invites ta's current tenant to orgID as oa and accepts as ta.
func (e *env) join(oa, ta *service.Actor, orgID string) {
	e.t.Helper()
	e.inviteTenant(oa, ta.TenantID)
	if _, err := e.svc.AnswerTenantInvitation(e.ctx, ta, orgID, true); err != nil {
		e.t.Fatalf("accept the invitation of %s: %v", orgID, err)
	}
}

// orgTenant creates a tenant in oa's organization with oa as its only user,
// an administrator.
func (e *env) orgTenant(oa *service.Actor, name string) tenantry.OrgTenant {
	e.t.Helper()
	ot, err := e.svc.CreateOrgTenant(e.ctx, oa, name, []service.NewTenantUser{{ID: oa.User.ID, Role: tenantry.RoleAdministrator}})
	if err != nil {
		e.t.Fatalf("CreateOrgTenant(%s): %v", name, err)
	}
	return ot
}

// bareTenant writes a top-level tenant with no members through the store.
func (e *env) bareTenant(name string) tenantry.Tenant {
	e.t.Helper()
	tn := tenantry.Tenant{ID: uuid.NewString(), Name: name, CreatedAt: e.clock.Now()}
	if err := e.db.InTx(e.ctx, func(tx *store.Tx) error { return tx.CreateTenant(e.ctx, tn) }); err != nil {
		e.t.Fatalf("seed tenant %s: %v", name, err)
	}
	return tn
}

// usage returns the organization's usage as its administrator sees it.
func (e *env) usage(oa *service.Actor) tenantry.Usage {
	e.t.Helper()
	info, err := e.svc.Organization(e.ctx, oa)
	if err != nil {
		e.t.Fatalf("Organization: %v", err)
	}
	return info.Usage
}

// mails returns the outbox, oldest first.
func (e *env) mails() []store.Mail {
	e.t.Helper()
	ms, err := e.db.Read().Outbox(e.ctx)
	if err != nil {
		e.t.Fatalf("Outbox: %v", err)
	}
	return ms
}

// mailsFor returns the messages to addr, oldest first.
func (e *env) mailsFor(addr string) []store.Mail {
	e.t.Helper()
	var out []store.Mail
	for _, m := range e.mails() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// mailsTo returns the subjects of the messages to addr, oldest first.
func (e *env) mailsTo(addr string) []string {
	e.t.Helper()
	var out []string
	for _, m := range e.mailsFor(addr) {
		out = append(out, m.Subject)
	}
	return out
}

// mark moves the clock on by a second and returns the new time, so that
// mailsSince can tell what came after it.
func (e *env) mark() time.Time {
	e.clock.Advance(time.Second)
	return e.clock.Now()
}

// mailsSince returns the messages queued at or after since, by recipient.
func (e *env) mailsSince(since time.Time) []store.Mail {
	e.t.Helper()
	var out []store.Mail
	for _, m := range e.mails() {
		if !m.CreatedAt.Before(since) {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].To < out[j].To })
	return out
}

// recipients returns the To of each message.
func recipients(ms []store.Mail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.To)
	}
	return out
}

// mailCount counts the outbox.
func (e *env) mailCount() int { return e.count("SELECT COUNT(*) FROM outbox") }

// orgAudit returns the organization's audit events, oldest first.
func (e *env) orgAudit(orgID string) []tenantry.AuditEvent {
	e.t.Helper()
	evs, _, err := e.db.Read().OrgAudit(e.ctx, orgID, store.AuditFilter{Limit: 1000})
	if err != nil {
		e.t.Fatalf("OrgAudit: %v", err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// orgActions returns the actions of the organization's audit log, oldest
// first, optionally only those starting with prefix.
func (e *env) orgActions(orgID, prefix string) []string {
	e.t.Helper()
	var out []string
	for _, ev := range e.orgAudit(orgID) {
		if strings.HasPrefix(ev.Action, prefix) {
			out = append(out, ev.Action)
		}
	}
	return out
}

// invitationStatuses returns the statuses of every invitation of orgID to
// targetID (a tenant or user), oldest first.
func (e *env) invitationStatuses(orgID, targetID string) []string {
	e.t.Helper()
	rows, err := e.db.SQL().QueryContext(e.ctx, `SELECT status FROM invitations WHERE organization_id = $1
		AND (tenant_id = $2 OR user_id = $2) ORDER BY invited_at, id`, orgID, targetID)
	if err != nil {
		e.t.Fatalf("query invitations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatalf("scan invitations: %v", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("read invitations: %v", err)
	}
	return out
}

// orgOfTenant returns the organization a tenant belongs to, "" when none.
func (e *env) orgOfTenant(tenantID string) string {
	e.t.Helper()
	id, err := e.db.Read().OrganizationOfTenant(e.ctx, tenantID)
	if err != nil {
		e.t.Fatalf("OrganizationOfTenant: %v", err)
	}
	return id
}

// limitErr returns the limit, used and max of a licence_limit_exceeded error.
func limitErr(t testing.TB, err error) map[string]any {
	t.Helper()
	wantCode(t, err, tenantry.CodeLicenceLimitExceeded)
	return domainError(t, err).Extra
}

// limitExtra is what a licence refusal carries.
func limitExtra(k tenantry.LimitKind, used, max int) map[string]any {
	return map[string]any{"limit": string(k), "used": used, "max": max}
}

// orgAdminCalls makes every call reserved to organization administrators as
// a and returns their errors by name.
func orgAdminCalls(e *env, a *service.Actor, tenantID, userID string) map[string]error {
	errs := map[string]error{}
	_, errs["Organization"] = e.svc.Organization(e.ctx, a)
	_, errs["OrgAdmins"] = e.svc.OrgAdmins(e.ctx, a)
	errs["RemoveOrgAdmin"] = e.svc.RemoveOrgAdmin(e.ctx, a, userID)
	errs["InviteTenant"] = e.svc.InviteTenant(e.ctx, a, service.InviteTarget{ID: tenantID})
	errs["InviteUser"] = e.svc.InviteUser(e.ctx, a, service.InviteTarget{ID: userID})
	_, errs["CancelInvitation"] = e.svc.CancelInvitation(e.ctx, a, tenantry.InviteTenant, tenantID)
	_, errs["AcknowledgeInvitation"] = e.svc.AcknowledgeInvitation(e.ctx, a, tenantry.InviteUser, userID)
	_, errs["OrgInvitations"] = e.svc.OrgInvitations(e.ctx, a, tenantry.InviteTenant)
	_, errs["OrgTenants"] = e.svc.OrgTenants(e.ctx, a, service.OrgTenantsQuery{})
	_, errs["OrgTenantUsers"] = e.svc.OrgTenantUsers(e.ctx, a, tenantID, service.Page{})
	_, errs["CreateOrgTenant"] = e.svc.CreateOrgTenant(e.ctx, a, "sneaky", []service.NewTenantUser{{ID: userID, Role: tenantry.RoleAdministrator}})
	errs["RemoveOrgTenant"] = e.svc.RemoveOrgTenant(e.ctx, a, tenantID)
	_, errs["OrgAudit"] = e.svc.OrgAudit(e.ctx, a, service.AuditQuery{})
	return errs
}

// raceN runs fn(0..n-1) at once, released together, and returns their errors.
func raceN(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// errOf is the error of a call whose result the test does not need.
func errOf[T any](_ T, err error) error { return err }
