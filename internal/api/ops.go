package api

import (
	"context"
	"net/http"
	"time"

	"tenantry/internal/tenantry"
)

// handleReadyz answers 200 once migrations ran (the server is built only after
// them) and the database answers.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		return &tenantry.Error{Code: tenantry.CodeInternal, Message: "the database does not answer"}
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(); err != nil {
			s.log.WarnContext(ctx, "not ready", "err", err)
			return &tenantry.Error{Code: tenantry.CodeInternal, Message: err.Error()}
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
	return nil
}

// handleMetrics serves Prometheus metrics to loopback clients only (SPEC §8).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if !isLoopback(r) {
		return tenantry.Errorf(tenantry.CodeNotFound, "there is no API endpoint at %s", r.URL.Path)
	}
	s.opts.Metrics.ServeHTTP(w, r)
	return nil
}
