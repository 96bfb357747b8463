package store

import (
	"context"
	"database/sql"
	"time"

	"tenantry/internal/tenantry"
)

const invitationColumns = `i.id, i.organization_id, i.kind, i.tenant_id, i.user_id, i.status, i.invited_by, i.invited_at,
	i.last_sent_at, i.expires_at, i.completed_by, i.completed_at`

func scanInvitation(r rowScanner, extra ...any) (tenantry.Invitation, error) {
	var i tenantry.Invitation
	var tenantID, userID, invitedBy, completedBy sql.NullString
	var completedAt sql.NullTime
	dest := append([]any{&i.ID, &i.OrganizationID, &i.Type, &tenantID, &userID, &i.Status, &invitedBy, &i.InvitedAt,
		&i.LastSentAt, &i.ExpiresAt, &completedBy, &completedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return i, err
	}
	i.TenantID, i.UserID, i.InvitedBy, i.CompletedBy = tenantID.String, userID.String, invitedBy.String, completedBy.String
	i.InvitedAt, i.LastSentAt, i.ExpiresAt, i.CompletedAt = i.InvitedAt.UTC(), i.LastSentAt.UTC(), i.ExpiresAt.UTC(), timeOf(completedAt)
	return i, nil
}

// InsertInvitation stores a new invitation. A live one for the same target
// already there is a conflict (the caller holds the organization's lock, so
// this only happens on a real race).
func (tx *Tx) InsertInvitation(ctx context.Context, i tenantry.Invitation) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO invitations (id, organization_id, kind, tenant_id, user_id, status, invited_by,
		invited_at, last_sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		i.ID, i.OrganizationID, i.Type, nullString(i.TenantID), nullString(i.UserID), i.Status, nullString(i.InvitedBy),
		i.InvitedAt, i.LastSentAt, i.ExpiresAt)
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeInvitationNotPending, "an invitation for this target was created at the same moment; try again")
	}
	return err
}

// LiveInvitation returns the organization's invited, rejected or expired
// invitation for a target (a tenant or user ID).
func (c *Conn) LiveInvitation(ctx context.Context, orgID string, kind tenantry.InvitationType, targetID string) (tenantry.Invitation, error) {
	col := "tenant_id"
	if kind == tenantry.InviteUser {
		col = "user_id"
	}
	i, err := scanInvitation(c.q.QueryRowContext(ctx, "SELECT "+invitationColumns+" FROM invitations i WHERE i.organization_id = $1"+
		" AND i.kind = $2 AND i."+col+" = $3 AND i.status IN ('invited', 'rejected', 'expired')", orgID, kind, targetID))
	return i, notFound(err, "no invitation for this "+string(kind))
}

