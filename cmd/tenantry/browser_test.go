package main

// Browser tests: the web interface driven in real Chromium (Debian's
// chromium package) with chromedp, two people in two browsers.
//
// Without a chromium binary the tests skip, unless
// TENANTRY_TEST_REQUIRE_BROWSER=1 (set by .ci/run), which makes that a
// failure. With -screenshots they also save PNGs of the pages to
// doc/screenshots.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"tenantry/internal/store"
)

var updateScreenshots = flag.Bool("screenshots", false, "browser tests: save PNGs of the admin view, the standard view and the set-up page to doc/screenshots")

// screenshotDir is doc/screenshots, relative to this package's directory
// (the tests' working directory).
const screenshotDir = "../../doc/screenshots"

// browserTimeout bounds each browser scenario, browsers included.
const browserTimeout = 60 * time.Second

// chromiumPath finds Debian's chromium, or skips (fails when the browser is
// required).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium is not installed (apt-get install chromium): the browser tests need it"
	if os.Getenv("TENANTRY_TEST_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; TENANTRY_TEST_REQUIRE_BROWSER=1 requires them")
	}
	t.Skip(msg + "; set TENANTRY_TEST_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// browser is one person's Chromium: its own process and profile, so
// cookies never cross between people.
type browser struct {
	t    *testing.T
	name string // for messages: whose browser
	base string // the server's URL
	ctx  context.Context

	mu      sync.Mutex
	dialogs []string // messages of the confirm dialogs accepted so far
}

// newBrowser starts a headless Chromium for one person. It ends with ctx or
// with the test, whichever comes first.
func newBrowser(t *testing.T, ctx context.Context, exe, base, name string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser to exit
	})
	b := &browser{t: t, name: name, base: base, ctx: bctx}
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("%s's browser does not start: %v", name, err)
	}
	// Confirm dialogs (data-confirm) are accepted. The listener runs in the
	// loop that reads the browser's messages, so the answer goes from
	// another goroutine.
	err := chromedp.Listen(bctx, func(ev any) {
		if ev, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			go chromedp.Call(bctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatalf("%s's browser: listen: %v", name, err)
	}
	return b
}

// fail reports a browser failure with where the page is and what it says.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	b.t.Fatalf("%s's browser at %s: %s\npage text:\n%s", b.name, loc, fmt.Sprintf(format, args...), text)
}

// do runs actions that must succeed.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// open loads a page of the server and returns its HTTP status.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.fail("open %s: %v", path, err)
	}
	return resp.Status
}

// click clicks the element of an XPath and waits for the page it loads
// (forms post, then redirect); it returns the final page's HTTP status.
func (b *browser) click(what, xpath string) int64 {
	b.t.Helper()
	if !b.exists(xpath) {
		b.fail("%s: no element %s", what, xpath)
	}
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.Search(xpath)))
	if err != nil {
		b.fail("%s: %v", what, err)
	}
	return resp.Status
}

// reveal clicks an element that changes the page without loading another
// (a <summary>).
func (b *browser) reveal(what, xpath string) {
	b.t.Helper()
	if !b.exists(xpath) {
		b.fail("%s: no element %s", what, xpath)
	}
	b.do(what, chromedp.Click(chromedp.Search(xpath)))
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// count is the number of elements an XPath selects now (no waiting).
func (b *browser) count(xpath string) int {
	b.t.Helper()
	return eval[int](b, `document.evaluate(`+jsString(xpath)+`, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength`)
}

func (b *browser) exists(xpath string) bool { b.t.Helper(); return b.count(xpath) > 0 }

// text is the visible text of the element an XPath selects ("" if none).
func (b *browser) text(xpath string) string {
	b.t.Helper()
	return eval[string](b, `(function(){var n = document.evaluate(`+jsString(xpath)+
		`, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue; return n ? n.innerText : ""})()`)
}

func (b *browser) pageText() string {
	b.t.Helper()
	return eval[string](b, `document.body.innerText`)
}

func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.fail("location %q: %v", loc, err)
	}
	return u.Path
}

// field finds the visible form control whose <label> reads exactly label and
// returns its id (as an ID selector). A control without a label, or a label
// not tied to a control by for/id, is an accessibility bug: ok is false.
func (b *browser) field(label string) (sel chromedp.ID, ok bool) {
	b.t.Helper()
	id := eval[string](b, `(function(text){
		var ls = document.querySelectorAll("label");
		for (var i = 0; i < ls.length; i++) {
			var l = ls[i];
			if (l.textContent.trim() !== text || !l.control || l.control.getClientRects().length === 0) continue;
			return l.control.id;
		}
		return "";
	})(`+jsString(label)+`)`)
	return chromedp.ID(id), id != ""
}

