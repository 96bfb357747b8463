package service_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"tenantry/internal/licence"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// The licence authority of the runtime tests (names prefixed rt to stay
// clear of other test files' helpers).
var rtVendorPub, rtVendorKey = func() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return pub, priv
}()

func rtConfig() service.Config {
	return service.Config{Licences: licence.Authority{Vendor: []ed25519.PublicKey{rtVendorPub}}}
}

// rtOrg creates an organization administered by a new account and returns
// the administrator's actor.
func rtOrg(e *env, email string) (tenantry.Organization, *service.Actor) {
	e.t.Helper()
	e.user(email)
	text, err := licence.Sign(rtVendorKey, tenantry.Licence{ID: uuid.NewString(), Licensee: "Licensee", OrganizationName: "Org of " + email,
		Limits:   tenantry.Limits{Tenants: 10, Administrators: 5, Runtimes: 10, Users: 100},
		IssuedAt: t0.Add(-24 * time.Hour), NotBefore: t0.Add(-24 * time.Hour), ExpiresAt: t0.Add(365 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	o, err := e.svc.CreateOrganization(e.ctx, service.Operator(), text, email)
	if err != nil {
		e.t.Fatalf("CreateOrganization: %v", err)
	}
	return o, e.auth(e.signIn(email), "")
}

func rtRuntime(e *env, a *service.Actor, name string) (string, string) {
	e.t.Helper()
	d, token, err := e.svc.CreateRuntime(e.ctx, a, name, nil)
	if err != nil {
		e.t.Fatalf("CreateRuntime(%s): %v", name, err)
	}
	return d.Runtime.ID, token
}

func rtKey() string {
	pub, _, _ := ed25519.GenerateKey(nil)
	return base64.StdEncoding.EncodeToString(pub)
}

func rtActionsAbout(e *env, id string) string {
	var out []string
	for _, r := range e.auditAbout(id) {
		out = append(out, r.Action)
	}
	return strings.Join(out, ",")
}

func TestRuntime_InstallationTokenLifetime(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		_, a := rtOrg(e, "ada@example.com")

		// Spent by one key; the same key again is idempotent within the 24
		// hours; another key is token_spent.
		id, token := rtRuntime(e, a, "edge")
		keyA, keyB := rtKey(), rtKey()
		got, err := e.svc.RegisterRuntime(e.ctx, token, keyA, "host-a", "1.0.0", "192.0.2.9")
		if err != nil || got != id {
			t.Fatalf("RegisterRuntime: %q, %v", got, err)
		}
		_, err = e.svc.RegisterRuntime(e.ctx, token, keyB, "host-b", "1.0.0", "192.0.2.9")
		checkCode(t, "another key", err, tenantry.CodeTokenSpent)
		e.clock.Advance(24*time.Hour - time.Microsecond)
		if got, err := e.svc.RegisterRuntime(e.ctx, token, keyA, "host-a", "1.0.0", "192.0.2.9"); err != nil || got != id {
			t.Errorf("same key just before 24 h: %q, %v", got, err)
		}
		e.clock.Advance(time.Microsecond)
		_, err = e.svc.RegisterRuntime(e.ctx, token, keyA, "host-a", "1.0.0", "192.0.2.9")
		checkCode(t, "same key at 24 h", err, tenantry.CodeTokenExpired)
		_, err = e.svc.RegisterRuntime(e.ctx, token, keyB, "host-b", "1.0.0", "192.0.2.9")
		checkCode(t, "another key at 24 h", err, tenantry.CodeTokenSpent)
		// Registered once; each refusal audited.
		if got := rtActionsAbout(e, id); got != "runtime.created,runtime.registered,runtime.refused,runtime.refused,runtime.refused" {
			t.Errorf("audit of edge: %s", got)
		}

		// Never used: expired at exactly 24 hours (by the service's clock).
		late, lateToken := rtRuntime(e, a, "late")
		e.clock.Advance(24 * time.Hour)
		_, err = e.svc.RegisterRuntime(e.ctx, lateToken, keyA, "host-a", "1.0.0", "192.0.2.9")
		checkCode(t, "unused token at 24 h", err, tenantry.CodeTokenExpired)
		if got := rtActionsAbout(e, late); got != "runtime.created,runtime.refused" {
			t.Errorf("audit of late: %s", got)
		}
		// It registered nothing.
		if _, _, err := e.svc.NodeRuntime(e.ctx, late); !tenantry.IsCode(err, tenantry.CodeNotFound) {
			t.Errorf("NodeRuntime of an expired, unused token's runtime: %v, want not_found", err)
		}

		// Bad input.
		_, err = e.svc.RegisterRuntime(e.ctx, "tnti_"+strings.Repeat("A", 43), keyA, "h", "v", "192.0.2.9")
		checkCode(t, "unknown token", err, tenantry.CodeNotFound)
		_, err = e.svc.RegisterRuntime(e.ctx, "nope", keyA, "h", "v", "192.0.2.9")
		checkCode(t, "malformed token", err, tenantry.CodeNotFound)
		_, err = e.svc.RegisterRuntime(e.ctx, token, base64.StdEncoding.EncodeToString(make([]byte, 33)), "h", "v", "192.0.2.9")
		checkCode(t, "33-byte key", err, tenantry.CodeInvalid)
		if err != nil && strings.Join(fields(t, err), ",") != "publicKey" {
			t.Errorf("33-byte key: fields %v", fields(t, err))
		}
	})
}

// TestRuntime_ConcurrentRegistration: the token is spent in one conditional
// change, so of many keys racing for it exactly one wins.
func TestRuntime_ConcurrentRegistration(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		_, a := rtOrg(e, "ada@example.com")
		id, token := rtRuntime(e, a, "edge")
		errs := raceN(8, func(int) error {
			_, err := e.svc.RegisterRuntime(e.ctx, token, rtKey(), "host", "1.0.0", "192.0.2.9")
			return err
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case tenantry.IsCode(err, tenantry.CodeTokenSpent):
			default:
				t.Errorf("a racing registration: %v, want success or token_spent", err)
			}
		}
		if won != 1 {
			t.Errorf("%d registrations won, want 1", won)
		}
		if got := strings.Count(rtActionsAbout(e, id), "runtime.registered"); got != 1 {
			t.Errorf("%d runtime.registered events", got)
		}
	})
}

