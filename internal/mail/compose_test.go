package mail_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenantry/internal/mail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var expires = time.Date(2031, 3, 14, 9, 30, 0, 0, time.UTC)

const expiresText = "Friday 14 March 2031, 09:30 UTC"

// composeCases has one message of every kind, as the service fills it.
var composeCases = []struct {
	name string
	kind mail.Kind
	data mail.Data
	want []string // in the text body
}{
	{"tenant_invitation", mail.KindTenantInvitation, mail.Data{RecipientName: "Grace Hopper", OrganizationName: "Acme",
		TenantName: "@acme-eu", ActorName: "Ada Lovelace (ada@example.com)", ExpiresAt: expires,
		Link: "https://tenantry.example.com/organization"},
		[]string{"Acme", "@acme-eu", "Ada Lovelace (ada@example.com)", expiresText, "https://tenantry.example.com/organization",
			"Organization Settings", "forwarding it gives nobody access"}},
	{"user_invitation", mail.KindUserInvitation, mail.Data{RecipientName: "Grace Hopper", OrganizationName: "Acme",
		ActorName: "Ada Lovelace (ada@example.com)", ExpiresAt: expires, Link: "https://tenantry.example.com/organization"},
		[]string{"Acme", "administrator", "Ada Lovelace (ada@example.com)", expiresText, "https://tenantry.example.com/organization",
			"Organization Settings", "sign in", "grace@example.com", "forwarding it gives nobody access"}},
	{"invitation_accepted_tenant", mail.KindInvitationAccepted, mail.Data{OrganizationName: "Acme", TenantName: "@acme-eu",
		ActorName: "Grace Hopper (grace@example.com)", InvitationType: "tenant", Link: "https://tenantry.example.com/organization"},
		[]string{"Grace Hopper (grace@example.com) accepted", "@acme-eu", "Acme"}},
	{"invitation_accepted_user", mail.KindInvitationAccepted, mail.Data{OrganizationName: "Acme",
		ActorName: "Grace Hopper (grace@example.com)", InvitationType: "user"},
		[]string{"Grace Hopper (grace@example.com) accepted", "administer", "Acme"}},
	{"invitation_rejected_tenant", mail.KindInvitationRejected, mail.Data{OrganizationName: "Acme", TenantName: "@acme-eu",
		ActorName: "Grace Hopper (grace@example.com)", InvitationType: "tenant", Link: "https://tenantry.example.com/organization"},
		[]string{"Grace Hopper (grace@example.com) rejected", "@acme-eu", "Acme", "https://tenantry.example.com/organization"}},
	{"invitation_rejected_tenant_anonymous", mail.KindInvitationRejected, mail.Data{OrganizationName: "Acme",
		TenantName: "@acme-eu", InvitationType: "tenant"},
		[]string{"An administrator of @acme-eu rejected", "Acme"}},
	{"invitation_rejected_user", mail.KindInvitationRejected, mail.Data{OrganizationName: "Acme",
		ActorName: "Grace Hopper (grace@example.com)", InvitationType: "user"},
		[]string{"Grace Hopper (grace@example.com) rejected", "administer", "Acme"}},
	{"tenant_removed", mail.KindTenantRemoved, mail.Data{OrganizationName: "Acme", TenantName: "@acme-eu",
		ActorName: "Ada Lovelace (ada@example.com)"},
		[]string{"Ada Lovelace (ada@example.com) removed the tenant @acme-eu", "Acme", "new invitation"}},
	{"admin_removed", mail.KindAdminRemoved, mail.Data{OrganizationName: "Acme", ActorName: "Ada Lovelace (ada@example.com)"},
		[]string{"Ada Lovelace (ada@example.com) removed you", "Acme", "unchanged"}},
	{"admin_left", mail.KindAdminLeft, mail.Data{OrganizationName: "Acme"},
		[]string{"You left the organization Acme", "unchanged"}},
	{"account_setup", mail.KindAccountSetup, mail.Data{RecipientName: "Grace Hopper", TenantName: "@acme-eu",
		ActorName: "Ada Lovelace (ada@example.com)", ExpiresAt: expires, Link: "https://tenantry.example.com/setup/tntu_abc"},
		[]string{"Ada Lovelace (ada@example.com) added you", "@acme-eu", "https://tenantry.example.com/setup/tntu_abc",
			"72 hours", "works once", expiresText}},
	{"account_setup_signup", mail.KindAccountSetup, mail.Data{TenantName: "@acme-eu",
		Link: "https://tenantry.example.com/setup/tntu_abc"},
		[]string{"account was created for grace@example.com", "@acme-eu", "https://tenantry.example.com/setup/tntu_abc",
			"72 hours", "works once"}},
	{"signup_existing", mail.KindSignUpExisting, mail.Data{TenantName: "@acme-eu", Link: "https://tenantry.example.com/signin"},
		[]string{"sign up", "@acme-eu", "grace@example.com", "unchanged", "https://tenantry.example.com/signin"}},
	{"licence_expiring", mail.KindLicenceExpiring, mail.Data{OrganizationName: "Acme", DaysLeft: 7, ExpiresAt: expires,
		Link: "https://tenantry.example.com/organization"},
		[]string{"Acme", "7 days", expiresText, "https://tenantry.example.com/organization"}},
	{"licence_expiring_last_day", mail.KindLicenceExpiring, mail.Data{OrganizationName: "Acme", DaysLeft: 1, ExpiresAt: expires},
		[]string{"Acme", "1 day,", expiresText}},
}

