package web

import (
	"net/http"
	"net/url"

	"tenantry/internal/service"
)

// routes lists every page and form of the web interface in one place.
func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFiles)))
	m.HandleFunc("GET /{$}", s.handleHome)
	m.HandleFunc("GET /", s.handleNotFound) // GET only: other methods keep the mux's 405

	m.HandleFunc("GET /signin", s.handleSignInPage)
	m.HandleFunc("POST /signin", s.handleSignIn)
	m.HandleFunc("POST /signout", s.signedIn(s.handleSignOut))
	m.HandleFunc("GET /setup", s.handleLinkPage(linkSetup))
	m.HandleFunc("POST /setup", s.handleLinkUse(linkSetup))
	m.HandleFunc("GET /reset", s.handleLinkPage(linkReset))
	m.HandleFunc("POST /reset", s.handleLinkUse(linkReset))
	m.HandleFunc("GET /forgot", s.handleForgotPage)
	m.HandleFunc("POST /forgot", s.handleForgot)

	m.HandleFunc("GET /account", s.signedIn(s.handleAccount))
	m.HandleFunc("POST /account/profile", s.signedIn(s.handleProfile))
	m.HandleFunc("POST /account/password", s.signedIn(s.handlePassword))
	m.HandleFunc("POST /account/tenant", s.signedIn(s.handleSwitchTenant))
	m.HandleFunc("POST /account/organization", s.signedIn(s.handleSwitchOrganization))
	m.HandleFunc("POST /account/keys", s.signedIn(s.handleCreateKey))
	m.HandleFunc("POST /account/keys/delete", s.signedIn(s.handleDeleteKey))

	m.HandleFunc("GET /settings/tenant", s.signedIn(s.handleTenant))
	m.HandleFunc("POST /settings/tenant/users", s.signedIn(s.handleTenantAddUser))
	m.HandleFunc("POST /settings/tenant/users/{id}/role", s.signedIn(s.handleTenantRole))
	m.HandleFunc("POST /settings/tenant/users/{id}/remove", s.signedIn(s.handleTenantRemoveUser))
	m.HandleFunc("POST /settings/tenant/subtenants", s.signedIn(s.handleTenantSubtenant))

	const org = "/settings/organization"
	m.HandleFunc("GET "+org, s.signedIn(s.handleOrganization))
	m.HandleFunc("GET "+org+"/audit", s.signedIn(s.handleAudit))
	m.HandleFunc("GET "+org+"/audit/export", s.signedIn(s.handleAuditExport))
	m.HandleFunc("GET "+org+"/tenants/{id}/users", s.signedIn(s.handleOrgTenantUsers))
	m.HandleFunc("POST "+org+"/invitations/{kind}/{id}/{answer}", s.signedIn(s.handleAnswer))
	m.HandleFunc("POST "+org+"/invite-tenant", s.signedIn(s.handleInviteTenant))
	m.HandleFunc("POST "+org+"/invite-user", s.signedIn(s.handleInviteUser))
	m.HandleFunc("POST "+org+"/sent/{kind}/{id}/delete", s.signedIn(s.handleDeleteSent))
	m.HandleFunc("POST "+org+"/tenants", s.signedIn(s.handleCreateTenant))
	m.HandleFunc("POST "+org+"/tenants/{id}/remove", s.signedIn(s.handleRemoveTenant))
	m.HandleFunc("POST "+org+"/administrators/{id}/remove", s.signedIn(s.handleRemoveAdmin))
	m.HandleFunc("POST "+org+"/runtimes", s.signedIn(s.handleCreateRuntime))
	m.HandleFunc("GET "+org+"/runtimes/{id}", s.signedIn(s.handleRuntime))
	m.HandleFunc("POST "+org+"/runtimes/{id}", s.signedIn(s.handleUpdateRuntime))
	m.HandleFunc("POST "+org+"/runtimes/{id}/delete", s.signedIn(s.handleDeleteRuntime))
}

// signedInHandler is a page or form for a signed-in user; token is their
// session's, for the CSRF check and token.
type signedInHandler func(w http.ResponseWriter, r *http.Request, a *service.Actor, csrf string)

// signedIn sends signed-out visitors to the sign-in page and refuses form
// posts without the session's CSRF token.
func (s *Server) signedIn(h signedInHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, token := s.actor(r)
		if a == nil {
			if r.Method == http.MethodGet {
				redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()))
				return
			}
			s.render(w, r, "message", page{Title: "Signed out", Status: http.StatusUnauthorized,
				Data: messageData{Heading: "Your session has ended", Text: "Sign in again, then repeat what you were doing.", Link: "/signin", LinkText: "Sign in"}})
			return
		}
		if r.Method == http.MethodPost && !s.checkCSRF(r, token) {
			s.render(w, r, "message", page{Title: "Form expired", Actor: a, CSRF: csrfFor(token), Status: http.StatusForbidden,
				Data: messageData{Heading: "This form has expired", Text: "The form was not sent from this session. Go back, reload the page and try again.", Link: "/account", LinkText: "Back to your account"}})
			return
		}
		h(w, r, a, csrfFor(token))
	}
}

// handleNotFound answers a path that is no page with a page that says so.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	a, token := s.actor(r)
	p := page{Title: "Not found", Actor: a, Status: http.StatusNotFound,
		Data: messageData{Heading: "There is no such page", Text: "The address may be mistyped, or the page has moved.", Link: "/", LinkText: "Go to the start page"}}
	if a != nil {
		p.CSRF = csrfFor(token)
	}
	s.render(w, r, "message", p)
}

// messageData is the content of the message page.
type messageData struct {
	Heading, Text, Link, LinkText string
}
