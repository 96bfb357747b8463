package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is Tenantry's OpenAPI document of the whole API.
//
//go:embed openapi.json
var OpenAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(OpenAPI)
}