// fill types into the control labelled label.
func (b *browser) fill(label, value string) {
	b.t.Helper()
	sel, ok := b.field(label)
	if !ok {
		b.fail("no visible form control labelled %q", label)
	}
	b.do("fill "+label, chromedp.SendKeys(sel, value))
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.open("/signin")
	b.fill("Email", email)
	b.fill("Password", password)
	if st := b.click("sign in", `//form[@action='/signin']//button[normalize-space()='Sign in']`); st != http.StatusOK {
		b.fail("sign in as %s: status %d", email, st)
	}
	if p := b.path(); p != "/settings/organization" {
		b.fail("signed in as %s, landed on %s, want /settings/organization", email, p)
	}
}

// a11yProblems checks the page against the quality bar: every form control
// has a <label> (or an ARIA name), every button a visible name, ids are
// unique, one h1 and no skipped heading level, and every POST form carries
// the CSRF token.
func (b *browser) a11yProblems() []string {
	b.t.Helper()
	return eval[[]string](b, `(function(){
		var out = [];
		var desc = function(el){ return el.outerHTML.slice(0, 120); };
		document.querySelectorAll("input, select, textarea").forEach(function(el){
			if (el.type === "hidden") return;
			if ((el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) return;
			out.push("a form control without a label: " + desc(el));
		});
		document.querySelectorAll("button").forEach(function(el){
			if (!el.textContent.trim() && !el.getAttribute("aria-label")) out.push("a button without a name: " + desc(el));
		});
		var seen = {};
		document.querySelectorAll("[id]").forEach(function(el){
			if (seen[el.id]) out.push("a duplicate id " + el.id);
			seen[el.id] = true;
		});
		var hs = document.querySelectorAll("h1, h2, h3, h4, h5, h6"), last = 0, h1 = 0;
		hs.forEach(function(h){
			var n = +h.tagName[1];
			if (n === 1) h1++;
			if (n > last + 1) out.push("heading " + h.tagName + " “" + h.textContent.trim() + "” after h" + last);
			last = n;
		});
		if (h1 !== 1) out.push(h1 + " h1 elements");
		document.querySelectorAll("form").forEach(function(f){
			if ((f.getAttribute("method") || "get").toLowerCase() !== "post") return;
			var c = f.querySelector("input[name=csrf]");
			if (!c || !c.value) out.push("a POST form without a csrf token: " + f.getAttribute("action"));
		});
		return out;
	})()`)
}

// lastDialog is the message of the last confirm dialog accepted.
func (b *browser) lastDialog() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) == 0 {
		return ""
	}
	return b.dialogs[len(b.dialogs)-1]
}

// screenshot saves a full-page PNG to doc/screenshots when -screenshots is
// set.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(screenshotDir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("saved %s (%d bytes)", p, len(png))
}

// XPaths of the Organization Settings page.
const (
	xInviteTenantSummary = `//summary[normalize-space()='Invite Tenant']`
	xInviteTenantSend    = `//form[@action='/settings/organization/invite-tenant']//button[normalize-space()='Send Invite']`
	xInviteUserSummary   = `//summary[normalize-space()='Invite User']`
	xInviteUserSend      = `//form[@action='/settings/organization/invite-user']//button[normalize-space()='Send Invite']`
	xCreateTenantSummary = `//summary[normalize-space()='Create Tenant']`
	xCreateTenantSubmit  = `//form[@id='create-tenant']//button[@type='submit' and normalize-space()='Create Tenant']`
	xCurrentOrgHeading   = `//h2[normalize-space()='Current Organization']`
	xLeave               = `//button[normalize-space()='Leave this organization']`
	xAnyRemove           = `//button[normalize-space()='Remove']`
	xFlash               = `//p[contains(concat(' ', @class, ' '), ' flash ')]`
)

// xMemberTenant is the row of @name in the table of member tenants.
func xMemberTenant(name string) string {
	return `//table[caption[normalize-space()='Member tenants']]/tbody/tr[td[1]//summary[normalize-space()='@` + name + `']]`
}

