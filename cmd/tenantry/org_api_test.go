package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// orgFixture is a running server with an organization administered by Ada
// (tenant acme, a member) and Bob's tenant bobco outside it.
type orgFixture struct {
	*fixture
	orgID string
}

func newOrgFixture(t testing.TB, d store.Dialect, limits ...string) *orgFixture {
	f := newFixture(t, d)
	e := f.e
	e.mustRun("", "admin", "licence", "keygen")
	args := []string{"admin", "licence", "issue", "--licensee", "Acme Corp", "--organization-name", "Acme Group",
		"--tenants", "5", "--administrators", "3", "--runtimes", "2", "--users", "20", "--expires", "2099-12-31"}
	args = append(args, limits...)
	lic := e.mustRun("", args...)
	path := filepath.Join(t.TempDir(), "licence.txt")
	if err := os.WriteFile(path, []byte(lic+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := &orgFixture{fixture: f}
	o.orgID = e.mustRun("", "admin", "org", "create", "--licence", path, "--admin-email", "ada@example.com")
	return o
}

func (f *orgFixture) ada() []string {
	return []string{"Authorization", f.adaToken, "manywhotenant", f.acmeID}
}
func (f *orgFixture) bob() []string {
	return []string{"Authorization", f.bobToken, "manywhotenant", f.globexID}
}

// eml returns the text of every .eml file written so far.
func (f *orgFixture) eml(t testing.TB) []sentMail {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(f.e.dataDir, "mail", "*.eml"))
	var out []sentMail
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		to, text, err := emailText(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, sentMail{to: to, text: text})
	}
	return out
}

// sentMail is one message the file sender wrote: its recipient and its
// decoded text parts (quoted-printable undone, so links read as sent).
type sentMail struct{ to, text string }

