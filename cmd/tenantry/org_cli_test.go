package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

func TestAdminOrgCommands(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		e := newTestEnv(t, d)
		dir := t.TempDir()
		write := func(name, text string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(text+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		issue := func(extra ...string) string {
			args := append([]string{"admin", "licence", "issue", "--licensee", "Acme Corp", "--organization-name", "Acme Group",
				"--tenants", "2", "--administrators", "2", "--runtimes", "1", "--users", "5", "--expires", "2099-12-31"}, extra...)
			return e.mustRun("", args...)
		}
		e.mustRun("ada password 1\n", "admin", "user", "create", "--email", "ada@example.com", "--password-stdin")
		e.mustRun("bob password 1\n", "admin", "user", "create", "--email", "bob@example.com", "--password-stdin")

		if _, stderr, err := e.run("", "admin", "licence", "issue", "--licensee", "x", "--organization-name", "y", "--tenants", "1",
			"--administrators", "1", "--runtimes", "1", "--users", "1", "--expires", "2099-12-31"); err == nil || !strings.Contains(stderr, "no development key") {
			t.Errorf("issue before keygen: %v %q", err, stderr)
		}
		pub := e.mustRun("", "admin", "licence", "keygen")
		if pub2 := e.mustRun("", "admin", "licence", "keygen"); pub2 != pub {
			t.Errorf("keygen without --key made a new development key: %s then %s", pub, pub2)
		}
		good := write("good", issue())
		orgID := e.mustRun("", "admin", "org", "create", "--licence", good, "--admin-email", "ada@example.com")
		if len(orgID) != 36 {
			t.Fatalf("org create printed %q", orgID)
		}

		vendorKey := filepath.Join(dir, "vendor.key")
		vendorPub := e.mustRun("", "admin", "licence", "keygen", "--key", vendorKey)
		foreign := write("foreign", issue("--key", vendorKey))
		lic := issue()
		tampered := write("tampered", strings.Replace(lic, lic[10:11], string(rune(lic[10]^1)), 1))
		cases := []struct {
			name    string
			args    []string
			wantErr string
		}{
			{"reused", []string{"admin", "org", "create", "--licence", good, "--admin-email", "ada@example.com"}, "has already been used"},
			{"tampered", []string{"admin", "org", "create", "--licence", tampered, "--admin-email", "ada@example.com"}, "does not verify"},
			{"foreign", []string{"admin", "org", "create", "--licence", foreign, "--admin-email", "ada@example.com"}, "does not verify"},
			{"development key once a vendor key is set", []string{"admin", "org", "create", "--licence", write("dev", issue()),
				"--admin-email", "ada@example.com", "--licence-public-key", vendorPub}, "no longer trusts"},
			{"not yet valid", []string{"admin", "org", "create", "--licence", write("future", issue("--not-before", "2098-01-01")),
				"--admin-email", "ada@example.com"}, "not valid before 2098-01-01"},
			{"no such file", []string{"admin", "org", "create", "--licence", filepath.Join(dir, "missing"), "--admin-email", "ada@example.com"}, "no such file"},
			{"unknown admin", []string{"admin", "org", "create", "--licence", write("other", issue()), "--admin-email", "nobody@example.com"}, "no account has the email"},
			{"expired issue", []string{"admin", "licence", "issue", "--licensee", "x", "--organization-name", "y", "--tenants", "1",
				"--administrators", "1", "--runtimes", "1", "--users", "1", "--expires", "2001-01-01"}, "in the past"},
			{"replacement for another licensee", []string{"admin", "org", "licence", "--org", orgID, "--licence",
				write("globex", strings.TrimSpace(e.mustRun("", "admin", "licence", "issue", "--licensee", "Globex", "--organization-name", "G",
					"--tenants", "1", "--administrators", "1", "--runtimes", "1", "--users", "1", "--expires", "2099-12-31")))}, "keeps the licensee"},
			{"add-admin twice", []string{"admin", "org", "add-admin", "--org", orgID, "--email", "ada@example.com"}, "already an administrator"},
			{"unknown org", []string{"admin", "org", "delete", "--org", "2f1e3a7c-0000-4000-8000-000000000000"}, "no such organization"},
			{"keygen never overwrites", []string{"admin", "licence", "keygen", "--key", vendorKey}, "already exists"},
			{"empty licence file", []string{"admin", "org", "create", "--licence", write("empty", ""), "--admin-email", "ada@example.com"}, "is empty"},
		}
		for _, c := range cases {
			_, stderr, err := e.run("", c.args...)
			if err == nil || !strings.Contains(stderr, c.wantErr) {
				t.Errorf("%s: err=%v stderr=%q, want it to contain %q", c.name, err, stderr, c.wantErr)
			}
		}

		// Renewal: same licensee, issued later. Issue times have one-second
		// precision, so wait for the next second.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		renewal := write("renewal", issue("--tenants", "9"))
		out := e.mustRun("", "admin", "org", "licence", "--org", orgID, "--licence", renewal)
		if !strings.Contains(out, "Acme Group now has licence") {
			t.Errorf("org licence printed %q", out)
		}
		if out := e.mustRun("", "admin", "org", "add-admin", "--org", orgID, "--email", "bob@example.com"); out != "bob@example.com is an administrator of Acme Group" {
			t.Errorf("add-admin printed %q", out)
		}
		list := e.mustRun("", "admin", "org", "list")
		if !strings.Contains(list, orgID) || !strings.Contains(list, "0/9") || !strings.Contains(list, "2/2") {
			t.Errorf("org list:\n%s", list)
		}
		// A smaller licence is taken, with a warning of what it now refuses.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		out, stderr, err := e.run("", "admin", "org", "licence", "--org", orgID, "--licence", write("smaller", issue("--administrators", "1")))
		if err != nil || !strings.Contains(out, "now has licence") ||
			!strings.Contains(stderr, "2 administrators in use, more than the new licence's 1") || strings.Contains(stderr, "tenants") {
			t.Errorf("smaller licence: %v, %q, %q", err, out, stderr)
		}
		if _, stderr, err := e.run("", "admin", "mail", "failed"); err != nil || !strings.Contains(stderr, "no failed messages") {
			t.Errorf("mail failed: %v %q", err, stderr)
		}
		e.mustRun("", "admin", "org", "delete", "--org", orgID)
		if list := e.mustRun("", "admin", "org", "list"); strings.Contains(list, orgID) {
			t.Errorf("deleted organization still listed:\n%s", list)
		}
	})
}
