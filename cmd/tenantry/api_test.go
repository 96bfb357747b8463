package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// problem is the problem+json document every error answers.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
	Errors    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks that r is a problem+json error with the given status and
// code, and returns it.
func wantProblem(t testing.TB, what string, r response, status int, code string) problem {
	t.Helper()
	var p problem
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
		return p
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Errorf("%s: body %s: %v", what, r.body, err)
		return p
	}
	if p.Code != code || p.Status != status || p.Title == "" || p.Detail == "" || p.Type == "" ||
		p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
		t.Errorf("%s: problem %+v, want code %s status %d with title, detail, type and the request ID", what, p, code, status)
	}
	return p
}

func wantOK(t testing.TB, what string, r response) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: status %d, want 200 (body %s)", what, r.status, r.body)
	}
}

func wantEmptyOK(t testing.TB, what string, r response) {
	t.Helper()
	wantOK(t, what, r)
	if len(r.body) != 0 {
		t.Errorf("%s: body %q, want empty", what, r.body)
	}
}

// fixture is a running server with two users in one tenant.
type fixture struct {
	c                client
	e                *testEnv
	adaID, bobID     string
	acmeID, globexID string
	adaToken         string
	bobToken         string
}

func newFixture(t testing.TB, d store.Dialect, serveArgs ...string) *fixture {
	e := newTestEnv(t, d)
	f := &fixture{e: e}
	f.adaID = e.mustRun("ada password 1\n", "admin", "user", "create", "--email", "ada@example.com", "--first-name", "Ada", "--last-name", "Lovelace", "--password-stdin")
	f.bobID = e.mustRun("bob password 1\n", "admin", "user", "create", "--email", "bob@example.com", "--first-name", "Bob", "--last-name", "Builder", "--password-stdin")
	f.acmeID = e.mustRun("", "admin", "tenant", "create", "--name", "acme", "--admin-email", "ada@example.com")
	f.globexID = e.mustRun("", "admin", "tenant", "create", "--name", "globex", "--admin-email", "bob@example.com")
	f.c = client{t: t, base: e.serve(serveArgs...)}
	f.adaToken = f.signIn(t, "ada@example.com", "ada password 1")
	f.bobToken = f.signIn(t, "bob@example.com", "bob password 1")
	return f
}

func (f *fixture) signIn(t testing.TB, email, password string) string {
	t.Helper()
	r := f.c.do("POST", "/api/draw/1/authentication", map[string]string{"username": email, "password": password, "loginUrl": "ignored"})
	wantOK(t, "sign in "+email, r)
	var token string
	r.decode(t, &token)
	if !strings.HasPrefix(token, "tnts_") {
		t.Fatalf("token %q", token)
	}
	return token
}

func TestAPI_Authentication(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newFixture(t, d)
		c := f.c
		// Every failure is the same 401.
		var details []string
		for _, body := range []any{
			map[string]string{"username": "ada@example.com", "password": "wrong password"},
			map[string]string{"username": "nobody@example.com", "password": "ada password 1"},
		} {
			p := wantProblem(t, "bad sign-in", c.do("POST", "/api/draw/1/authentication", body), 401, "unauthenticated")
			details = append(details, p.Detail)
		}
		if details[0] != details[1] {
			t.Errorf("unknown email and wrong password answer differently: %q vs %q", details[0], details[1])
		}
		wantProblem(t, "malformed JSON", c.do("POST", "/api/draw/1/authentication", `{"username":`), 400, "bad_request")
		wantProblem(t, "not JSON", c.do("POST", "/api/draw/1/authentication", nil, "Content-Type", "text/plain"), 400, "bad_request")
		r := c.do("POST", "/api/draw/1/authentication", `{"username":"ada@example.com","password":"ada password 1"}`, "Content-Type", "application/vnd.boomi+json")
		wantOK(t, "application/*+json accepted", r)
		r = c.do("POST", "/api/draw/1/authentication", `{"username":"ada@example.com","password":"ada password 1"}`, "Content-Type", "text/json")
		wantOK(t, "text/json accepted", r)

		// Tokens: bare or Bearer; garbage and missing are 401 with WWW-Authenticate.
		wantOK(t, "bare token", c.do("GET", "/api/admin/1/users/me", nil, "Authorization", f.adaToken))
		wantOK(t, "bearer token", c.do("GET", "/api/admin/1/users/me", nil, "Authorization", "Bearer "+f.adaToken))
		r = c.do("GET", "/api/admin/1/users/me", nil)
		wantProblem(t, "anonymous", r, 401, "unauthenticated")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		wantProblem(t, "garbage token", c.do("GET", "/api/admin/1/users/me", nil, "Authorization", "tnts_nope"), 401, "unauthenticated")
		// A tenant the caller is not in is 403, whether or not it exists.
		for _, tenant := range []string{f.globexID, "2f1e3a7c-0000-4000-8000-000000000000", "not-a-uuid"} {
			wantProblem(t, "foreign tenant "+tenant, c.do("GET", "/api/admin/1/users/me", nil, "Authorization", f.adaToken, "manywhotenant", tenant), 403, "forbidden")
		}
	})
}

