package web_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"tenantry/internal/licence"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
	"tenantry/internal/web"
)

// site is a web server over a fresh database, with helpers to seed it.
type site struct {
	t    *testing.T
	svc  *service.Service
	db   *store.DB
	srv  *httptest.Server
	priv ed25519.PrivateKey
}

func newSite(t *testing.T) *site {
	db := storetest.Open(t, store.SQLite)
	pub, priv, _ := ed25519.GenerateKey(nil)
	svc := service.New(db, service.Config{Licences: licence.Authority{Vendor: []ed25519.PublicKey{pub}}})
	srv := httptest.NewServer(web.NewServer(svc, web.Options{}))
	t.Cleanup(srv.Close)
	return &site{t: t, svc: svc, db: db, srv: srv, priv: priv}
}

func (s *site) user(email, password string) tenantry.User {
	s.t.Helper()
	u, err := s.svc.CreateUser(context.Background(), service.Operator(), service.CreateUserInput{Email: email, FirstName: "F", LastName: "L", Password: password})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

func (s *site) tenant(name, adminEmail string) tenantry.Tenant {
	s.t.Helper()
	tn, err := s.svc.CreateTenant(context.Background(), service.Operator(), name, adminEmail)
	if err != nil {
		s.t.Fatal(err)
	}
	return tn
}

func (s *site) org(adminEmail string) tenantry.Organization {
	s.t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	text, _ := licence.Sign(s.priv, tenantry.Licence{ID: uuid.NewString(), Licensee: "Acme", OrganizationName: "Acme Group",
		Limits: tenantry.Limits{Tenants: 5, Administrators: 3, Runtimes: 1, Users: 20}, IssuedAt: now, NotBefore: now.Add(-time.Hour), ExpiresAt: now.Add(400 * 24 * time.Hour)})
	o, err := s.svc.CreateOrganization(context.Background(), service.Operator(), text, adminEmail)
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

// browser is one person's cookie jar against the site.
type browser struct {
	t      *testing.T
	s      *site
	client *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type pageResp struct {
	status int
	header http.Header
	doc    *goquery.Document
}

func (b *browser) get(path string) pageResp {
	b.t.Helper()
	resp, err := b.client.Get(b.s.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) pageResp {
	b.t.Helper()
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return pageResp{status: resp.StatusCode, header: resp.Header, doc: doc}
}

// post submits a form found on the page at from (selected by the form's
// action), with its CSRF token and the given fields.
func (b *browser) post(from pageResp, action string, fields url.Values) pageResp {
	b.t.Helper()
	form := from.doc.Find(`form[action="` + action + `"]`).First()
	if form.Length() == 0 {
		b.t.Fatalf("no form posting to %s on the page", action)
	}
	if fields == nil {
		fields = url.Values{}
	}
	form.Find(`input[type=hidden]`).Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		if _, set := fields[name]; !set && name != "" {
			v, _ := in.Attr("value")
			fields.Set(name, v)
		}
	})
	return b.postRaw(action, fields)
}

func (b *browser) postRaw(action string, fields url.Values) pageResp {
	b.t.Helper()
	resp, err := b.client.PostForm(b.s.srv.URL+action, fields)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	p := b.get("/signin")
	r := b.post(p, "/signin", url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: status %d: %s", email, r.status, r.doc.Find(".error").Text())
	}
}

// checkAccessible asserts the basics of every page: inputs have labels,
// buttons are buttons with names, headings start at h1.
func checkAccessible(t *testing.T, what string, p pageResp) {
	t.Helper()
	p.doc.Find("input, select").Each(func(_ int, in *goquery.Selection) {
		typ, _ := in.Attr("type")
		if typ == "hidden" {
			return
		}
		id, _ := in.Attr("id")
		if id == "" || p.doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			html, _ := goquery.OuterHtml(in)
			t.Errorf("%s: input without a label: %s", what, html)
		}
	})
	p.doc.Find("button").Each(func(_ int, b *goquery.Selection) {
		if strings.TrimSpace(b.Text()) == "" {
			t.Errorf("%s: a button without a visible name", what)
		}
	})
	if p.doc.Find("h1").Length() != 1 {
		t.Errorf("%s: %d h1 headings, want 1", what, p.doc.Find("h1").Length())
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if p.doc.Find("script:not([src])").Length() > 0 {
		t.Errorf("%s: inline script", what)
	}
}

func TestWeb_FirstRunAndSignIn(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	p := b.get("/")
	if p.status != 200 || !strings.Contains(p.doc.Find("main").Text(), "tenantry admin user create") {
		t.Fatalf("first run page: %d %q", p.status, p.doc.Find("main").Text())
	}
	checkAccessible(t, "first run", p)

	s.user("ada@example.com", "ada password 1")
	if r := b.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("home with accounts: %d, want a redirect to sign in", r.status)
	}
	p = b.get("/signin")
	checkAccessible(t, "sign in", p)
	r := b.post(p, "/signin", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.doc.Find(".error").Text(), "not right") {
		t.Errorf("wrong password: %d %q", r.status, r.doc.Find(".error").Text())
	}
	// A form without its CSRF token is refused.
	r = b.postRaw("/signin", url.Values{"email": {"ada@example.com"}, "password": {"ada password 1"}})
	if r.status != http.StatusForbidden {
		t.Errorf("sign-in without CSRF: %d", r.status)
	}

	// Signing in sets a new HttpOnly, SameSite=Lax session cookie each time.
	cookieAfterSignIn := func() *http.Cookie {
		b := s.browser()
		p := b.get("/signin")
		resp, err := b.client.PostForm(s.srv.URL+"/signin", url.Values{"email": {"ada@example.com"}, "password": {"ada password 1"},
			"csrf": {p.doc.Find(`input[name=csrf]`).AttrOr("value", "")}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "tenantry_session" {
				return c
			}
		}
		t.Fatal("no session cookie")
		return nil
	}
	c1 := cookieAfterSignIn()
	if !c1.HttpOnly || c1.SameSite != http.SameSiteLaxMode || c1.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c1)
	}
	c2 := cookieAfterSignIn()
	if c1.Value == c2.Value {
		t.Error("the session was not rotated at sign-in")
	}

	// A path that is no page answers a page that says so.
	p = b.get("/no/such/page")
	if p.status != http.StatusNotFound || !strings.Contains(p.doc.Find("h1").Text(), "no such page") {
		t.Errorf("unknown page: %d %q", p.status, p.doc.Find("h1").Text())
	}
	checkAccessible(t, "not found", p)
	// Other methods keep the mux's answer: 405 with Allow.
	req, _ := http.NewRequest(http.MethodPut, s.srv.URL+"/signin", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
		t.Errorf("PUT /signin: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestWeb_OrganizationPage(t *testing.T) {
	s := newSite(t)
	s.user("ada@example.com", "ada password 1")
	s.user("bob@example.com", "bob password 1")
	s.user("sam@example.com", "sam password 1")
	acme := s.tenant("acme", "ada@example.com")
	s.tenant("globex", "bob@example.com")
	s.org("ada@example.com")
	ada, bob, sam := s.browser(), s.browser(), s.browser()
	ada.signIn("ada@example.com", "ada password 1")
	bob.signIn("bob@example.com", "bob password 1")

	// Ada, an administrator: every section.
	p := ada.get("/settings/organization")
	checkAccessible(t, "organization (admin)", p)
	for _, h := range []string{"Current Organization", "Organization Invitations", "Tenants", "Administrators", "Local Runtimes", "Audit log"} {
		if p.doc.Find("h2").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == h }).Length() != 1 {
			t.Errorf("admin view lacks the section %q", h)
		}
	}
	if p.doc.Find(`label:contains("Tenant")`).Length() == 0 || p.doc.Find(`button:contains("Send Invite")`).Length() == 0 {
		t.Error("no Invite Tenant form with a Tenant field and a Send Invite button")
	}
	// Ada's own administrator row has no Remove button.
	if p.doc.Find(`form[action^="/settings/organization/administrators/"] button:contains("Remove")`).Length() != 0 {
		t.Error("the only administrator's own row offers Remove")
	}

	// A refusal appears in words next to the form that caused it.
	r := ada.post(p, "/settings/organization/invite-tenant", url.Values{"tenant": {"@nosuch"}})
	if r.status != http.StatusNotFound || r.doc.Find("#invite-tenant-error").Text() != "No such tenant." {
		t.Errorf("inviting an unknown tenant: %d %q", r.status, r.doc.Find("#invite-tenant-error").Text())
	}
	r = ada.post(p, "/settings/organization/administrators/"+p.doc.Find(`form[data-confirm^="Leave"]`).AttrOr("action", "")[len("/settings/organization/administrators/"):len("/settings/organization/administrators/")+36]+"/remove", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.doc.Find(".error").Text(), "last administrator") {
		t.Errorf("leaving as the last administrator: %d %q", r.status, r.doc.Find(".error").Text())
	}

	// Invite globex; Bob (its administrator) sees Join and joins.
	if r := ada.post(p, "/settings/organization/invite-tenant", url.Values{"tenant": {"@globex"}}); r.status != http.StatusSeeOther {
		t.Fatalf("invite globex: %d %q", r.status, r.doc.Find(".error").Text())
	}
	bp := bob.get("/settings/organization")
	checkAccessible(t, "organization (standard)", bp)
	if bp.doc.Find(`h2:contains("Current Organization")`).Length() != 0 || bp.doc.Find(`summary:contains("Invite Tenant")`).Length() != 0 {
		t.Error("a non-administrator sees administrator controls")
	}
	join := bp.doc.Find(`form[action$="/join"]`)
	if join.Length() != 1 || !strings.Contains(bp.doc.Find("h3").Text(), "Invitations for tenant @globex") {
		t.Fatalf("Bob does not see the invitation with Join: %q", bp.doc.Find("#invitations").Text())
	}
	action, _ := join.Attr("action")
	if r := bob.post(bp, action, nil); r.status != http.StatusSeeOther {
		t.Fatalf("join: %d %q", r.status, r.doc.Find(".error").Text())
	}
	p = ada.get("/settings/organization")
	if p.doc.Find(`#tenants summary:contains("@globex")`).Length() != 1 {
		t.Errorf("globex not listed after joining: %q", p.doc.Find("#tenants table").Text())
	}
	// The flash tells Bob what happened.
	if bp := bob.get("/settings/organization"); !strings.Contains(bp.doc.Find(".flash").Text(), "joined Acme Group") {
		t.Errorf("flash after joining: %q", bp.doc.Find(".flash").Text())
	}

	// acme joins too; Sam, a standard member of it, sees the organization's
	// name and no controls.
	adaInAcme := mustActor(t, s, "ada@example.com", "ada password 1", acme.ID)
	if err := s.svc.InviteTenant(context.Background(), adaInAcme, service.InviteTarget{ID: acme.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AnswerTenantInvitation(context.Background(), adaInAcme, p.doc.Find("#org-id").Text(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddMember(context.Background(), adaInAcme, service.AddMemberInput{Email: "sam@example.com"}); err != nil {
		t.Fatal(err)
	}
	sam.signIn("sam@example.com", "sam password 1")
	sp := sam.get("/settings/organization")
	if !strings.Contains(sp.doc.Find("main").Text(), "belongs to Acme Group") || sp.doc.Find(`form[action*="/remove"]`).Length() != 0 {
		t.Errorf("standard view: %q", sp.doc.Find("main").Text())
	}
	if tp := sam.get("/settings/tenant"); tp.status != http.StatusForbidden {
		t.Errorf("a standard member's tenant settings: %d", tp.status)
	}
}

func mustActor(t *testing.T, s *site, email, password, tenantID string) *service.Actor {
	t.Helper()
	token, _, err := s.svc.SignIn(context.Background(), service.SignInRequest{Email: email, Password: password, SourceAddress: "test"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.svc.Authenticate(context.Background(), service.Credentials{Token: token, Tenant: tenantID})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestWeb_CSRFAndSignedOut(t *testing.T) {
	s := newSite(t)
	s.user("ada@example.com", "ada password 1")
	s.tenant("acme", "ada@example.com")
	s.org("ada@example.com")
	b := s.browser()
	if r := b.get("/settings/organization"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/signin?next=") {
		t.Errorf("signed out: %d %s", r.status, r.header.Get("Location"))
	}
	b.signIn("ada@example.com", "ada password 1")
	r := b.postRaw("/settings/organization/invite-tenant", url.Values{"tenant": {"@acme"}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d", r.status)
	}
	r = b.postRaw("/settings/organization/invite-tenant", url.Values{"tenant": {"@acme"}, "csrf": {"forged"}})
	if r.status != http.StatusForbidden {
		t.Errorf("POST with a forged CSRF token: %d", r.status)
	}
	if p := b.get("/settings/organization"); p.doc.Find(`#tenants .tag`).Length() != 0 {
		t.Error("a refused POST changed something")
	}
}

func TestWeb_AccountAndKeys(t *testing.T) {
	s := newSite(t)
	s.user("ada@example.com", "ada password 1")
	s.tenant("acme", "ada@example.com")
	b := s.browser()
	b.signIn("ada@example.com", "ada password 1")
	p := b.get("/account")
	checkAccessible(t, "account", p)
	r := b.post(p, "/account/keys", url.Values{"name": {"ci"}})
	secret := r.doc.Find("#new-key").Text()
	if r.status != 200 || !strings.HasPrefix(secret, "tntk_") || r.doc.Find(`button[data-copy="new-key"]`).Length() != 1 {
		t.Fatalf("new key: %d %q", r.status, secret)
	}
	if again := b.get("/account"); strings.Contains(again.doc.Text(), secret) {
		t.Error("the key's secret is shown again")
	}
	r = b.post(p, "/account/keys", url.Values{"name": {"ci"}})
	if r.status != http.StatusConflict || !strings.Contains(r.doc.Find(".error").Text(), "already have an API key named ci") {
		t.Errorf("duplicate key: %d %q", r.status, r.doc.Find(".error").Text())
	}
	r = b.post(p, "/account/password", url.Values{"currentPassword": {"wrong"}, "newPassword": {"another password"}, "confirm": {"another password"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.doc.Find("#currentPassword-error").Text(), "not right") {
		t.Errorf("wrong current password: %d %q", r.status, r.doc.Find(".error").Text())
	}
}

func TestWeb_SetupLink(t *testing.T) {
	s := newSite(t)
	s.user("ada@example.com", "ada password 1")
	acme := s.tenant("acme", "ada@example.com")
	a := mustActor(t, s, "ada@example.com", "ada password 1", acme.ID)
	if _, err := s.svc.AddMember(context.Background(), a, service.AddMemberInput{Email: "dee@example.com"}); err != nil {
		t.Fatal(err)
	}
	mails, err := s.db.Read().Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	link := ""
	for _, m := range mails {
		if m.To == "dee@example.com" {
			i := strings.Index(m.Text, "/setup?token=")
			link = strings.Fields(m.Text[i:])[0]
		}
	}
	if link == "" {
		t.Fatal("no set-up link mailed")
	}
	b := s.browser()
	p := b.get(link)
	checkAccessible(t, "set-up", p)
	if p.header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(p.doc.Find("main").Text(), "dee@example.com") {
		t.Fatalf("set-up page: %q", p.doc.Find("main").Text())
	}
	b.get(link) // opening it again (a mail scanner) uses nothing up
	r := b.post(p, "/setup", url.Values{"password": {"dee password 1"}, "confirm": {"something else"}})
	if r.status != http.StatusUnprocessableEntity || r.doc.Find(".error").Text() == "" {
		t.Errorf("mismatched passwords: %d", r.status)
	}
	r = b.post(p, "/setup", url.Values{"password": {"dee password 1"}, "confirm": {"dee password 1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("set password: %d %q", r.status, r.doc.Find(".error").Text())
	}
	if acc := b.get("/account"); acc.status != 200 {
		t.Errorf("not signed in after set-up: %d", acc.status)
	}
	again := s.browser().get(link)
	if !strings.Contains(again.doc.Find(".error").Text(), "already used") {
		t.Errorf("a used link: %q", again.doc.Find("main").Text())
	}
}

func TestWeb_TenantSettingsAndAudit(t *testing.T) {
	s := newSite(t)
	s.user("ada@example.com", "ada password 1")
	s.tenant("acme", "ada@example.com")
	s.org("ada@example.com")
	b := s.browser()
	b.signIn("ada@example.com", "ada password 1")

	p := b.get("/settings/tenant")
	checkAccessible(t, "tenant settings", p)
	if p.doc.Find("#users-table tbody tr").Length() != 1 {
		t.Fatalf("users table: %q", p.doc.Find("#users-table").Text())
	}
	r := b.post(p, "/settings/tenant/users", url.Values{"email": {"dee@example.com"}, "role": {"standard"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add user: %d %q", r.status, r.doc.Find(".error").Text())
	}
	p = b.get("/settings/tenant")
	if !strings.Contains(p.doc.Find("#users-table").Text(), "dee@example.com") || p.doc.Find("#users-table .tag:contains('pending')").Length() != 1 {
		t.Errorf("the pending user is not listed as pending: %q", p.doc.Find("#users-table").Text())
	}
	// A role that is none is refused in words, next to the member.
	roleForm := p.doc.Find(`#users-table form[action$="/role"]`).First()
	roleAction, _ := roleForm.Attr("action")
	if r := b.post(p, roleAction, url.Values{"role": {"owner"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.doc.Find("#users-table .error").Text(), "is not a role") {
		t.Errorf("a role that is none: %d %q", r.status, r.doc.Find(".error").Text())
	}
	// The last administrator cannot be removed: the refusal stands in that row.
	remove := p.doc.Find(`#users-table form[action$="/remove"]`).First()
	action, _ := remove.Attr("action")
	r = b.post(p, action, nil)
	if r.status != http.StatusConflict || !strings.Contains(r.doc.Find("#users-table .error").Text(), "administrator") {
		t.Errorf("removing the last administrator: %d %q", r.status, r.doc.Find(".error").Text())
	}
	r = b.post(p, "/settings/tenant/subtenants", url.Values{"name": {"dev"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("subtenant: %d %q", r.status, r.doc.Find(".error").Text())
	}
	if p = b.get("/settings/tenant"); !strings.Contains(p.doc.Find("#subs-h").Parent().Text(), "@dev+acme") {
		t.Errorf("subtenant not listed")
	}

	a := b.get("/settings/organization/audit")
	checkAccessible(t, "audit", a)
	if a.doc.Find("tbody tr").Length() == 0 || !strings.Contains(a.doc.Find("tbody").Text(), "organization.created") {
		t.Errorf("audit page: %q", a.doc.Find("main").Text())
	}
	a = b.get("/settings/organization/audit?action=member.&from=2000-01-01")
	if strings.Contains(a.doc.Find("tbody").Text(), "organization.created") {
		t.Errorf("audit filter by action prefix ignored")
	}
	if bad := b.get("/settings/organization/audit?from=yesterday"); !strings.Contains(bad.doc.Find(".error").Text(), "date like") {
		t.Errorf("bad date: %q", bad.doc.Find(".error").Text())
	}
	resp, err := b.client.Get(s.srv.URL + "/settings/organization/audit/export?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestWeb_LocalRuntimes(t *testing.T) {
	s := newSite(t)
	s.user("ada@example.com", "ada password 1")
	acme := s.tenant("acme", "ada@example.com")
	o := s.org("ada@example.com")
	adaInAcme := mustActor(t, s, "ada@example.com", "ada password 1", acme.ID)
	if err := s.svc.InviteTenant(context.Background(), adaInAcme, service.InviteTarget{ID: acme.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AnswerTenantInvitation(context.Background(), adaInAcme, o.ID, true); err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.signIn("ada@example.com", "ada password 1")
	p := b.get("/settings/organization")
	if !strings.Contains(p.doc.Find("#runtimes").Text(), "No local runtime connections yet") {
		t.Errorf("runtimes empty state: %q", p.doc.Find("#runtimes").Text())
	}
	r := b.post(p, "/settings/organization/runtimes", url.Values{"name": {"dc1"}, "tenant": {acme.ID}})
	checkAccessible(t, "new runtime", r)
	cmd := r.doc.Find("#install-command").Text()
	if r.status != 200 || !strings.Contains(cmd, "tenantry runtime --platform ") || !strings.Contains(cmd, "--installation-token tnti_") ||
		r.doc.Find(`button[data-copy="install-command"]`).Length() != 1 {
		t.Fatalf("created runtime page: %d %q", r.status, cmd)
	}
	if !strings.Contains(r.doc.Find("#nodes-h").Parent().Text(), "No node has connected yet") {
		t.Errorf("nodes empty state missing")
	}
	action, _ := r.doc.Find(`form[action^="/settings/organization/runtimes/"][class="stack"]`).Attr("action")
	if again := b.get(action); strings.Contains(again.doc.Text(), "tnti_") {
		t.Error("the installation token is shown again")
	}
	// Untick every tenant: no shares.
	r = b.post(r, action, url.Values{"name": {"dc-one"}, "tenant": nil})
	if r.status != http.StatusSeeOther {
		t.Fatalf("update: %d %q", r.status, r.doc.Find(".error").Text())
	}
	d := b.get(action)
	if d.doc.Find(`input[name=tenant][checked]`).Length() != 0 || !strings.Contains(d.doc.Find("h1").Text(), "dc-one") {
		t.Errorf("after update: %q", d.doc.Find("main").Text())
	}
	r = b.post(d, action+"/delete", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if gone := b.get(action); gone.status != http.StatusNotFound {
		t.Errorf("deleted runtime page: %d", gone.status)
	}
}
