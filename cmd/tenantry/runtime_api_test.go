package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"tenantry/internal/runtime"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// Wire shapes of the runtime endpoints, as the tests read them.
type rtTenantWire struct {
	ID            string    `json:"id"`
	DeveloperName string    `json:"developerName"`
	AssociatedAt  time.Time `json:"associatedAt"`
}

type rtNodeWire struct {
	Name        string     `json:"name"`
	Hostname    string     `json:"hostname"`
	IPAddresses []string   `json:"ipAddresses"`
	Status      string     `json:"status"`
	Version     string     `json:"version"`
	ReportedAt  *time.Time `json:"reportedAt"`
	LastPingAt  *time.Time `json:"lastPingAt"`
}

type rtDetailWire struct {
	ID            string         `json:"id"`
	DeveloperName string         `json:"developerName"`
	Status        string         `json:"status"`
	Nodes         []rtNodeWire   `json:"nodes"`
	Tenants       []rtTenantWire `json:"tenants"`
	URI           *string        `json:"uri"`
	CreatedBy     *struct {
		ID string `json:"id"`
	} `json:"createdBy"`
}

type rtCreatedWire struct {
	ID                string         `json:"id"`
	DeveloperName     string         `json:"developerName"`
	InstallationToken string         `json:"installationToken"`
	Status            string         `json:"status"`
	Tenants           []rtTenantWire `json:"tenants"`
	LastPingAt        *time.Time     `json:"lastPingAt"`
}

type rtListWire struct {
	ID                   string  `json:"id"`
	DeveloperName        string  `json:"developerName"`
	NumberOfHealthyNodes int     `json:"numberOfHealthyNodes"`
	NumberOfTenants      int     `json:"numberOfTenants"`
	Status               string  `json:"status"`
	LatestVersion        *string `json:"latestVersion"`
}

var rtInstallationTokenShape = regexp.MustCompile(`^tnti_[A-Za-z0-9_-]{43}$`)

// rtFixture is an organization fixture in which acme has joined Ada's
// organization, acme has a subtenant eu, and Dan is a standard member of
// acme. Bob's globex stays outside.
type rtFixture struct {
	*orgFixture
	subID string
	dan   []string
}

func newRuntimeFixture(t testing.TB, d store.Dialect) *rtFixture {
	t.Helper()
	f := &rtFixture{orgFixture: newOrgFixture(t, d)}
	c := f.c
	wantEmptyOK(t, "invite acme", c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "acme"}, f.ada()...))
	wantOK(t, "acme joins", c.do("PUT", "/api/admin/1/organization/invites/tenants/"+f.orgID, nil, f.ada()...))
	r := c.do("POST", "/api/admin/1/tenant/subtenants", map[string]any{"developerName": "emea"}, f.ada()...)
	wantOK(t, "subtenant emea", r)
	var sub struct {
		ID string `json:"id"`
	}
	r.decode(t, &sub)
	f.subID = sub.ID
	wantOK(t, "add dan", c.do("POST", "/api/admin/1/users", map[string]any{"email": "dan@example.com"}, f.ada()...))
	f.e.mustRun("dan password 1\n", "admin", "user", "reset-password", "--email", "dan@example.com", "--password-stdin")
	f.dan = []string{"Authorization", f.signIn(t, "dan@example.com", "dan password 1"), "manywhotenant", f.acmeID}
	return f
}

// create creates a runtime connection as Ada and returns the response.
func (f *rtFixture) create(t testing.TB, name string, tenantIDs ...string) rtCreatedWire {
	t.Helper()
	r := f.c.do("POST", "/api/admin/1/organization/runtimes", map[string]any{"developerName": name, "tenants": rtIdList(tenantIDs...)}, f.ada()...)
	wantOK(t, "create runtime "+name, r)
	var out rtCreatedWire
	r.decode(t, &out)
	return out
}

func (f *rtFixture) get(t testing.TB, id string) rtDetailWire {
	t.Helper()
	r := f.c.do("GET", "/api/admin/1/organization/runtimes/"+id, nil, f.ada()...)
	wantOK(t, "get runtime", r)
	var out rtDetailWire
	r.decode(t, &out)
	return out
}

func rtIdList(ids ...string) []map[string]string {
	out := []map[string]string{}
	for _, id := range ids {
		out = append(out, map[string]string{"id": id})
	}
	return out
}

func rtTenantIDsOf(ts []rtTenantWire) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.ID)
	}
	sort.Strings(out)
	return out
}