// rtLease renews n's lease (recording that it was heard from) and reports
// whether it leads.
func rtLease(t testing.TB, e *env, n tenantry.RuntimeNode) bool {
	t.Helper()
	ok, err := e.svc.NodeLease(e.ctx, n, true)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestRuntime_LeaseAndStatus drives the node methods the hub uses with the
// service's clock: one leader at a time, a new one only after the lease
// lapses; online within the health window; offline after a clean
// disconnect.
func TestRuntime_LeaseAndStatus(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		_, a := rtOrg(e, "ada@example.com")
		id, _ := rtRuntime(e, a, "edge")
		detail := func() service.RuntimeDetail {
			t.Helper()
			d, err := e.svc.Runtime(e.ctx, a, id)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		status := func(d service.RuntimeDetail) string {
			var out []string
			for _, n := range d.Nodes {
				out = append(out, n.Name+"="+string(n.Status))
			}
			return string(d.Status) + ":" + strings.Join(out, ",")
		}
		lease := func(n tenantry.RuntimeNode) bool { t.Helper(); return rtLease(t, e, n) }
		if got := status(detail()); got != "unknown:" {
			t.Errorf("no nodes: %s", got)
		}
		na, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		nb, err := e.svc.NodeConnected(e.ctx, id, "b")
		if err != nil {
			t.Fatal(err)
		}
		if !lease(na) || lease(nb) {
			t.Fatalf("first lease: a should lead, b follow")
		}
		if got := status(detail()); got != "online:a=leader,b=unknown" {
			t.Errorf("connected, b never reported: %s", got)
		}
		if err := e.svc.NodeReported(e.ctx, nb, service.NodeReport{Hostname: "host-b", IPAddresses: []string{"10.0.0.2"}, Version: "1.10.0", Status: "healthy"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.NodeReported(e.ctx, na, service.NodeReport{Hostname: "host-a", Version: "1.9.0", Status: "healthy"}); err != nil {
			t.Fatal(err)
		}
		d := detail()
		if got := status(d); got != "online:a=leader,b=online" || d.HealthyNodes != 2 || d.LatestVersion != "1.10.0" {
			t.Errorf("both reported: %s, healthy %d, latest %q (1.10.0 > 1.9.0)", got, d.HealthyNodes, d.LatestVersion)
		}

		// a stops renewing: b cannot lead before a's lease lapses, then does.
		e.clock.Advance(tenantry.LeaseTTL - time.Second)
		if lease(nb) {
			t.Errorf("b took the lease before a's lapsed")
		}
		e.clock.Advance(time.Second)
		if !lease(nb) {
			t.Errorf("b could not take a lapsed lease")
		}
		if lease(na) {
			t.Errorf("a took the lease back from b")
		}
		if got := status(detail()); got != "online:a=online,b=leader" {
			t.Errorf("after the takeover: %s", got)
		}

		// The health window: online up to 2 minutes after the last healthy
		// report, then unknown.
		e.clock.Advance(2*time.Minute - tenantry.LeaseTTL)
		lease(nb)
		if got := status(detail()); got != "online:a=online,b=leader" {
			t.Errorf("2 minutes after a's report: %s", got)
		}
		e.clock.Advance(time.Second)
		lease(nb)
		if got := status(detail()); got != "online:a=unknown,b=leader" {
			t.Errorf("past the window: %s", got)
		}
		// An unhealthy report is not online.
		if err := e.svc.NodeReported(e.ctx, na, service.NodeReport{Hostname: "host-a", Version: "1.9.0", Status: "degraded"}); err != nil {
			t.Fatal(err)
		}
		if got := status(detail()); got != "online:a=unknown,b=leader" {
			t.Errorf("a degraded: %s", got)
		}

		// Clean disconnects: offline; the lease goes with the leader.
		if err := e.svc.NodeDisconnected(e.ctx, nb, true); err != nil {
			t.Fatal(err)
		}
		if got := status(detail()); got != "unknown:a=unknown,b=offline" {
			t.Errorf("b disconnected: %s", got)
		}
		if !lease(na) {
			t.Errorf("a could not lead after b released the lease")
		}
		if err := e.svc.NodeDisconnected(e.ctx, na, true); err != nil {
			t.Fatal(err)
		}
		if got := status(detail()); got != "offline:a=offline,b=offline" {
			t.Errorf("all disconnected: %s", got)
		}
		// Nodes silent for 24 hours leave the list.
		e.clock.Advance(24*time.Hour + time.Second)
		if got := status(detail()); got != "unknown:" {
			t.Errorf("a day later: %s", got)
		}
	})
}

// TestRuntime_TwoSessionsOfOneNode: two connections under one node name (a
// reconnect before the old socket is noticed, or two hosts given the same
// name) never both lead, and the end of the older one leaves the newer one
// connected and leading.
func TestRuntime_TwoSessionsOfOneNode(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		_, a := rtOrg(e, "ada@example.com")
		id, _ := rtRuntime(e, a, "edge")
		lease := func(n tenantry.RuntimeNode) bool { t.Helper(); return rtLease(t, e, n) }
		old, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		if !lease(old) {
			t.Fatal("the first session does not lead")
		}
		fresh, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		if fresh.ID != old.ID || fresh.Session == old.Session {
			t.Fatalf("sessions %+v and %+v: want one node, two sessions", old, fresh)
		}
		if lease(fresh) {
			t.Error("a second session of the node leads beside the first")
		}
		if !lease(old) {
			t.Error("the first session lost its lease to a second one of the same name")
		}
		// The old session ends (its socket was cut): the node stays
		// connected, and the new session leads once the old lease lapses.
		if err := e.svc.NodeDisconnected(e.ctx, old, false); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(tenantry.LeaseTTL)
		if !lease(fresh) {
			t.Error("the live session cannot lead after the old lease lapsed")
		}
		if err := e.svc.NodeReported(e.ctx, fresh, service.NodeReport{Hostname: "host-a", Version: "1.0.0", Status: "healthy"}); err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Runtime(e.ctx, a, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Nodes) != 1 || d.Nodes[0].Status != tenantry.StatusLeader || !d.Nodes[0].Connected {
			t.Errorf("after the old session ended: %+v", d.Nodes)
		}
		// A clean end of the old session would not give away the new one's
		// lease either.
		if err := e.svc.NodeDisconnected(e.ctx, old, true); err != nil {
			t.Fatal(err)
		}
		if !lease(fresh) {
			t.Error("the old session's clean end released the live session's lease")
		}

		// The other way round: a third session connects and leaves cleanly
		// while the leading one lives on. The leader's next renewal says the
		// node is connected again.
		third, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.NodeDisconnected(e.ctx, third, true); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
		if !lease(fresh) {
			t.Error("the leader lost its lease to a session that came and went")
		}
		if d, err := e.svc.Runtime(e.ctx, a, id); err != nil || len(d.Nodes) != 1 || d.Nodes[0].Status != tenantry.StatusLeader || !d.Nodes[0].Connected {
			t.Errorf("after a newer session ended: %+v, %v", d.Nodes, err)
		}
	})
}

