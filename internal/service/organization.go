package service

import (
	"context"
	"strings"
	"tenantry/internal/mail"

	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// orgScope is the organization a request works in and the caller's standing
// in it.
type orgScope struct {
	Org     tenantry.Organization
	IsAdmin bool
}

// currentOrganization resolves the current organization (SPEC §1): the one
// asked for (header or web session; the caller must administer it), else the
// current tenant's, else the only one the caller administers. None is
// not_found.
func (s *Service) currentOrganization(ctx context.Context, c *store.Conn, a *Actor) (orgScope, error) {
	if err := requireUser(a); err != nil {
		return orgScope{}, err
	}
	none := tenantry.Errorf(tenantry.CodeNotFound, "no organization: your current tenant belongs to none and you administer none")
	if a.OrganizationID != "" {
		notFound := tenantry.Errorf(tenantry.CodeNotFound, "you do not administer the organization %s", a.OrganizationID)
		if !ValidID(a.OrganizationID) {
			return orgScope{}, notFound
		}
		id := strings.ToLower(a.OrganizationID)
		ok, err := c.IsOrgAdmin(ctx, id, a.User.ID)
		if err != nil {
			return orgScope{}, err
		}
		if !ok {
			return orgScope{}, notFound
		}
		o, err := c.Organization(ctx, id)
		return orgScope{Org: o, IsAdmin: true}, err
	}
	if a.TenantID != "" {
		id, err := c.OrganizationOfTenant(ctx, a.TenantID)
		if err != nil {
			return orgScope{}, err
		}
		if id != "" {
			o, err := c.Organization(ctx, id)
			if err != nil {
				return orgScope{}, err
			}
			admin, err := c.IsOrgAdmin(ctx, id, a.User.ID)
			return orgScope{Org: o, IsAdmin: admin}, err
		}
	}
	orgs, err := c.OrganizationsAdministeredBy(ctx, a.User.ID)
	if err != nil {
		return orgScope{}, err
	}
	if len(orgs) == 1 {
		return orgScope{Org: orgs[0], IsAdmin: true}, nil
	}
	return orgScope{}, none
}

// requireOrgAdmin resolves the current organization and refuses a caller who
// does not administer it (forbidden) or has none (not_found).
func (s *Service) requireOrgAdmin(ctx context.Context, c *store.Conn, a *Actor) (tenantry.Organization, error) {
	sc, err := s.currentOrganization(ctx, c, a)
	if err != nil {
		return tenantry.Organization{}, err
	}
	if !sc.IsAdmin {
		return tenantry.Organization{}, tenantry.Errorf(tenantry.CodeForbidden, "only administrators of the organization %s may do this", sc.Org.Name)
	}
	return sc.Org, nil
}

// lockOrgAsAdmin takes the organization's row lock for a change and checks,
// once it holds it, that the caller still administers it: one removed while
// the change waited for the lock may not make it.
func (s *Service) lockOrgAsAdmin(ctx context.Context, tx *store.Tx, a *Actor, orgID string) (tenantry.Organization, error) {
	o, err := tx.LockOrganization(ctx, orgID)
	if err != nil {
		return o, err
	}
	ok, err := tx.IsOrgAdmin(ctx, o.ID, a.User.ID)
	if err == nil && !ok {
		err = tenantry.Errorf(tenantry.CodeForbidden, "you are no longer an administrator of %s", o.Name)
	}
	return o, err
}

// OrganizationInfo is the current organization with its licence usage.
type OrganizationInfo struct {
	Org     tenantry.Organization
	Usage   tenantry.Usage
	Expired bool // the licence does not allow additions now
}

// Organization returns the current organization and its usage. Organization
// administrators only. Errors: unauthenticated, not_found, forbidden.
func (s *Service) Organization(ctx context.Context, a *Actor) (OrganizationInfo, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return OrganizationInfo{}, err
	}
	now := s.now()
	u, err := c.Usage(ctx, o.ID, now)
	return OrganizationInfo{Org: o, Usage: u, Expired: s.checkLicence(o.Licence, now) != nil}, err
}

