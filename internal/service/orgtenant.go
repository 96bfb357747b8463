package service

import (
	"context"
	"strconv"
	"strings"

	"tenantry/internal/mail"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// OrgTenantsQuery asks for one page of member tenants.
type OrgTenantsQuery struct {
	Search string // name prefix, "" for all
	Cursor string
	Limit  int // 1..1000; 0 = all (in pages of 1000 internally)
}

// OrgTenants lists the current organization's member tenants by name, each
// with its subtenants and user counts. Organization administrators only.
// Errors: unauthenticated, forbidden, not_found, invalid (cursor, limit).
func (s *Service) OrgTenants(ctx context.Context, a *Actor, q OrgTenantsQuery) (store.OrgTenantPage, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return store.OrgTenantPage{}, err
	}
	cur, err := store.ParseCursor(q.Cursor)
	if err != nil {
		return store.OrgTenantPage{}, err
	}
	if q.Limit < 0 || q.Limit > MaxPageSize {
		return store.OrgTenantPage{}, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "limit is between 1 and 1000",
			Fields: []tenantry.FieldError{{Field: "limit", Message: "between 1 and 1000"}}}
	}
	search := strings.TrimPrefix(strings.TrimSpace(q.Search), "@")
	if q.Limit > 0 {
		return c.OrgTenants(ctx, o.ID, search, cur, q.Limit)
	}
	var all store.OrgTenantPage
	for {
		p, err := c.OrgTenants(ctx, o.ID, search, cur, MaxPageSize)
		if err != nil {
			return all, err
		}
		all.Tenants = append(all.Tenants, p.Tenants...)
		if p.Next == "" {
			return all, nil
		}
		if cur, err = store.ParseCursor(p.Next); err != nil {
			return all, err
		}
	}
}

// OrgTenantUsers lists one page of the members of a tenant of the current
// organization (a member tenant or one of their subtenants). Organization
// administrators only. Errors: unauthenticated, forbidden, not_found, invalid.
func (s *Service) OrgTenantUsers(ctx context.Context, a *Actor, tenantID string, p Page) (TenantMembers, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return TenantMembers{}, err
	}
	if p, err = p.validate(); err != nil {
		return TenantMembers{}, err
	}
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such tenant in this organization")
	if !ValidID(tenantID) {
		return TenantMembers{}, notFound
	}
	tenantID = strings.ToLower(tenantID)
	org, err := c.OrganizationOfTenant(ctx, tenantID)
	if err != nil {
		return TenantMembers{}, err
	}
	if org != o.ID {
		return TenantMembers{}, notFound
	}
	out := TenantMembers{Page: p}
	if out.Tenant, err = c.Tenant(ctx, tenantID); err != nil {
		return TenantMembers{}, err
	}
	out.Members, out.Total, err = c.Members(ctx, tenantID, p.offset(), p.PageSize)
	return out, err
}

// TenantMembers is one page of a tenant's members.
type TenantMembers struct {
	Tenant  tenantry.Tenant
	Members []tenantry.Member
	Total   int
	Page    Page
}

// NewTenantUser names a user of a tenant being created: by ID (a user the
// caller may see) or email (an unknown email creates a pending account), with
// a role.
type NewTenantUser struct {
	ID    string
	Email string
	Role  tenantry.Role
}