// xInvitation is the row of orgName's invitation under the heading h3.
func xInvitation(h3, orgName string) string {
	return `//h3[normalize-space()='` + h3 + `']/following-sibling::*[1][self::table]/tbody/tr[td[1][normalize-space()='` + orgName + `']]`
}

// xAdmin is the row of email in the table of administrators.
func xAdmin(email string) string {
	return `//table[caption[normalize-space()='Administrators']]/tbody/tr[td[1][normalize-space()='` + email + `']]`
}

// xSent is the row of target in the table of sent invitations after the
// heading h3 ("Invited tenants", "Invited users").
func xSent(h3, target string) string {
	return `//h3[normalize-space()='` + h3 + `']/following-sibling::*[1][self::table]/tbody/tr[td[1][normalize-space()='` + target + `']]`
}

// browserScenario is a fresh server with the organization fixture (Ada
// administers Acme Group and tenant @acme; Bob administers @globex), a time
// bound, and the chromium path.
func browserScenario(t *testing.T) (*orgFixture, context.Context, string) {
	exe := chromiumPath(t)
	f := newOrgFixture(t, store.SQLite)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	return f, ctx, exe
}

// blankUserRow finds the first user row of Create Tenant with no email: its
// email input and role select, and whether both have a <label>.
func blankUserRow(b *browser) (email, role chromedp.ID, labelled bool) {
	b.t.Helper()
	ids := eval[[]string](b, `(function(){
		var rows = document.querySelectorAll("#user-rows .user-row");
		for (var i = 0; i < rows.length; i++) {
			var e = rows[i].querySelector("input[name=email]"), r = rows[i].querySelector("select[name=role]");
			if (!e || e.value || !r) continue;
			var le = e.labels && e.labels.length ? "y" : "", lr = r.labels && r.labels.length ? "y" : "";
			return [e.id, r.id, le + lr];
		}
		return [];
	})()`)
	if len(ids) != 3 || ids[0] == "" || ids[1] == "" {
		b.fail("Create Tenant has no blank user row with an email input and a role select (got %q)", ids)
	}
	return chromedp.ID(ids[0]), chromedp.ID(ids[1]), ids[2] == "yy"
}

// acmeJoins makes Ada's tenant @acme a member of her organization (she
// invites it and, as its administrator, accepts).
func acmeJoins(t *testing.T, f *orgFixture) {
	t.Helper()
	wantEmptyOK(t, "invite @acme", f.c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "@acme"}, f.ada()...))
	wantOK(t, "@acme joins", f.c.do("PUT", "/api/admin/1/organization/invites/tenants/"+f.orgID, nil, f.ada()...))
}

// addStandardMember creates an account with the admin command and adds it
// to @acme as a standard user through the API.
func addStandardMember(t *testing.T, f *orgFixture, email, password string) {
	t.Helper()
	f.e.mustRun(password+"\n", "admin", "user", "create", "--email", email,
		"--first-name", "Sam", "--last-name", "Standard", "--password-stdin")
	wantOK(t, "add "+email+" to @acme", f.c.do("POST", "/api/admin/1/users", map[string]any{"email": email, "role": "standard"}, f.ada()...))
}

func wantFlash(t *testing.T, b *browser, want string) {
	t.Helper()
	if got := b.text(xFlash); !strings.Contains(got, want) {
		b.fail("flash %q, want it to contain %q", got, want)
	}
}

