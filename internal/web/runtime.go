package web

import (
	"net/http"
	"strings"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/store"
)

// runtimeData fills a runtime's page.
type runtimeData struct {
	Detail   service.RuntimeDetail
	Failures []store.RuntimeFailure
	// Choices are the tenants that may share it: the organization's tenants
	// and their subtenants.
	Choices []tenantChoice
	// Token is the installation token, on the answer that created it only.
	Token   string
	Command string
}

// tenantChoice is a tenant in the share picker.
type tenantChoice struct {
	ID, Name string
	Shared   bool
}

func (s *Server) tenantChoices(r *http.Request, a *service.Actor, shared map[string]bool) []tenantChoice {
	page, err := s.svc.OrgTenants(r.Context(), a, service.OrgTenantsQuery{})
	if err != nil {
		return nil
	}
	var out []tenantChoice
	for _, t := range page.Tenants {
		out = append(out, tenantChoice{ID: t.Tenant.ID, Name: "@" + t.Tenant.Name, Shared: shared[t.Tenant.ID]})
		for _, st := range t.Subtenants {
			out = append(out, tenantChoice{ID: st.Tenant.ID, Name: "@" + st.Tenant.FullName(), Shared: shared[st.Tenant.ID]})
		}
	}
	return out
}

// installCommand is the exact command that starts the first node.
func (s *Server) installCommand(r *http.Request, token string) string {
	platform := s.opts.BaseURL
	if platform == "" {
		scheme := "http"
		if s.secure(r) {
			scheme = "https"
		}
		platform = scheme + "://" + r.Host
	}
	return "tenantry runtime --platform " + platform + " --installation-token " + token + " --state ./runtime-state --addr 127.0.0.1:9090"
}

func (s *Server) runtimePage(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf, id string, p page) {
	d, err := s.svc.Runtime(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, a, csrf, err)
		return
	}
	rd := runtimeData{Detail: d}
	if prev, ok := p.Data.(runtimeData); ok {
		rd.Token, rd.Command = prev.Token, prev.Command
	}
	rd.Failures, _, _, _ = s.svc.RuntimeFailures(r.Context(), a, id, service.Page{Page: 1, PageSize: 20})
	shared := map[string]bool{}
	for _, sh := range d.Shares {
		shared[sh.Tenant.ID] = true
	}
	rd.Choices = s.tenantChoices(r, a, shared)
	p.Title, p.Actor, p.CSRF, p.Section, p.Data = "Local runtime "+d.Runtime.Name, a, csrf, "organization", rd
	s.render(w, r, "runtime", p)
}

func (s *Server) handleRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	s.runtimePage(w, r, a, csrf, r.PathValue("id"), page{})
}

func (s *Server) handleCreateRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	r.ParseForm()
	d, token, err := s.svc.CreateRuntime(r.Context(), a, r.PostFormValue("name"), r.PostForm["tenant"])
	if err != nil {
		s.orgFail(w, r, a, csrf, "createRuntime", err)
		return
	}
	// The token is shown on this answer only.
	s.runtimePage(w, r, a, csrf, d.Runtime.ID, page{Data: runtimeData{Token: token, Command: s.installCommand(r, token)}})
}

func (s *Server) handleUpdateRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	r.ParseForm()
	id := r.PathValue("id")
	name := strings.TrimSpace(r.PostFormValue("name"))
	tenants := r.PostForm["tenant"]
	if tenants == nil {
		tenants = []string{} // every box unticked: no shares
	}
	if _, err := s.svc.UpdateRuntime(r.Context(), a, id, &name, &tenants); err != nil {
		errs := withForm(fieldErrors(err, "runtime."), "runtime", s.message(r, err))
		s.runtimePage(w, r, a, csrf, id, page{Status: api.Status(err), Errors: errs})
		return
	}
	s.flash(w, r, "The connection is saved; its nodes have its tenants now.")
	redirect(w, r, "/settings/organization/runtimes/"+id)
}

func (s *Server) handleDeleteRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string) {
	id := r.PathValue("id")
	if err := s.svc.DeleteRuntime(r.Context(), a, id); err != nil {
		s.runtimePage(w, r, a, csrf, id, page{Status: api.Status(err), Errors: map[string]string{"delete": s.message(r, err)}})
		return
	}
	s.orgDone(w, r, "The connection is deleted; its nodes were disconnected.", "#runtimes")
}