// UserOrganization is an organization as a user's profile lists it.
type UserOrganization struct {
	ID   string
	Name string
	Role string // "administrator" or "member"
}

// MyOrganizations lists the organizations the user administers, and the one
// their current tenant belongs to (as member when they do not administer it).
func (s *Service) MyOrganizations(ctx context.Context, a *Actor) ([]UserOrganization, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	c := s.db.Read()
	orgs, err := c.OrganizationsAdministeredBy(ctx, a.User.ID)
	if err != nil {
		return nil, err
	}
	out := make([]UserOrganization, 0, len(orgs)+1)
	seen := map[string]bool{}
	for _, o := range orgs {
		out = append(out, UserOrganization{ID: o.ID, Name: o.Name, Role: "administrator"})
		seen[o.ID] = true
	}
	if a.TenantID != "" {
		id, err := c.OrganizationOfTenant(ctx, a.TenantID)
		if err != nil {
			return nil, err
		}
		if id != "" && !seen[id] {
			o, err := c.Organization(ctx, id)
			if err != nil {
				return nil, err
			}
			out = append(out, UserOrganization{ID: o.ID, Name: o.Name, Role: "member"})
		}
	}
	return out, nil
}

// OrgAdmins lists the current organization's administrators. Organization
// administrators only. Errors: unauthenticated, not_found, forbidden.
func (s *Service) OrgAdmins(ctx context.Context, a *Actor) ([]tenantry.OrgAdmin, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return nil, err
	}
	admins, err := c.OrgAdmins(ctx, o.ID)
	if admins == nil {
		admins = []tenantry.OrgAdmin{}
	}
	return admins, err
}

// RemoveOrgAdmin ends a user's administration of the current organization;
// the caller's own ID is leaving. The last administrator can neither leave nor
// be removed, under any concurrency. Organization administrators only. Errors:
// unauthenticated, not_found, forbidden, last_administrator.
func (s *Service) RemoveOrgAdmin(ctx context.Context, a *Actor, userID string) error {
	if !ValidID(userID) {
		if _, err := s.requireOrgAdmin(ctx, s.db.Read(), a); err != nil {
			return err
		}
		return tenantry.Errorf(tenantry.CodeNotFound, "no such administrator in this organization")
	}
	userID = strings.ToLower(userID)
	return s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		o, err = tx.LockOrganization(ctx, o.ID)
		if err != nil {
			return err
		}
		ok, err := tx.IsOrgAdmin(ctx, o.ID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return tenantry.Errorf(tenantry.CodeNotFound, "no such administrator in this organization")
		}
		n, err := tx.CountOrgAdmins(ctx, o.ID)
		if err != nil {
			return err
		}
		leaving := userID == a.User.ID
		if n <= 1 {
			if leaving {
				return tenantry.Errorf(tenantry.CodeLastAdministrator, "you are the last administrator of %s: invite another administrator before you leave", o.Name)
			}
			return tenantry.Errorf(tenantry.CodeLastAdministrator, "this is the last administrator of %s", o.Name)
		}
		if err := tx.RemoveOrgAdmin(ctx, o.ID, userID); err != nil {
			return err
		}
		// Sessions that had chosen the organization go back to the default.
		if err := tx.ForgetSessionOrganization(ctx, userID, o.ID); err != nil {
			return err
		}
		target, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		now := s.now()
		action, kind := tenantry.ActionOrgAdminRemoved, mail.KindAdminRemoved
		if leaving {
			action, kind = tenantry.ActionOrgAdminLeft, mail.KindAdminLeft
		}
		if err := s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: action, OrganizationID: o.ID,
			TargetKind: "user", TargetID: userID, Details: map[string]any{"email": target.Email}}); err != nil {
			return err
		}
		return s.mail(ctx, tx, kind, target.Email, mail.Data{RecipientName: displayName(target),
			OrganizationName: o.Name, ActorName: describeUser(a.User), Link: s.link("/settings/organization")})
	})
}

// displayName is how a greeting names a user.
func displayName(u tenantry.User) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Email
}

// describeUser names a user with their email, for notices.
func describeUser(u tenantry.User) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n + " (" + u.Email + ")"
	}
	return u.Email
}
