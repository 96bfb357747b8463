package store

import (
	"context"
	"database/sql"
	"time"

	"tenantry/internal/tenantry"
)

const orgColumns = `o.id, o.name, o.licence_id, o.licensee, o.limit_tenants, o.limit_administrators, o.limit_runtimes,
	o.limit_users, o.licence_issued_at, o.licence_not_before, o.licence_expires_at, o.licence_development, o.created_at`

func scanOrg(r rowScanner, extra ...any) (tenantry.Organization, error) {
	var o tenantry.Organization
	l := &o.Licence
	dest := append([]any{&o.ID, &o.Name, &l.ID, &l.Licensee, &l.Limits.Tenants, &l.Limits.Administrators, &l.Limits.Runtimes,
		&l.Limits.Users, &l.IssuedAt, &l.NotBefore, &l.ExpiresAt, &l.Development, &o.CreatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return o, err
	}
	l.OrganizationName = o.Name
	l.IssuedAt, l.NotBefore, l.ExpiresAt, o.CreatedAt = l.IssuedAt.UTC(), l.NotBefore.UTC(), l.ExpiresAt.UTC(), o.CreatedAt.UTC()
	return o, nil
}

// CreateOrganization inserts an organization with its licence. A licence that
// ever backed an organization is refused (invalid).
func (tx *Tx) CreateOrganization(ctx context.Context, o tenantry.Organization, licenceText string) error {
	if err := tx.useLicence(ctx, o.ID, o.Licence, o.CreatedAt); err != nil {
		return err
	}
	l := o.Licence
	_, err := tx.q.ExecContext(ctx, `INSERT INTO organizations (id, name, licence_id, licence_text, licensee, limit_tenants,
		limit_administrators, limit_runtimes, limit_users, licence_issued_at, licence_not_before, licence_expires_at,
		licence_development, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
		o.ID, o.Name, l.ID, licenceText, l.Licensee, l.Limits.Tenants, l.Limits.Administrators, l.Limits.Runtimes, l.Limits.Users,
		l.IssuedAt, l.NotBefore, l.ExpiresAt, l.Development, o.CreatedAt)
	return err
}

func (tx *Tx) useLicence(ctx context.Context, orgID string, l tenantry.Licence, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO licences_used (licence_id, organization_id, issued_at, used_at) VALUES ($1, $2, $3, $4)",
		l.ID, orgID, l.IssuedAt, now)
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeInvalid, "the licence "+l.ID+" has already been used; each licence backs one organization once")
	}
	return err
}

// ReplaceLicence puts a new licence on an organization; its name follows the
// licence's organizationName.
func (tx *Tx) ReplaceLicence(ctx context.Context, orgID string, l tenantry.Licence, licenceText string, now time.Time) error {
	if err := tx.useLicence(ctx, orgID, l, now); err != nil {
		return err
	}
	return tx.execOne(ctx, "no such organization", `UPDATE organizations SET name = $2, licence_id = $3, licence_text = $4,
		licensee = $5, limit_tenants = $6, limit_administrators = $7, limit_runtimes = $8, limit_users = $9,
		licence_issued_at = $10, licence_not_before = $11, licence_expires_at = $12, licence_development = $13,
		expiry_notice_days = NULL, updated_at = $14 WHERE id = $1`,
		orgID, l.OrganizationName, l.ID, licenceText, l.Licensee, l.Limits.Tenants, l.Limits.Administrators, l.Limits.Runtimes,
		l.Limits.Users, l.IssuedAt, l.NotBefore, l.ExpiresAt, l.Development, now)
}

// Organization returns the organization with the given ID.
func (c *Conn) Organization(ctx context.Context, id string) (tenantry.Organization, error) {
	o, err := scanOrg(c.q.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM organizations o WHERE o.id = $1", id))
	return o, notFound(err, "no such organization")
}

// LockOrganization returns the organization and holds its row lock until the
// transaction ends: every change that adds to a licence limit takes it first,
// so that counting and adding are one step under concurrency.
func (tx *Tx) LockOrganization(ctx context.Context, id string) (tenantry.Organization, error) {
	o, err := scanOrg(tx.q.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM organizations o WHERE o.id = $1"+tx.forUpdate(), id))
	return o, notFound(err, "no such organization")
}

// Organizations lists every organization by name.
func (c *Conn) Organizations(ctx context.Context) ([]tenantry.Organization, error) {
	return c.orgs(ctx, "SELECT "+orgColumns+" FROM organizations o ORDER BY o.name, o.id")
}

// OrganizationsAdministeredBy lists the organizations a user administers.
func (c *Conn) OrganizationsAdministeredBy(ctx context.Context, userID string) ([]tenantry.Organization, error) {
	return c.orgs(ctx, "SELECT "+orgColumns+" FROM organizations o JOIN org_admins a ON a.organization_id = o.id"+
		" WHERE a.user_id = $1 ORDER BY o.name, o.id", userID)
}

func (c *Conn) orgs(ctx context.Context, query string, args ...any) ([]tenantry.Organization, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenantry.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrganizationOfTenant returns the ID of the organization a tenant belongs to
// (a subtenant's is its parent's), or "" when none.
func (c *Conn) OrganizationOfTenant(ctx context.Context, tenantID string) (string, error) {
	var id string
	err := c.q.QueryRowContext(ctx, `SELECT ot.organization_id FROM tenants t
		JOIN org_tenants ot ON ot.tenant_id = COALESCE(t.parent_id, t.id) WHERE t.id = $1`, tenantID).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, err
}

// DeleteOrganization deletes an organization with its administrators, member
// tenants, invitations and runtime connections. Audit events stay.
func (tx *Tx) DeleteOrganization(ctx context.Context, id string) error {
	return tx.execOne(ctx, "no such organization", "DELETE FROM organizations WHERE id = $1", id)
}

// Usage counts what an organization uses of its licence at now (an invited
// invitation past its expiry no longer counts).
func (c *Conn) Usage(ctx context.Context, orgID string, now time.Time) (tenantry.Usage, error) {
	var u tenantry.Usage
	err := c.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM org_tenants WHERE organization_id = $1),
		(SELECT COUNT(*) FROM invitations WHERE organization_id = $1 AND kind = 'tenant' AND status = 'invited' AND expires_at > $2),
		(SELECT COUNT(*) FROM org_admins WHERE organization_id = $1),
		(SELECT COUNT(*) FROM invitations WHERE organization_id = $1 AND kind = 'user' AND status = 'invited' AND expires_at > $2),
		(SELECT COUNT(*) FROM runtimes WHERE organization_id = $1),
		(SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN tenants t ON t.id = m.tenant_id
			JOIN org_tenants ot ON ot.tenant_id = COALESCE(t.parent_id, t.id) WHERE ot.organization_id = $1)`,
		orgID, now).Scan(&u.TenantMembers, &u.TenantPending, &u.AdminMembers, &u.AdminPending, &u.Runtimes, &u.Users)
	return u, err
}

// NewUsersFromTenant counts the accounts in a tenant and its subtenants that
// are not yet counted as users of the organization.
func (c *Conn) NewUsersFromTenant(ctx context.Context, orgID, tenantID string) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN tenants t ON t.id = m.tenant_id
		WHERE (t.id = $2 OR t.parent_id = $2) AND m.user_id NOT IN (
			SELECT m2.user_id FROM memberships m2 JOIN tenants t2 ON t2.id = m2.tenant_id
			JOIN org_tenants ot ON ot.tenant_id = COALESCE(t2.parent_id, t2.id) WHERE ot.organization_id = $1)`,
		orgID, tenantID).Scan(&n)
	return n, err
}

// IsOrganizationUser reports whether a user is a member of any tenant of the
// organization (so adding them elsewhere in it adds no user).
func (c *Conn) IsOrganizationUser(ctx context.Context, orgID, userID string) (bool, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN tenants t ON t.id = m.tenant_id
		JOIN org_tenants ot ON ot.tenant_id = COALESCE(t.parent_id, t.id) WHERE ot.organization_id = $1 AND m.user_id = $2`,
		orgID, userID).Scan(&n)
	return n > 0, err
}

// SetExpiryNotice records the last licence expiry notice sent (days before).
func (tx *Tx) SetExpiryNotice(ctx context.Context, orgID string, days int) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE organizations SET expiry_notice_days = $2 WHERE id = $1", orgID, days)
	return err
}

// ExpiryNoticeDays returns the last licence expiry notice sent, or 0.
func (c *Conn) ExpiryNoticeDays(ctx context.Context, orgID string) (int, error) {
	var d sql.NullInt64
	err := c.q.QueryRowContext(ctx, "SELECT expiry_notice_days FROM organizations WHERE id = $1", orgID).Scan(&d)
	return int(d.Int64), err
}
