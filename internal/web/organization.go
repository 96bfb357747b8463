package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"tenantry/internal/api"

	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// orgData fills the Organization Settings page.
type orgData struct {
	// The standard view: everyone.
	CurrentTenant     *tenantry.MembershipTenant
	TenantOrg         *service.UserOrganization // the current tenant's organization
	TenantInvitations []service.InvitationView  // to the current tenant (its administrators)
	UserInvitations   []service.InvitationView  // to the signed-in user
	// The administrator's view.
	IsAdmin        bool
	Info           service.OrganizationInfo
	ExpiresInDays  int
	ExpiringSoon   bool
	DevelopmentKey bool
	Tenants        store.OrgTenantPage
	Search         string
	SentTenants    []service.InvitationView
	SentUsers      []service.InvitationView
	Admins         []tenantry.OrgAdmin
	TenantUsers    []tenantry.Member // users of the current tenant, for Create Tenant
	Runtimes       []service.RuntimeSummary
	Now            time.Time
}

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string, p page) {
	ctx := r.Context()
	d := orgData{Now: time.Now().UTC(), DevelopmentKey: s.opts.DevelopmentLicenceKey}
	prof, err := s.svc.Me(ctx, a)
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	for i := range prof.Tenants {
		if prof.Tenants[i].ID == a.TenantID {
			d.CurrentTenant = &prof.Tenants[i]
		}
	}
	if d.CurrentTenant != nil && d.CurrentTenant.OrganizationID != "" {
		d.TenantOrg = &service.UserOrganization{ID: d.CurrentTenant.OrganizationID, Name: d.CurrentTenant.OrganizationName}
	}
	all, err := s.svc.MyInvitations(ctx, a, "")
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	for _, v := range all {
		if v.Type == tenantry.InviteTenant {
			d.TenantInvitations = append(d.TenantInvitations, v)
		} else {
			d.UserInvitations = append(d.UserInvitations, v)
		}
	}
	info, err := s.svc.Organization(ctx, a)
	switch {
	case err == nil:
		d.IsAdmin, d.Info = true, info
		d.ExpiresInDays = info.Org.Licence.DaysLeft(d.Now)
		d.ExpiringSoon = d.ExpiresInDays < 30
		d.Search = strings.TrimSpace(r.URL.Query().Get("search"))
		if d.Tenants, err = s.svc.OrgTenants(ctx, a, service.OrgTenantsQuery{Search: d.Search, Cursor: r.URL.Query().Get("cursor"), Limit: 50}); err != nil {
			s.fail(w, r, a, csrf, err)
			return
		}
		if d.SentTenants, err = s.svc.OrgInvitations(ctx, a, tenantry.InviteTenant); err == nil {
			if d.SentUsers, err = s.svc.OrgInvitations(ctx, a, tenantry.InviteUser); err == nil {
				if d.Admins, err = s.svc.OrgAdmins(ctx, a); err == nil {
					d.Runtimes, err = s.svc.Runtimes(ctx, a)
				}
			}
		}
		if err != nil {
			s.fail(w, r, a, csrf, err)
			return
		}
		if a.TenantID != "" && a.Role == tenantry.RoleAdministrator {
			d.TenantUsers, _, _, _ = s.svc.Members(ctx, a, service.Page{Page: 1, PageSize: 1000})
		}
	case tenantry.IsCode(err, tenantry.CodeForbidden), tenantry.IsCode(err, tenantry.CodeNotFound):
		// Not an administrator of an organization: the standard view.
	default:
		s.fail(w, r, a, csrf, err)
		return
	}
	p.Title, p.Actor, p.CSRF, p.Section, p.Data = "Organization settings", a, csrf, "organization", d
	s.render(w, r, "organization", p)
}

func (s *Server) handleOrganization(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	s.orgPage(w, r, a, csrf, page{})
}

// orgFail shows a refusal on the Organization Settings page, next to the form
// (key) that caused it.
func (s *Server) orgFail(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf, key string, err error) {
	errs := fieldErrors(err, key+".")
	errs[key] = s.message(r, err)
	s.orgPage(w, r, a, csrf, page{Status: api.Status(err), Form: r.PostForm, Errors: errs})
}

