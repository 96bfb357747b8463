package api

import (
	"net/http"
	"strconv"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func (s *Server) handleGetTenant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	with := false
	if q := r.URL.Query().Get("includeSubTenants"); q != "" {
		var err error
		if with, err = strconv.ParseBool(q); err != nil {
			return &tenantry.Error{Code: tenantry.CodeInvalid, Message: "includeSubTenants is true or false",
				Fields: []tenantry.FieldError{{Field: "includeSubTenants", Message: "must be true or false"}}}
		}
	}
	v, err := s.svc.CurrentTenant(r.Context(), a, with)
	if err != nil {
		return err
	}
	return encode(w, tenantViewAPI(v, with))
}

func (s *Server) handleUpdateTenant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[tenantInput](r)
	if err != nil {
		return err
	}
	v, err := s.svc.UpdateTenant(r.Context(), a, in.DeveloperName, in.DeveloperSummary)
	if err != nil {
		return err
	}
	return encode(w, tenantViewAPI(v, false))
}

func (s *Server) handleListSubtenants(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	v, err := s.svc.CurrentTenant(r.Context(), a, true)
	if err != nil {
		return err
	}
	return pageArray(w, r, subtenantsAPI(v))
}

func (s *Server) handleCreateSubtenant(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[tenantInput](r)
	if err != nil {
		return err
	}
	name, summary := "", ""
	if in.DeveloperName != nil {
		name = *in.DeveloperName
	}
	if in.DeveloperSummary != nil {
		summary = *in.DeveloperSummary
	}
	t, err := s.svc.CreateSubtenant(r.Context(), a, name, summary)
	if err != nil {
		return err
	}
	return encode(w, TenantMinimalAPI{ID: t.ID, DeveloperName: t.FullName(), UserCount: t.UserCount})
}