// SetInvitationStatus moves an invitation from one status to another in one
// conditional change; for from = invited it also requires that the invitation
// has not expired at now. It reports whether the row changed (false: someone
// else changed it first, or it expired).
func (tx *Tx) SetInvitationStatus(ctx context.Context, id string, from, to tenantry.InvitationStatus, by string, now time.Time) (bool, error) {
	q := "UPDATE invitations SET status = $3, completed_by = $4, completed_at = $5 WHERE id = $1 AND status = $2"
	args := []any{id, from, to, nullString(by), now}
	if from == tenantry.InvitationInvited {
		q += " AND expires_at > $5"
	}
	if to == tenantry.InvitationCancelled || to == tenantry.InvitationAcknowledged {
		// Cancel and acknowledge keep who answered (and when) as it was.
		q = "UPDATE invitations SET status = $3 WHERE id = $1 AND status = $2"
		args = []any{id, from, to}
		if from == tenantry.InvitationInvited {
			q += " AND expires_at > $4"
			args = append(args, now)
		}
	}
	res, err := tx.q.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResendInvitation gives an invited invitation a new expiry.
func (tx *Tx) ResendInvitation(ctx context.Context, id string, expiresAt, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE invitations SET expires_at = $2, last_sent_at = $3
		WHERE id = $1 AND status = 'invited' AND expires_at > $3`, id, expiresAt, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InvitationView is an invitation with the names a listing shows.
type InvitationView struct {
	tenantry.Invitation
	OrganizationName string
	Tenant           *tenantry.Tenant
	TenantUserCount  int
	TenantIsMember   bool // the tenant is (now) a member of the organization
	User             *tenantry.User
	InvitedBy        *tenantry.User
	CompletedBy      *tenantry.User
}

const invitationViewQuery = "SELECT " + invitationColumns + `, o.name,
	t.id, t.name, t.summary, t.created_at, (SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = t.id),
	(SELECT COUNT(*) FROM org_tenants ot WHERE ot.tenant_id = t.id AND ot.organization_id = i.organization_id),
	u.id, u.email, u.first_name, u.last_name,
	ib.id, ib.email, ib.first_name, ib.last_name,
	cb.id, cb.email, cb.first_name, cb.last_name
	FROM invitations i JOIN organizations o ON o.id = i.organization_id
	LEFT JOIN tenants t ON t.id = i.tenant_id
	LEFT JOIN users u ON u.id = i.user_id
	LEFT JOIN users ib ON ib.id = i.invited_by
	LEFT JOIN users cb ON cb.id = i.completed_by`

func (c *Conn) invitationViews(ctx context.Context, where string, args ...any) ([]InvitationView, error) {
	rows, err := c.q.QueryContext(ctx, invitationViewQuery+" WHERE "+where+" ORDER BY i.invited_at DESC, i.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []InvitationView{}
	for rows.Next() {
		var v InvitationView
		var tID, tName, tSummary sql.NullString
		var tCreated sql.NullTime
		var tUsers, tMember int
		var u, ib, cb whoColumns
		dest := []any{&v.OrganizationName, &tID, &tName, &tSummary, &tCreated, &tUsers, &tMember}
		dest = append(append(append(dest, u.dest()...), ib.dest()...), cb.dest()...)
		if v.Invitation, err = scanInvitation(rows, dest...); err != nil {
			return nil, err
		}
		if tID.Valid {
			v.Tenant = &tenantry.Tenant{ID: tID.String, Name: tName.String, Summary: tSummary.String, CreatedAt: timeOf(tCreated)}
		}
		v.TenantUserCount, v.TenantIsMember = tUsers, tMember > 0
		v.User, v.InvitedBy, v.CompletedBy = u.user(), ib.user(), cb.user()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Invitation returns one invitation with its names.
func (c *Conn) Invitation(ctx context.Context, id string) (InvitationView, error) {
	vs, err := c.invitationViews(ctx, "i.id = $1", id)
	if err != nil {
		return InvitationView{}, err
	}
	if len(vs) == 0 {
		return InvitationView{}, tenantry.Errorf(tenantry.CodeNotFound, "no such invitation")
	}
	return vs[0], nil
}

// InvitationsToTenant lists the live invitations addressed to a tenant.
func (c *Conn) InvitationsToTenant(ctx context.Context, tenantID string) ([]InvitationView, error) {
	return c.invitationViews(ctx, "i.kind = 'tenant' AND i.tenant_id = $1 AND i.status IN ('invited', 'rejected', 'expired')", tenantID)
}

// InvitationsToUser lists the live invitations addressed to a user.
func (c *Conn) InvitationsToUser(ctx context.Context, userID string) ([]InvitationView, error) {
	return c.invitationViews(ctx, "i.kind = 'user' AND i.user_id = $1 AND i.status IN ('invited', 'rejected', 'expired')", userID)
}

// OrgInvitations lists the live invitations an organization sent of a kind.
func (c *Conn) OrgInvitations(ctx context.Context, orgID string, kind tenantry.InvitationType) ([]InvitationView, error) {
	return c.invitationViews(ctx, "i.organization_id = $1 AND i.kind = $2 AND i.status IN ('invited', 'rejected', 'expired')", orgID, kind)
}

// ExpireInvitations stores the expired status of invited invitations past
// their expiry and returns them.
func (tx *Tx) ExpireInvitations(ctx context.Context, now time.Time, limit int) ([]tenantry.Invitation, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+invitationColumns+" FROM invitations i WHERE i.status = 'invited' AND i.expires_at <= $1"+
		" ORDER BY i.expires_at LIMIT $2", now, limit)
	if err != nil {
		return nil, err
	}
	var out []tenantry.Invitation
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	expired := out[:0]
	for _, i := range out {
		res, err := tx.q.ExecContext(ctx, "UPDATE invitations SET status = 'expired' WHERE id = $1 AND status = 'invited' AND expires_at <= $2", i.ID, now)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			i.Status = tenantry.InvitationExpired
			expired = append(expired, i)
		}
	}
	return expired, nil
}

// CancelUserInvitations cancels the invited invitations addressed to a user
// and returns them.
func (tx *Tx) CancelUserInvitations(ctx context.Context, userID string) ([]tenantry.Invitation, error) {
	rows, err := tx.q.QueryContext(ctx, "UPDATE invitations SET status = 'cancelled' WHERE kind = 'user' AND user_id = $1 AND status = 'invited'"+
		" RETURNING id, organization_id, kind, tenant_id, user_id, status, invited_by, invited_at, last_sent_at, expires_at, completed_by, completed_at", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenantry.Invitation
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// CountRecentInvitations counts the invitations an organization created since
// a time (every attempt, whatever became of it).
func (c *Conn) CountRecentInvitations(ctx context.Context, orgID string, since time.Time) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM invitations WHERE organization_id = $1 AND invited_at > $2", orgID, since).Scan(&n)
	return n, err
}

// SettleExpiry stores the expired status of an invited invitation past its
// expiry, so that the next conditional change can start from it.
func (tx *Tx) SettleExpiry(ctx context.Context, id string, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE invitations SET status = 'expired' WHERE id = $1 AND status = 'invited' AND expires_at <= $2", id, now)
	return err
}

// LatestInvitation returns the organization's newest invitation for a target
// in any state: it tells an invitation already answered from none at all.
func (c *Conn) LatestInvitation(ctx context.Context, orgID string, kind tenantry.InvitationType, targetID string) (tenantry.Invitation, error) {
	col := "tenant_id"
	if kind == tenantry.InviteUser {
		col = "user_id"
	}
	i, err := scanInvitation(c.q.QueryRowContext(ctx, "SELECT "+invitationColumns+" FROM invitations i WHERE i.organization_id = $1"+
		" AND i.kind = $2 AND i."+col+" = $3 ORDER BY i.invited_at DESC, i.id DESC LIMIT 1", orgID, kind, targetID))
	return i, notFound(err, "no invitation for this "+string(kind))
}