func TestAPI_OrganizationStory(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newOrgFixture(t, d)
		c := f.c

		// The organization, seen by its administrator.
		var org struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Licence struct {
				Licensee    string `json:"licensee"`
				Development bool   `json:"development"`
			} `json:"licence"`
			Usage struct {
				Tenants struct{ Members, Pending int } `json:"tenants"`
			} `json:"usage"`
		}
		r := c.do("GET", "/api/admin/1/organization", nil, f.ada()...)
		wantOK(t, "organization", r)
		r.decode(t, &org)
		if org.ID != f.orgID || org.Name != "Acme Group" || org.Licence.Licensee != "Acme Corp" || !org.Licence.Development {
			t.Errorf("organization %s", r.body)
		}
		wantProblem(t, "bob sees no organization", c.do("GET", "/api/admin/1/organization", nil, f.bob()...), 404, "not_found")

		// Invite tenant → the tenant's admin sees it → joins → the org lists it.
		wantEmptyOK(t, "invite globex", c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "@globex"}, f.ada()...))
		wantProblem(t, "resend at once", c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"id": f.globexID}, f.ada()...), 429, "rate_limited")
		var invites []struct {
			Organization struct{ ID, Name string } `json:"organization"`
			Status       string                    `json:"status"`
			Type         string                    `json:"type"`
			Tenant       *struct{ ID string }      `json:"tenant"`
		}
		r = c.do("GET", "/api/admin/1/organization/invites?type=tenant", nil, f.bob()...)
		wantOK(t, "bob's invitations", r)
		r.decode(t, &invites)
		if len(invites) != 1 || invites[0].Status != "invited" || invites[0].Type != "tenant" || invites[0].Organization.ID != f.orgID {
			t.Fatalf("bob's invitations: %s", r.body)
		}
		wantProblem(t, "bad type", c.do("GET", "/api/admin/1/organization/invites?type=group", nil, f.bob()...), 422, "invalid")
		r = c.do("PUT", "/api/admin/1/organization/invites/tenants/"+f.orgID, nil, f.bob()...)
		wantOK(t, "join", r)
		wantProblem(t, "join twice", c.do("PUT", "/api/admin/1/organization/invites/tenants/"+f.orgID, nil, f.bob()...), 409, "invitation_not_pending")
		var tenants []struct {
			ID            string `json:"id"`
			DeveloperName string `json:"developerName"`
			UserCount     int    `json:"userCount"`
		}
		r = c.do("GET", "/api/admin/1/organization/tenants", nil, f.ada()...)
		wantOK(t, "org tenants", r)
		r.decode(t, &tenants)
		if len(tenants) != 1 || tenants[0].ID != f.globexID || tenants[0].UserCount != 1 {
			t.Errorf("org tenants: %s", r.body)
		}
		wantOK(t, "tenant users", c.do("GET", "/api/admin/1/organization/tenant/"+f.globexID+"/users", nil, f.ada()...))

		// Invite Bob as administrator → he accepts → he leaves.
		wantEmptyOK(t, "invite bob", c.do("POST", "/api/admin/1/organization/invites/users", map[string]any{"email": "BOB@example.com"}, f.ada()...))
		wantOK(t, "bob accepts", c.do("PUT", "/api/admin/1/organization/invites/users/"+f.orgID, nil, f.bob()...))
		var admins []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
			Role  string `json:"role"`
		}
		r = c.do("GET", "/api/admin/1/organization/users", nil, f.ada()...)
		wantOK(t, "org users", r)
		r.decode(t, &admins)
		if len(admins) != 2 || admins[1].Email != "bob@example.com" || admins[1].Role != "administrator" {
			t.Errorf("admins: %s", r.body)
		}
		wantEmptyOK(t, "bob leaves", c.do("DELETE", "/api/admin/1/organization/users/"+f.bobID, nil, f.bob()...))
		wantProblem(t, "last admin cannot leave", c.do("DELETE", "/api/admin/1/organization/users/"+f.adaID, nil, f.ada()...), 409, "last_administrator")

		// Reject → acknowledge.
		carolID := f.e.mustRun("carol password\n", "admin", "user", "create", "--email", "carol@example.com", "--password-stdin")
		carol := []string{"Authorization", f.signIn(t, "carol@example.com", "carol password")}
		wantEmptyOK(t, "invite carol", c.do("POST", "/api/admin/1/organization/invites/users", map[string]any{"id": carolID}, f.ada()...))
		r = c.do("DELETE", "/api/admin/1/organization/invites/users/"+f.orgID, nil, carol...)
		wantOK(t, "carol rejects", r)
		r = c.do("GET", "/api/admin/1/organization/invites/users", nil, f.ada()...)
		wantOK(t, "org user invitations", r)
		if !strings.Contains(string(r.body), `"status":"rejected"`) {
			t.Errorf("rejected invitation not listed: %s", r.body)
		}
		wantProblem(t, "cancel a rejected one", c.do("PATCH", "/api/admin/1/organization/invites/users/cancel/"+carolID, nil, f.ada()...), 409, "invitation_not_pending")
		wantOK(t, "acknowledge", c.do("PATCH", "/api/admin/1/organization/invites/users/acknowledge/"+carolID, nil, f.ada()...))
		r = c.do("GET", "/api/admin/1/organization/invites/users", nil, f.ada()...)
		if string(r.body) != "[]\n" {
			t.Errorf("acknowledged invitation still listed: %s", r.body)
		}

		// Provision a tenant with a new email → the .eml holds a set-up link.
		r = c.do("POST", "/api/admin/1/organization/tenants", map[string]any{"developerName": "initech",
			"users": []map[string]any{{"id": f.adaID, "role": "administrator"}, {"email": "dee@example.com", "role": "standard"}}}, f.ada()...)
		wantOK(t, "create tenant", r)
		var created struct {
			ID        string `json:"id"`
			UserCount int    `json:"userCount"`
		}
		r.decode(t, &created)
		if created.UserCount != 2 {
			t.Errorf("created %s", r.body)
		}
		setup := regexp.MustCompile(`/setup\?token=tntu_[A-Za-z0-9_\-]+`)
		found := false
		for _, m := range f.waitMail(t, "dee@example.com") {
			if setup.MatchString(m) {
				found = true
			}
		}
		if !found {
			t.Errorf("no set-up link mailed to dee@example.com")
		}

		// Remove a tenant: it leaves the list; its admin is told.
		wantEmptyOK(t, "remove globex", c.do("DELETE", "/api/admin/1/organization/tenants/"+f.globexID, nil, f.ada()...))
		wantProblem(t, "remove again", c.do("DELETE", "/api/admin/1/organization/tenants/"+f.globexID, nil, f.ada()...), 404, "not_found")
		f.waitMail(t, "bob@example.com", "removed")

		// The audit log tells the story, newest first, and exports.
		var audit struct {
			Items []struct {
				Action string `json:"action"`
			} `json:"items"`
			NextCursor *string `json:"nextCursor"`
		}
		r = c.do("GET", "/api/admin/1/organization/audit?limit=5", nil, f.ada()...)
		wantOK(t, "audit", r)
		r.decode(t, &audit)
		if len(audit.Items) != 5 || audit.NextCursor == nil || audit.Items[0].Action != "tenant.removed" {
			t.Errorf("audit page: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/organization/audit?limit=5&cursor="+*audit.NextCursor, nil, f.ada()...)
		wantOK(t, "audit page 2", r)
		r = c.do("GET", "/api/admin/1/organization/audit?format=csv&action=invitation.", nil, f.ada()...)
		wantOK(t, "audit csv", r)
		if !strings.HasPrefix(string(r.body), "id,time,action") || !strings.Contains(string(r.body), "invitation.accepted") ||
			strings.Contains(string(r.body), "tenant.removed") {
			t.Errorf("csv export: %s", r.body)
		}
		r = c.do("GET", "/api/admin/1/organization/audit?format=jsonl", nil, f.ada()...)
		wantOK(t, "audit jsonl", r)
		if n := strings.Count(string(r.body), "\n"); n < 10 {
			t.Errorf("jsonl export has %d lines", n)
		}
	})
}