func TestAPI_RateLimitedSignIn(t *testing.T) {
	f := newFixture(t, store.SQLite)
	var last response
	for i := 0; i < 12; i++ {
		last = f.c.do("POST", "/api/draw/1/authentication", map[string]string{"username": "carol@example.com", "password": "guess " + fmt.Sprint(i)})
		if last.status == http.StatusTooManyRequests {
			break
		}
		wantProblem(t, "guess", last, 401, "unauthenticated")
	}
	wantProblem(t, "after many guesses", last, 429, "rate_limited")
	if ra := last.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// The limit is per email: another account still signs in.
	f.signIn(t, "bob@example.com", "bob password 1")
}

func TestAPI_UsersMeAndKeys(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newFixture(t, d)
		c := f.c
		auth := []string{"Authorization", f.adaToken}

		var me struct {
			ID        string `json:"id"`
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
			Email     string `json:"email"`
			Tenants   []struct {
				ID            string `json:"id"`
				DeveloperName string `json:"developerName"`
				RoleID        int    `json:"roleId"`
				Role          string `json:"role"`
			} `json:"tenants"`
			Organizations []any `json:"organizations"`
		}
		r := c.do("GET", "/api/admin/1/users/me", nil, auth...)
		wantOK(t, "users/me", r)
		r.decode(t, &me)
		if me.ID != f.adaID || me.Email != "ada@example.com" || len(me.Tenants) != 1 || me.Tenants[0].DeveloperName != "acme" ||
			me.Tenants[0].RoleID != 1 || me.Tenants[0].Role != "administrator" || me.Organizations == nil {
			t.Errorf("users/me = %+v", me)
		}

		r = c.do("PUT", "/api/admin/1/users/me", map[string]any{"firstName": "Augusta", "email": "ignored@example.com", "id": "ignored"}, auth...)
		wantOK(t, "PUT users/me", r)
		r.decode(t, &me)
		if me.FirstName != "Augusta" || me.LastName != "Lovelace" || me.Email != "ada@example.com" {
			t.Errorf("PUT users/me changed %+v", me)
		}
		wantProblem(t, "PUT users/me too long", c.do("PUT", "/api/admin/1/users/me", map[string]any{"lastName": strings.Repeat("x", 101)}, auth...), 422, "invalid")

		// API keys.
		var key struct {
			Name     string `json:"name"`
			APIKey   string `json:"apiKey"`
			TenantID string `json:"tenantId"`
		}
		r = c.do("POST", "/api/admin/1/users/me/keys", map[string]any{"name": "ci"}, auth...)
		wantOK(t, "create key", r)
		r.decode(t, &key)
		if key.Name != "ci" || key.TenantID != f.acmeID || !strings.HasPrefix(key.APIKey, "tntk_") {
			t.Fatalf("created key %+v", key)
		}
		wantProblem(t, "duplicate key name", c.do("POST", "/api/admin/1/users/me/keys", map[string]any{"name": "ci"}, auth...), 409, "name_taken")
		wantProblem(t, "key without name", c.do("POST", "/api/admin/1/users/me/keys", map[string]any{"name": ""}, auth...), 422, "invalid")
		wantProblem(t, "key for foreign tenant", c.do("POST", "/api/admin/1/users/me/keys", map[string]any{"name": "x", "tenantId": f.globexID}, auth...), 403, "forbidden")
		r = c.do("GET", "/api/admin/1/users/me/keys", nil, auth...)
		wantOK(t, "list keys", r)
		if strings.Contains(string(r.body), key.APIKey) || strings.Contains(string(r.body), `"apiKey"`) {
			t.Errorf("key list shows the secret: %s", r.body)
		}

		// The key authenticates as Ada in acme only.
		k := []string{"x-boomi-flow-api-key", key.APIKey}
		wantOK(t, "key auth", c.do("GET", "/api/admin/1/tenant", nil, k...))
		wantOK(t, "key with its own tenant header", c.do("GET", "/api/admin/1/tenant", nil, "x-boomi-flow-api-key", key.APIKey, "manywhotenant", f.acmeID))
		wantProblem(t, "key with another tenant header", c.do("GET", "/api/admin/1/tenant", nil, "x-boomi-flow-api-key", key.APIKey, "manywhotenant", f.globexID), 403, "forbidden")
		wantProblem(t, "key and token together", c.do("GET", "/api/admin/1/users/me", nil, "x-boomi-flow-api-key", key.APIKey, "Authorization", f.adaToken), 400, "bad_request")

		wantEmptyOK(t, "delete key", c.do("DELETE", "/api/admin/1/users/me/keys/ci", nil, auth...))
		wantProblem(t, "deleted key refused", c.do("GET", "/api/admin/1/tenant", nil, k...), 401, "unauthenticated")
		wantProblem(t, "delete unknown key", c.do("DELETE", "/api/admin/1/users/me/keys/ci", nil, auth...), 404, "not_found")
	})
}