// CreateOrgTenant creates a top-level tenant in the current organization with
// its users; it joins at once. Pending accounts get a set-up email.
// Organization administrators only. Errors: unauthenticated, forbidden,
// not_found (an ID the caller may not see), invalid (name, no users, no active
// administrator, bad user entries), name_taken, licence_expired,
// licence_limit_exceeded (tenants or users).
func (s *Service) CreateOrgTenant(ctx context.Context, a *Actor, name string, users []NewTenantUser) (tenantry.OrgTenant, error) {
	var out tenantry.OrgTenant
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		var v tenantry.Validation
		name, err := tenantry.ParseTenantName(name)
		v.Check("developerName", err)
		if len(users) == 0 {
			v.Add("users", "a tenant needs at least one user, an administrator")
		}
		for i, u := range users {
			field := "users[" + strconv.Itoa(i) + "]"
			if u.Role == "" {
				users[i].Role = tenantry.RoleStandard
			}
			if err := users[i].Role.Check(); err != nil {
				v.Add(field+".role", err.Error())
			}
			switch {
			case strings.TrimSpace(u.ID) == "" && strings.TrimSpace(u.Email) == "":
				v.Add(field, "name the user by id or email")
			case strings.TrimSpace(u.ID) == "":
				v.Check(field+".email", tenantry.ValidateEmail(strings.TrimSpace(u.Email)))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if o, err = s.lockOrgAsAdmin(ctx, tx, a, o.ID); err != nil {
			return err
		}
		now := s.now()
		if err := s.checkLicence(o.Licence, now); err != nil {
			return err
		}
		// Resolve every user; pending accounts for unknown emails.
		type member struct {
			u       tenantry.User
			role    tenantry.Role
			created bool
		}
		byID := map[string]int{}
		var members []member
		for i, nu := range users {
			field := "users[" + strconv.Itoa(i) + "]"
			var u tenantry.User
			created := false
			id := strings.ToLower(strings.TrimSpace(nu.ID))
			email := strings.TrimSpace(nu.Email)
			if id != "" {
				if !ValidID(id) {
					return tenantry.Errorf(tenantry.CodeNotFound, "%s: no such user", field)
				}
				visible := id == a.User.ID
				if !visible {
					if visible, err = tx.UserVisibleToOrg(ctx, o.ID, id); err != nil {
						return err
					}
				}
				if !visible {
					return tenantry.Errorf(tenantry.CodeNotFound, "%s: no such user", field)
				}
				if u, err = tx.User(ctx, id); err != nil {
					return err
				}
				if email != "" && tenantry.NormalizeEmail(email) != tenantry.NormalizeEmail(u.Email) {
					return &tenantry.Error{Code: tenantry.CodeInvalid, Message: "the id and the email name different users",
						Fields: []tenantry.FieldError{{Field: field + ".email", Message: "does not match the user with this id"}}}
				}
			} else {
				u, _, err = tx.UserByEmail(ctx, email)
				if tenantry.IsCode(err, tenantry.CodeNotFound) {
					u = tenantry.User{ID: newID(), Email: email, Status: tenantry.UserPending, CreatedAt: now, UpdatedAt: now}
					if err := tx.CreateUser(ctx, u, ""); err != nil {
						return err
					}
					created = true
				} else if err != nil {
					return err
				}
			}
			if u.Status == tenantry.UserDisabled {
				return &tenantry.Error{Code: tenantry.CodeInvalid, Message: u.Email + " is disabled and cannot be added",
					Fields: []tenantry.FieldError{{Field: field, Message: "the account is disabled"}}}
			}
			if j, dup := byID[u.ID]; dup {
				if nu.Role == tenantry.RoleAdministrator {
					members[j].role = tenantry.RoleAdministrator
				}
				continue
			}
			byID[u.ID] = len(members)
			members = append(members, member{u: u, role: users[i].Role, created: created})
		}
		activeAdmin := false
		newUsers := 0
		for _, m := range members {
			if m.role == tenantry.RoleAdministrator && m.u.Status == tenantry.UserActive {
				activeAdmin = true
			}
			known := false
			if !m.created {
				if known, err = tx.IsOrganizationUser(ctx, o.ID, m.u.ID); err != nil {
					return err
				}
			}
			if !known {
				newUsers++
			}
		}
		if !activeAdmin {
			return &tenantry.Error{Code: tenantry.CodeInvalid, Message: "a new tenant needs at least one administrator whose account is active",
				Fields: []tenantry.FieldError{{Field: "users", Message: "make an existing, active user an administrator"}}}
		}
		usage, err := tx.Usage(ctx, o.ID, now)
		if err != nil {
			return err
		}
		if err := tenantry.CheckLimit(o.Licence, usage, tenantry.LimitTenants, 1); err != nil {
			return err
		}
		if err := tenantry.CheckLimit(o.Licence, usage, tenantry.LimitUsers, newUsers); err != nil {
			return err
		}
		t := tenantry.Tenant{ID: newID(), Name: name, CreatedAt: now}
		if err := tx.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := tx.AddOrgTenant(ctx, o.ID, t.ID, a.User.ID, now); err != nil {
			return err
		}
		for _, m := range members {
			if err := tx.AddMember(ctx, tenantry.Membership{TenantID: t.ID, UserID: m.u.ID, Role: m.role, CreatedAt: now}); err != nil {
				return err
			}
			if m.created {
				if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionUserCreated, OrganizationID: o.ID,
					TenantID: t.ID, TargetKind: "user", TargetID: m.u.ID, Details: map[string]any{"email": m.u.Email, "pending": true}}); err != nil {
					return err
				}
				if err := s.sendSetupLink(ctx, tx, m.u, mail.Data{OrganizationName: o.Name, TenantName: "@" + t.Name,
					ActorName: describeUser(a.User)}); err != nil {
					return err
				}
			}
		}
		if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgTenantCreated, OrganizationID: o.ID,
			TenantID: t.ID, TargetKind: "tenant", TargetID: t.ID, Details: map[string]any{"name": t.Name, "users": len(members)}}); err != nil {
			return err
		}
		by := a.User
		out = tenantry.OrgTenant{Tenant: t, AddedAt: now, AddedBy: &by, UserCount: len(members)}
		return nil
	})
	return out, err
}