func rtSortedIDs(ids ...string) []string {
	out := append([]string{}, ids...)
	sort.Strings(out)
	return out
}

func rtSameIDs(got []rtTenantWire, want ...string) bool {
	return strings.Join(rtTenantIDsOf(got), ",") == strings.Join(rtSortedIDs(want...), ",")
}

// rtNewNodeKey returns an Ed25519 key pair and the public key as rtRegistration
// sends it.
func rtNewNodeKey(t testing.TB) (ed25519.PrivateKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv, base64.StdEncoding.EncodeToString(pub)
}

func rtRegistration(token, publicKey string) map[string]string {
	return map[string]string{"installationToken": token, "publicKey": publicKey, "hostname": "node-1.example", "version": "1.2.3"}
}

// openServerDB opens the database the fixture's server uses.
func (f *rtFixture) openServerDB(t testing.TB) *store.DB {
	t.Helper()
	u := f.e.dbURL
	if u == "" {
		u = filepath.Join(f.e.dataDir, "tenantry.db")
	}
	db, err := store.Open(context.Background(), u, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// register registers a node key with the installation token through the
// API.
func (f *rtFixture) register(t testing.TB, token, publicKey string) {
	t.Helper()
	wantOK(t, "register", f.c.do("POST", "/api/runtime/1/registration", rtRegistration(token, publicKey)))
}

type rtAuditItemWire struct {
	Action string `json:"action"`
	Actor  struct {
		Kind string  `json:"kind"`
		ID   *string `json:"id"`
	} `json:"actor"`
	Target struct {
		Kind *string `json:"kind"`
		ID   *string `json:"id"`
	} `json:"target"`
	Details map[string]any `json:"details"`
}

// runtimeAudit returns the organization's runtime.* events about target,
// oldest first.
func (f *rtFixture) runtimeAudit(t testing.TB, target string) []rtAuditItemWire {
	t.Helper()
	r := f.c.do("GET", "/api/admin/1/organization/audit?action=runtime.&limit=1000&target="+target, nil, f.ada()...)
	wantOK(t, "runtime audit", r)
	var page struct {
		Items []rtAuditItemWire `json:"items"`
	}
	r.decode(t, &page)
	out := page.Items
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func rtActions(items []rtAuditItemWire) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Action)
	}
	return out
}

