package service

import (
	"context"
	"strings"

	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// TenantView is a tenant with what its settings page shows.
type TenantView struct {
	Tenant     tenantry.Tenant
	Parent     *tenantry.Tenant
	Subtenants []store.TenantStats // only when asked for
	// OrganizationID and OrganizationName name the organization the tenant
	// belongs to (a subtenant's is its parent's); empty when none.
	OrganizationID, OrganizationName string
}

// CurrentTenant returns the current tenant, with its subtenants when
// withSubtenants. Errors: unauthenticated, bad_request (no tenant), forbidden
// (not an administrator of it).
func (s *Service) CurrentTenant(ctx context.Context, a *Actor, withSubtenants bool) (TenantView, error) {
	if err := requireTenantAdmin(a); err != nil {
		return TenantView{}, err
	}
	return s.tenantView(ctx, s.db.Read(), a.TenantID, withSubtenants)
}

func (s *Service) tenantView(ctx context.Context, c *store.Conn, id string, withSubtenants bool) (TenantView, error) {
	t, err := c.Tenant(ctx, id)
	if err != nil {
		return TenantView{}, err
	}
	v := TenantView{Tenant: t}
	if v.OrganizationID, err = c.OrganizationOfTenant(ctx, t.ID); err != nil {
		return TenantView{}, err
	}
	if v.OrganizationID != "" {
		o, err := c.Organization(ctx, v.OrganizationID)
		if err != nil {
			return TenantView{}, err
		}
		v.OrganizationName = o.Name
	}
	if t.IsSubtenant() {
		p, err := c.Tenant(ctx, t.ParentID)
		if err != nil {
			return TenantView{}, err
		}
		v.Parent = &p
	} else if withSubtenants {
		if v.Subtenants, err = c.Subtenants(ctx, t.ID); err != nil {
			return TenantView{}, err
		}
	}
	return v, nil
}

// UpdateTenant renames the current tenant and/or changes its summary; nil
// leaves a field as it is. Errors: unauthenticated, bad_request, forbidden,
// invalid, name_taken.
func (s *Service) UpdateTenant(ctx context.Context, a *Actor, name, summary *string) (TenantView, error) {
	if err := requireTenantAdmin(a); err != nil {
		return TenantView{}, err
	}
	var view TenantView
	var runtimes []string // connections whose nodes must hear the new name
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := tx.Tenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		old := t
		var v tenantry.Validation
		if name != nil {
			var err error
			if t.IsSubtenant() {
				t.Name, err = tenantry.ParseSubtenantName(*name, t.ParentName)
			} else {
				t.Name, err = tenantry.ParseTenantName(*name)
			}
			v.Check("developerName", err)
		}
		if summary != nil {
			t.Summary = strings.TrimSpace(*summary)
			v.Check("developerSummary", tenantry.ValidateTenantSummary(t.Summary))
		}
		if err := v.Err(); err != nil {
			return err
		}
		if t.Name != old.Name || t.Summary != old.Summary {
			now := s.now()
			if err := tx.UpdateTenant(ctx, t, now); err != nil {
				return err
			}
			action, details := tenantry.ActionTenantUpdated, map[string]any{}
			if t.Name != old.Name {
				action = tenantry.ActionTenantRenamed
				details["from"], details["to"] = old.Name, t.Name
				if runtimes, err = tx.RuntimesSharing(ctx, t.ID); err != nil {
					return err
				}
			}
			if t.Summary != old.Summary {
				details["summaryChanged"] = true
			}
			if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: action, TenantID: t.ID,
				TargetKind: "tenant", TargetID: t.ID, Details: details}); err != nil {
				return err
			}
		}
		view, err = s.tenantView(ctx, &tx.Conn, t.ID, false)
		return err
	})
	if err == nil {
		// Nodes carry their tenants' names: the connections sharing this
		// tenant, or a subtenant named after it, push the new ones.
		for _, id := range runtimes {
			s.runtimeEvent(RuntimeEvent{RuntimeID: id})
		}
	}
	return view, err
}

// Subtenants lists the current tenant's subtenants. Errors: unauthenticated,
// bad_request, forbidden.
func (s *Service) Subtenants(ctx context.Context, a *Actor) ([]store.TenantStats, error) {
	if err := requireTenantAdmin(a); err != nil {
		return nil, err
	}
	subs, err := s.db.Read().Subtenants(ctx, a.TenantID)
	if subs == nil {
		subs = []store.TenantStats{}
	}
	return subs, err
}

// CreateSubtenant creates a subtenant of the current tenant, with the caller as
// its administrator. Errors: unauthenticated, bad_request, forbidden, invalid
// (bad name, or the current tenant is itself a subtenant), name_taken.
func (s *Service) CreateSubtenant(ctx context.Context, a *Actor, name, summary string) (store.TenantStats, error) {
	if err := requireTenantAdmin(a); err != nil {
		return store.TenantStats{}, err
	}
	var out store.TenantStats
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		parent, err := tx.Tenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		if parent.IsSubtenant() {
			return &tenantry.Error{Code: tenantry.CodeInvalid,
				Message: "@" + parent.FullName() + " is a subtenant; subtenants have no subtenants of their own",
				Fields:  []tenantry.FieldError{{Field: "developerName", Message: "create it under @" + parent.ParentName + " instead"}}}
		}
		var v tenantry.Validation
		short, err := tenantry.ParseSubtenantName(name, parent.Name)
		v.Check("developerName", err)
		summary = strings.TrimSpace(summary)
		v.Check("developerSummary", tenantry.ValidateTenantSummary(summary))
		if err := v.Err(); err != nil {
			return err
		}
		now := s.now()
		t := tenantry.Tenant{ID: newID(), Name: short, Summary: summary, ParentID: parent.ID, ParentName: parent.Name, CreatedAt: now}
		if err := tx.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, tenantry.Membership{TenantID: t.ID, UserID: a.User.ID, Role: tenantry.RoleAdministrator, CreatedAt: now}); err != nil {
			return err
		}
		out = store.TenantStats{Tenant: t, UserCount: 1}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionSubtenantCreated, TenantID: parent.ID,
			TargetKind: "tenant", TargetID: t.ID, Details: map[string]any{"name": t.FullName()}})
	})
	return out, err
}