// TestRuntime_NodeStatusAudit: status changes are audited at most once per
// node per minute, and one held back by that rule is written by the sweep,
// so the log ends on the node's real status.
func TestRuntime_NodeStatusAudit(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		o, a := rtOrg(e, "ada@example.com")
		id, _ := rtRuntime(e, a, "edge")
		statuses := func() []string {
			t.Helper()
			var out []string
			for _, ev := range e.orgAudit(o.ID) {
				if ev.Action == tenantry.ActionRuntimeNodeStatus {
					out = append(out, ev.Details["node"].(string)+"="+ev.Details["status"].(string))
				}
			}
			return out
		}
		sweep := func(want int) {
			t.Helper()
			if n, err := e.svc.SweepNodeStatus(e.ctx); err != nil || n != want {
				t.Errorf("SweepNodeStatus = %d, %v; want %d", n, err, want)
			}
		}
		n, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		// It leaves cleanly 30 seconds later: held back, not lost.
		e.clock.Advance(30 * time.Second)
		if err := e.svc.NodeDisconnected(e.ctx, n, true); err != nil {
			t.Fatal(err)
		}
		sweep(0)
		if got := statuses(); !cmp.Equal(got, []string{"a=connected"}) {
			t.Errorf("within the minute: %v", got)
		}
		e.clock.Advance(30 * time.Second)
		sweep(1)
		sweep(0)
		if got := statuses(); !cmp.Equal(got, []string{"a=connected", "a=disconnected"}) {
			t.Errorf("after the minute: %v", got)
		}
		// Back and lost within the minute: the sweep writes only the last.
		e.clock.Advance(10 * time.Second)
		n, err = e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.NodeDisconnected(e.ctx, n, false); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		sweep(1)
		if got := statuses(); !cmp.Equal(got, []string{"a=connected", "a=disconnected", "a=lost"}) {
			t.Errorf("after a held-back reconnect and loss: %v", got)
		}
		// A change more than a minute after the last is written at once.
		e.clock.Advance(time.Minute)
		if _, err := e.svc.NodeConnected(e.ctx, id, "a"); err != nil {
			t.Fatal(err)
		}
		if got := statuses(); len(got) != 4 || got[3] != "a=connected" {
			t.Errorf("a minute later: %v", got)
		}
	})
}

