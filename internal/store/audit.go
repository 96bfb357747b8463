package store

import (
	"context"
	"encoding/json"

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
