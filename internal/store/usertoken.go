package store

import (
	"context"
	"database/sql"
	"time"
)

// CreateUserToken stores a one-time link token (set-up or reset) by its hash,
// voiding the user's earlier unused tokens of that kind: only the newest link
// works.
func (tx *Tx) CreateUserToken(ctx context.Context, id, userID, kind, tokenHash string, now, expiresAt time.Time) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM user_tokens WHERE user_id = $1 AND kind = $2 AND used_at IS NULL", userID, kind); err != nil {
		return err
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO user_tokens (id, user_id, kind, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, userID, kind, tokenHash, now, expiresAt)
	return err
}

// UserToken is a one-time link token's row.
type UserToken struct {
	ID        string
	UserID    string
	Kind      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// UserTokenByHash finds a link token by its hash, used or not.
func (c *Conn) UserTokenByHash(ctx context.Context, kind, tokenHash string) (UserToken, error) {
	var t UserToken
	var used sql.NullTime
	err := c.q.QueryRowContext(ctx, "SELECT id, user_id, kind, created_at, expires_at, used_at FROM user_tokens WHERE kind = $1 AND token_hash = $2",
		kind, tokenHash).Scan(&t.ID, &t.UserID, &t.Kind, &t.CreatedAt, &t.ExpiresAt, &used)
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), timeOf(used)
	return t, notFound(err, "this link is not valid")
}

// UseUserToken spends a link token in one conditional change; false when it
// was already used or has expired.
func (tx *Tx) UseUserToken(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, "UPDATE user_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2", id, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