// TestRuntime_StaleConnectedNodeLeaves: a node left "connected" by a replica
// that died (no clean disconnect) must still leave `nodes` after 24 hours of
// silence (SPEC §6.6).
func TestRuntime_StaleConnectedNodeLeaves(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		_, a := rtOrg(e, "ada@example.com")
		id, _ := rtRuntime(e, a, "edge")
		n, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.NodeLease(e.ctx, n, true); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(24*time.Hour + time.Second)
		d, err := e.svc.Runtime(e.ctx, a, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Nodes) != 0 {
			t.Errorf("a node silent for 24 hours is still listed: %+v", d.Nodes)
		}
	})
}

// TestRuntime_DeletedRuntimeNodeMethods: after a delete, the node methods
// the hub calls answer not_found (the hub's cue to revoke), not internal.
func TestRuntime_DeletedRuntimeNodeMethods(t *testing.T) {
	dialects(t, rtConfig(), func(t testing.TB, e *env) {
		_, a := rtOrg(e, "ada@example.com")
		id, _ := rtRuntime(e, a, "edge")
		n, err := e.svc.NodeConnected(e.ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteRuntime(e.ctx, a, id); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.NodeLease(e.ctx, n, true)
		checkCode(t, "NodeLease of a deleted runtime", err, tenantry.CodeNotFound)
		_, _, err = e.svc.NodeRuntime(e.ctx, id)
		checkCode(t, "NodeRuntime of a deleted runtime", err, tenantry.CodeNotFound)
		if err := e.svc.NodeDisconnected(e.ctx, n, true); err != nil {
			t.Errorf("NodeDisconnected of a deleted runtime: %v", err)
		}
		checkCode(t, "DeleteRuntime again", e.svc.DeleteRuntime(e.ctx, a, id), tenantry.CodeNotFound)
		if got := rtActionsAbout(e, id); !strings.HasPrefix(got, "runtime.created,") || !strings.HasSuffix(got, "runtime.deleted") {
			t.Errorf("audit: %s", got)
		}
	})
}
