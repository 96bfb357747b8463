package api

import (
	"net/http"

	"tenantry/internal/service"
)

// authenticationRequest is the body of POST /api/draw/1/authentication.
// loginUrl is accepted and ignored.
type authenticationRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleAuthentication signs in and answers the token as a JSON string.
func (s *Server) handleAuthentication(w http.ResponseWriter, r *http.Request) error {
	req, err := decode[authenticationRequest](r)
	if err != nil {
		return err
	}
	token, _, err := s.svc.SignIn(r.Context(), service.SignInRequest{
		Email: req.Username, Password: req.Password, SourceAddress: s.sourceAddress(r)})
	if err != nil {
		return err
	}
	return encode(w, token)
}
