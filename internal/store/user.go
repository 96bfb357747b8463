package store

import (
	"context"
	"database/sql"
	"time"

	"tenantry/internal/tenantry"
)

const userColumns = "u.id, u.email, u.first_name, u.last_name, u.status, u.created_at, u.updated_at"

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner, extra ...any) (tenantry.User, error) {
	var u tenantry.User
	dest := append([]any{&u.ID, &u.Email, &u.FirstName, &u.LastName, &u.Status, &u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return u, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

// CreateUser inserts u with the given password hash ("" for a pending account).
// A taken email is name_taken.
func (tx *Tx) CreateUser(ctx context.Context, u tenantry.User, passwordHash string) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO users
		(id, email, email_norm, first_name, last_name, password_hash, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.Email, tenantry.NormalizeEmail(u.Email), u.FirstName, u.LastName, passwordHash, u.Status, u.CreatedAt, u.UpdatedAt)
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeNameTaken, "an account with the email "+u.Email+" already exists")
	}
	return err
}

// User returns the account with the given ID.
func (c *Conn) User(ctx context.Context, id string) (tenantry.User, error) {
	u, err := scanUser(c.q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = $1", id))
	return u, notFound(err, "no such user")
}

// UserByEmail returns the account with the given email, compared
// case-insensitively, and its password hash ("" when none is set).
func (c *Conn) UserByEmail(ctx context.Context, email string) (tenantry.User, string, error) {
	var hash string
	u, err := scanUser(c.q.QueryRowContext(ctx, "SELECT "+userColumns+", u.password_hash FROM users u WHERE u.email_norm = $1",
		tenantry.NormalizeEmail(email)), &hash)
	return u, hash, notFound(err, "no account has the email "+email)
}

// UpdateUserNames changes a user's first and last name.
func (tx *Tx) UpdateUserNames(ctx context.Context, id, first, last string, now time.Time) error {
	return tx.execOne(ctx, "no such user",
		"UPDATE users SET first_name = $2, last_name = $3, updated_at = $4 WHERE id = $1", id, first, last, now)
}

// SetPassword stores a new password hash and makes the account active.
func (tx *Tx) SetPassword(ctx context.Context, id, hash string, now time.Time) error {
	return tx.execOne(ctx, "no such user",
		"UPDATE users SET password_hash = $2, status = 'active', updated_at = $3 WHERE id = $1", id, hash, now)
}

// SetUserStatus changes an account's status.
func (tx *Tx) SetUserStatus(ctx context.Context, id string, status tenantry.UserStatus, now time.Time) error {
	return tx.execOne(ctx, "no such user",
		"UPDATE users SET status = $2, updated_at = $3 WHERE id = $1", id, status, now)
}

// execOne runs a statement that must change exactly one row; none is
// not_found with msg.
func (c *Conn) execOne(ctx context.Context, msg, query string, args ...any) error {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return tenantry.Wrap(sql.ErrNoRows, tenantry.CodeNotFound, msg)
	}
	return nil
}
