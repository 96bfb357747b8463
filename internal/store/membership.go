package store

import (
	"context"
	"database/sql"
	"time"

	"tenantry/internal/tenantry"
)

// AddMember inserts a membership. A user already in the tenant is
// already_member.
func (tx *Tx) AddMember(ctx context.Context, m tenantry.Membership) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`,
		m.TenantID, m.UserID, m.Role, m.CreatedAt)
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeAlreadyMember, "the user is already a member of this tenant")
	}
	return err
}

// Member returns a user's membership of a tenant with the account. A user
// outside the tenant is not_found.
func (c *Conn) Member(ctx context.Context, tenantID, userID string) (tenantry.Member, error) {
	var m tenantry.Member
	var err error
	m.User, err = scanUser(c.q.QueryRowContext(ctx, "SELECT "+userColumns+", m.role, m.created_at"+
		" FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1 AND m.user_id = $2",
		tenantID, userID), &m.Role, &m.JoinedAt)
	m.JoinedAt = m.JoinedAt.UTC()
	return m, notFound(err, "no such user in this tenant")
}

// Members returns one page of a tenant's members in the order they joined,
// and how many there are in all.
func (c *Conn) Members(ctx context.Context, tenantID string, offset, limit int) ([]tenantry.Member, int, error) {
	var total int
	if err := c.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM memberships WHERE tenant_id = $1", tenantID).Scan(&total); err != nil {
		return nil, 0, err
	}
	if offset >= total {
		return nil, total, nil
	}
	// The page is cut from the membership index alone; only its rows are
	// joined to their accounts, so a deep page costs an index walk, not a
	// join and sort of the whole tenant.
	rows, err := c.q.QueryContext(ctx, "SELECT "+userColumns+", m.role, m.created_at FROM ("+
		"SELECT user_id, role, created_at FROM memberships WHERE tenant_id = $1"+
		" ORDER BY created_at, user_id LIMIT $2 OFFSET $3) m JOIN users u ON u.id = m.user_id"+
		" ORDER BY m.created_at, m.user_id", tenantID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]tenantry.Member, 0, limit)
	for rows.Next() {
		var m tenantry.Member
		if m.User, err = scanUser(rows, &m.Role, &m.JoinedAt); err != nil {
			return nil, 0, err
		}
		m.JoinedAt = m.JoinedAt.UTC()
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// SetMemberRole changes a member's role.
func (tx *Tx) SetMemberRole(ctx context.Context, tenantID, userID string, role tenantry.Role) error {
	return tx.execOne(ctx, "no such user in this tenant",
		"UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2", tenantID, userID, role)
}

// RemoveMember ends a membership; the member's API keys for the tenant go with
// it.
func (tx *Tx) RemoveMember(ctx context.Context, tenantID, userID string) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM api_keys WHERE tenant_id = $1 AND user_id = $2", tenantID, userID); err != nil {
		return err
	}
	return tx.execOne(ctx, "no such user in this tenant",
		"DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2", tenantID, userID)
}

// CountAdministrators counts a tenant's administrators.
func (c *Conn) CountAdministrators(ctx context.Context, tenantID string) (tenantry.AdminCount, error) {
	var n tenantry.AdminCount
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN u.status = 'active' THEN 1 ELSE 0 END), 0)
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.role = 'administrator'`, tenantID).Scan(&n.All, &n.Active)
	return n, err
}

// UserTenants lists the tenants a user is a member of, ordered by full name
// (a subtenant after its parent).
func (c *Conn) UserTenants(ctx context.Context, userID string) ([]tenantry.MembershipTenant, error) {
	rows, err := c.q.QueryContext(ctx, "SELECT "+tenantColumns+", m.role, m.last_used_at, o.id, o.name"+tenantFrom+
		" JOIN memberships m ON m.tenant_id = t.id"+
		" LEFT JOIN org_tenants ot ON ot.tenant_id = COALESCE(t.parent_id, t.id)"+
		" LEFT JOIN organizations o ON o.id = ot.organization_id WHERE m.user_id = $1"+
		" ORDER BY COALESCE(p.name_norm, t.name_norm), t.parent_id IS NOT NULL, t.name_norm", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenantry.MembershipTenant
	for rows.Next() {
		var mt tenantry.MembershipTenant
		var used sql.NullTime
		var orgID, orgName sql.NullString
		if mt.Tenant, err = scanTenant(rows, &mt.Role, &used, &orgID, &orgName); err != nil {
			return nil, err
		}
		mt.LastUsedAt, mt.OrganizationID, mt.OrganizationName = timeOf(used), orgID.String, orgName.String
		out = append(out, mt)
	}
	return out, rows.Err()
}

// TouchMembership records that the user worked in the tenant at now.
func (tx *Tx) TouchMembership(ctx context.Context, tenantID, userID string, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE memberships SET last_used_at = $3 WHERE tenant_id = $1 AND user_id = $2",
		tenantID, userID, now)
	return err
}

// Membership returns a user's membership of a tenant; none is not_found.
func (c *Conn) Membership(ctx context.Context, tenantID, userID string) (tenantry.Membership, error) {
	m := tenantry.Membership{TenantID: tenantID, UserID: userID}
	var used sql.NullTime
	err := c.q.QueryRowContext(ctx, "SELECT role, created_at, last_used_at FROM memberships WHERE tenant_id = $1 AND user_id = $2",
		tenantID, userID).Scan(&m.Role, &m.CreatedAt, &used)
	m.CreatedAt, m.LastUsedAt = m.CreatedAt.UTC(), timeOf(used)
	return m, notFound(err, "not a member of this tenant")
}

// SharesTenant reports whether two users are members of a common tenant.
func (c *Conn) SharesTenant(ctx context.Context, userA, userB string) (bool, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships a JOIN memberships b ON b.tenant_id = a.tenant_id
		WHERE a.user_id = $1 AND b.user_id = $2`, userA, userB).Scan(&n)
	return n > 0, err
}

// AdministeredTenantIDs lists the tenants a user administers, by ID.
func (c *Conn) AdministeredTenantIDs(ctx context.Context, userID string) ([]string, error) {
	return c.strings(ctx, "SELECT tenant_id FROM memberships WHERE user_id = $1 AND role = 'administrator' ORDER BY tenant_id", userID)
}