func TestAPI_RuntimeConnections(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newRuntimeFixture(t, d)
		c := f.c

		// Create: shared with a member tenant and a subtenant of it; the
		// token is shown once.
		edge := f.create(t, "Edge EU", f.acmeID, f.subID)
		if !rtInstallationTokenShape.MatchString(edge.InstallationToken) {
			t.Errorf("installationToken %q, want tnti_ and 43 base64url characters", edge.InstallationToken)
		}
		if edge.DeveloperName != "Edge EU" || !rtSameIDs(edge.Tenants, f.acmeID, f.subID) || edge.LastPingAt != nil {
			t.Errorf("created %+v", edge)
		}
		for _, tn := range edge.Tenants {
			if tn.ID == f.subID && tn.DeveloperName != "emea+acme" {
				t.Errorf("the subtenant is shared as %q, want emea+acme", tn.DeveloperName)
			}
		}
		detail := f.get(t, edge.ID)
		if detail.URI != nil || len(detail.Nodes) != 0 || detail.Status != "unknown" || !rtSameIDs(detail.Tenants, f.acmeID, f.subID) ||
			detail.CreatedBy == nil || detail.CreatedBy.ID != f.adaID {
			t.Errorf("detail %+v", detail)
		}
		r := c.do("GET", "/api/admin/1/organization/runtimes/"+edge.ID, nil, f.ada()...)
		if strings.Contains(string(r.body), edge.InstallationToken) || strings.Contains(string(r.body), "installationToken") {
			t.Errorf("the detail shows the installation token again: %s", r.body)
		}

		// Create: errors.
		wantProblem(t, "name taken", c.do("POST", "/api/admin/1/organization/runtimes", map[string]any{"developerName": "edge eu"}, f.ada()...), 409, "name_taken")
		p := wantProblem(t, "no name", c.do("POST", "/api/admin/1/organization/runtimes", map[string]any{"tenants": rtIdList(f.acmeID)}, f.ada()...), 422, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "developerName" {
			t.Errorf("no name: errors %+v", p.Errors)
		}
		wantProblem(t, "blank name", c.do("POST", "/api/admin/1/organization/runtimes", map[string]any{"developerName": "   "}, f.ada()...), 422, "invalid")
		wantProblem(t, "long name", c.do("POST", "/api/admin/1/organization/runtimes", map[string]any{"developerName": strings.Repeat("x", 101)}, f.ada()...), 422, "invalid")
		wantProblem(t, "tenant outside the organization", c.do("POST", "/api/admin/1/organization/runtimes",
			map[string]any{"developerName": "Outside", "tenants": rtIdList(f.acmeID, f.globexID)}, f.ada()...), 404, "not_found")
		wantProblem(t, "unknown tenant", c.do("POST", "/api/admin/1/organization/runtimes",
			map[string]any{"developerName": "Outside", "tenants": rtIdList(uuid.NewString())}, f.ada()...), 404, "not_found")
		wantProblem(t, "malformed tenant ID", c.do("POST", "/api/admin/1/organization/runtimes",
			map[string]any{"developerName": "Outside", "tenants": rtIdList("not-a-uuid")}, f.ada()...), 404, "not_found")
		wantProblem(t, "not JSON", c.do("POST", "/api/admin/1/organization/runtimes", "{", f.ada()...), 400, "bad_request")
		// A refused create used no licence: the second one fits, the third does not.
		spare := f.create(t, "Spare")
		if len(spare.Tenants) != 0 || !rtInstallationTokenShape.MatchString(spare.InstallationToken) || spare.InstallationToken == edge.InstallationToken {
			t.Errorf("spare %+v", spare)
		}
		r = c.do("POST", "/api/admin/1/organization/runtimes", map[string]any{"developerName": "Third"}, f.ada()...)
		wantProblem(t, "past the licence's runtimes", r, 403, "licence_limit_exceeded")
		var lim struct {
			Limit     string `json:"limit"`
			Used, Max int
		}
		json.Unmarshal(r.body, &lim)
		if lim.Limit != "runtimes" || lim.Used != 2 || lim.Max != 2 {
			t.Errorf("licence_limit_exceeded: %s", r.body)
		}
		// The standard members first, in their order, then the extra ones.
		if !regexp.MustCompile(`^\{"type":"/problems/licence_limit_exceeded","title":[^}]*,"requestId":"[^"]+","limit":"runtimes","max":2,"used":2\}`).Match(r.body) {
			t.Errorf("problem members out of order: %s", r.body)
		}

		// List.
		r = c.do("GET", "/api/admin/1/organization/runtimes", nil, f.ada()...)
		wantOK(t, "list", r)
		var list []rtListWire
		r.decode(t, &list)
		if len(list) != 2 || list[0].ID != edge.ID || list[0].NumberOfTenants != 2 || list[0].NumberOfHealthyNodes != 0 ||
			list[0].LatestVersion != nil || list[1].ID != spare.ID || list[1].NumberOfTenants != 0 {
			t.Errorf("list: %s", r.body)
		}
		if strings.Contains(string(r.body), "tnti_") {
			t.Errorf("the list shows an installation token: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/organization/runtimes?limit=1", nil, f.ada()...)
		wantOK(t, "list page", r)
		if r.header.Get("Link") == "" {
			t.Errorf("list ?limit=1 of 2: no Link header")
		}
		wantProblem(t, "list bad limit", c.do("GET", "/api/admin/1/organization/runtimes?limit=0", nil, f.ada()...), 422, "invalid")

		// Get: errors.
		wantProblem(t, "get unknown", c.do("GET", "/api/admin/1/organization/runtimes/"+uuid.NewString(), nil, f.ada()...), 404, "not_found")
		wantProblem(t, "get malformed", c.do("GET", "/api/admin/1/organization/runtimes/nope", nil, f.ada()...), 404, "not_found")

		// The tenant's view: any member of a shared tenant (Dan is standard),
		// and members of a subtenant it is shared with; Bob sees none.
		var tl []struct {
			ID            string  `json:"id"`
			DeveloperName string  `json:"developerName"`
			Status        string  `json:"status"`
			LatestVersion *string `json:"latestVersion"`
		}
		r = c.do("GET", "/api/admin/1/tenant/runtimes", nil, f.dan...)
		wantOK(t, "dan's tenant runtimes", r)
		r.decode(t, &tl)
		if len(tl) != 1 || tl[0].ID != edge.ID || tl[0].DeveloperName != "Edge EU" {
			t.Errorf("dan's tenant runtimes: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/tenant/runtimes", nil, "Authorization", f.adaToken, "manywhotenant", f.subID)
		wantOK(t, "subtenant's runtimes", r)
		r.decode(t, &tl)
		if len(tl) != 1 || tl[0].ID != edge.ID {
			t.Errorf("subtenant's runtimes: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/tenant/runtimes", nil, f.bob()...)
		wantOK(t, "bob's tenant runtimes", r)
		if string(r.body) != "[]\n" {
			t.Errorf("bob's tenant runtimes: %s", r.body)
		}
		wantProblem(t, "tenant runtimes anonymous", c.do("GET", "/api/admin/1/tenant/runtimes", nil), 401, "unauthenticated")
		wantProblem(t, "tenant runtimes of a tenant not mine", c.do("GET", "/api/admin/1/tenant/runtimes", nil, "Authorization", f.bobToken, "manywhotenant", f.acmeID), 403, "forbidden")

		// Update: rename only (tenants absent) leaves the shares.
		r = c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"developerName": "Edge Europe"}, f.ada()...)
		wantOK(t, "rename", r)
		var upd rtDetailWire
		r.decode(t, &upd)
		if upd.DeveloperName != "Edge Europe" || !rtSameIDs(upd.Tenants, f.acmeID, f.subID) {
			t.Errorf("rename: %s", r.body)
		}
		// null tenants leaves them too.
		r = c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, `{"developerName": null, "tenants": null}`, f.ada()...)
		wantOK(t, "null tenants", r)
		r.decode(t, &upd)
		if upd.DeveloperName != "Edge Europe" || !rtSameIDs(upd.Tenants, f.acmeID, f.subID) {
			t.Errorf("null tenants: %s", r.body)
		}
		// A list replaces them; the shares that stay keep their date.
		var acmeSince time.Time
		for _, tn := range upd.Tenants {
			if tn.ID == f.acmeID {
				acmeSince = tn.AssociatedAt
			}
		}
		r = c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"tenants": rtIdList(f.acmeID)}, f.ada()...)
		wantOK(t, "only acme", r)
		r.decode(t, &upd)
		if !rtSameIDs(upd.Tenants, f.acmeID) || !upd.Tenants[0].AssociatedAt.Equal(acmeSince) {
			t.Errorf("only acme: %s (acme associated at %s)", r.body, acmeSince)
		}
		// [] removes them all.
		r = c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"tenants": []any{}}, f.ada()...)
		wantOK(t, "no tenants", r)
		r.decode(t, &upd)
		if len(upd.Tenants) != 0 || upd.DeveloperName != "Edge Europe" {
			t.Errorf("[] tenants: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/tenant/runtimes", nil, f.dan...)
		if string(r.body) != "[]\n" {
			t.Errorf("dan still sees an unshared runtime: %s", r.body)
		}
		// Update: errors.
		wantProblem(t, "rename to a taken name", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"developerName": "SPARE"}, f.ada()...), 409, "name_taken")
		wantProblem(t, "rename to blank", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"developerName": ""}, f.ada()...), 422, "invalid")
		wantProblem(t, "share outside the organization", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"tenants": rtIdList(f.globexID)}, f.ada()...), 404, "not_found")
		wantProblem(t, "update unknown", c.do("PUT", "/api/admin/1/organization/runtimes/"+uuid.NewString(), map[string]any{"developerName": "X"}, f.ada()...), 404, "not_found")
		wantProblem(t, "update not JSON", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, "[", f.ada()...), 400, "bad_request")
		if got := f.get(t, edge.ID); got.DeveloperName != "Edge Europe" || len(got.Tenants) != 0 {
			t.Errorf("refused updates changed the connection: %+v", got)
		}

		// Removing a tenant from the organization removes its shares (and its
		// subtenant's).
		wantOK(t, "share again", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"tenants": rtIdList(f.acmeID, f.subID)}, f.ada()...))
		wantOK(t, "share spare", c.do("PUT", "/api/admin/1/organization/runtimes/"+spare.ID, map[string]any{"tenants": rtIdList(f.subID)}, f.ada()...))
		wantEmptyOK(t, "remove acme", c.do("DELETE", "/api/admin/1/organization/tenants/"+f.acmeID, nil, f.ada()...))
		if got := f.get(t, edge.ID); len(got.Tenants) != 0 {
			t.Errorf("acme left the organization but edge is still shared: %+v", got.Tenants)
		}
		if got := f.get(t, spare.ID); len(got.Tenants) != 0 {
			t.Errorf("acme left the organization but spare is still shared with its subtenant: %+v", got.Tenants)
		}
		r = c.do("GET", "/api/admin/1/tenant/runtimes", nil, f.dan...)
		wantOK(t, "dan after removal", r)
		if string(r.body) != "[]\n" {
			t.Errorf("dan sees runtimes of an organization acme left: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/organization/runtimes", nil, f.ada()...)
		r.decode(t, &list)
		if len(list) != 2 || list[0].NumberOfTenants != 0 || list[1].NumberOfTenants != 0 {
			t.Errorf("list after removal: %s", r.body)
		}
		// acme is no longer a tenant of the organization: it cannot be shared.
		wantProblem(t, "share a removed tenant", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"tenants": rtIdList(f.acmeID)}, f.ada()...), 404, "not_found")

		// Delete frees the licence's place.
		wantEmptyOK(t, "delete", c.do("DELETE", "/api/admin/1/organization/runtimes/"+spare.ID, nil, f.ada()...))
		wantProblem(t, "delete again", c.do("DELETE", "/api/admin/1/organization/runtimes/"+spare.ID, nil, f.ada()...), 404, "not_found")
		wantProblem(t, "get deleted", c.do("GET", "/api/admin/1/organization/runtimes/"+spare.ID, nil, f.ada()...), 404, "not_found")
		wantProblem(t, "delete malformed", c.do("DELETE", "/api/admin/1/organization/runtimes/x", nil, f.ada()...), 404, "not_found")
		third := f.create(t, "Third")

		// The audit log: created, updated, deleted.
		if got := rtActions(f.runtimeAudit(t, spare.ID)); strings.Join(got, ",") != "runtime.created,runtime.updated,runtime.deleted" {
			t.Errorf("spare's audit: %v", got)
		}
		items := f.runtimeAudit(t, edge.ID)
		want := []string{"runtime.created", "runtime.updated", "runtime.updated", "runtime.updated", "runtime.updated"}
		if got := rtActions(items); len(got) < len(want) || strings.Join(got[:len(want)], ",") != strings.Join(want, ",") {
			t.Errorf("edge's audit: %v, want it to start with %v", got, want)
		}
		for _, it := range items {
			if it.Actor.Kind != "user" || it.Actor.ID == nil || *it.Actor.ID != f.adaID || it.Target.ID == nil || *it.Target.ID != edge.ID {
				t.Errorf("edge's audit event %+v: want Ada as actor and edge as target", it)
			}
		}
		if got := rtActions(f.runtimeAudit(t, third.ID)); strings.Join(got, ",") != "runtime.created" {
			t.Errorf("third's audit: %v", got)
		}
	})
}

