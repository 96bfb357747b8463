package api

import (
	"net/http"
	"strconv"
	"time"

	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// BuilderWhoAPI is the reference's BuilderWhoAPI: a person.
type BuilderWhoAPI struct {
	ID        string `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
}

func builderWho(u *tenantry.User) *BuilderWhoAPI {
	if u == nil {
		return nil
	}
	return &BuilderWhoAPI{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
}

// OrganizationInviteAPI is the reference's OrganizationInvite, with status and
// type as plain strings and expiresAt added (SPEC §9).
type OrganizationInviteAPI struct {
	Organization OrganizationMinimal `json:"organization"`
	InvitedBy    *BuilderWhoAPI      `json:"invitedBy"`
	CompletedBy  *BuilderWhoAPI      `json:"completedBy"`
	CompletedAt  *time.Time          `json:"completedAt"`
	InvitedAt    time.Time           `json:"invitedAt"`
	ExpiresAt    time.Time           `json:"expiresAt"`
	Status       string              `json:"status"`
	Type         string              `json:"type"`
	Tenant       *TenantMinimalAPI   `json:"tenant"`
	User         *BuilderWhoAPI      `json:"user"`
}

func inviteAPI(v store.InvitationView, hidden bool) OrganizationInviteAPI {
	out := OrganizationInviteAPI{
		Organization: OrganizationMinimal{ID: v.OrganizationID, Name: v.OrganizationName},
		InvitedBy:    builderWho(v.InvitedBy),
		InvitedAt:    v.InvitedAt,
		ExpiresAt:    v.ExpiresAt,
		Status:       string(v.Status),
		Type:         string(v.Type),
		User:         builderWho(v.User),
	}
	if !hidden {
		out.CompletedBy = builderWho(v.CompletedBy)
		out.CompletedAt = optionalTime(v.CompletedAt)
	}
	if v.Tenant != nil {
		t := &TenantMinimalAPI{ID: v.Tenant.ID, DeveloperName: v.Tenant.Name}
		if !hidden {
			t.UserCount = v.TenantUserCount
		}
		out.Tenant = t
	}
	return out
}

func invitesAPI(vs []service.InvitationView) []OrganizationInviteAPI {
	out := make([]OrganizationInviteAPI, 0, len(vs))
	for _, v := range vs {
		out = append(out, inviteAPI(v.InvitationView, v.Hidden))
	}
	return out
}

func (s *Server) handleMyInvites(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	vs, err := s.svc.MyInvitations(r.Context(), a, r.URL.Query().Get("type"))
	if err != nil {
		return err
	}
	return pageArray(w, r, invitesAPI(vs))
}

func (s *Server) handleOrgInvites(kind tenantry.InvitationType) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
		vs, err := s.svc.OrgInvitations(r.Context(), a, kind)
		if err != nil {
			return err
		}
		return pageArray(w, r, invitesAPI(vs))
	}
}

// inviteInput is OrganizationInviteTenantRequest or OrganizationInviteUserRequest.
type inviteInput struct {
	ID            string `json:"id"`
	DeveloperName string `json:"developerName"`
	Email         string `json:"email"`
}

func (s *Server) handleInviteTenant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[inviteInput](r)
	if err != nil {
		return err
	}
	if err := s.svc.InviteTenant(r.Context(), a, service.InviteTarget{ID: in.ID, Name: in.DeveloperName}); err != nil {
		return err
	}
	return empty(w)
}

func (s *Server) handleInviteUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[inviteInput](r)
	if err != nil {
		return err
	}
	if err := s.svc.InviteUser(r.Context(), a, service.InviteTarget{ID: in.ID, Email: in.Email}); err != nil {
		return err
	}
	return empty(w)
}

// handleAnswer accepts (PUT) or rejects (DELETE) an invitation from the
// organization {id}: for the current tenant, or for the caller.
func (s *Server) handleAnswer(kind tenantry.InvitationType, accept bool) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
		var v service.InvitationResult
		var err error
		if kind == tenantry.InviteTenant {
			v, err = s.svc.AnswerTenantInvitation(r.Context(), a, r.PathValue("id"), accept)
		} else {
			v, err = s.svc.AnswerUserInvitation(r.Context(), a, r.PathValue("id"), accept)
		}
		if err != nil {
			return err
		}
		return encode(w, inviteAPI(v, false))
	}
}

// handleClose cancels or acknowledges the organization's invitation to the
// tenant or user {id}.
func (s *Server) handleClose(kind tenantry.InvitationType, acknowledge bool) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
		var v service.InvitationResult
		var err error
		if acknowledge {
			v, err = s.svc.AcknowledgeInvitation(r.Context(), a, kind, r.PathValue("id"))
		} else {
			v, err = s.svc.CancelInvitation(r.Context(), a, kind, r.PathValue("id"))
		}
		if err != nil {
			return err
		}
		return encode(w, inviteAPI(v, kind == tenantry.InviteTenant && !v.TenantIsMember))
	}
}

// OrganizationTenantAPI is the reference's OrganizationTenant.
type OrganizationTenantAPI struct {
	ID            string            `json:"id"`
	DeveloperName string            `json:"developerName"`
	ParentID      *string           `json:"parentId"`
	AddedAt       time.Time         `json:"addedAt"`
	AddedBy       *BuilderWhoAPI    `json:"addedBy"`
	UserCount     int               `json:"userCount"`
	Subtenants    []OrgSubtenantAPI `json:"subtenants"`
}

// OrgSubtenantAPI is TenantMinimalAPI with the subtenant's parent and date
// (SPEC §9).
type OrgSubtenantAPI struct {
	ID            string    `json:"id"`
	DeveloperName string    `json:"developerName"`
	UserCount     int       `json:"userCount"`
	ParentID      string    `json:"parentId"`
	AddedAt       time.Time `json:"addedAt"`
}

func orgTenantAPI(ot tenantry.OrgTenant) OrganizationTenantAPI {
	out := OrganizationTenantAPI{ID: ot.Tenant.ID, DeveloperName: ot.Tenant.Name, AddedAt: ot.AddedAt,
		AddedBy: builderWho(ot.AddedBy), UserCount: ot.UserCount, Subtenants: make([]OrgSubtenantAPI, 0, len(ot.Subtenants))}
	for _, st := range ot.Subtenants {
		out.Subtenants = append(out.Subtenants, OrgSubtenantAPI{ID: st.Tenant.ID, DeveloperName: st.Tenant.FullName(),
			UserCount: st.UserCount, ParentID: ot.Tenant.ID, AddedAt: st.AddedAt})
	}
	return out
}

func (s *Server) handleOrgTenants(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	q := r.URL.Query()
	var v tenantry.Validation
	limit := intParam(q, "limit", &v)
	if q.Has("limit") && limit == 0 {
		v.Add("limit", "limit is between 1 and 1000")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if q.Get("cursor") != "" && limit == 0 {
		limit = service.DefaultPageSize
	}
	page, err := s.svc.OrgTenants(r.Context(), a, service.OrgTenantsQuery{Search: q.Get("search"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	out := make([]OrganizationTenantAPI, 0, len(page.Tenants))
	for _, ot := range page.Tenants {
		out = append(out, orgTenantAPI(ot))
	}
	if page.Next != "" {
		next := *r.URL
		nq := next.Query()
		nq.Set("cursor", page.Next)
		nq.Set("limit", strconv.Itoa(limit))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
	}
	return encode(w, out)
}

// orgTenantInput is OrganizationTenantCreationRequest.
type orgTenantInput struct {
	DeveloperName string `json:"developerName"`
	Users         []struct {
		ID    string    `json:"id"`
		Email string    `json:"email"`
		Role  roleInput `json:"role"`
	} `json:"users"`
}

func (s *Server) handleCreateOrgTenant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[orgTenantInput](r)
	if err != nil {
		return err
	}
	users := make([]service.NewTenantUser, 0, len(in.Users))
	var v tenantry.Validation
	for i, u := range in.Users {
		if u.Role.Err != nil {
			v.Add("users["+strconv.Itoa(i)+"].role", u.Role.Err.Error())
		}
		users = append(users, service.NewTenantUser{ID: u.ID, Email: u.Email, Role: u.Role.Role})
	}
	if err := v.Err(); err != nil {
		return err
	}
	ot, err := s.svc.CreateOrgTenant(r.Context(), a, in.DeveloperName, users)
	if err != nil {
		return err
	}
	return encode(w, orgTenantAPI(ot))
}

func (s *Server) handleRemoveOrgTenant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.RemoveOrgTenant(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return empty(w)
}

func (s *Server) handleOrgTenantUsers(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var v tenantry.Validation
	q := r.URL.Query()
	p := service.Page{Page: intParam(q, "page", &v), PageSize: intParam(q, "pageSize", &v)}
	if err := v.Err(); err != nil {
		return err
	}
	tm, err := s.svc.OrgTenantUsers(r.Context(), a, r.PathValue("tenantId"), p)
	if err != nil {
		return err
	}
	return encode(w, userEnvelope(r, tm.Members, tm.Total, tm.Page))
}

// OrganizationUserAPI is the reference's OrganizationUser.
type OrganizationUserAPI struct {
	ID        string         `json:"id"`
	Email     string         `json:"email"`
	FirstName string         `json:"firstName"`
	LastName  string         `json:"lastName"`
	Role      string         `json:"role"`
	AddedAt   time.Time      `json:"addedAt"`
	AddedBy   *BuilderWhoAPI `json:"addedBy"`
}

func (s *Server) handleOrgUsers(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	admins, err := s.svc.OrgAdmins(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]OrganizationUserAPI, 0, len(admins))
	for _, ad := range admins {
		out = append(out, OrganizationUserAPI{ID: ad.User.ID, Email: ad.User.Email, FirstName: ad.User.FirstName,
			LastName: ad.User.LastName, Role: "administrator", AddedAt: ad.AddedAt, AddedBy: builderWho(ad.AddedBy)})
	}
	return pageArray(w, r, out)
}

func (s *Server) handleRemoveOrgUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.RemoveOrgAdmin(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return empty(w)
}

// OrganizationAPI is Tenantry's addition GET /api/admin/1/organization.
type OrganizationAPI struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Licence LicenceAPI      `json:"licence"`
	Limits  tenantry.Limits `json:"limits"`
	Usage   UsageAPI        `json:"usage"`
}

// LicenceAPI describes the organization's licence.
type LicenceAPI struct {
	ID          string    `json:"id"`
	Licensee    string    `json:"licensee"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Expired     bool      `json:"expired"`
	Development bool      `json:"development"`
}

// UsageAPI is the organization's use of its limits.
type UsageAPI struct {
	Tenants        MembersPending `json:"tenants"`
	Administrators MembersPending `json:"administrators"`
	Runtimes       int            `json:"runtimes"`
	Users          int            `json:"users"`
}

// MembersPending counts members and live invitations.
type MembersPending struct {
	Members int `json:"members"`
	Pending int `json:"pending"`
}

func (s *Server) handleOrganization(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	info, err := s.svc.Organization(r.Context(), a)
	if err != nil {
		return err
	}
	l, u := info.Org.Licence, info.Usage
	return encode(w, OrganizationAPI{
		ID: info.Org.ID, Name: info.Org.Name,
		Licence: LicenceAPI{ID: l.ID, Licensee: l.Licensee, ExpiresAt: l.ExpiresAt, Expired: info.Expired, Development: l.Development},
		Limits:  l.Limits,
		Usage: UsageAPI{Tenants: MembersPending{u.TenantMembers, u.TenantPending},
			Administrators: MembersPending{u.AdminMembers, u.AdminPending}, Runtimes: u.Runtimes, Users: u.Users},
	})
}