func TestAPI_TenantAdministration(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newFixture(t, d)
		c := f.c
		ada := []string{"Authorization", f.adaToken, "manywhotenant", f.acmeID}

		type tenantResp struct {
			ID            string `json:"id"`
			DeveloperName string `json:"developerName"`
			Summary       string `json:"developerSummary"`
			SubTenants    []struct {
				ID            string `json:"id"`
				DeveloperName string `json:"developerName"`
			} `json:"subTenants"`
			ParentTenant *struct {
				ID string `json:"id"`
			} `json:"parentTenant"`
		}
		var tr tenantResp
		r := c.do("GET", "/api/admin/1/tenant", nil, ada...)
		wantOK(t, "GET tenant", r)
		r.decode(t, &tr)
		if tr.ID != f.acmeID || tr.DeveloperName != "acme" {
			t.Errorf("tenant %+v", tr)
		}

		// Subtenants.
		var sub struct {
			ID            string `json:"id"`
			DeveloperName string `json:"developerName"`
			UserCount     int    `json:"userCount"`
		}
		r = c.do("POST", "/api/admin/1/tenant/subtenants", map[string]any{"developerName": "dev", "developerSummary": "Development"}, ada...)
		wantOK(t, "create subtenant", r)
		r.decode(t, &sub)
		if sub.DeveloperName != "dev+acme" || sub.UserCount != 1 {
			t.Errorf("subtenant %+v", sub)
		}
		wantProblem(t, "duplicate subtenant", c.do("POST", "/api/admin/1/tenant/subtenants", map[string]any{"developerName": "DEV"}, ada...), 409, "name_taken")
		wantProblem(t, "bad subtenant name", c.do("POST", "/api/admin/1/tenant/subtenants", map[string]any{"developerName": "d"}, ada...), 422, "invalid")
		wantProblem(t, "subtenant of a subtenant", c.do("POST", "/api/admin/1/tenant/subtenants", map[string]any{"developerName": "deeper"},
			"Authorization", f.adaToken, "manywhotenant", sub.ID), 422, "invalid")
		r = c.do("GET", "/api/admin/1/tenant/subtenants", nil, ada...)
		wantOK(t, "list subtenants", r)
		var subs []struct {
			DeveloperName string `json:"developerName"`
		}
		r.decode(t, &subs)
		if len(subs) != 1 || subs[0].DeveloperName != "dev+acme" {
			t.Errorf("subtenants %s", r.body)
		}

		// Rename follows into the subtenant's full name.
		r = c.do("POST", "/api/admin/1/tenant", map[string]any{"developerName": "@Acme-Corp", "developerSummary": "Rockets", "subdomain": "ignored"}, ada...)
		wantOK(t, "rename", r)
		r.decode(t, &tr)
		if tr.DeveloperName != "Acme-Corp" || tr.Summary != "Rockets" {
			t.Errorf("renamed tenant %+v", tr)
		}
		r = c.do("GET", "/api/admin/1/tenant?includeSubTenants=true", nil, ada...)
		wantOK(t, "GET tenant with subtenants", r)
		r.decode(t, &tr)
		if len(tr.SubTenants) != 1 || tr.SubTenants[0].DeveloperName != "dev+Acme-Corp" {
			t.Errorf("subtenants after rename: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/tenant", nil, "Authorization", f.adaToken, "manywhotenant", sub.ID)
		wantOK(t, "GET subtenant", r)
		r.decode(t, &tr)
		if tr.ParentTenant == nil || tr.ParentTenant.ID != f.acmeID {
			t.Errorf("subtenant's parent: %s", r.body)
		}
		wantProblem(t, "rename to taken", c.do("POST", "/api/admin/1/tenant", map[string]any{"developerName": "GLOBEX"}, ada...), 409, "name_taken")
		p := wantProblem(t, "rename invalid", c.do("POST", "/api/admin/1/tenant", map[string]any{"developerName": "no spaces allowed"}, ada...), 422, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "developerName" {
			t.Errorf("field errors %+v", p.Errors)
		}
		wantProblem(t, "bad includeSubTenants", c.do("GET", "/api/admin/1/tenant?includeSubTenants=maybe", nil, ada...), 422, "invalid")
	})
}

