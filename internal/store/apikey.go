package store

import (
	"context"
	"strconv"

	"tenantry/internal/tenantry"
)

// CreateAPIKey stores a key with the hash of its secret. A name the user
// already has is name_taken; a tenant the user is not in is not_found.
func (tx *Tx) CreateAPIKey(ctx context.Context, k tenantry.APIKey, secretHash string) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO api_keys (id, user_id, tenant_id, name, secret_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, k.UserID, k.TenantID, k.Name, secretHash, k.CreatedAt)
	switch {
	case isUniqueViolation(err):
		return tenantry.Wrap(err, tenantry.CodeNameTaken, "you already have an API key named "+k.Name)
	case isForeignKeyViolation(err):
		return tenantry.Wrap(err, tenantry.CodeNotFound, "you are not a member of that tenant")
	}
	return err
}

// keyScope is the condition on a user's keys, in one tenant when tenantID is
// set, and its arguments.
func keyScope(userID, tenantID string) (string, []any) {
	if tenantID == "" {
		return "user_id = $1", []any{userID}
	}
	return "user_id = $1 AND tenant_id = $2", []any{userID, tenantID}
}

// APIKeys lists a user's keys by name: all of them, or those of one tenant
// when tenantID is set.
func (c *Conn) APIKeys(ctx context.Context, userID, tenantID string) ([]tenantry.APIKey, error) {
	where, args := keyScope(userID, tenantID)
	rows, err := c.q.QueryContext(ctx, "SELECT id, user_id, tenant_id, name, created_at FROM api_keys WHERE "+where+" ORDER BY name", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tenantry.APIKey{}
	for rows.Next() {
		var k tenantry.APIKey
		if err := rows.Scan(&k.ID, &k.UserID, &k.TenantID, &k.Name, &k.CreatedAt); err != nil {
			return nil, err
		}
		k.CreatedAt = k.CreatedAt.UTC()
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteAPIKey deletes the user's key with the given name (in one tenant when
// tenantID is set) and returns it.
func (tx *Tx) DeleteAPIKey(ctx context.Context, userID, tenantID, name string) (tenantry.APIKey, error) {
	var k tenantry.APIKey
	where, args := keyScope(userID, tenantID)
	args = append(args, name)
	err := tx.q.QueryRowContext(ctx, "DELETE FROM api_keys WHERE "+where+" AND name = $"+strconv.Itoa(len(args))+
		" RETURNING id, user_id, tenant_id, name, created_at", args...).Scan(&k.ID, &k.UserID, &k.TenantID, &k.Name, &k.CreatedAt)
	return k, notFound(err, "you have no API key named "+name)
}

// DeleteUserAPIKeys deletes every key of a user and returns how many.
func (tx *Tx) DeleteUserAPIKeys(ctx context.Context, userID string) (int64, error) {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM api_keys WHERE user_id = $1", userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// KeyIdentity is who an API key authenticates as.
type KeyIdentity struct {
	Key  tenantry.APIKey
	User tenantry.User
	Role tenantry.Role
}

// APIKeyIdentity finds the key with the given secret hash together with its
// user and the user's role in the key's tenant. A key whose membership ended is
// gone with it.
func (c *Conn) APIKeyIdentity(ctx context.Context, secretHash string) (KeyIdentity, error) {
	var id KeyIdentity
	var err error
	id.User, err = scanUser(c.q.QueryRowContext(ctx, "SELECT "+userColumns+
		", k.id, k.tenant_id, k.name, k.created_at, m.role FROM api_keys k"+
		" JOIN users u ON u.id = k.user_id"+
		" JOIN memberships m ON m.tenant_id = k.tenant_id AND m.user_id = k.user_id"+
		" WHERE k.secret_hash = $1", secretHash),
		&id.Key.ID, &id.Key.TenantID, &id.Key.Name, &id.Key.CreatedAt, &id.Role)
	id.Key.UserID = id.User.ID
	return id, notFound(err, "no such API key")
}
