package runtime_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"tenantry/internal/api"
	"tenantry/internal/licence"
	"tenantry/internal/runtime"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
)

// wait bounds every wait for something the platform does asynchronously. It
// is a safety net against hanging tests, not a measurement: SPEC §6's "within
// a second" is checked by making the event the only way the outcome can
// happen (see TestProtocol_RevocationClosesEverySession).
const wait = 10 * time.Second

// The licence authority the test services trust.
var vendorPub, vendorKey = func() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return pub, priv
}()

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// clock is the platform's clock: it moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// platform is a service, a hub and the API on an httptest server over one
// fresh database, with an organization administered by Ada that has two
// member tenants (shared and other).
type platform struct {
	t      testing.TB
	d      store.Dialect
	ctx    context.Context
	db     *store.DB
	svc    *service.Service
	hub    *runtime.Hub
	srv    *httptest.Server
	clock  *clock
	admin  *service.Actor
	orgID  string
	shared tenantry.Tenant
	other  tenantry.Tenant

	mu    sync.Mutex
	conns []*nodeConn
}

const password = "correct horse battery staple"

func newPlatform(t testing.TB, d store.Dialect, leaseInterval time.Duration) *platform {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, d)
	clk := &clock{now: t0}
	var hub *runtime.Hub
	svc := service.New(db, service.Config{
		Now:           clk.Now,
		Licences:      licence.Authority{Vendor: []ed25519.PublicKey{vendorPub}},
		RuntimeEvents: func(ev service.RuntimeEvent) { hub.Notify(ev) },
	})
	hub = runtime.NewHub(svc, runtime.HubOptions{LeaseInterval: leaseInterval, Now: clk.Now})
	srv := httptest.NewServer(api.NewServer(svc, api.Options{RuntimeConnect: hub}))
	p := &platform{t: t, d: d, ctx: ctx, db: db, svc: svc, hub: hub, srv: srv, clock: clk}
	t.Cleanup(func() {
		// End every node's socket and let the hub finish with them before
		// the database goes.
		p.mu.Lock()
		for _, c := range p.conns {
			c.CloseNow()
		}
		p.mu.Unlock()
		deadline := time.Now().Add(wait)
		for hub.Sessions() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		srv.Close()
	})

	if _, err := svc.CreateUser(ctx, service.Operator(), service.CreateUserInput{Email: "ada@example.com", FirstName: "Ada",
		LastName: "Lovelace", Password: password}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateTenant(ctx, service.Operator(), "acme", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	text, err := licence.Sign(vendorKey, tenantry.Licence{ID: uuid.NewString(), Licensee: "Acme Corp", OrganizationName: "Acme Group",
		Limits:   tenantry.Limits{Tenants: 10, Administrators: 5, Runtimes: 10, Users: 100},
		IssuedAt: t0.Add(-24 * time.Hour), NotBefore: t0.Add(-24 * time.Hour), ExpiresAt: t0.Add(365 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	o, err := svc.CreateOrganization(ctx, service.Operator(), text, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	p.orgID = o.ID
	token, _, err := svc.SignIn(ctx, service.SignInRequest{Email: "ada@example.com", Password: password, SourceAddress: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	p.admin, err = svc.Authenticate(ctx, service.Credentials{Token: token, Organization: o.ID, RequestID: "req-test", SourceAddress: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	p.shared = p.orgTenant("shared")
	p.other = p.orgTenant("other")
	return p
}

// adaIn signs Ada in and returns her acting in tenantID.
func (p *platform) adaIn(tenantID string) *service.Actor {
	p.t.Helper()
	token, _, err := p.svc.SignIn(p.ctx, service.SignInRequest{Email: "ada@example.com", Password: password, SourceAddress: "192.0.2.1"})
	if err != nil {
		p.t.Fatal(err)
	}
	a, err := p.svc.Authenticate(p.ctx, service.Credentials{Token: token, Tenant: tenantID, RequestID: "req-test", SourceAddress: "192.0.2.1"})
	if err != nil {
		p.t.Fatal(err)
	}
	return a
}

// orgTenant creates a member tenant of the organization administered by Ada.
func (p *platform) orgTenant(name string) tenantry.Tenant {
	p.t.Helper()
	ot, err := p.svc.CreateOrgTenant(p.ctx, p.admin, name, []service.NewTenantUser{{Email: "ada@example.com", Role: tenantry.RoleAdministrator}})
	if err != nil {
		p.t.Fatalf("CreateOrgTenant(%s): %v", name, err)
	}
	return ot.Tenant
}

// runtime creates a connection shared with tenants and returns its ID and
// installation token.
func (p *platform) runtime(name string, tenants ...string) (string, string) {
	p.t.Helper()
	d, token, err := p.svc.CreateRuntime(p.ctx, p.admin, name, tenants)
	if err != nil {
		p.t.Fatalf("CreateRuntime(%s): %v", name, err)
	}
	return d.Runtime.ID, token
}

// registered creates a connection shared with tenants and registers a new
// node key for it.
func (p *platform) registered(name string, tenants ...string) (string, ed25519.PrivateKey) {
	p.t.Helper()
	id, token := p.runtime(name, tenants...)
	pub, priv, _ := ed25519.GenerateKey(nil)
	got, err := p.svc.RegisterRuntime(p.ctx, token, base64.StdEncoding.EncodeToString(pub), "node.example", "1.0.0", "192.0.2.9")
	if err != nil || got != id {
		p.t.Fatalf("RegisterRuntime: %q, %v; want %s", got, err, id)
	}
	return id, priv
}

// nodeConn is a node's socket with a reader that runs from the start, as a
// real node's does: the platform's pings are answered only while something
// reads, and the hub ends a session whose ping goes unanswered.
type nodeConn struct {
	ws   *websocket.Conn
	in   chan readResult
	done chan struct{}
}

type readResult struct {
	m   runtime.Message
	err error
}

func (c *nodeConn) Close(code websocket.StatusCode, reason string) error {
	return c.ws.Close(code, reason)
}

func (c *nodeConn) CloseNow() {
	c.ws.CloseNow()
	select {
	case <-c.done:
	default:
		close(c.done)
	}
}

// dial opens a node's WebSocket.
func (p *platform) dial() *nodeConn {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(p.srv.URL, "http")+"/api/runtime/1/connect", nil)
	if err != nil {
		p.t.Fatalf("dial: %v", err)
	}
	c := &nodeConn{ws: ws, in: make(chan readResult, 256), done: make(chan struct{})}
	go func() {
		for {
			var r readResult
			_, b, err := ws.Read(context.Background())
			if err != nil {
				r.err = err
			} else if err := json.Unmarshal(b, &r.m); err != nil {
				r.err = errors.New("not JSON: " + string(b))
			}
			select {
			case c.in <- r:
			case <-c.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
	return c
}

// read returns the next message or the error that ended the socket.
func read(c *nodeConn) (runtime.Message, error) {
	select {
	case r := <-c.in:
		return r.m, r.err
	case <-time.After(wait):
		return runtime.Message{}, errors.New("nothing read in time")
	}
}

func (p *platform) mustRead(c *nodeConn, what string) runtime.Message {
	p.t.Helper()
	m, err := read(c)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return m
}

func (p *platform) send(c *nodeConn, m runtime.Message) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	b, _ := json.Marshal(m)
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		p.t.Fatalf("write %s: %v", m.Type, err)
	}
}

// challenge opens a socket and reads its challenge.
func (p *platform) challenge() (*nodeConn, []byte) {
	p.t.Helper()
	c := p.dial()
	m := p.mustRead(c, "challenge")
	if m.Type != runtime.TypeChallenge || len(m.Nonce) != 32 || !m.ExpiresAt.Equal(p.clock.Now().Add(10*time.Second)) {
		p.t.Fatalf("challenge %+v, want 32 bytes valid for 10 s of the platform's clock", m)
	}
	return c, m.Nonce
}

func hello(runtimeID, node string, sig []byte) runtime.Message {
	return runtime.Message{Type: runtime.TypeHello, RuntimeID: runtimeID, Node: node, Signature: sig}
}

// connect proves a node and returns its socket and welcome.
func (p *platform) connect(runtimeID string, key ed25519.PrivateKey, node string) (*nodeConn, runtime.Message) {
	p.t.Helper()
	c, nonce := p.challenge()
	p.send(c, hello(runtimeID, node, runtime.Sign(key, nonce, runtimeID, node)))
	w := p.mustRead(c, "welcome of "+node)
	if w.Type != runtime.TypeWelcome || w.NodeID == "" || w.Leader == nil {
		p.t.Fatalf("welcome of %s: %+v", node, w)
	}
	return c, w
}

// closed reads until the platform closes the socket and returns the
// messages read and the close status.
func closed(c *nodeConn) ([]runtime.Message, websocket.StatusCode, error) {
	var msgs []runtime.Message
	for {
		m, err := read(c)
		if err != nil {
			return msgs, websocket.CloseStatus(err), err
		}
		msgs = append(msgs, m)
	}
}

func types(msgs []runtime.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Type)
	}
	return out
}

// wantRefused checks that the platform ends the socket with status after a
// last message of type last.
func (p *platform) wantRefused(what string, c *nodeConn, last string, status websocket.StatusCode) {
	p.t.Helper()
	msgs, got, err := closed(c)
	if got != status || len(msgs) == 0 || msgs[len(msgs)-1].Type != last {
		p.t.Errorf("%s: messages %v then %v (status %d); want %s then close %d", what, types(msgs), err, got, last, status)
	}
}

func tenantIDs(ts []runtime.Tenant) string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func ids(v ...string) string {
	sort.Strings(v)
	return strings.Join(v, ",")
}

// refusals waits until the organization's log holds at least n
// runtime.refused events about target and returns them (the hub audits a
// refusal after closing the socket).
func (p *platform) refusals(target string, n int) []tenantry.AuditEvent {
	p.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		evs, _, err := p.db.Read().OrgAudit(p.ctx, p.orgID, store.AuditFilter{Action: tenantry.ActionRuntimeRefused, Target: target, Limit: 1000})
		if err != nil {
			p.t.Fatal(err)
		}
		if len(evs) >= n || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func details(evs []tenantry.AuditEvent, key string) []string {
	var out []string
	for _, e := range evs {
		if s, ok := e.Details[key].(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// waitFor polls the service until ok says the runtime's detail is as wanted.
func (p *platform) waitFor(what, runtimeID string, ok func(service.RuntimeDetail) bool) service.RuntimeDetail {
	p.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		d, err := p.svc.Runtime(p.ctx, p.admin, runtimeID)
		if err != nil {
			p.t.Fatal(err)
		}
		if ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: never; last %+v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func node(d service.RuntimeDetail, name string) (service.NodeView, bool) {
	for _, n := range d.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return service.NodeView{}, false
}

func TestProtocol_WelcomeLeadershipAndReports(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, 50*time.Millisecond)
		id, key := p.registered("edge", p.shared.ID)

		a, wa := p.connect(id, key, "host-a 127.0.0.1:9001")
		if !*wa.Leader || tenantIDs(wa.Tenants) != p.shared.ID || wa.Tenants[0].Name != "shared" {
			t.Errorf("first node's welcome %+v: want leader and the shared tenant", wa)
		}
		b, wb := p.connect(id, key, "host-b 127.0.0.1:9002")
		if *wb.Leader || tenantIDs(wb.Tenants) != p.shared.ID || wb.NodeID == wa.NodeID {
			t.Errorf("second node's welcome %+v: want a follower with the shared tenant", wb)
		}

		// A report shows in the detail: the leader, online, its version.
		p.send(a, runtime.Message{Type: runtime.TypeReport, Report: &runtime.Report{Hostname: "host-a", IPAddresses: []string{"10.0.0.1"},
			Version: "2.1.0", Status: "healthy"}})
		p.send(b, runtime.Message{Type: runtime.TypeReport, Report: &runtime.Report{Hostname: "host-b", IPAddresses: []string{"10.0.0.2"},
			Version: "2.0.9", Status: "healthy"}})
		det := p.waitFor("both reports", id, func(d service.RuntimeDetail) bool {
			na, _ := node(d, "host-a 127.0.0.1:9001")
			nb, _ := node(d, "host-b 127.0.0.1:9002")
			return na.Version == "2.1.0" && nb.Version == "2.0.9"
		})
		na, _ := node(det, "host-a 127.0.0.1:9001")
		nb, _ := node(det, "host-b 127.0.0.1:9002")
		if na.Status != tenantry.StatusLeader || nb.Status != tenantry.StatusOnline || det.Status != tenantry.StatusOnline ||
			det.HealthyNodes != 2 || det.LatestVersion != "2.1.0" || na.Hostname != "host-a" {
			t.Errorf("detail: status %s, healthy %d, latest %q; node a %+v; node b %+v", det.Status, det.HealthyNodes, det.LatestVersion, na, nb)
		}

		// The leader leaves cleanly: the other takes over, told by a
		// leadership message; the one that left is offline.
		a.Close(websocket.StatusNormalClosure, "bye")
		for {
			m := p.mustRead(b, "leadership after the leader left")
			if m.Type == runtime.TypeLeadership && m.Leader != nil && *m.Leader {
				break
			}
			if m.Type != runtime.TypeLeadership {
				t.Fatalf("while waiting for leadership: %+v", m)
			}
		}
		det = p.waitFor("a offline, b leader", id, func(d service.RuntimeDetail) bool {
			na, _ := node(d, "host-a 127.0.0.1:9001")
			nb, _ := node(d, "host-b 127.0.0.1:9002")
			return na.Status == tenantry.StatusOffline && nb.Status == tenantry.StatusLeader
		})
		if det.Status != tenantry.StatusOnline || det.HealthyNodes != 1 {
			t.Errorf("after the leader left: status %s, healthy %d", det.Status, det.HealthyNodes)
		}

		// A restart of node a (same name) is the same node, not a third.
		p.connect(id, key, "host-a 127.0.0.1:9001")
		det = p.waitFor("a back", id, func(d service.RuntimeDetail) bool {
			na, _ := node(d, "host-a 127.0.0.1:9001")
			return na.Connected
		})
		if len(det.Nodes) != 2 {
			t.Errorf("after a restart: %d nodes, want the same two", len(det.Nodes))
		}
	})
}

func TestProtocol_Refusals(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, 50*time.Millisecond)
		id, key := p.registered("edge", p.shared.ID)
		const name = "host-a 127.0.0.1:9001"

		// Bad signature: another key.
		_, stranger, _ := ed25519.GenerateKey(nil)
		c, nonce := p.challenge()
		p.send(c, hello(id, name, runtime.Sign(stranger, nonce, id, name)))
		p.wantRefused("another key's signature", c, runtime.TypeError, runtime.CloseUnauthorized)

		// Bad signature: the right key, but signed for another node name than
		// the hello claims.
		c, nonce = p.challenge()
		p.send(c, hello(id, name, runtime.Sign(key, nonce, id, "host-b 127.0.0.1:9002")))
		p.wantRefused("signature for another node", c, runtime.TypeError, runtime.CloseUnauthorized)

		// Garbage signature.
		c, _ = p.challenge()
		p.send(c, hello(id, name, []byte("not a signature")))
		p.wantRefused("garbage signature", c, runtime.TypeError, runtime.CloseUnauthorized)

		// Replayed challenge: a signature made for an earlier connection's
		// nonce (that connection succeeded) does not open another.
		first, nonce1 := p.challenge()
		sig1 := runtime.Sign(key, nonce1, id, name)
		p.send(first, hello(id, name, sig1))
		if w := p.mustRead(first, "first welcome"); w.Type != runtime.TypeWelcome {
			t.Fatalf("first connection: %+v", w)
		}
		c, nonce2 := p.challenge()
		if bytes.Equal(nonce1, nonce2) {
			t.Fatalf("two connections got the same nonce")
		}
		p.send(c, hello(id, name, sig1))
		p.wantRefused("replayed challenge", c, runtime.TypeError, runtime.CloseUnauthorized)
		first.Close(websocket.StatusNormalClosure, "")

		// The first message must be hello.
		c, _ = p.challenge()
		p.send(c, runtime.Message{Type: runtime.TypeReport, RuntimeID: id, Report: &runtime.Report{Status: "healthy"}})
		p.wantRefused("report before hello", c, runtime.TypeError, runtime.CloseUnauthorized)

		// A late answer: the challenge is valid 10 s by the platform's clock.
		c, nonce = p.challenge()
		p.clock.Advance(11 * time.Second)
		p.send(c, hello(id, name, runtime.Sign(key, nonce, id, name)))
		p.wantRefused("late hello", c, runtime.TypeError, runtime.CloseUnauthorized)

		// A bad node name, however well signed.
		c, nonce = p.challenge()
		p.send(c, hello(id, "", runtime.Sign(key, nonce, id, "")))
		p.wantRefused("empty node name", c, runtime.TypeError, runtime.CloseUnauthorized)

		// Unknown runtime: revoked, 4001.
		c, nonce = p.challenge()
		unknown := uuid.NewString()
		p.send(c, hello(unknown, name, runtime.Sign(key, nonce, unknown, name)))
		p.wantRefused("unknown runtime", c, runtime.TypeRevoked, runtime.CloseRevoked)
		c, nonce = p.challenge()
		p.send(c, hello("not-a-uuid", name, runtime.Sign(key, nonce, "not-a-uuid", name)))
		p.wantRefused("malformed runtime ID", c, runtime.TypeRevoked, runtime.CloseRevoked)

		// A connection no node registered yet: nothing can prove itself.
		fresh, _ := p.runtime("fresh")
		c, nonce = p.challenge()
		p.send(c, hello(fresh, name, runtime.Sign(key, nonce, fresh, name)))
		p.wantRefused("unregistered runtime", c, runtime.TypeRevoked, runtime.CloseRevoked)

		// Revoked: the connection was deleted; its key no longer works.
		if err := p.svc.DeleteRuntime(p.ctx, p.admin, id); err != nil {
			t.Fatal(err)
		}
		c, nonce = p.challenge()
		p.send(c, hello(id, name, runtime.Sign(key, nonce, id, name)))
		p.wantRefused("deleted runtime", c, runtime.TypeRevoked, runtime.CloseRevoked)

		// Each refusal of a known runtime is in its organization's log, by
		// the runtime, with the reason.
		evs := p.refusals(id, 8)
		if len(evs) != 8 {
			t.Errorf("%d runtime.refused events about the runtime, want 8 (bad signature ×4, not hello, late, bad node name, deleted): %v",
				len(evs), details(evs, "code"))
		}
		for _, e := range evs {
			if e.ActorKind != tenantry.ActorRuntime || e.TargetID != id || e.Details["code"] == "" {
				t.Errorf("refusal event %+v", e)
			}
		}
		if got := strings.Join(details(evs, "code"), "|"); !strings.Contains(got, "bad signature") || !strings.Contains(got, "expired") ||
			!strings.Contains(got, "hello") {
			t.Errorf("refusal reasons: %s", got)
		}
	})
}

// TestProtocol_RefusalsOfUnprovableRuntimesAudited: SPEC issue 5 wants the
// unknown and the revoked runtime refused *and audited*; the hub audits them
// only when it knows the runtime's organization.
func TestProtocol_RefusalsOfUnprovableRuntimesAudited(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, 50*time.Millisecond)
		id, key := p.registered("edge")
		fresh, _ := p.runtime("fresh")
		const name = "host-a 127.0.0.1:9001"
		c, nonce := p.challenge()
		p.send(c, hello(fresh, name, runtime.Sign(key, nonce, fresh, name)))
		p.wantRefused("unregistered runtime", c, runtime.TypeRevoked, runtime.CloseRevoked)
		if evs := p.refusals(fresh, 1); len(evs) != 1 {
			t.Errorf("unregistered runtime: %d runtime.refused events", len(evs))
		}
		if err := p.svc.DeleteRuntime(p.ctx, p.admin, id); err != nil {
			t.Fatal(err)
		}
		c, nonce = p.challenge()
		p.send(c, hello(id, name, runtime.Sign(key, nonce, id, name)))
		p.wantRefused("deleted runtime", c, runtime.TypeRevoked, runtime.CloseRevoked)
		if evs := p.refusals(id, 1); len(evs) != 1 {
			t.Errorf("deleted runtime: %d runtime.refused events", len(evs))
		}

		// Anyone who knows a runtime's ID can be refused: the log takes 20
		// in a burst per runtime, then one per 30 seconds, not a flood.
		for range 30 {
			c, nonce := p.challenge()
			p.send(c, hello(fresh, name, runtime.Sign(key, nonce, fresh, name)))
			p.wantRefused("unregistered runtime again", c, runtime.TypeRevoked, runtime.CloseRevoked)
		}
		time.Sleep(100 * time.Millisecond) // the hub audits after closing
		if evs := p.refusals(fresh, 20); len(evs) != 20 {
			t.Errorf("31 refusals of one runtime: %d runtime.refused events, want 20", len(evs))
		}
		p.clock.Advance(30 * time.Second)
		c, nonce = p.challenge()
		p.send(c, hello(fresh, name, runtime.Sign(key, nonce, fresh, name)))
		p.wantRefused("after 30 seconds", c, runtime.TypeRevoked, runtime.CloseRevoked)
		if evs := p.refusals(fresh, 21); len(evs) != 21 {
			t.Errorf("a refusal 30 seconds later: %d runtime.refused events, want 21", len(evs))
		}
	})
}

// register sends a registration to the platform's API.
func (p *platform) register(token, publicKey string) (int, map[string]any) {
	p.t.Helper()
	b, _ := json.Marshal(map[string]string{"installationToken": token, "publicKey": publicKey, "hostname": "node.example", "version": "1.0.0"})
	resp, err := http.Post(p.srv.URL+"/api/runtime/1/registration", "application/json", bytes.NewReader(b))
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		p.t.Fatalf("registration answer %d %s: %v", resp.StatusCode, body, err)
	}
	return resp.StatusCode, out
}

func newKey() string {
	pub, _, _ := ed25519.GenerateKey(nil)
	return base64.StdEncoding.EncodeToString(pub)
}

func TestProtocol_RegistrationTokens(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, 50*time.Millisecond)

		// Spent: a second key is refused, audited with the code.
		id, token := p.runtime("edge", p.shared.ID)
		keyA, keyB := newKey(), newKey()
		status, body := p.register(token, keyA)
		if status != 200 || body["runtimeId"] != id {
			t.Fatalf("register: %d %v", status, body)
		}
		if status, body = p.register(token, keyB); status != 409 || body["code"] != "token_spent" {
			t.Errorf("another key: %d %v, want 409 token_spent", status, body)
		}
		// The same key within the 24 hours: idempotent.
		p.clock.Advance(23 * time.Hour)
		if status, body = p.register(token, keyA); status != 200 || body["runtimeId"] != id {
			t.Errorf("same key again after 23 h: %d %v", status, body)
		}
		// After them, even the same key is too late.
		p.clock.Advance(time.Hour)
		if status, body = p.register(token, keyA); status != 409 || body["code"] != "token_expired" {
			t.Errorf("same key again after 24 h: %d %v, want 409 token_expired", status, body)
		}

		// Expired: a token nobody used, 24 hours on.
		late, lateToken := p.runtime("late")
		p.clock.Advance(24 * time.Hour)
		if status, body = p.register(lateToken, keyB); status != 409 || body["code"] != "token_expired" {
			t.Errorf("expired token: %d %v, want 409 token_expired", status, body)
		}
		// The expired token registered nothing: the runtime still refuses
		// every key.
		c, nonce := p.challenge()
		const name = "host-a 127.0.0.1:9001"
		p.send(c, hello(late, name, runtime.Sign(ed25519.NewKeyFromSeed(make([]byte, 32)), nonce, late, name)))
		p.wantRefused("runtime of an expired token", c, runtime.TypeRevoked, runtime.CloseRevoked)

		// Unknown token: 404, nothing to audit it in.
		if status, body = p.register("tnti_"+strings.Repeat("x", 43), keyA); status != 404 || body["code"] != "not_found" {
			t.Errorf("unknown token: %d %v", status, body)
		}

		// Each refusal is audited in the organization's log.
		if got := details(p.refusals(id, 2), "code"); strings.Join(got, ",") != "token_expired,token_spent" {
			t.Errorf("edge's refusals: %v, want token_spent and token_expired", got)
		}
		// …and so is the connection attempt of the runtime whose token expired
		// before it registered.
		if got := details(p.refusals(late, 2), "code"); strings.Join(got, ",") != "token_expired,unknown, unregistered or deleted runtime" {
			t.Errorf("late's refusals: %v, want token_expired and the refused connection", got)
		}
		evs, _, err := p.db.Read().OrgAudit(p.ctx, p.orgID, store.AuditFilter{Action: tenantry.ActionRuntimeRegistered, Target: id, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].ActorKind != tenantry.ActorRuntime {
			t.Errorf("runtime.registered events: %+v, want one by the runtime", evs)
		}
	})
}