func TestAPI_TenantUsers(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newFixture(t, d)
		c := f.c
		ada := []string{"Authorization", f.adaToken, "manywhotenant", f.acmeID}

		type userResp struct {
			ID    string `json:"id"`
			Email string `json:"email"`
			Role  struct {
				RoleID        int    `json:"roleId"`
				DeveloperName string `json:"developerName"`
				FriendlyName  string `json:"friendlyName"`
			} `json:"role"`
		}
		var u userResp
		// Known email: the account is added, names ignored; role as an object.
		r := c.do("POST", "/api/admin/1/users", map[string]any{"email": "BOB@example.com", "firstName": "Ignored", "role": map[string]any{"roleId": 2}}, ada...)
		wantOK(t, "add bob", r)
		r.decode(t, &u)
		if u.ID != f.bobID || u.Role.DeveloperName != "standard" || u.Role.FriendlyName != "Standard user" {
			t.Errorf("added %+v", u)
		}
		// Unknown email: a pending account.
		r = c.do("POST", "/api/admin/1/users", map[string]any{"email": "carol@example.com", "firstName": "Carol", "role": "Administrator"}, ada...)
		wantOK(t, "add carol", r)
		r.decode(t, &u)
		carolID := u.ID
		if u.Role.RoleID != 1 {
			t.Errorf("carol %+v", u)
		}
		wantProblem(t, "already member", c.do("POST", "/api/admin/1/users", map[string]any{"email": "bob@example.com"}, ada...), 409, "already_member")
		wantProblem(t, "no email nor id", c.do("POST", "/api/admin/1/users", map[string]any{"firstName": "X"}, ada...), 422, "invalid")
		wantProblem(t, "bad role", c.do("POST", "/api/admin/1/users", map[string]any{"email": "d@example.com", "role": "owner"}, ada...), 422, "invalid")
		wantProblem(t, "id and email disagree", c.do("POST", "/api/admin/1/users", map[string]any{"id": f.bobID, "email": "someone@example.com"}, ada...), 422, "invalid")

		// Paged listing.
		var env struct {
			Meta struct {
				Page, PageSize, Total int
			} `json:"_meta"`
			Links struct {
				Next     string `json:"next"`
				Previous string `json:"previous"`
			} `json:"_links"`
			Items []userResp `json:"items"`
		}
		r = c.do("GET", "/api/admin/1/users?page=1&pageSize=2", nil, ada...)
		wantOK(t, "list users", r)
		r.decode(t, &env)
		if env.Meta.Total != 3 || env.Meta.PageSize != 2 || len(env.Items) != 2 || env.Links.Next == "" || env.Links.Previous != "" {
			t.Errorf("page 1: %s", r.body)
		}
		if got := []string{env.Items[0].Email, env.Items[1].Email}; !cmp.Equal(got, []string{"ada@example.com", "bob@example.com"}) {
			t.Errorf("order %v", got)
		}
		r = c.do("GET", env.Links.Next, nil, ada...)
		wantOK(t, "next page", r)
		env.Links.Next = ""
		r.decode(t, &env)
		if len(env.Items) != 1 || env.Links.Next != "" || env.Links.Previous == "" {
			t.Errorf("page 2: %s", r.body)
		}
		wantProblem(t, "pageSize too big", c.do("GET", "/api/admin/1/users?pageSize=1001", nil, ada...), 422, "invalid")
		wantProblem(t, "page not a number", c.do("GET", "/api/admin/1/users?page=x", nil, ada...), 422, "invalid")

		// One user; role change; removal.
		r = c.do("GET", "/api/admin/1/users/"+f.bobID, nil, ada...)
		wantOK(t, "get bob", r)
		wantProblem(t, "get stranger", c.do("GET", "/api/admin/1/users/"+"2f1e3a7c-0000-4000-8000-000000000000", nil, ada...), 404, "not_found")
		wantProblem(t, "get non-uuid", c.do("GET", "/api/admin/1/users/xyz", nil, ada...), 404, "not_found")
		r = c.do("PUT", "/api/admin/1/users/"+f.bobID, map[string]any{"role": map[string]any{"developerName": "administrator"}, "email": "ignored@example.com"}, ada...)
		wantOK(t, "promote bob", r)
		r.decode(t, &u)
		if u.Role.RoleID != 1 || u.Email != "bob@example.com" {
			t.Errorf("promoted %+v", u)
		}
		wantProblem(t, "PUT without role", c.do("PUT", "/api/admin/1/users/"+f.bobID, map[string]any{}, ada...), 422, "invalid")

		// Bob, now administrator of acme, demotes Ada, then cannot demote or remove himself as the last active admin.
		bob := []string{"Authorization", f.bobToken, "manywhotenant", f.acmeID}
		wantOK(t, "demote ada", c.do("PUT", "/api/admin/1/users/"+f.adaID, map[string]any{"role": "standard"}, bob...))
		wantProblem(t, "demote last active admin", c.do("PUT", "/api/admin/1/users/"+f.bobID, map[string]any{"role": "standard"}, bob...), 409, "last_tenant_administrator")
		wantProblem(t, "remove last active admin", c.do("DELETE", "/api/admin/1/users/"+f.bobID, nil, bob...), 409, "last_tenant_administrator")
		// Ada is now standard: tenant administration is forbidden to her.
		for _, ep := range []struct{ method, path string }{
			{"GET", "/api/admin/1/tenant"}, {"POST", "/api/admin/1/tenant"}, {"GET", "/api/admin/1/tenant/subtenants"},
			{"POST", "/api/admin/1/tenant/subtenants"}, {"GET", "/api/admin/1/users"}, {"POST", "/api/admin/1/users"},
			{"GET", "/api/admin/1/users/" + f.bobID}, {"PUT", "/api/admin/1/users/" + f.bobID}, {"DELETE", "/api/admin/1/users/" + f.bobID},
		} {
			var body any
			if ep.method != "GET" && ep.method != "DELETE" {
				body = map[string]any{"role": "standard", "developerName": "zzz", "email": "z@example.com"}
			}
			wantProblem(t, "standard "+ep.method+" "+ep.path, c.do(ep.method, ep.path, body, ada...), 403, "forbidden")
		}
		wantEmptyOK(t, "remove carol", c.do("DELETE", "/api/admin/1/users/"+carolID, nil, bob...))
		wantProblem(t, "remove carol again", c.do("DELETE", "/api/admin/1/users/"+carolID, nil, bob...), 404, "not_found")

		// An API key dies with its membership.
		r = c.do("POST", "/api/admin/1/users/me/keys", map[string]any{"name": "k"}, ada...)
		wantOK(t, "ada key", r)
		var key struct {
			APIKey string `json:"apiKey"`
		}
		r.decode(t, &key)
		wantOK(t, "ada key works", c.do("GET", "/api/admin/1/users/me", nil, "x-boomi-flow-api-key", key.APIKey))
		wantEmptyOK(t, "remove ada", c.do("DELETE", "/api/admin/1/users/"+f.adaID, nil, bob...))
		wantProblem(t, "key of removed member", c.do("GET", "/api/admin/1/users/me", nil, "x-boomi-flow-api-key", key.APIKey), 401, "unauthenticated")
		// Ada has no tenant left: endpoints that need one say so.
		wantOK(t, "users/me without tenant", c.do("GET", "/api/admin/1/users/me", nil, "Authorization", f.adaToken))
		wantProblem(t, "tenant without tenant", c.do("GET", "/api/admin/1/tenant", nil, "Authorization", f.adaToken), 400, "bad_request")
	})
}

