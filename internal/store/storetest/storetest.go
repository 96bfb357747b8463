// Package storetest opens fresh, migrated Tenantry databases for tests: a
// SQLite file always, and a PostgreSQL schema of its own when
// TENANTRY_TEST_POSTGRES_URL is set. With TENANTRY_TEST_REQUIRE_POSTGRES=1 a
// missing PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"tenantry/internal/store"
)

// Env variables the tests read.
const (
	EnvPostgresURL     = "TENANTRY_TEST_POSTGRES_URL"
	EnvRequirePostgres = "TENANTRY_TEST_REQUIRE_POSTGRES"
)

// Dialects runs fn once per database as a subtest named after it:
// "sqlite", and "postgres" when PostgreSQL is available.
func Dialects(t testing.TB, fn func(t testing.TB, dialect store.Dialect)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		switch tt := t.(type) {
		case *testing.T:
			tt.Run(string(d), func(t *testing.T) { fn(t, d) })
		case *testing.B:
			tt.Run(string(d), func(b *testing.B) { fn(b, d) })
		}
	}
}

// Open returns a fresh migrated database of dialect d, closed and dropped when
// the test ends. For PostgreSQL it skips (or fails, when required) without a
// server.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	u := URL(t, d)
	db, err := store.Open(context.Background(), u, "")
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// URL returns the database URL of a fresh, empty database of dialect d: a new
// SQLite file, or a new PostgreSQL schema (dropped at cleanup) selected by the
// URL's search_path.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "tenantry.db")
	}
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("%s=1 but %s is not set", EnvRequirePostgres, EnvPostgresURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", EnvPostgresURL)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgresURL, err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}
