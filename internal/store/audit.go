package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"tenantry/internal/tenantry"
)

// InsertAudit appends an audit event. Call it in the transaction of the change
// it records.
func (tx *Tx) InsertAudit(ctx context.Context, e tenantry.AuditEvent) error {
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return err
		}
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO audit_events
		(id, time, action, actor_kind, actor_id, organization_id, tenant_id, target_kind, target_id, request_id, source_address, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.ID, e.Time, e.Action, e.ActorKind, nullString(e.ActorID), nullString(e.OrganizationID), nullString(e.TenantID),
		nullString(e.TargetKind), nullString(e.TargetID), nullString(e.RequestID), nullString(e.SourceAddress), string(details))
	return err
}

// TenantAudit lists a tenant's audit events, newest first, at most limit.
func (c *Conn) TenantAudit(ctx context.Context, tenantID string, limit int) ([]tenantry.AuditEvent, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, time, action, actor_kind, COALESCE(actor_id, ''), COALESCE(target_kind, ''),
		COALESCE(target_id, ''), COALESCE(request_id, ''), COALESCE(source_address, ''), details
		FROM audit_events WHERE tenant_id = $1 ORDER BY time DESC, id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenantry.AuditEvent
	for rows.Next() {
		e := tenantry.AuditEvent{TenantID: tenantID}
		var details []byte
		if err := rows.Scan(&e.ID, &e.Time, &e.Action, &e.ActorKind, &e.ActorID, &e.TargetKind, &e.TargetID,
			&e.RequestID, &e.SourceAddress, &details); err != nil {
			return nil, err
		}
		e.Time = e.Time.UTC()
		if err := json.Unmarshal(details, &e.Details); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditFilter selects an organization's audit events.
type AuditFilter struct {
	Action string    // exact action, or a prefix ending in "." ("invitation.")
	Actor  string    // actor ID, or an actor kind ("operator", "system")
	Target string    // target ID
	From   time.Time // inclusive; zero for no bound
	To     time.Time // exclusive; zero for no bound
	Before string    // cursor: events older than this event ID
	Limit  int
}

// OrgAudit lists an organization's audit events, newest first, at most
// f.Limit, and whether more follow.
func (c *Conn) OrgAudit(ctx context.Context, orgID string, f AuditFilter) ([]tenantry.AuditEvent, bool, error) {
	args := []any{orgID}
	where := "organization_id = $1"
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + strings.ReplaceAll(cond, "?", "$"+itoa(len(args)))
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add("action LIKE ?", f.Action+"%")
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.Actor != "" {
		args = append(args, f.Actor)
		where += " AND (actor_id = $" + itoa(len(args)) + " OR actor_kind = $" + itoa(len(args)) + ")"
	}
	if f.Target != "" {
		add("target_id = ?", f.Target)
	}
	if !f.From.IsZero() {
		add("time >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("time < ?", f.To.UTC())
	}
	if f.Before != "" {
		add("id < ?", f.Before)
	}
	args = append(args, f.Limit+1)
	rows, err := c.q.QueryContext(ctx, `SELECT id, time, action, actor_kind, COALESCE(actor_id, ''), tenant_id,
		COALESCE(target_kind, ''), COALESCE(target_id, ''), COALESCE(request_id, ''), COALESCE(source_address, ''), details
		FROM audit_events WHERE `+where+` ORDER BY id DESC LIMIT $`+itoa(len(args)), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []tenantry.AuditEvent
	for rows.Next() {
		e := tenantry.AuditEvent{OrganizationID: orgID}
		var tenantID sql.NullString
		var details []byte
		if err := rows.Scan(&e.ID, &e.Time, &e.Action, &e.ActorKind, &e.ActorID, &tenantID, &e.TargetKind, &e.TargetID,
			&e.RequestID, &e.SourceAddress, &details); err != nil {
			return nil, false, err
		}
		e.TenantID, e.Time = tenantID.String, e.Time.UTC()
		if err := json.Unmarshal(details, &e.Details); err != nil {
			return nil, false, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, nil
}

// DeleteAuditBefore removes audit events older than a time (retention) and
// returns how many.
func (tx *Tx) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM audit_events WHERE time < $1", before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// OrganizationOfAuditTarget returns the organization of the newest audit
// event about a target, or "": it remembers a deleted runtime's organization.
func (c *Conn) OrganizationOfAuditTarget(ctx context.Context, targetKind, targetID string) (string, error) {
	var id sql.NullString
	err := c.q.QueryRowContext(ctx, `SELECT organization_id FROM audit_events WHERE target_kind = $1 AND target_id = $2
		AND organization_id IS NOT NULL ORDER BY id DESC LIMIT 1`, targetKind, targetID).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id.String, err
}