// RemoveOrgTenant removes a member tenant (and with it its subtenants) from
// the current organization: their runtime shares go, their administrators are
// told, nothing else is deleted. Organization administrators only. Errors:
// unauthenticated, forbidden, not_found, invalid (a subtenant).
func (s *Service) RemoveOrgTenant(ctx context.Context, a *Actor, tenantID string) error {
	var runtimes []string
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such tenant in this organization")
		if !ValidID(tenantID) {
			return notFound
		}
		tenantID = strings.ToLower(tenantID)
		t, err := tx.Tenant(ctx, tenantID)
		if tenantry.IsCode(err, tenantry.CodeNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		if t.IsSubtenant() {
			org, err := tx.OrganizationOfTenant(ctx, t.ID)
			if err != nil {
				return err
			}
			if org != o.ID {
				return notFound
			}
			return &tenantry.Error{Code: tenantry.CodeInvalid,
				Message: "@" + t.FullName() + " is a subtenant of @" + t.ParentName + "; only top-level tenants are removed (their subtenants go with them)",
				Fields:  []tenantry.FieldError{{Field: "id", Message: "remove @" + t.ParentName + " instead"}}}
		}
		if _, err := s.lockOrgAsAdmin(ctx, tx, a, o.ID); err != nil {
			return err
		}
		org, err := tx.OrgOfTopLevelTenant(ctx, t.ID)
		if err != nil {
			return err
		}
		if org != o.ID {
			return notFound
		}
		if err := tx.RemoveOrgTenant(ctx, o.ID, t.ID); err != nil {
			return err
		}
		if runtimes, err = tx.RuntimeIDs(ctx, o.ID); err != nil {
			return err
		}
		now := s.now()
		if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionOrgTenantRemoved, OrganizationID: o.ID,
			TenantID: t.ID, TargetKind: "tenant", TargetID: t.ID, Details: map[string]any{"name": t.Name}}); err != nil {
			return err
		}
		emails, err := tx.TenantAdminEmails(ctx, t.ID)
		if err != nil {
			return err
		}
		return s.mailAll(ctx, tx, mail.KindTenantRemoved, emails, mail.Data{OrganizationName: o.Name, TenantName: "@" + t.Name,
			ActorName: describeUser(a.User)})
	})
	if err == nil {
		// Its shares went: the organization's runtimes hear their new tenants.
		for _, id := range runtimes {
			s.runtimeEvent(RuntimeEvent{RuntimeID: id})
		}
	}
	return err
}