func TestAPI_RuntimeAccess(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newRuntimeFixture(t, d)
		c := f.c
		edge := f.create(t, "Edge", f.acmeID)
		endpoints := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/admin/1/organization/runtimes", nil},
			{"POST", "/api/admin/1/organization/runtimes", map[string]any{"developerName": "Other"}},
			{"GET", "/api/admin/1/organization/runtimes/" + edge.ID, nil},
			{"PUT", "/api/admin/1/organization/runtimes/" + edge.ID, map[string]any{"developerName": "Renamed", "tenants": []any{}}},
			{"DELETE", "/api/admin/1/organization/runtimes/" + edge.ID, nil},
			{"GET", "/api/admin/1/organization/runtimes/" + edge.ID + "/failures", nil},
		}
		for _, ep := range endpoints {
			what := ep.method + " " + ep.path
			wantProblem(t, "anonymous "+what, c.do(ep.method, ep.path, ep.body), 401, "unauthenticated")
			wantProblem(t, "standard member "+what, c.do(ep.method, ep.path, ep.body, f.dan...), 403, "forbidden")
			wantProblem(t, "no organization "+what, c.do(ep.method, ep.path, ep.body, f.bob()...), 404, "not_found")
			wantProblem(t, "another organization by header "+what, c.do(ep.method, ep.path, ep.body,
				"Authorization", f.bobToken, "x-tenantry-organization", f.orgID), 404, "not_found")
		}
		// Nothing changed.
		got := f.get(t, edge.ID)
		if got.DeveloperName != "Edge" || !rtSameIDs(got.Tenants, f.acmeID) {
			t.Errorf("after refused requests: %+v", got)
		}
	})
}