func TestBrowser(t *testing.T) {
	t.Run("InviteTenantJoinRemove", func(t *testing.T) {
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		ada := newBrowser(t, ctx, exe, base, "Ada")
		bob := newBrowser(t, ctx, exe, base, "Bob")

		ada.signIn("ada@example.com", "ada password 1")
		ada.reveal("open Invite Tenant", xInviteTenantSummary)
		ada.fill("Tenant", "@globex")
		if st := ada.click("send the tenant invitation", xInviteTenantSend); st != http.StatusOK {
			ada.fail("invite @globex: status %d", st)
		}
		wantFlash(t, ada, "The invitation is sent")
		if !ada.exists(xSent("Invited tenants", "@globex")) {
			ada.fail("@globex is not listed under Invited tenants")
		}

		bob.signIn("bob@example.com", "bob password 1")
		row := xInvitation("Invitations for tenant @globex", "Acme Group")
		if !bob.exists(row) {
			bob.fail("no invitation from Acme Group under “Invitations for tenant @globex”")
		}
		if st := bob.click("join", row+`//button[normalize-space()='Join']`); st != http.StatusOK {
			bob.fail("join: status %d", st)
		}
		wantFlash(t, bob, "Your tenant joined Acme Group")
		if txt := bob.pageText(); !strings.Contains(txt, "belongs to Acme Group") {
			bob.fail("after joining, the page does not say @globex belongs to Acme Group")
		}

		ada.open("/settings/organization")
		if !ada.exists(xMemberTenant("globex")) {
			ada.fail("@globex is not in the member tenants table after it joined")
		}
		if ada.exists(xSent("Invited tenants", "@globex")) {
			ada.fail("@globex is still under Invited tenants after it joined")
		}
		if st := ada.click("remove @globex", xMemberTenant("globex")+`//button[normalize-space()='Remove']`); st != http.StatusOK {
			ada.fail("remove @globex: status %d", st)
		}
		if d := ada.lastDialog(); !strings.Contains(d, "Remove @globex") {
			t.Errorf("the Remove confirmation said %q, want it to name @globex", d)
		}
		wantFlash(t, ada, "The tenant is removed")
		if ada.exists(xMemberTenant("globex")) {
			ada.fail("@globex is still in the member tenants table after Remove")
		}
		bob.open("/settings/organization")
		if txt := bob.pageText(); !strings.Contains(txt, "does not belong to an organization") {
			bob.fail("after the removal, Bob's page does not say @globex belongs to no organization")
		}
	})

	t.Run("InviteUserAcceptLastAdminCannotLeave", func(t *testing.T) {
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		ada := newBrowser(t, ctx, exe, base, "Ada")
		bob := newBrowser(t, ctx, exe, base, "Bob")

		ada.signIn("ada@example.com", "ada password 1")
		ada.reveal("open Invite User", xInviteUserSummary)
		ada.fill("User", "bob@example.com")
		if st := ada.click("send the user invitation", xInviteUserSend); st != http.StatusOK {
			ada.fail("invite bob: status %d", st)
		}
		wantFlash(t, ada, "The invitation is sent to bob@example.com")
		if !ada.exists(xSent("Invited users", "bob@example.com")) {
			ada.fail("bob@example.com is not listed under Invited users")
		}

		bob.signIn("bob@example.com", "bob password 1")
		if bob.exists(xCurrentOrgHeading) {
			bob.fail("Bob sees Current Organization before accepting")
		}
		row := xInvitation("Invitations for user bob@example.com", "Acme Group")
		if st := bob.click("join", row+`//button[normalize-space()='Join']`); st != http.StatusOK {
			bob.fail("join: status %d", st)
		}
		wantFlash(t, bob, "You are an administrator of Acme Group")
		for _, h := range []string{"Current Organization", "Tenants", "Administrators", "Local Runtimes", "Audit log"} {
			if !bob.exists(`//h2[normalize-space()='` + h + `']`) {
				bob.fail("after accepting, Bob does not see the section %q", h)
			}
		}
		if !bob.exists(xAdmin("ada@example.com")) || !bob.exists(xAdmin("bob@example.com")) {
			bob.fail("the administrators table does not list both Ada and Bob")
		}
		if bob.exists(xAdmin("bob@example.com") + `//button[normalize-space()='Remove']`) {
			bob.fail("Bob's own row has a Remove button")
		}

		// Bob removes Ada; Ada is then only a standard user.
		if st := bob.click("remove Ada", xAdmin("ada@example.com")+`//button[normalize-space()='Remove']`); st != http.StatusOK {
			bob.fail("remove Ada: status %d", st)
		}
		if d := bob.lastDialog(); !strings.Contains(d, "ada@example.com") {
			t.Errorf("the Remove confirmation said %q, want it to name ada@example.com", d)
		}
		wantFlash(t, bob, "The administrator is removed")
		if bob.exists(xAdmin("ada@example.com")) {
			bob.fail("Ada is still listed as administrator after Remove")
		}
		ada.open("/settings/organization")
		if ada.exists(xCurrentOrgHeading) || ada.exists(xInviteTenantSummary) {
			ada.fail("Ada still sees the administrator sections after her removal")
		}

		// The last administrator cannot leave: refused in words, next to
		// the button, and Bob stays.
		st := bob.click("leave", xLeave)
		if d := bob.lastDialog(); !strings.Contains(d, "Leave Acme Group") {
			t.Errorf("the Leave confirmation said %q", d)
		}
		if st != http.StatusConflict {
			t.Errorf("leaving as the last administrator answered %d, want 409", st)
		}
		msg := bob.text(`//section[@id='current']//p[contains(concat(' ', @class, ' '), ' error ')]`)
		if !strings.Contains(strings.ToLower(msg), "last administrator") {
			bob.fail("no refusal naming the last administrator next to Leave; got %q", msg)
		}
		t.Logf("the refusal reads: %s", msg)
		bob.open("/settings/organization")
		if !bob.exists(xAdmin("bob@example.com")) || !bob.exists(xCurrentOrgHeading) {
			bob.fail("Bob is no longer listed as administrator after the refused leave")
		}
	})

	t.Run("CreateTenantSetupLinkSignIn", func(t *testing.T) {
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		addStandardMember(t, f, "sam@example.com", "sam password 1") // a second user of @acme
		ada := newBrowser(t, ctx, exe, base, "Ada")

		ada.signIn("ada@example.com", "ada password 1")
		ada.reveal("open Create Tenant", xCreateTenantSummary)
		ada.fill("Tenant name", "initech")
		// The button that adds every user of the current tenant.
		ada.reveal("add all users of @acme", `//form[@id='create-tenant']//button[normalize-space()='Add all users of @acme']`)
		emails := eval[[]string](ada, `Array.prototype.map.call(document.querySelectorAll("#user-rows input[name=email]"), function(i){ return i.value; }).filter(Boolean)`)
		if strings.Join(emails, ",") != "ada@example.com,sam@example.com" {
			t.Errorf("after “Add all users of @acme” the rows hold %q, want Ada then Sam", emails)
		}
		// The first row is Ada, administrator; the next blank row gets Dee.
		first := eval[string](ada, `document.querySelector("#user-rows input[name=email]").value`)
		if first != "ada@example.com" {
			t.Errorf("the first user row holds %q, want the creator ada@example.com", first)
		}
		email, role, labelled := blankUserRow(ada)
		if !labelled {
			t.Errorf("the blank user row's email or role has no <label>")
		}
		ada.do("fill Dee's row",
			chromedp.SendKeys(email, "dee@example.com"),
			chromedp.SetValue(role, "standard"))
		if st := ada.click("create the tenant", xCreateTenantSubmit); st != http.StatusOK {
			ada.fail("create @initech: status %d", st)
		}
		wantFlash(t, ada, "@initech is created")
		if n := ada.text(xMemberTenant("initech") + `/td[2]`); n != "3" {
			ada.fail("@initech's user count is %q, want 3 (Ada, Sam, Dee)", n)
		}

		link := setupLink(t, ctx, f.e.dataDir, "dee@example.com")
		if !strings.HasPrefix(link, base+"/setup?token=") {
			t.Fatalf("set-up link %q, want it on %s", link, base)
		}

		dee := newBrowser(t, ctx, exe, base, "Dee")
		if st := dee.open(link); st != http.StatusOK {
			dee.fail("set-up page: status %d", st)
		}
		if txt := dee.pageText(); !strings.Contains(txt, "dee@example.com") {
			dee.fail("the set-up page does not name the account")
		}
		dee.fill("New password", "dee password 1")
		dee.fill("New password again", "dee password 1")
		if st := dee.click("set the password", `//button[normalize-space()='Set password and sign in']`); st != http.StatusOK {
			dee.fail("set password: status %d", st)
		}
		if p := dee.path(); p != "/settings/organization" {
			dee.fail("after set-up Dee is at %s, want /settings/organization", p)
		}
		wantFlash(t, dee, "Your password is set")
		if !dee.exists(`//button[normalize-space()='Sign out']`) {
			dee.fail("Dee is not signed in after set-up")
		}
		if txt := dee.pageText(); !strings.Contains(txt, "@initech belongs to Acme Group") {
			dee.fail("Dee's page does not say @initech belongs to Acme Group")
		}

		// The link is used up, and says so.
		dee.open(link)
		if dee.exists(`//button[normalize-space()='Set password and sign in']`) ||
			!dee.exists(`//p[contains(concat(' ', @class, ' '), ' error ')]`) {
			dee.fail("the used set-up link still offers the form or does not say why")
		}

		dee.open("/settings/organization")
		if st := dee.click("sign out", `//form[@action='/signout']//button[normalize-space()='Sign out']`); st != http.StatusOK {
			dee.fail("sign out: status %d", st)
		}
		if p := dee.path(); p != "/signin" {
			dee.fail("after sign-out Dee is at %s, want /signin", p)
		}
		dee.signIn("dee@example.com", "dee password 1")
		if !dee.exists(`//button[normalize-space()='Sign out']`) {
			dee.fail("Dee is not signed in with the new password")
		}
	})

	t.Run("StandardMemberSeesNoAdminControls", func(t *testing.T) {
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		acmeJoins(t, f)
		addStandardMember(t, f, "sam@example.com", "sam password 1")

		sam := newBrowser(t, ctx, exe, base, "Sam")
		sam.signIn("sam@example.com", "sam password 1")
		if txt := sam.pageText(); !strings.Contains(txt, "@acme belongs to Acme Group") {
			sam.fail("the standard view does not say @acme belongs to Acme Group")
		}
		for what, x := range map[string]string{
			"Invite Tenant":            xInviteTenantSummary,
			"Invite User":              xInviteUserSummary,
			"Create Tenant":            xCreateTenantSummary,
			"Current Organization":     xCurrentOrgHeading,
			"Leave this organization":  xLeave,
			"a Remove button":          xAnyRemove,
			"a tenant-invitation list": `//h3[starts-with(normalize-space(), 'Invitations for tenant')]`,
		} {
			if n := sam.count(x); n != 0 {
				t.Errorf("a standard member sees %s (%d elements)", what, n)
			}
		}
		if !sam.exists(`//h3[normalize-space()='Invitations for user sam@example.com']`) {
			t.Errorf("a standard member does not see “Invitations for user sam@example.com”")
		}
		if n := sam.count(`//form[@method='post' and not(@action='/signout')]`); n != 0 {
			t.Errorf("a standard member's Organization Settings page has %d forms besides Sign out", n)
		}

		st := sam.open("/settings/tenant")
		if st != http.StatusForbidden {
			t.Errorf("/settings/tenant for a standard member answered %d, want 403", st)
		}
		if h := sam.text(`//main//h1`); h != "This is not available" {
			sam.fail("/settings/tenant heading %q, want the refusal page", h)
		}
		t.Logf("the refusal reads: %s", sam.text(`//main//p[1]`))
		if sam.exists(`//button[normalize-space()='Remove']`) || sam.exists(`//button[normalize-space()='Add user']`) {
			sam.fail("the refusal page shows tenant controls")
		}
	})

	t.Run("PostWithoutCSRFRefused", func(t *testing.T) {
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		ada := newBrowser(t, ctx, exe, base, "Ada")
		ada.signIn("ada@example.com", "ada password 1")

		cookies, err := chromedp.Run(ada.ctx, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
			res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
			return res.Cookies, err
		})
		if err != nil {
			t.Fatalf("cookies: %v", err)
		}
		var session *network.Cookie
		for _, c := range cookies {
			if c.Name == "tenantry_session" {
				session = c
			}
		}
		if session == nil {
			t.Fatalf("no tenantry_session cookie among %d cookies", len(cookies))
		}
		if !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
			t.Errorf("session cookie HttpOnly=%v SameSite=%q, want HttpOnly and Lax", session.HTTPOnly, session.SameSite)
		}

		post := func(form url.Values) (int, string) {
			req, err := http.NewRequestWithContext(ctx, "POST", base+"/settings/organization/invite-tenant", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		for name, form := range map[string]url.Values{
			"no csrf field": {"tenant": {"@globex"}},
			"a wrong token": {"tenant": {"@globex"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		} {
			st, body := post(form)
			if st != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, st)
			}
			if !strings.Contains(body, "This form has expired") {
				t.Errorf("%s: the refusal does not say so in words: %.300s", name, body)
			}
		}

		// Nothing changed: no invitation on either side.
		ada.open("/settings/organization")
		if ada.exists(xSent("Invited tenants", "@globex")) {
			ada.fail("@globex is listed under Invited tenants after the refused POST")
		}
		if got := ada.text(`//h3[normalize-space()='Invited tenants']/following-sibling::*[1]`); !strings.Contains(got, "None pending") {
			ada.fail("Invited tenants reads %q, want the empty state", got)
		}
		r := f.c.do("GET", "/api/admin/1/organization/invites/tenants", nil, f.ada()...)
		wantOK(t, "sent tenant invitations", r)
		if strings.Contains(string(r.body), f.globexID) {
			t.Errorf("the API lists an invitation to @globex: %s", r.body)
		}

		// The same session with its token is accepted: the 403 was the
		// missing token, not the cookie.
		csrf := eval[string](ada, `document.querySelector("form[action='/settings/organization/invite-tenant'] input[name=csrf]").value`)
		if st, _ := post(url.Values{"tenant": {"@globex"}, "csrf": {csrf}}); st != http.StatusOK {
			t.Errorf("the same POST with the page's csrf token: status %d, want 200 after the redirect", st)
		}
	})

	t.Run("PagesAccessible", func(t *testing.T) {
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		acmeJoins(t, f)
		addStandardMember(t, f, "sam@example.com", "sam password 1")
		wantEmptyOK(t, "invite globex", f.c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "@globex"}, f.ada()...))
		wantEmptyOK(t, "invite sam", f.c.do("POST", "/api/admin/1/organization/invites/users", map[string]any{"email": "sam@example.com"}, f.ada()...))

		var problems []string
		check := func(b *browser, what string) {
			t.Helper()
			for _, p := range b.a11yProblems() {
				problems = append(problems, fmt.Sprintf("%s, %s: %s", b.name, what, p))
			}
		}
		anon := newBrowser(t, ctx, exe, base, "Anonymous")
		for _, p := range []string{"/signin", "/forgot", "/setup?token=nonsense"} {
			anon.open(p)
			check(anon, p)
		}
		ada := newBrowser(t, ctx, exe, base, "Ada")
		ada.signIn("ada@example.com", "ada password 1")
		for _, p := range []string{"/settings/organization", "/settings/organization/audit", "/settings/tenant", "/account",
			"/settings/organization/tenants/" + f.acmeID + "/users"} {
			ada.open(p)
			check(ada, p)
		}
		// The filter of the tenant's users (script).
		ada.open("/settings/tenant")
		ada.fill("Filter users on this page", "sam")
		visible := eval[[]string](ada, `Array.prototype.filter.call(document.querySelectorAll("#users-table tbody tr"), function(r){ return !r.hidden; }).map(function(r){ return r.cells[0].innerText.trim(); })`)
		if strings.Join(visible, ",") != "sam@example.com" {
			t.Errorf("filtering the tenant's users by “sam” shows %q", visible)
		}
		// Keyboard: the first Tab reaches the skip link, with a visible
		// focus ring; Invite Tenant opens with Enter, Tab reaches its field,
		// Enter sends it. The refusal re-renders the page with the error
		// next to the form.
		ada.open("/settings/organization")
		ada.do("tab", chromedp.KeyEvent("\t"))
		focus := eval[[]string](ada, `(function(){var a = document.activeElement, cs = getComputedStyle(a);
			return [a.textContent.trim(), cs.outlineStyle, cs.outlineWidth, String(a.getBoundingClientRect().left >= 0)];})()`)
		if len(focus) != 4 || focus[0] != "Skip to content" || focus[1] == "none" || focus[2] == "0px" || focus[3] != "true" {
			t.Errorf("after the first Tab the focus is %q (text, outline style, outline width, on screen), want the visible skip link with an outline", focus)
		}
		ada.do("focus Invite Tenant", chromedp.Focus(chromedp.Search(xInviteTenantSummary)), chromedp.KeyEvent("\r"), chromedp.KeyEvent("\t"))
		if id := eval[string](ada, `document.activeElement.id`); id != "invite-tenant" {
			ada.fail("Enter on Invite Tenant then Tab focuses #%s, want the Tenant field", id)
		}
		resp, err := chromedp.RunResponse(ada.ctx, chromedp.KeyEvent("@nosuchtenant\r"))
		if err != nil {
			ada.fail("send Invite Tenant with the keyboard: %v", err)
		}
		if resp.Status == http.StatusOK {
			t.Errorf("inviting @nosuchtenant answered 200")
		}
		if msg := ada.text(`//p[@id='invite-tenant-error']`); msg == "" {
			ada.fail("no refusal in words next to Invite Tenant")
		} else {
			t.Logf("Invite Tenant refusal: %s", msg)
		}
		check(ada, "Invite Tenant refused")
		sam := newBrowser(t, ctx, exe, base, "Sam")
		sam.signIn("sam@example.com", "sam password 1")
		for _, p := range []string{"/settings/organization", "/settings/tenant", "/account"} {
			sam.open(p)
			check(sam, p)
		}
		if len(problems) > 0 {
			t.Errorf("accessibility and form problems:\n%s", strings.Join(problems, "\n"))
		}
	})

	t.Run("Screenshots", func(t *testing.T) {
		if !*updateScreenshots {
			t.Skip("run with -screenshots to save doc/screenshots/{admin,standard,setup}.png")
		}
		f, ctx, exe := browserScenario(t)
		base := f.c.base
		// Some content for the admin view: a member tenant, a pending
		// invitation, a second administrator, a standard member.
		f.e.mustRun("", "admin", "tenant", "create", "--name", "hooli", "--admin-email", "bob@example.com")
		acmeJoins(t, f)
		addStandardMember(t, f, "sam@example.com", "sam password 1")
		wantOK(t, "invite globex", f.c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "@globex"}, f.ada()...))
		wantOK(t, "join globex", f.c.do("PUT", "/api/admin/1/organization/invites/tenants/"+f.orgID, nil, f.bob()...))
		wantOK(t, "invite hooli", f.c.do("POST", "/api/admin/1/organization/invites/tenants", map[string]any{"developerName": "@hooli"}, f.ada()...))
		wantOK(t, "invite bob", f.c.do("POST", "/api/admin/1/organization/invites/users", map[string]any{"email": "bob@example.com"}, f.ada()...))

		ada := newBrowser(t, ctx, exe, base, "Ada")
		ada.do("viewport", chromedp.EmulateViewport(1280, 900))
		ada.signIn("ada@example.com", "ada password 1")
		ada.screenshot("admin.png")

		sam := newBrowser(t, ctx, exe, base, "Sam")
		sam.do("viewport", chromedp.EmulateViewport(1280, 900))
		sam.signIn("sam@example.com", "sam password 1")
		sam.screenshot("standard.png")

		ada.reveal("open Create Tenant", xCreateTenantSummary)
		ada.fill("Tenant name", "initech")
		email, _, _ := blankUserRow(ada)
		ada.do("fill Dee's row", chromedp.SendKeys(email, "dee@example.com"))
		if st := ada.click("create", xCreateTenantSubmit); st != http.StatusOK {
			ada.fail("create @initech: status %d", st)
		}
		dee := newBrowser(t, ctx, exe, base, "Dee")
		dee.do("viewport", chromedp.EmulateViewport(1280, 900))
		dee.open(setupLink(t, ctx, f.e.dataDir, "dee@example.com"))
		dee.screenshot("setup.png")
	})
}