func TestCompose(t *testing.T) {
	seen := map[mail.Kind]bool{}
	for _, tc := range composeCases {
		t.Run(tc.name, func(t *testing.T) {
			seen[tc.kind] = true
			m, err := mail.Compose(tc.kind, "grace@example.com", tc.data)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if m.To != "grace@example.com" {
				t.Errorf("To = %q", m.To)
			}
			if strings.TrimSpace(m.Subject) == "" || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("Subject = %q, want one non-empty line", m.Subject)
			}
			for _, w := range tc.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text does not contain %q:\n%s", w, m.Text)
				}
			}
			if strings.Contains(m.Text, "<no value>") || strings.Contains(m.HTML, "<no value>") || strings.Contains(m.Subject, "<no value>") {
				t.Errorf("a template printed <no value>")
			}
			if tc.data.Link != "" && !strings.Contains(m.HTML, `href="`+tc.data.Link+`"`) {
				t.Errorf("HTML has no link to %s", tc.data.Link)
			}
			for _, bad := range []string{"<script", "<img", "<link", "src=", "url("} {
				if strings.Contains(m.HTML, bad) {
					t.Errorf("HTML contains %q", bad)
				}
			}
			golden(t, tc.name, "Subject: "+m.Subject+"\n\n"+m.Text+"\n----\n\n"+m.HTML)
		})
	}
	for _, k := range allKinds {
		if !seen[k] {
			t.Errorf("no test case for kind %s", k)
		}
	}
}

var allKinds = []mail.Kind{mail.KindTenantInvitation, mail.KindUserInvitation, mail.KindInvitationAccepted,
	mail.KindInvitationRejected, mail.KindTenantRemoved, mail.KindAdminRemoved, mail.KindAdminLeft,
	mail.KindAccountSetup, mail.KindSignUpExisting, mail.KindLicenceExpiring}

// TestCompose_Escapes fills every field a name can reach with markup: the
// HTML body must show it as text.
func TestCompose_Escapes(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	for _, k := range allKinds {
		t.Run(string(k), func(t *testing.T) {
			d := mail.Data{RecipientName: evil, OrganizationName: evil, TenantName: "@" + evil, ActorName: evil,
				ExpiresAt: expires, Link: "https://tenantry.example.com/x", DaysLeft: 7, InvitationType: "tenant"}
			m, err := mail.Compose(k, "grace@example.com", d)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if strings.Contains(m.HTML, "<script") {
				t.Errorf("HTML contains an unescaped <script>:\n%s", m.HTML)
			}
			if !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("HTML does not show the escaped name:\n%s", m.HTML)
			}
			if !strings.Contains(m.Text, evil) && !strings.Contains(m.Subject, evil) {
				t.Errorf("text and subject do not show the name as given")
			}
		})
	}
}

func TestCompose_Refuses(t *testing.T) {
	ok := mail.Data{OrganizationName: "Acme", TenantName: "@acme", ExpiresAt: expires, Link: "https://x.example/o"}
	cases := []struct {
		name string
		kind mail.Kind
		data mail.Data
	}{
		{"UnknownKind", mail.Kind("password_reset_typo"), ok},
		{"InvitationWithoutExpiry", mail.KindTenantInvitation, mail.Data{OrganizationName: "Acme", TenantName: "@acme", Link: "https://x.example/o"}},
		{"InvitationWithoutLink", mail.KindUserInvitation, mail.Data{OrganizationName: "Acme", ExpiresAt: expires}},
		{"SetupWithoutLink", mail.KindAccountSetup, mail.Data{ExpiresAt: expires}},
		{"NoticeWithoutType", mail.KindInvitationAccepted, mail.Data{OrganizationName: "Acme", ActorName: "Ada"}},
		{"NoticeWithBadType", mail.KindInvitationRejected, mail.Data{OrganizationName: "Acme", ActorName: "Ada", InvitationType: "team"}},
		{"TenantNoticeWithoutTenant", mail.KindInvitationAccepted, mail.Data{OrganizationName: "Acme", ActorName: "Ada", InvitationType: "tenant"}},
		{"LicenceWithoutOrganization", mail.KindLicenceExpiring, mail.Data{DaysLeft: 7, ExpiresAt: expires}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if m, err := mail.Compose(tc.kind, "grace@example.com", tc.data); err == nil {
				t.Errorf("Compose = %q, want an error", m.Subject)
			}
		})
	}
}

// golden compares got with testdata/<name>.golden; -update rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendered message (run go test -update and review the diff):\n%s", path, got)
	}
}

// TestCompose_DisplayName: a recipient given as "Name <address>" is greeted
// by name and told to sign in with the bare address.
func TestCompose_DisplayName(t *testing.T) {
	m, err := mail.Compose(mail.KindUserInvitation, "Grace Hopper <grace@example.com>",
		mail.Data{OrganizationName: "Acme", ExpiresAt: expires, Link: "https://tenantry.example.com/organization"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Text, "Hello Grace Hopper,\n") || !strings.Contains(m.Text, "as grace@example.com ") {
		t.Errorf("text:\n%s", m.Text)
	}
	if m.To != "Grace Hopper <grace@example.com>" {
		t.Errorf("To = %q", m.To)
	}
}