func TestAPI_RuntimeRegistration(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newRuntimeFixture(t, d)
		c := f.c
		edge := f.create(t, "Edge", f.acmeID)
		priv, pub := rtNewNodeKey(t)
		_ = priv

		// Bad input first: the token survives it.
		p := wantProblem(t, "bad publicKey", c.do("POST", "/api/runtime/1/registration", rtRegistration(edge.InstallationToken, "not base64!")), 422, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "publicKey" {
			t.Errorf("bad publicKey: errors %+v", p.Errors)
		}
		short := base64.StdEncoding.EncodeToString(make([]byte, 31))
		wantProblem(t, "31-byte publicKey", c.do("POST", "/api/runtime/1/registration", rtRegistration(edge.InstallationToken, short)), 422, "invalid")
		wantProblem(t, "not JSON", c.do("POST", "/api/runtime/1/registration", "{"), 400, "bad_request")
		r := c.do("POST", "/api/runtime/1/registration", rtRegistration("tnti_"+strings.Repeat("A", 43), pub))
		wantProblem(t, "unknown token", r, 404, "not_found")
		wantProblem(t, "malformed token", c.do("POST", "/api/runtime/1/registration", rtRegistration("hello", pub)), 404, "not_found")
		wantProblem(t, "a sign-in token is no installation token", c.do("POST", "/api/runtime/1/registration", rtRegistration(f.adaToken, pub)), 404, "not_found")

		// Success: the runtime's ID.
		r = c.do("POST", "/api/runtime/1/registration", rtRegistration(edge.InstallationToken, pub))
		wantOK(t, "register", r)
		var reg struct {
			RuntimeID string `json:"runtimeId"`
		}
		r.decode(t, &reg)
		if reg.RuntimeID != edge.ID {
			t.Fatalf("registered as %q, want %s", reg.RuntimeID, edge.ID)
		}
		// Idempotent with the same token and key (a lost answer loses nothing).
		r = c.do("POST", "/api/runtime/1/registration", rtRegistration(edge.InstallationToken, pub))
		wantOK(t, "register again", r)
		r.decode(t, &reg)
		if reg.RuntimeID != edge.ID {
			t.Errorf("registered again as %q", reg.RuntimeID)
		}
		// Another key: token_spent.
		_, other := rtNewNodeKey(t)
		wantProblem(t, "another key", c.do("POST", "/api/runtime/1/registration", rtRegistration(edge.InstallationToken, other)), 409, "token_spent")
		// The first key still registers (the refusal changed nothing).
		wantOK(t, "first key after a refusal", c.do("POST", "/api/runtime/1/registration", rtRegistration(edge.InstallationToken, pub)))

		// A deleted connection's token is unknown.
		spare := f.create(t, "Spare")
		wantEmptyOK(t, "delete spare", c.do("DELETE", "/api/admin/1/organization/runtimes/"+spare.ID, nil, f.ada()...))
		wantProblem(t, "deleted connection's token", c.do("POST", "/api/runtime/1/registration", rtRegistration(spare.InstallationToken, pub)), 404, "not_found")

		// Audit: registered once (with the node's hostname and version, by
		// the runtime), and the refusal.
		items := f.runtimeAudit(t, edge.ID)
		if got := strings.Join(rtActions(items), ","); got != "runtime.created,runtime.registered,runtime.refused" {
			t.Errorf("edge's audit: %s", got)
		}
		for _, it := range items {
			switch it.Action {
			case "runtime.registered":
				if it.Actor.Kind != "runtime" || it.Details["hostname"] != "node-1.example" || it.Details["version"] != "1.2.3" {
					t.Errorf("runtime.registered %+v", it)
				}
			case "runtime.refused":
				if it.Actor.Kind != "runtime" || it.Details["code"] != "token_spent" {
					t.Errorf("runtime.refused %+v", it)
				}
			}
		}
		// The document's AuditActor: "id: the user or runtime ID".
		for _, it := range items {
			if it.Actor.Kind == "runtime" && (it.Actor.ID == nil || *it.Actor.ID != edge.ID) {
				t.Errorf("%s by a runtime: actor.id %v, want the runtime's ID", it.Action, it.Actor.ID)
			}
		}
	})
}