// setupLink waits for the set-up email to `to` in DATA/mail and returns its
// /setup?token=… link, read from the decoded text part.
func setupLink(t *testing.T, ctx context.Context, dataDir, to string) string {
	t.Helper()
	re := regexp.MustCompile(`https?://[^\s"<>]+/setup\?token=[A-Za-z0-9_\-%.~]+`)
	var seen []string
	for {
		files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
		seen = seen[:0]
		for _, p := range files {
			raw, err := os.ReadFile(p)
			if err != nil {
				continue // being written
			}
			rcpt, text, err := emailText(raw)
			if err != nil {
				seen = append(seen, fmt.Sprintf("%s: %v", filepath.Base(p), err))
				continue
			}
			seen = append(seen, filepath.Base(p)+" to "+rcpt)
			if !strings.EqualFold(rcpt, to) {
				continue
			}
			if m := re.FindString(text); m != "" {
				return m
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no set-up email to %s with a /setup?token= link in %s/mail; seen: %q", to, dataDir, seen)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// emailText returns the recipient and the decoded text of an .eml: every
// text part of a multipart message, quoted-printable and base64 undone.
func emailText(raw []byte) (to, text string, err error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", "", err
	}
	addr, err := netmail.ParseAddress(msg.Header.Get("To"))
	if err != nil {
		return "", "", fmt.Errorf("To: %w", err)
	}
	var out strings.Builder
	var walk func(h textprotoHeader, body io.Reader) error
	walk = func(h textprotoHeader, body io.Reader) error {
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			mt = "text/plain"
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart() // raw: the encoding is undone below
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				if err := walk(p.Header, p); err != nil {
					return err
				}
			}
		}
		if !strings.HasPrefix(mt, "text/") {
			return nil
		}
		var r io.Reader = body
		switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		out.Write(b)
		out.WriteString("\n")
		return nil
	}
	if err := walk(msg.Header, msg.Body); err != nil {
		return addr.Address, "", err
	}
	return addr.Address, out.String(), nil
}

// textprotoHeader is what both net/mail and mime/multipart headers offer.
type textprotoHeader interface{ Get(string) string }
