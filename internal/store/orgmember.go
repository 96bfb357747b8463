package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"tenantry/internal/tenantry"
)

// AddOrgAdmin makes a user an administrator of an organization; addedBy is ""
// for the operator. An existing administrator is already_member.
func (tx *Tx) AddOrgAdmin(ctx context.Context, orgID, userID, addedBy string, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO org_admins (organization_id, user_id, added_at, added_by) VALUES ($1, $2, $3, $4)",
		orgID, userID, now, nullString(addedBy))
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeAlreadyMember, "the user is already an administrator of this organization")
	}
	return err
}

// IsOrgAdmin reports whether a user administers an organization.
func (c *Conn) IsOrgAdmin(ctx context.Context, orgID, userID string) (bool, error) {
	var n int
	err := c.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM org_admins WHERE organization_id = $1 AND user_id = $2", orgID, userID).Scan(&n)
	return n > 0, err
}

// OrgAdmins lists an organization's administrators by email.
func (c *Conn) OrgAdmins(ctx context.Context, orgID string) ([]tenantry.OrgAdmin, error) {
	rows, err := c.q.QueryContext(ctx, "SELECT "+userColumns+`, a.added_at,
		b.id, b.email, b.first_name, b.last_name
		FROM org_admins a JOIN users u ON u.id = a.user_id LEFT JOIN users b ON b.id = a.added_by
		WHERE a.organization_id = $1 ORDER BY u.email_norm`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenantry.OrgAdmin
	for rows.Next() {
		var a tenantry.OrgAdmin
		var by whoColumns
		if a.User, err = scanUser(rows, append([]any{&a.AddedAt}, by.dest()...)...); err != nil {
			return nil, err
		}
		a.AddedAt, a.AddedBy = a.AddedAt.UTC(), by.user()
		out = append(out, a)
	}
	return out, rows.Err()
}

// whoColumns scans a nullable joined user (id, email, first, last names).
type whoColumns struct{ id, email, first, last sql.NullString }

func (w *whoColumns) dest() []any { return []any{&w.id, &w.email, &w.first, &w.last} }

func (w *whoColumns) user() *tenantry.User {
	if !w.id.Valid {
		return nil
	}
	return &tenantry.User{ID: w.id.String, Email: w.email.String, FirstName: w.first.String, LastName: w.last.String}
}

// CountOrgAdmins counts an organization's administrators.
func (c *Conn) CountOrgAdmins(ctx context.Context, orgID string) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM org_admins WHERE organization_id = $1", orgID).Scan(&n)
	return n, err
}

// RemoveOrgAdmin ends a user's administration of an organization.
func (tx *Tx) RemoveOrgAdmin(ctx context.Context, orgID, userID string) error {
	return tx.execOne(ctx, "no such administrator in this organization",
		"DELETE FROM org_admins WHERE organization_id = $1 AND user_id = $2", orgID, userID)
}

// OrgAdminEmails lists the emails of an organization's active administrators.
func (c *Conn) OrgAdminEmails(ctx context.Context, orgID string) ([]string, error) {
	return c.strings(ctx, `SELECT u.email FROM org_admins a JOIN users u ON u.id = a.user_id
		WHERE a.organization_id = $1 AND u.status = 'active' ORDER BY u.email_norm`, orgID)
}

// TenantAdminEmails lists the emails of a tenant's administrators whose
// accounts are not disabled.
func (c *Conn) TenantAdminEmails(ctx context.Context, tenantID string) ([]string, error) {
	return c.strings(ctx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.role = 'administrator' AND u.status <> 'disabled' ORDER BY u.email_norm`, tenantID)
}

func (c *Conn) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// AddOrgTenant makes a top-level tenant a member of an organization. A tenant
// already in one (this or another) is tenant_in_other_organization.
func (tx *Tx) AddOrgTenant(ctx context.Context, orgID, tenantID, addedBy string, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO org_tenants (tenant_id, organization_id, added_at, added_by, name_norm)
		VALUES ($1, $2, $3, $4, (SELECT name_norm FROM tenants WHERE id = $1))`,
		tenantID, orgID, now, nullString(addedBy))
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeTenantInOtherOrganization, "the tenant already belongs to an organization")
	}
	return err
}

// OrgOfTopLevelTenant returns the organization a top-level tenant belongs to,
// or "".
func (c *Conn) OrgOfTopLevelTenant(ctx context.Context, tenantID string) (string, error) {
	var id string
	err := c.q.QueryRowContext(ctx, "SELECT organization_id FROM org_tenants WHERE tenant_id = $1", tenantID).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, err
}