func TestProtocol_SharesArePushed(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, 50*time.Millisecond)
		id, key := p.registered("edge", p.shared.ID)
		a, _ := p.connect(id, key, "host-a 127.0.0.1:9001")
		b, _ := p.connect(id, key, "host-b 127.0.0.1:9002")
		nextTenants := func(c *nodeConn, what string) runtime.Message {
			t.Helper()
			for {
				m := p.mustRead(c, what)
				if m.Type == runtime.TypeTenants {
					return m
				}
				if m.Type != runtime.TypeLeadership {
					t.Fatalf("%s: %+v", what, m)
				}
			}
		}

		both := []string{p.shared.ID, p.other.ID}
		if _, err := p.svc.UpdateRuntime(p.ctx, p.admin, id, nil, &both); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*nodeConn{a, b} {
			if m := nextTenants(c, "after sharing other"); tenantIDs(m.Tenants) != ids(both...) {
				t.Errorf("after sharing other: %+v", m)
			}
		}

		// Renaming a shared tenant: the nodes hear the new name.
		inOther := p.adaIn(p.other.ID)
		newName := "other-renamed"
		if _, err := p.svc.UpdateTenant(p.ctx, inOther, &newName, nil); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*nodeConn{a, b} {
			m := nextTenants(c, "after renaming other")
			names := map[string]string{}
			for _, tn := range m.Tenants {
				names[tn.ID] = tn.Name
			}
			if names[p.other.ID] != newName {
				t.Errorf("after renaming other: %+v", m)
			}
		}

		// Removing a tenant from the organization removes its share: the
		// nodes hear it.
		if err := p.svc.RemoveOrgTenant(p.ctx, p.admin, p.other.ID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*nodeConn{a, b} {
			if m := nextTenants(c, "after other left the organization"); tenantIDs(m.Tenants) != p.shared.ID {
				t.Errorf("after other left the organization: %+v", m)
			}
		}

		// [] removes every share.
		none := []string{}
		if _, err := p.svc.UpdateRuntime(p.ctx, p.admin, id, nil, &none); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*nodeConn{a, b} {
			if m := nextTenants(c, "after removing every share"); len(m.Tenants) != 0 {
				t.Errorf("after removing every share: %+v", m)
			}
		}
	})
}