func TestAPI_Routing(t *testing.T) {
	f := newFixture(t, store.SQLite)
	c := f.c
	wantProblem(t, "unknown path", c.do("GET", "/api/admin/1/nope", nil), 404, "not_found")
	r := c.do("PATCH", "/api/admin/1/users/me", nil, "Authorization", f.adaToken)
	wantProblem(t, "wrong method", r, 400, "bad_request")
	if r.header.Get("Allow") == "" {
		t.Error("wrong method without Allow")
	}
	wantProblem(t, "provisioning off", c.do("POST", "/api/admin/1/provisioning", map[string]any{}), 404, "not_found")
	wantProblem(t, "huge body", c.do("PUT", "/api/admin/1/users/me", `{"firstName":"`+strings.Repeat("x", 2<<20)+`"}`, "Authorization", f.adaToken), 400, "bad_request")
	r = c.do("GET", "/healthz", nil)
	if r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	r = c.do("GET", "/metrics", nil)
	if r.status != 200 || !strings.Contains(string(r.body), "tenantry_signin_failures_total") {
		t.Errorf("metrics %d", r.status)
	}
}

func TestAPI_Provisioning(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newFixture(t, d, "--signup")
		c := f.c
		r := c.do("POST", "/api/admin/1/provisioning", map[string]any{"firstName": "Dee", "email": "dee@example.com", "tenantName": "@initech", "apiKeyName": "ignored"})
		if r.status != http.StatusNoContent || len(r.body) != 0 {
			t.Fatalf("provisioning: %d %s", r.status, r.body)
		}
		// An existing email gets no tenant, and the same answer.
		r = c.do("POST", "/api/admin/1/provisioning", map[string]any{"email": "ada@example.com", "tenantName": "hooli"})
		if r.status != http.StatusNoContent {
			t.Fatalf("provisioning with existing email: %d %s", r.status, r.body)
		}
		_, stderr, err := f.e.run("", "admin", "tenant", "create", "--name", "hooli", "--admin-email", "ada@example.com")
		if err != nil {
			t.Errorf("hooli was created by sign-up with an existing email: %s", stderr)
		}
		wantProblem(t, "taken", c.do("POST", "/api/admin/1/provisioning", map[string]any{"email": "erin@example.com", "tenantName": "INITECH"}), 409, "name_taken")
		p := wantProblem(t, "invalid", c.do("POST", "/api/admin/1/provisioning", map[string]any{"email": "nope", "tenantName": "x"}), 422, "invalid")
		if len(p.Errors) != 2 {
			t.Errorf("want errors for email and tenantName: %+v", p.Errors)
		}
		var last response
		for range 10 {
			last = c.do("POST", "/api/admin/1/provisioning", map[string]any{"email": "nope", "tenantName": "x"})
		}
		wantProblem(t, "sign-up rate limit", last, 429, "rate_limited")
	})
}
