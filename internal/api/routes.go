package api

import (
	"net/http"

	"tenantry/internal/tenantry"
)

// routes lists every endpoint of the API in one place.
func (s *Server) routes() {
	m := s.mux
	// Operations.
	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handle(s.handleReadyz))
	if s.opts.Metrics != nil {
		m.HandleFunc("GET /metrics", s.handle(s.handleMetrics))
	}

	// Sign-in (Boomi Flow's draw API).
	m.HandleFunc("POST /api/draw/1/authentication", s.handle(s.handleAuthentication))

	// The signed-in user.
	m.HandleFunc("GET /api/admin/1/users/me", s.authed(s.handleGetMe))
	m.HandleFunc("PUT /api/admin/1/users/me", s.authed(s.handlePutMe))
	m.HandleFunc("GET /api/admin/1/users/me/keys", s.authed(s.handleListKeys))
	m.HandleFunc("POST /api/admin/1/users/me/keys", s.authed(s.handleCreateKey))
	m.HandleFunc("DELETE /api/admin/1/users/me/keys/{name}", s.authed(s.handleDeleteKey))

	// Tenant administration.
	m.HandleFunc("GET /api/admin/1/tenant", s.authed(s.handleGetTenant))
	m.HandleFunc("POST /api/admin/1/tenant", s.authed(s.handleUpdateTenant))
	m.HandleFunc("GET /api/admin/1/tenant/subtenants", s.authed(s.handleListSubtenants))
	m.HandleFunc("POST /api/admin/1/tenant/subtenants", s.authed(s.handleCreateSubtenant))
	m.HandleFunc("GET /api/admin/1/users", s.authed(s.handleListUsers))
	m.HandleFunc("POST /api/admin/1/users", s.authed(s.handleAddUser))
	m.HandleFunc("GET /api/admin/1/users/{id}", s.authed(s.handleGetUser))
	m.HandleFunc("PUT /api/admin/1/users/{id}", s.authed(s.handleUpdateUser))
	m.HandleFunc("DELETE /api/admin/1/users/{id}", s.authed(s.handleRemoveUser))

	// Organizations.
	const org = "/api/admin/1/organization"
	m.HandleFunc("GET "+org, s.authed(s.handleOrganization))
	m.HandleFunc("GET "+org+"/audit", s.authed(s.handleAudit))
	m.HandleFunc("GET "+org+"/invites", s.authed(s.handleMyInvites))
	m.HandleFunc("GET "+org+"/invites/tenants", s.authed(s.handleOrgInvites(tenantry.InviteTenant)))
	m.HandleFunc("POST "+org+"/invites/tenants", s.authed(s.handleInviteTenant))
	m.HandleFunc("PUT "+org+"/invites/tenants/{id}", s.authed(s.handleAnswer(tenantry.InviteTenant, true)))
	m.HandleFunc("DELETE "+org+"/invites/tenants/{id}", s.authed(s.handleAnswer(tenantry.InviteTenant, false)))
	m.HandleFunc("PATCH "+org+"/invites/tenants/cancel/{id}", s.authed(s.handleClose(tenantry.InviteTenant, false)))
	m.HandleFunc("PATCH "+org+"/invites/tenants/acknowledge/{id}", s.authed(s.handleClose(tenantry.InviteTenant, true)))
	m.HandleFunc("GET "+org+"/invites/users", s.authed(s.handleOrgInvites(tenantry.InviteUser)))
	m.HandleFunc("POST "+org+"/invites/users", s.authed(s.handleInviteUser))
	m.HandleFunc("PUT "+org+"/invites/users/{id}", s.authed(s.handleAnswer(tenantry.InviteUser, true)))
	m.HandleFunc("DELETE "+org+"/invites/users/{id}", s.authed(s.handleAnswer(tenantry.InviteUser, false)))
	m.HandleFunc("PATCH "+org+"/invites/users/cancel/{id}", s.authed(s.handleClose(tenantry.InviteUser, false)))
	m.HandleFunc("PATCH "+org+"/invites/users/acknowledge/{id}", s.authed(s.handleClose(tenantry.InviteUser, true)))
	m.HandleFunc("GET "+org+"/tenants", s.authed(s.handleOrgTenants))
	m.HandleFunc("POST "+org+"/tenants", s.authed(s.handleCreateOrgTenant))
	m.HandleFunc("DELETE "+org+"/tenants/{id}", s.authed(s.handleRemoveOrgTenant))
	m.HandleFunc("GET "+org+"/tenant/{tenantId}/users", s.authed(s.handleOrgTenantUsers))
	m.HandleFunc("GET "+org+"/users", s.authed(s.handleOrgUsers))
	m.HandleFunc("DELETE "+org+"/users/{id}", s.authed(s.handleRemoveOrgUser))

	// Local runtime connections.
	m.HandleFunc("GET "+org+"/runtimes", s.authed(s.handleListRuntimes))
	m.HandleFunc("POST "+org+"/runtimes", s.authed(s.handleCreateRuntime))
	m.HandleFunc("GET "+org+"/runtimes/{id}", s.authed(s.handleGetRuntime))
	m.HandleFunc("PUT "+org+"/runtimes/{id}", s.authed(s.handleUpdateRuntime))
	m.HandleFunc("DELETE "+org+"/runtimes/{id}", s.authed(s.handleDeleteRuntime))
	m.HandleFunc("GET "+org+"/runtimes/{id}/failures", s.authed(s.handleRuntimeFailures))
	m.HandleFunc("GET /api/admin/1/tenant/runtimes", s.authed(s.handleTenantRuntimes))
	m.HandleFunc("POST /api/runtime/1/registration", s.handle(s.handleRegistration))
	if s.opts.RuntimeConnect != nil {
		m.Handle("GET /api/runtime/1/connect", s.opts.RuntimeConnect)
	}

	// The API's own description.
	m.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)

	// Sign-up (not_found unless the server runs with --signup).
	m.HandleFunc("POST /api/admin/1/provisioning", s.handle(s.handleProvisioning))
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