func (s *Server) orgDone(w http.ResponseWriter, r *http.Request, msg, anchor string) {
	s.flash(w, r, msg)
	redirect(w, r, "/settings/organization"+anchor)
}

// handleAnswer joins or rejects an invitation: for the current tenant
// (kind tenant) or for the signed-in user (kind user).
func (s *Server) handleAnswer(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	kind, orgID, answer := r.PathValue("kind"), r.PathValue("id"), r.PathValue("answer")
	accept := answer == "join"
	if !accept && answer != "reject" || kind != "tenant" && kind != "user" {
		http.NotFound(w, r)
		return
	}
	var v service.InvitationResult
	var err error
	if kind == "tenant" {
		v, err = s.svc.AnswerTenantInvitation(r.Context(), a, orgID, accept)
	} else {
		v, err = s.svc.AnswerUserInvitation(r.Context(), a, orgID, accept)
	}
	if err != nil {
		s.orgFail(w, r, a, csrf, "invitation."+orgID, err)
		return
	}
	if accept && kind == "user" {
		// Accepting in the browser selects that organization (SPEC §1).
		if err := s.svc.SwitchOrganization(r.Context(), a, v.OrganizationID); err != nil {
			s.log.WarnContext(r.Context(), "select organization", "err", err)
		}
		s.orgDone(w, r, "You are an administrator of "+v.OrganizationName+".", "")
		return
	}
	if accept {
		s.orgDone(w, r, "Your tenant joined "+v.OrganizationName+".", "")
		return
	}
	s.orgDone(w, r, "You rejected the invitation from "+v.OrganizationName+".", "")
}

func (s *Server) handleInviteTenant(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	target := strings.TrimSpace(r.PostFormValue("tenant"))
	t := service.InviteTarget{Name: target}
	if service.ValidID(target) {
		t = service.InviteTarget{ID: target}
	}
	if err := s.svc.InviteTenant(r.Context(), a, t); err != nil {
		s.orgFail(w, r, a, csrf, "inviteTenant", err)
		return
	}
	s.orgDone(w, r, "The invitation is sent to the administrators of "+target+".", "#tenants")
}

func (s *Server) handleInviteUser(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	target := strings.TrimSpace(r.PostFormValue("user"))
	t := service.InviteTarget{Email: target}
	if service.ValidID(target) {
		t = service.InviteTarget{ID: target}
	}
	if err := s.svc.InviteUser(r.Context(), a, t); err != nil {
		s.orgFail(w, r, a, csrf, "inviteUser", err)
		return
	}
	s.orgDone(w, r, "The invitation is sent to "+target+".", "#administrators")
}

// handleDeleteSent clears a sent invitation: cancel while it is pending,
// acknowledge once rejected or expired.
func (s *Server) handleDeleteSent(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	kind := tenantry.InviteTenant
	if r.PathValue("kind") == "user" {
		kind = tenantry.InviteUser
	}
	id := r.PathValue("id")
	_, err := s.svc.CancelInvitation(r.Context(), a, kind, id)
	if tenantry.IsCode(err, tenantry.CodeInvitationNotPending) {
		_, err = s.svc.AcknowledgeInvitation(r.Context(), a, kind, id)
	}
	if err != nil {
		s.orgFail(w, r, a, csrf, "sent."+id, err)
		return
	}
	anchor := "#tenants"
	if kind == tenantry.InviteUser {
		anchor = "#administrators"
	}
	s.orgDone(w, r, "The invitation is deleted.", anchor)
}

// handleCreateTenant creates a tenant from the form's rows of users: email[i]
// or id[i], with role[i].
func (s *Server) handleCreateTenant(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	r.ParseForm()
	emails, roles := r.PostForm["email"], r.PostForm["role"]
	var users []service.NewTenantUser
	for i, e := range emails {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		role := tenantry.RoleStandard // a row without a role choice
		if i < len(roles) {
			var err error
			if role, err = parseRoleField(roles[i]); err != nil {
				s.orgFail(w, r, a, csrf, "createTenant", err)
				return
			}
		}
		users = append(users, service.NewTenantUser{Email: e, Role: role})
	}
	t, err := s.svc.CreateOrgTenant(r.Context(), a, r.PostFormValue("name"), users)
	if err != nil {
		s.orgFail(w, r, a, csrf, "createTenant", err)
		return
	}
	s.orgDone(w, r, "@"+t.Tenant.Name+" is created in the organization.", "#tenants")
}

