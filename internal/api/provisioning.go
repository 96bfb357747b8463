package api

import (
	"net/http"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// provisioningRequest is the reference's TenantRegistrationRequestAPI;
// apiKeyName is ignored.
type provisioningRequest struct {
	FirstName  string `json:"firstName"`
	LastName   string `json:"lastName"`
	Email      string `json:"email"`
	TenantName string `json:"tenantName"`
}

// handleProvisioning is anonymous sign-up; it answers 204 (the reference's
// status) whether or not the email already had an account.
func (s *Server) handleProvisioning(w http.ResponseWriter, r *http.Request) error {
	if !s.opts.SignUp {
		return tenantry.Errorf(tenantry.CodeNotFound, "sign-up is not enabled on this server (the operator starts it with --signup)")
	}
	in, err := decode[provisioningRequest](r)
	if err != nil {
		return err
	}
	err = s.svc.SignUp(r.Context(), service.SignUpInput{FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, TenantName: in.TenantName, SourceAddress: s.sourceAddress(r), RequestID: requestID(r)})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