// TestProtocol_RevocationClosesEverySession deletes a connection with two
// live nodes. The hub renews leases only once an hour here, so the deletion
// event alone can close the sessions: a close at all proves the push.
func TestProtocol_RevocationClosesEverySession(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, time.Hour)
		id, key := p.registered("edge", p.shared.ID)
		otherID, otherKey := p.registered("bystander", p.shared.ID)
		a, _ := p.connect(id, key, "host-a 127.0.0.1:9001")
		b, _ := p.connect(id, key, "host-b 127.0.0.1:9002")
		bystander, _ := p.connect(otherID, otherKey, "host-c 127.0.0.1:9003")

		if err := p.svc.DeleteRuntime(p.ctx, p.admin, id); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i, c := range []*nodeConn{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				msgs, status, err := closed(c)
				if status != runtime.CloseRevoked || len(msgs) == 0 || msgs[len(msgs)-1].Type != runtime.TypeRevoked {
					t.Errorf("node %d after delete: %v then %v (status %d); want revoked and close %d", i, types(msgs), err, status, runtime.CloseRevoked)
				}
			}()
		}
		wg.Wait()

		// The other runtime's node is untouched: still connected, it hears
		// its own share changes.
		none := []string{}
		if _, err := p.svc.UpdateRuntime(p.ctx, p.admin, otherID, nil, &none); err != nil {
			t.Fatal(err)
		}
		if m := p.mustRead(bystander, "bystander's tenants"); m.Type != runtime.TypeTenants {
			t.Errorf("bystander: %+v", m)
		}
		deadline := time.Now().Add(wait)
		for p.hub.Sessions() != 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := p.hub.Sessions(); n != 1 {
			t.Errorf("%d live sessions after the delete, want the bystander's only", n)
		}
	})
}