// waitMail waits for the outbox worker to write mail to addr (whose text
// contains every word) and returns those messages.
func (f *orgFixture) waitMail(t testing.TB, addr string, words ...string) []string {
	t.Helper()
	var got []string
	for range 200 {
		got = got[:0]
	next:
		for _, m := range f.eml(t) {
			if m.to != addr {
				continue
			}
			for _, w := range words {
				if !strings.Contains(m.text, w) {
					continue next
				}
			}
			got = append(got, m.text)
		}
		if len(got) > 0 {
			return got
		}
		sleepBriefly()
	}
	t.Fatalf("no mail to %s containing %v", addr, words)
	return nil
}

func TestAPI_OrganizationIsolation(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		f := newOrgFixture(t, d)
		c := f.c
		// A second organization, administered by Bob, with his tenant.
		lic := f.e.mustRun("", "admin", "licence", "issue", "--licensee", "Globex Inc", "--organization-name", "Globex Group",
			"--tenants", "5", "--administrators", "3", "--runtimes", "2", "--users", "20", "--expires", "2099-12-31")
		path := filepath.Join(t.TempDir(), "l2.txt")
		os.WriteFile(path, []byte(lic), 0o600)
		org2 := f.e.mustRun("", "admin", "org", "create", "--licence", path, "--admin-email", "bob@example.com")
		// Ada's org has acme as a member (invite + accept by Ada herself).
		wantEmptyOK(t, "invite acme", c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "acme"}, f.ada()...))
		wantOK(t, "acme joins", c.do("PUT", "/api/admin/1/organization/invites/tenants/"+f.orgID, nil, f.ada()...))
		// A standard member of acme.
		wantOK(t, "add dan", c.do("POST", "/api/admin/1/users", map[string]any{"email": "dan@example.com"}, f.ada()...))
		f.e.mustRun("dan password 1\n", "admin", "user", "reset-password", "--email", "dan@example.com", "--password-stdin")
		dan := []string{"Authorization", f.signIn(t, "dan@example.com", "dan password 1"), "manywhotenant", f.acmeID}

		orgEndpoints := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/admin/1/organization", nil},
			{"GET", "/api/admin/1/organization/audit", nil},
			{"GET", "/api/admin/1/organization/invites/tenants", nil},
			{"POST", "/api/admin/1/organization/invites/tenants", map[string]any{"id": f.globexID}},
			{"PATCH", "/api/admin/1/organization/invites/tenants/cancel/" + f.globexID, nil},
			{"PATCH", "/api/admin/1/organization/invites/tenants/acknowledge/" + f.globexID, nil},
			{"GET", "/api/admin/1/organization/invites/users", nil},
			{"POST", "/api/admin/1/organization/invites/users", map[string]any{"email": "carol@example.com"}},
			{"PATCH", "/api/admin/1/organization/invites/users/cancel/" + f.bobID, nil},
			{"PATCH", "/api/admin/1/organization/invites/users/acknowledge/" + f.bobID, nil},
			{"GET", "/api/admin/1/organization/tenants", nil},
			{"POST", "/api/admin/1/organization/tenants", map[string]any{"developerName": "zzz", "users": []map[string]any{{"email": "z@example.com", "role": "administrator"}}}},
			{"DELETE", "/api/admin/1/organization/tenants/" + f.acmeID, nil},
			{"GET", "/api/admin/1/organization/tenant/" + f.acmeID + "/users", nil},
			{"GET", "/api/admin/1/organization/users", nil},
			{"DELETE", "/api/admin/1/organization/users/" + f.adaID, nil},
		}
		for _, ep := range orgEndpoints {
			what := ep.method + " " + ep.path
			wantProblem(t, "anonymous "+what, c.do(ep.method, ep.path, ep.body), 401, "unauthenticated")
			wantProblem(t, "standard member "+what, c.do(ep.method, ep.path, ep.body, dan...), 403, "forbidden")
			// Bob administers the other organization: asking for Ada's is not_found,
			// and his own current organization never shows Ada's data.
			wantProblem(t, "other org by header "+what, c.do(ep.method, ep.path, ep.body, "Authorization", f.bobToken, "x-tenantry-organization", f.orgID), 404, "not_found")
			r := c.do(ep.method, ep.path, ep.body, "Authorization", f.bobToken, "manywhotenant", f.globexID, "x-tenantry-organization", org2)
			for _, secret := range []string{f.orgID, "Acme Group", "ada@example.com", "dan@example.com"} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("other org's admin %s: response leaks %q: %s", what, secret, r.body)
				}
			}
		}
		// Acme's audit and users stay Ada's.
		r := c.do("GET", "/api/admin/1/organization/tenant/"+f.acmeID+"/users", nil, "Authorization", f.bobToken, "manywhotenant", f.globexID)
		wantProblem(t, "bob reads acme's users", r, 404, "not_found")
	})
}

func TestAPI_ArrayPaging(t *testing.T) {
	f := newFixture(t, store.SQLite)
	c := f.c
	ada := []string{"Authorization", f.adaToken, "manywhotenant", f.acmeID}
	for _, name := range []string{"a", "b", "c"} {
		wantOK(t, "key "+name, c.do("POST", "/api/admin/1/users/me/keys", map[string]any{"name": name}, ada...))
	}
	var names []string
	path := "/api/admin/1/users/me/keys?limit=2"
	for path != "" {
		r := c.do("GET", path, nil, ada...)
		wantOK(t, "page", r)
		var page []struct {
			Name string `json:"name"`
		}
		r.decode(t, &page)
		for _, k := range page {
			names = append(names, k.Name)
		}
		path = ""
		if link := r.header.Get("Link"); link != "" {
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("paged keys: %v", names)
	}
	wantProblem(t, "bad cursor", c.do("GET", "/api/admin/1/users/me/keys?cursor=zzz", nil, ada...), 422, "invalid")
	wantProblem(t, "limit 0", c.do("GET", "/api/admin/1/users/me/keys?limit=0", nil, ada...), 422, "invalid")
}
