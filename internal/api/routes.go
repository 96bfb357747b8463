package api

import "net/http"

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

	// Sign-up.
	if s.opts.SignUp {
		m.HandleFunc("POST /api/admin/1/provisioning", s.handle(s.handleProvisioning))
	}
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
