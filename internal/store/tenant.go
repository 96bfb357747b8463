package store

import (
	"context"
	"database/sql"
	"time"

	"tenantry/internal/tenantry"
)

const tenantColumns = "t.id, t.name, t.summary, t.parent_id, p.name, t.created_at"
const tenantFrom = " FROM tenants t LEFT JOIN tenants p ON p.id = t.parent_id"

func scanTenant(r rowScanner, extra ...any) (tenantry.Tenant, error) {
	var t tenantry.Tenant
	var parentID, parentName sql.NullString
	dest := append([]any{&t.ID, &t.Name, &t.Summary, &parentID, &parentName, &t.CreatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return t, err
	}
	t.ParentID, t.ParentName, t.CreatedAt = parentID.String, parentName.String, t.CreatedAt.UTC()
	return t, nil
}

// CreateTenant inserts t. A name already used (among top-level tenants, or
// among the parent's subtenants) is name_taken.
func (tx *Tx) CreateTenant(ctx context.Context, t tenantry.Tenant) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO tenants (id, name, name_norm, summary, parent_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		t.ID, t.Name, tenantry.NormalizeTenantName(t.Name), t.Summary, nullString(t.ParentID), t.CreatedAt)
	if isUniqueViolation(err) {
		return tenantNameTaken(err, t)
	}
	return err
}

func tenantNameTaken(err error, t tenantry.Tenant) error {
	if t.ParentID != "" {
		return tenantry.Wrap(err, tenantry.CodeNameTaken, "the tenant already has a subtenant named "+t.Name)
	}
	return tenantry.Wrap(err, tenantry.CodeNameTaken, "the tenant name @"+t.Name+" is taken")
}

// Tenant returns the tenant with the given ID.
func (c *Conn) Tenant(ctx context.Context, id string) (tenantry.Tenant, error) {
	t, err := scanTenant(c.q.QueryRowContext(ctx, "SELECT "+tenantColumns+tenantFrom+" WHERE t.id = $1", id))
	return t, notFound(err, "no such tenant")
}

// TenantByName returns the top-level tenant with the given name, compared
// case-insensitively.
func (c *Conn) TenantByName(ctx context.Context, name string) (tenantry.Tenant, error) {
	t, err := scanTenant(c.q.QueryRowContext(ctx, "SELECT "+tenantColumns+tenantFrom+
		" WHERE t.name_norm = $1 AND t.parent_id IS NULL", tenantry.NormalizeTenantName(name)))
	return t, notFound(err, "no tenant is named @"+name)
}

// LockTenant takes the tenant's row lock until the transaction ends, so that
// rules counting its members (the last administrator) hold under concurrency.
func (tx *Tx) LockTenant(ctx context.Context, id string) error {
	var got string
	err := tx.q.QueryRowContext(ctx, "SELECT id FROM tenants WHERE id = $1"+tx.forUpdate(), id).Scan(&got)
	return notFound(err, "no such tenant")
}

// UpdateTenant renames a tenant and sets its summary.
func (tx *Tx) UpdateTenant(ctx context.Context, t tenantry.Tenant, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE tenants SET name = $2, name_norm = $3, summary = $4, updated_at = $5 WHERE id = $1",
		t.ID, t.Name, tenantry.NormalizeTenantName(t.Name), t.Summary, now)
	if isUniqueViolation(err) {
		return tenantNameTaken(err, t)
	}
	if err != nil {
		return err
	}
	// The membership's copy of the name follows the rename.
	_, err = tx.q.ExecContext(ctx, "UPDATE org_tenants SET name_norm = $2 WHERE tenant_id = $1", t.ID, tenantry.NormalizeTenantName(t.Name))
	return err
}

// TenantStats are a tenant's figures shown beside it.
type TenantStats struct {
	tenantry.Tenant
	UserCount int
}

// Subtenants lists the subtenants of parentID by name, with their user counts.
func (c *Conn) Subtenants(ctx context.Context, parentID string) ([]TenantStats, error) {
	rows, err := c.q.QueryContext(ctx, "SELECT "+tenantColumns+
		", (SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = t.id)"+tenantFrom+
		" WHERE t.parent_id = $1 ORDER BY t.name_norm", parentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TenantStats
	for rows.Next() {
		var s TenantStats
		if s.Tenant, err = scanTenant(rows, &s.UserCount); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
