package web

import (
	"net/http"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// accountData fills the account page.
type accountData struct {
	Profile service.Profile
	Orgs    []service.UserOrganization
	Keys    []tenantry.APIKey
	// NewKey is a key just created, with its secret: shown this once.
	NewKey       *tenantry.APIKey
	NewKeySecret string
	TenantNames  map[string]string
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string, p page) {
	d := accountData{}
	if prev, ok := p.Data.(accountData); ok {
		d = prev
	}
	var err error
	if d.Profile, err = s.svc.Me(r.Context(), a); err == nil {
		if d.Orgs, err = s.svc.MyOrganizations(r.Context(), a); err == nil {
			d.Keys, err = s.svc.APIKeys(r.Context(), a)
		}
	}
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	d.TenantNames = map[string]string{}
	for _, t := range d.Profile.Tenants {
		d.TenantNames[t.ID] = "@" + t.FullName()
	}
	p.Title, p.Actor, p.CSRF, p.Section, p.Data = "Your account", a, csrf, "account", d
	s.render(w, r, "account", p)
}

// fail shows an unexpected refusal on the message page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string, err error) {
	s.render(w, r, "message", page{Title: "Not available", Actor: a, CSRF: csrf, Status: api.Status(err),
		Data: messageData{Heading: "This is not available", Text: s.message(r, err), Link: "/account", LinkText: "Back to your account"}})
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	s.accountPage(w, r, a, csrf, page{})
}

func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	first, last := r.PostFormValue("firstName"), r.PostFormValue("lastName")
	if _, err := s.svc.UpdateMe(r.Context(), a, &first, &last); err != nil {
		s.accountPage(w, r, a, csrf, page{Status: api.Status(err), Form: r.PostForm, Errors: withForm(fieldErrors(err, ""), "profile", s.message(r, err))})
		return
	}
	s.flash(w, r, "Your name is saved.")
	redirect(w, r, "/account")
}

// withForm adds a form-level message when no field carries the error.
func withForm(errs map[string]string, form, msg string) map[string]string {
	if len(errs) == 0 {
		errs[form] = msg
	}
	return errs
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	errs := map[string]string{}
	if r.PostFormValue("newPassword") != r.PostFormValue("confirm") {
		errs["confirm"] = "The two new passwords are not the same."
		s.accountPage(w, r, a, csrf, page{Status: http.StatusUnprocessableEntity, Errors: errs})
		return
	}
	if err := s.svc.ChangePassword(r.Context(), a, r.PostFormValue("currentPassword"), r.PostFormValue("newPassword")); err != nil {
		s.accountPage(w, r, a, csrf, page{Status: api.Status(err), Errors: withForm(fieldErrors(err, ""), "password", s.message(r, err))})
		return
	}
	s.flash(w, r, "Your password is changed. Your other sessions are signed out.")
	redirect(w, r, "/account")
}

func (s *Server) handleSwitchTenant(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	if err := s.svc.SwitchTenant(r.Context(), a, r.PostFormValue("tenant")); err != nil {
		s.accountPage(w, r, a, csrf, page{Status: api.Status(err), Errors: map[string]string{"tenant": s.message(r, err)}})
		return
	}
	redirect(w, r, safeNext(r.PostFormValue("next")))
}

func (s *Server) handleSwitchOrganization(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	if err := s.svc.SwitchOrganization(r.Context(), a, r.PostFormValue("organization")); err != nil {
		s.accountPage(w, r, a, csrf, page{Status: api.Status(err), Errors: map[string]string{"organization": s.message(r, err)}})
		return
	}
	redirect(w, r, "/settings/organization")
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	k, secret, err := s.svc.CreateAPIKey(r.Context(), a, r.PostFormValue("name"), r.PostFormValue("tenant"))
	if err != nil {
		s.accountPage(w, r, a, csrf, page{Status: api.Status(err), Form: r.PostForm, Errors: withForm(fieldErrors(err, "key."), "key", s.message(r, err))})
		return
	}
	// The secret is shown on this answer only: no redirect, nothing stored.
	s.accountPage(w, r, a, csrf, page{Data: accountData{NewKey: &k, NewKeySecret: secret}})
}

func (s *Server) handleDeleteKey(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	name := r.PostFormValue("name")
	if err := s.svc.DeleteAPIKey(r.Context(), a, name); err != nil {
		s.accountPage(w, r, a, csrf, page{Status: api.Status(err), Errors: map[string]string{"keys": s.message(r, err)}})
		return
	}
	s.flash(w, r, "The API key "+name+" is deleted; it no longer works.")
	redirect(w, r, "/account")
}