// TestProtocol_AgentTakesLargeShareLists: a runtime shared with hundreds of
// subtenants (which the licence does not count) sends its nodes
// tenant lists far past the WebSocket library's 32 KiB default; the node
// still connects and hears them all.
func TestProtocol_AgentTakesLargeShareLists(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		p := newPlatform(t, d, 50*time.Millisecond)
		inShared := p.adaIn(p.shared.ID)
		const subtenants = 400
		ids := []string{p.shared.ID}
		for i := range subtenants {
			st, err := p.svc.CreateSubtenant(p.ctx, inShared, fmt.Sprintf("team-%03d-%s", i, strings.Repeat("x", 40)), "")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, st.ID)
		}
		_, installation := p.runtime("edge", ids...)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a := runtime.NewAgent(runtime.AgentOptions{Platform: p.srv.URL, InstallationToken: installation,
			StateDir: t.(*testing.T).TempDir(), Version: "1.0.0", NodeName: "big"})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); a.Run(ctx, ln) }()
		defer func() { cancel(); <-done }()
		deadline := time.Now().Add(wait)
		for {
			h := a.State()
			if h.Connected && len(h.Tenants) == subtenants+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node: connected %v with %d tenants (%q); want %d tenants", h.Connected, len(h.Tenants), h.Reason, subtenants+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
