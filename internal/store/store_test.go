package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
)

func TestMigrations_SameInBothDialects(t *testing.T) {
	names := map[store.Dialect][]string{}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		ms, err := store.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			t.Fatalf("%s has no migrations", d)
		}
		for _, m := range ms {
			names[d] = append(names[d], m.Name)
		}
	}
	if diff := cmp.Diff(names[store.SQLite], names[store.Postgres]); diff != "" {
		t.Errorf("migrations differ between sqlite and postgres (-sqlite +postgres):\n%s", diff)
	}
	// Both dialects must create the same tables.
	tables := map[store.Dialect][]string{}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		ms, _ := store.Migrations(d)
		for _, m := range ms {
			for _, line := range strings.Split(m.SQL, "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "CREATE TABLE "); ok {
					tables[d] = append(tables[d], strings.Fields(rest)[0])
				}
			}
		}
	}
	if diff := cmp.Diff(tables[store.SQLite], tables[store.Postgres]); diff != "" {
		t.Errorf("tables differ (-sqlite +postgres):\n%s", diff)
	}
}

func TestMigrate_IsIdempotent(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		db := storetest.Open(t, d)
		n, err := db.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestOpen_SQLiteDefaultPathInDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, "tenantry.db")); err != nil {
		t.Fatalf("database file not in data dir: %v", err)
	}
}

func mustTx(t testing.TB, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestStore_UsersTenantsMembers(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		now := time.Date(2026, 12, 4, 10, 0, 0, 123456000, time.UTC)
		u := tenantry.User{ID: "0b4c7b4e-2d0a-4c43-9d0e-6f3e1c2b1a01", Email: "Ada@Example.com", FirstName: "Ada", LastName: "L",
			Status: tenantry.UserActive, CreatedAt: now, UpdatedAt: now}
		tn := tenantry.Tenant{ID: "0b4c7b4e-2d0a-4c43-9d0e-6f3e1c2b1a02", Name: "Acme", CreatedAt: now}
		sub := tenantry.Tenant{ID: "0b4c7b4e-2d0a-4c43-9d0e-6f3e1c2b1a03", Name: "dev", ParentID: tn.ID, CreatedAt: now}
		mustTx(t, db, func(tx *store.Tx) error {
			if err := tx.CreateUser(ctx, u, "hash"); err != nil {
				return err
			}
			if err := tx.CreateTenant(ctx, tn); err != nil {
				return err
			}
			if err := tx.CreateTenant(ctx, sub); err != nil {
				return err
			}
			return tx.AddMember(ctx, tenantry.Membership{TenantID: tn.ID, UserID: u.ID, Role: tenantry.RoleAdministrator, CreatedAt: now})
		})

		got, hash, err := db.Read().UserByEmail(ctx, "ada@EXAMPLE.com")
		if err != nil || hash != "hash" {
			t.Fatalf("UserByEmail = %v, %q", err, hash)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("user round trip (-want +got):\n%s", diff)
		}

		// Unique constraints surface as domain codes.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			u2 := u
			u2.ID, u2.Email = "0b4c7b4e-2d0a-4c43-9d0e-6f3e1c2b1a09", "ADA@example.COM"
			return tx.CreateUser(ctx, u2, "")
		})
		if !tenantry.IsCode(err, tenantry.CodeNameTaken) {
			t.Errorf("duplicate email: got %v, want name_taken", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateTenant(ctx, tenantry.Tenant{ID: "0b4c7b4e-2d0a-4c43-9d0e-6f3e1c2b1a0a", Name: "ACME", CreatedAt: now})
		})
		if !tenantry.IsCode(err, tenantry.CodeNameTaken) {
			t.Errorf("duplicate tenant name: got %v, want name_taken", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddMember(ctx, tenantry.Membership{TenantID: tn.ID, UserID: u.ID, Role: tenantry.RoleStandard, CreatedAt: now})
		})
		if !tenantry.IsCode(err, tenantry.CodeAlreadyMember) {
			t.Errorf("duplicate membership: got %v, want already_member", err)
		}

		gotSub, err := db.Read().Tenant(ctx, sub.ID)
		if err != nil || gotSub.FullName() != "dev+Acme" {
			t.Errorf("subtenant full name = %q, %v", gotSub.FullName(), err)
		}
		members, total, err := db.Read().Members(ctx, tn.ID, 0, 10)
		if err != nil || total != 1 || len(members) != 1 || members[0].Role != tenantry.RoleAdministrator {
			t.Errorf("Members = %+v, %d, %v", members, total, err)
		}
		if _, err := db.Read().Member(ctx, sub.ID, u.ID); !tenantry.IsCode(err, tenantry.CodeNotFound) {
			t.Errorf("Member outside tenant = %v, want not_found", err)
		}
		ac, err := db.Read().CountAdministrators(ctx, tn.ID)
		if err != nil || ac != (tenantry.AdminCount{Active: 1, All: 1}) {
			t.Errorf("CountAdministrators = %+v, %v", ac, err)
		}
	})
}
