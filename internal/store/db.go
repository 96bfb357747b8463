// Package store is Tenantry's one database/sql implementation for SQLite
// (modernc.org/sqlite, embedded) and PostgreSQL (pgx). Both dialects run the
// same SQL text wherever they can; migrations are per dialect, embedded and
// forward-only. Every method takes the tenant or organization it works in, and
// every query filters on it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"tenantry/internal/tenantry"
)

// Dialect names a supported database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open Tenantry database.
type DB struct {
	sql     *sql.DB
	dialect Dialect
}

// IsPostgresURL reports whether url selects PostgreSQL.
func IsPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open opens the database that url names: a postgres:// URL selects
// PostgreSQL; an empty url selects SQLite at dataDir/tenantry.db; any other
// value is taken as the path of a SQLite file. It does not migrate.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if IsPostgresURL(url) {
		db, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		return &DB{sql: db, dialect: Postgres}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "file:")
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		path = filepath.Join(dataDir, "tenantry.db")
	}
	// Immediate transactions take the write lock at BEGIN, so two writers queue
	// on the busy timeout instead of failing halfway with SQLITE_BUSY.
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	return &DB{sql: db, dialect: SQLite}, nil
}

// Dialect returns which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SQL returns the underlying handle, for tests and benchmarks that seed data in
// bulk.
func (db *DB) SQL() *sql.DB { return db.sql }

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Conn runs queries outside a transaction (reads) or inside one (Tx).
type Conn struct {
	q       querier
	dialect Dialect
}

// Read returns a Conn for reads outside a transaction. On SQLite these do not
// take the write lock.
func (db *DB) Read() *Conn { return &Conn{q: db.sql, dialect: db.dialect} }

// Tx is a write transaction.
type Tx struct {
	Conn
	queuedMail bool
}

// QueuedMail reports whether the transaction added mail to the outbox.
func (tx *Tx) QueuedMail() bool { return tx.queuedMail }

// InTx runs fn in one transaction and commits when it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Conn: Conn{q: sqlTx, dialect: db.dialect}}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// forUpdate is the row-locking suffix of a SELECT. SQLite has none: its
// immediate transactions already serialize writers.
func (c *Conn) forUpdate() string {
	if c.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateOf locks only the rows of one table of a join (PostgreSQL refuses
// to lock the nullable side of an outer join).
func (c *Conn) forUpdateOf(alias string) string {
	if c.dialect == Postgres {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// isUniqueViolation reports whether err is a unique or primary key violation.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign key violation.
func isForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return false
}

// notFound turns sql.ErrNoRows into a not_found error with msg; other errors
// pass through wrapped.
func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return tenantry.Wrap(err, tenantry.CodeNotFound, msg)
	}
	return err
}

// nullString maps "" to SQL NULL, for optional IDs.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime maps the zero time to SQL NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// timeOf returns the time of a nullable column, zero when NULL.
func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