// RemoveOrgTenant ends a tenant's membership of an organization and removes
// the shares of it and its subtenants on the organization's runtimes.
func (tx *Tx) RemoveOrgTenant(ctx context.Context, orgID, tenantID string) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM runtime_shares WHERE runtime_id IN (SELECT id FROM runtimes WHERE organization_id = $1)
		AND tenant_id IN (SELECT id FROM tenants WHERE id = $2 OR parent_id = $2)`, orgID, tenantID); err != nil {
		return err
	}
	return tx.execOne(ctx, "the tenant is not a member of this organization",
		"DELETE FROM org_tenants WHERE organization_id = $1 AND tenant_id = $2", orgID, tenantID)
}

// OrgTenantPage is one page of an organization's member tenants.
type OrgTenantPage struct {
	Tenants []tenantry.OrgTenant
	// Next is the cursor of the following page, "" at the end.
	Next string
}

// OrgTenants lists an organization's member tenants by name, each with its
// user count and subtenants, filtered by a name prefix (may be ""), at most
// limit after the cursor (a tenant's normalized name and ID).
func (c *Conn) OrgTenants(ctx context.Context, orgID, search string, after Cursor, limit int) (OrgTenantPage, error) {
	args := []any{orgID, limit + 1}
	where := ""
	if search != "" {
		// A prefix as a range, so the index answers it: every character a
		// normalized name may hold sorts below "{".
		prefix := tenantry.NormalizeTenantName(search)
		args = append(args, prefix, prefix+"{")
		where += " AND ot.name_norm >= $" + itoa(len(args)-1) + " AND ot.name_norm < $" + itoa(len(args))
	}
	if after.Key != "" {
		args = append(args, after.Key, after.ID)
		where += " AND (ot.name_norm > $" + itoa(len(args)-1) + " OR (ot.name_norm = $" + itoa(len(args)-1) + " AND ot.tenant_id > $" + itoa(len(args)) + "))"
	}
	// The page is cut first (a sort of the organization's keys only); user
	// counts and names are then looked up for its rows alone.
	rows, err := c.q.QueryContext(ctx, "SELECT "+tenantColumns+`, pg.added_at, b.id, b.email, b.first_name, b.last_name,
		(SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = t.id), pg.name_norm FROM (
			SELECT ot.tenant_id AS id, ot.name_norm, ot.added_at, ot.added_by FROM org_tenants ot
			WHERE ot.organization_id = $1`+where+` ORDER BY ot.name_norm, ot.tenant_id LIMIT $2
		) pg JOIN tenants t ON t.id = pg.id LEFT JOIN tenants p ON p.id = t.parent_id LEFT JOIN users b ON b.id = pg.added_by
		ORDER BY pg.name_norm, pg.id`, args...)
	if err != nil {
		return OrgTenantPage{}, err
	}
	var page OrgTenantPage
	var norms []string
	for rows.Next() {
		var ot tenantry.OrgTenant
		var by whoColumns
		var norm string
		if ot.Tenant, err = scanTenant(rows, append(append([]any{&ot.AddedAt}, by.dest()...), &ot.UserCount, &norm)...); err != nil {
			rows.Close()
			return OrgTenantPage{}, err
		}
		ot.AddedAt, ot.AddedBy = ot.AddedAt.UTC(), by.user()
		page.Tenants = append(page.Tenants, ot)
		norms = append(norms, norm)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return OrgTenantPage{}, err
	}
	if len(page.Tenants) > limit {
		page.Tenants = page.Tenants[:limit]
		last := page.Tenants[limit-1]
		page.Next = Cursor{Key: norms[limit-1], ID: last.Tenant.ID}.String()
	}
	if len(page.Tenants) == 0 {
		return page, nil
	}
	// Subtenants of the page's tenants, in one query.
	byParent := map[string]int{}
	ids := make([]any, 0, len(page.Tenants))
	var marks strings.Builder
	for i, ot := range page.Tenants {
		byParent[ot.Tenant.ID] = i
		ids = append(ids, ot.Tenant.ID)
		if i > 0 {
			marks.WriteString(", ")
		}
		marks.WriteString("$" + itoa(i+1))
	}
	rows, err = c.q.QueryContext(ctx, "SELECT "+tenantColumns+", (SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = t.id)"+
		tenantFrom+" WHERE t.parent_id IS NOT NULL AND t.parent_id IN ("+marks.String()+") ORDER BY t.name_norm, t.id", ids...)
	if err != nil {
		return OrgTenantPage{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var st tenantry.OrgSubtenant
		if st.Tenant, err = scanTenant(rows, &st.UserCount); err != nil {
			return OrgTenantPage{}, err
		}
		parent := &page.Tenants[byParent[st.Tenant.ParentID]]
		st.AddedAt = st.Tenant.CreatedAt
		if parent.AddedAt.After(st.AddedAt) {
			st.AddedAt = parent.AddedAt
		}
		parent.Subtenants = append(parent.Subtenants, st)
	}
	return page, rows.Err()
}

// UserVisibleToOrg reports whether a user is an administrator of the
// organization or a member of one of its tenants or their subtenants.
func (c *Conn) UserVisibleToOrg(ctx context.Context, orgID, userID string) (bool, error) {
	if ok, err := c.IsOrgAdmin(ctx, orgID, userID); ok || err != nil {
		return ok, err
	}
	return c.IsOrganizationUser(ctx, orgID, userID)
}