func TestAPI_RuntimeFailures(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newRuntimeFixture(t, d)
		c := f.c
		edge := f.create(t, "Edge")
		path := "/api/admin/1/organization/runtimes/" + edge.ID + "/failures"

		type envelope struct {
			Meta struct {
				Page, PageSize, Total int
			} `json:"_meta"`
			Links struct {
				Next     string `json:"next"`
				Previous string `json:"previous"`
			} `json:"_links"`
			Items []struct {
				ID          string    `json:"id"`
				Failure     string    `json:"failure"`
				MessageType string    `json:"messageType"`
				OccurredAt  time.Time `json:"occurredAt"`
			} `json:"items"`
		}
		r := c.do("GET", path, nil, f.ada()...)
		wantOK(t, "no failures", r)
		var env envelope
		r.decode(t, &env)
		if env.Meta.Page != 1 || env.Meta.PageSize != 30 || env.Meta.Total != 0 || env.Items == nil || len(env.Items) != 0 ||
			env.Links.Next != "" || env.Links.Previous != "" {
			t.Errorf("no failures: %s", r.body)
		}

		// Failures recorded by the hub (written here straight to the
		// database the server uses): three recent, one older than 30 days.
		db := f.openServerDB(t)
		now := time.Now().UTC().Truncate(time.Second)
		for i, age := range []time.Duration{3 * time.Hour, 2 * time.Hour, time.Hour, 31 * 24 * time.Hour} {
			err := db.Read().AddRuntimeFailure(context.Background(), edge.ID, store.RuntimeFailure{ID: uuid.NewString(),
				OccurredAt: now.Add(-age), MessageType: "tenants", Failure: fmt.Sprintf("failure %d", i)})
			if err != nil {
				t.Fatal(err)
			}
		}
		r = c.do("GET", path+"?pageSize=2", nil, f.ada()...)
		wantOK(t, "failures page 1", r)
		r.decode(t, &env)
		if env.Meta.Total != 3 || env.Meta.PageSize != 2 || len(env.Items) != 2 || env.Items[0].Failure != "failure 2" ||
			env.Items[1].Failure != "failure 1" || env.Items[0].MessageType != "tenants" || env.Links.Next == "" || env.Links.Previous != "" {
			t.Errorf("failures page 1: %s", r.body)
		}
		next := env.Links.Next
		r = c.do("GET", next, nil, f.ada()...)
		wantOK(t, "failures page 2", r)
		env = envelope{}
		r.decode(t, &env)
		if env.Meta.Page != 2 || len(env.Items) != 1 || env.Items[0].Failure != "failure 0" || env.Links.Next != "" || env.Links.Previous == "" {
			t.Errorf("failures page 2 (%s): %s", next, r.body)
		}
		wantProblem(t, "page -1", c.do("GET", path+"?page=-1", nil, f.ada()...), 422, "invalid")
		wantProblem(t, "pageSize 1001", c.do("GET", path+"?pageSize=1001", nil, f.ada()...), 422, "invalid")
		wantProblem(t, "pageSize x", c.do("GET", path+"?pageSize=x", nil, f.ada()...), 422, "invalid")
		wantProblem(t, "failures of an unknown runtime", c.do("GET", "/api/admin/1/organization/runtimes/"+uuid.NewString()+"/failures", nil, f.ada()...), 404, "not_found")
	})
}

