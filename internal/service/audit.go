package service

import (
	"context"
	"strings"
	"time"

	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// AuditQuery asks for a page of the organization's audit log.
type AuditQuery struct {
	Action, Actor, Target string
	From, To              time.Time
	Cursor                string
	Limit                 int // 1..1000, default 100
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items      []tenantry.AuditEvent
	NextCursor string // "" at the end
}

// Default and largest audit pages.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// OrgAudit reads the current organization's audit log. Organization
// administrators only. Errors: unauthenticated, forbidden, not_found, invalid
// (cursor, limit, a from after to).
func (s *Service) OrgAudit(ctx context.Context, a *Actor, q AuditQuery) (AuditPage, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return AuditPage{}, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultAuditLimit
	}
	var v tenantry.Validation
	if q.Limit < 1 || q.Limit > MaxAuditLimit {
		v.Add("limit", "limit is between 1 and 1000")
	}
	if q.Cursor != "" && !ValidID(q.Cursor) {
		v.Add("cursor", "use the nextCursor of a previous page as it was given")
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		v.Add("from", "from must be before to")
	}
	if err := v.Err(); err != nil {
		return AuditPage{}, err
	}
	items, more, err := c.OrgAudit(ctx, o.ID, store.AuditFilter{Action: strings.TrimSpace(q.Action), Actor: strings.TrimSpace(q.Actor),
		Target: strings.TrimSpace(q.Target), From: q.From, To: q.To, Before: strings.ToLower(q.Cursor), Limit: q.Limit})
	if err != nil {
		return AuditPage{}, err
	}
	p := AuditPage{Items: items}
	if p.Items == nil {
		p.Items = []tenantry.AuditEvent{}
	}
	if more {
		p.NextCursor = items[len(items)-1].ID
	}
	return p, nil
}

// SweepAudit deletes audit events older than retention and returns how many.
func (s *Service) SweepAudit(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteAuditBefore(ctx, s.now().Add(-retention))
		return err
	})
	return n, err
}
