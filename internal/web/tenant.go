package web

import (
	"net/http"
	"strconv"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// tenantData fills the tenant settings page.
type tenantData struct {
	View     service.TenantView
	Members  []tenantry.Member
	Total    int
	Page     service.Page
	NextPage int
	PrevPage int
}

func (s *Server) tenantPage(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string, p page) {
	pageNo, _ := strconv.Atoi(r.URL.Query().Get("page"))
	view, err := s.svc.CurrentTenant(r.Context(), a, true)
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	members, total, pg, err := s.svc.Members(r.Context(), a, service.Page{Page: max(pageNo, 1), PageSize: 50})
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	d := tenantData{View: view, Members: members, Total: total, Page: pg}
	if pg.Page*pg.PageSize < total {
		d.NextPage = pg.Page + 1
	}
	if pg.Page > 1 {
		d.PrevPage = pg.Page - 1
	}
	p.Title, p.Actor, p.CSRF, p.Section, p.Data = "Tenant settings", a, csrf, "tenant", d
	s.render(w, r, "tenant", p)
}

func (s *Server) handleTenant(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	s.tenantPage(w, r, a, csrf, page{})
}

func (s *Server) handleTenantAddUser(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	role, err := parseRoleField(r.PostFormValue("role"))
	if err == nil {
		_, err = s.svc.AddMember(r.Context(), a, service.AddMemberInput{Email: r.PostFormValue("email"), Role: role,
			FirstName: r.PostFormValue("firstName"), LastName: r.PostFormValue("lastName")})
	}
	if err != nil {
		s.tenantPage(w, r, a, csrf, page{Status: api.Status(err), Form: r.PostForm, Errors: withForm(fieldErrors(err, "add."), "add", s.message(r, err))})
		return
	}
	s.flash(w, r, r.PostFormValue("email")+" is a member of the tenant.")
	redirect(w, r, "/settings/tenant")
}

func (s *Server) handleTenantRole(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	id := r.PathValue("id")
	role, err := parseRoleField(r.PostFormValue("role"))
	if err == nil {
		_, err = s.svc.SetMemberRole(r.Context(), a, id, role)
	}
	if err != nil {
		s.tenantPage(w, r, a, csrf, page{Status: api.Status(err), Errors: map[string]string{"member." + id: s.message(r, err)}})
		return
	}
	s.flash(w, r, "The role is changed.")
	redirect(w, r, "/settings/tenant")
}

func (s *Server) handleTenantRemoveUser(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	id := r.PathValue("id")
	if err := s.svc.RemoveMember(r.Context(), a, id); err != nil {
		s.tenantPage(w, r, a, csrf, page{Status: api.Status(err), Errors: map[string]string{"member." + id: s.message(r, err)}})
		return
	}
	s.flash(w, r, "The user is removed from the tenant.")
	redirect(w, r, "/settings/tenant")
}

func (s *Server) handleTenantSubtenant(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	t, err := s.svc.CreateSubtenant(r.Context(), a, r.PostFormValue("name"), r.PostFormValue("summary"))
	if err != nil {
		s.tenantPage(w, r, a, csrf, page{Status: api.Status(err), Form: r.PostForm, Errors: withForm(fieldErrors(err, "sub."), "sub", s.message(r, err))})
		return
	}
	s.flash(w, r, "@"+t.FullName()+" is created; you are its administrator.")
	redirect(w, r, "/settings/tenant")
}

// parseRoleField reads a role from a form: a bad one is invalid input on
// the role field, as the service would answer it.
func parseRoleField(s string) (tenantry.Role, error) {
	role, err := tenantry.ParseRole(s)
	var v tenantry.Validation
	v.Check("role", err)
	return role, v.Err()
}