// TestAPI_RuntimeFailuresPageZero: the document (and SPEC §8's pages from 1)
// refuse page=0 and pageSize=0; the server takes them for "absent".
func TestAPI_RuntimeFailuresPageZero(t *testing.T) {
	f := newRuntimeFixture(t, store.SQLite)
	edge := f.create(t, "Edge")
	path := "/api/admin/1/organization/runtimes/" + edge.ID + "/failures"
	wantProblem(t, "page 0", f.c.do("GET", path+"?page=0", nil, f.ada()...), 422, "invalid")
	wantProblem(t, "pageSize 0", f.c.do("GET", path+"?pageSize=0", nil, f.ada()...), 422, "invalid")
}

// TestAPI_RuntimeConnect speaks the node protocol to `tenantry serve` itself:
// the connect route is wired, shares reach the node, and a delete through the
// API revokes it (on PostgreSQL through LISTEN/NOTIFY).
func TestAPI_RuntimeConnect(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newRuntimeFixture(t, d)
		c := f.c
		edge := f.create(t, "Edge", f.acmeID)
		priv, pub := rtNewNodeKey(t)
		f.register(t, edge.InstallationToken, pub)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+"/api/runtime/1/connect", nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer ws.CloseNow()
		// A reader from the start, as a real node has: the platform's pings
		// are answered only while something reads.
		type readResult struct {
			m   runtime.Message
			err error
		}
		in := make(chan readResult, 64)
		go func() {
			for {
				var r readResult
				_, b, err := ws.Read(ctx)
				if err != nil {
					r.err = err
				} else if err := json.Unmarshal(b, &r.m); err != nil {
					r.err = fmt.Errorf("%s: %v", b, err)
				}
				in <- r
				if err != nil {
					return
				}
			}
		}()
		readMsg := func(what string) runtime.Message {
			t.Helper()
			r := <-in
			if r.err != nil {
				t.Fatalf("%s: read: %v", what, r.err)
			}
			return r.m
		}
		ch := readMsg("challenge")
		if ch.Type != runtime.TypeChallenge || len(ch.Nonce) != 32 {
			t.Fatalf("challenge %+v", ch)
		}
		hello, _ := json.Marshal(runtime.Message{Type: runtime.TypeHello, RuntimeID: edge.ID, Node: "node-1.example 127.0.0.1:9000",
			Signature: runtime.Sign(priv, ch.Nonce, edge.ID, "node-1.example 127.0.0.1:9000")})
		if err := ws.Write(ctx, websocket.MessageText, hello); err != nil {
			t.Fatal(err)
		}
		w := readMsg("welcome")
		if w.Type != runtime.TypeWelcome || w.Leader == nil || !*w.Leader || len(w.Tenants) != 1 || w.Tenants[0].ID != f.acmeID {
			t.Fatalf("welcome %+v", w)
		}
		rep, _ := json.Marshal(runtime.Message{Type: runtime.TypeReport, Report: &runtime.Report{Hostname: "node-1.example",
			IPAddresses: []string{"10.0.0.7", "fe80::1"}, Version: "1.4.0", Status: "healthy"}})
		if err := ws.Write(ctx, websocket.MessageText, rep); err != nil {
			t.Fatal(err)
		}

		// The detail and the list show the node once its report is in.
		var node rtNodeWire
		for i := 0; ; i++ {
			got := f.get(t, edge.ID)
			if len(got.Nodes) == 1 && got.Nodes[0].Version == "1.4.0" {
				node = got.Nodes[0]
				if got.Status != "online" {
					t.Errorf("connection status %q with a leader node, want online", got.Status)
				}
				break
			}
			if i == 400 {
				t.Fatalf("the node's report never showed: %+v", got)
			}
			sleepBriefly()
		}
		if node.Name != "node-1.example 127.0.0.1:9000" || node.Hostname != "node-1.example" || node.Status != "leader" ||
			strings.Join(node.IPAddresses, ",") != "10.0.0.7,fe80::1" || node.ReportedAt == nil || node.LastPingAt == nil {
			t.Errorf("node %+v", node)
		}
		r := c.do("GET", "/api/admin/1/organization/runtimes", nil, f.ada()...)
		var list []rtListWire
		r.decode(t, &list)
		if len(list) != 1 || list[0].Status != "online" || list[0].NumberOfHealthyNodes != 1 || list[0].LatestVersion == nil || *list[0].LatestVersion != "1.4.0" {
			t.Errorf("list with a node: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/tenant/runtimes", nil, f.dan...)
		if !strings.Contains(string(r.body), `"status":"online"`) || !strings.Contains(string(r.body), `"latestVersion":"1.4.0"`) {
			t.Errorf("dan's tenant runtimes with a node: %s", r.body)
		}

		// A share change through the API reaches the node.
		wantOK(t, "share eu", c.do("PUT", "/api/admin/1/organization/runtimes/"+edge.ID, map[string]any{"tenants": rtIdList(f.acmeID, f.subID)}, f.ada()...))
		m := readMsg("tenants")
		for m.Type == runtime.TypeLeadership {
			m = readMsg("tenants")
		}
		if m.Type != runtime.TypeTenants || len(m.Tenants) != 2 {
			t.Fatalf("after sharing eu: %+v", m)
		}

		// Delete through the API: revoked, then close 4001.
		wantEmptyOK(t, "delete", c.do("DELETE", "/api/admin/1/organization/runtimes/"+edge.ID, nil, f.ada()...))
		var closeErr error
		sawRevoked := false
		for closeErr == nil {
			r := <-in
			if r.err != nil {
				closeErr = r.err
				break
			}
			if r.m.Type == runtime.TypeRevoked {
				sawRevoked = true
			}
		}
		if !sawRevoked || websocket.CloseStatus(closeErr) != runtime.CloseRevoked {
			t.Errorf("after delete: revoked message %v, close %v (status %d), want revoked and %d", sawRevoked, closeErr, websocket.CloseStatus(closeErr), runtime.CloseRevoked)
		}
	})
}