func (s *Server) handleRemoveTenant(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	id := r.PathValue("id")
	if err := s.svc.RemoveOrgTenant(r.Context(), a, id); err != nil {
		s.orgFail(w, r, a, csrf, "tenant."+id, err)
		return
	}
	s.orgDone(w, r, "The tenant is removed from the organization; its administrators are told by email.", "#tenants")
}

func (s *Server) handleRemoveAdmin(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	id := r.PathValue("id")
	if err := s.svc.RemoveOrgAdmin(r.Context(), a, id); err != nil {
		key := "admin." + id
		if strings.EqualFold(id, a.User.ID) {
			key = "leave"
		}
		s.orgFail(w, r, a, csrf, key, err)
		return
	}
	if strings.EqualFold(id, a.User.ID) {
		s.orgDone(w, r, "You left the organization.", "")
		return
	}
	s.orgDone(w, r, "The administrator is removed; they are told by email.", "#administrators")
}

// auditData fills the audit page.
type auditData struct {
	Page   service.AuditPage
	Query  map[string]string
	Export string // the query string for export links
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	q := r.URL.Query()
	var v tenantry.Validation
	query := api.AuditQueryFrom(q, &v)
	query.Limit = 50
	errs := fieldErrors(v.Err(), "")
	var pg service.AuditPage
	var err error
	if len(errs) == 0 {
		pg, err = s.svc.OrgAudit(r.Context(), a, query)
	}
	if err != nil && (tenantry.IsCode(err, tenantry.CodeForbidden) || tenantry.IsCode(err, tenantry.CodeNotFound)) {
		s.fail(w, r, a, csrf, err)
		return
	}
	if err != nil {
		errs = withForm(fieldErrors(err, ""), "audit", s.message(r, err))
	}
	export := q
	export.Del("cursor")
	d := auditData{Page: pg, Export: export.Encode(), Query: map[string]string{"action": q.Get("action"), "actor": q.Get("actor"),
		"target": q.Get("target"), "from": q.Get("from"), "to": q.Get("to")}}
	s.render(w, r, "audit", page{Title: "Audit log", Actor: a, CSRF: csrf, Section: "audit", Data: d, Errors: errs})
}

// orgTenantUsersData fills the page of a member tenant's users.
type orgTenantUsersData struct {
	Name               string
	Members            []tenantry.Member
	Total, Page        int
	PrevPage, NextPage int
}

func (s *Server) handleOrgTenantUsers(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	pageNo, _ := strconv.Atoi(r.URL.Query().Get("page"))
	tm, err := s.svc.OrgTenantUsers(r.Context(), a, r.PathValue("id"), service.Page{Page: max(pageNo, 1), PageSize: 100})
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	pg := tm.Page
	d := orgTenantUsersData{Members: tm.Members, Total: tm.Total, Page: pg.Page, Name: tm.Tenant.FullName()}
	if pg.Page*pg.PageSize < tm.Total {
		d.NextPage = pg.Page + 1
	}
	if pg.Page > 1 {
		d.PrevPage = pg.Page - 1
	}
	s.render(w, r, "orgtenantusers", page{Title: "Tenant users", Actor: a, CSRF: csrf, Section: "organization", Data: d})
}

// handleAuditExport downloads the filtered audit log as CSV or JSON lines.
func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	q := r.URL.Query()
	var v tenantry.Validation
	query := api.AuditQueryFrom(q, &v)
	query.Cursor = ""
	err := v.Err()
	if err == nil {
		err = api.ExportAudit(w, r, s.svc, a, query, q.Get("format"))
	}
	if err != nil {
		s.fail(w, r, a, csrf, err)
	}
}
