package store

import (
	"context"
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
