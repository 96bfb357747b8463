// Package api is Tenantry's REST JSON API: Boomi Flow's Admin API paths and
// field names (../shared/reference), problem+json errors, and the operational
// endpoints. Handlers only translate HTTP to service calls and back; every rule
// is in the service package.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// Options configure the API server.
type Options struct {
	Logger *slog.Logger
	// SignUp enables anonymous POST /api/admin/1/provisioning.
	SignUp bool
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Metrics serves /metrics to loopback clients when set.
	Metrics http.Handler
	// RuntimeConnect serves runtime nodes' WebSockets
	// (GET /api/runtime/1/connect) when set.
	RuntimeConnect http.Handler
	// Ready, when set, is asked by /readyz after the database: a replica
	// that would miss other replicas' events is not ready.
	Ready func() error
}

// Server is the API's http.Handler.
type Server struct {
	svc  *service.Service
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
}

// NewServer returns the API over svc.
func NewServer(svc *service.Service, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{svc: svc, opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	s.routes()
	return s
}

type ctxKey int

const requestIDKey ctxKey = iota

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status written, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP gives every request an ID, a body limit, panic recovery and an
// access log line, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := newRequestID()
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
	w.Header().Set("X-Request-Id", id)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "panic", v, "requestId", id)
			if sw.status == 0 {
				writeError(sw, r, s.log, tenantry.Errorf(tenantry.CodeInternal, "something went wrong on our side"))
			}
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.String("requestId", id), slog.String("source", s.sourceAddress(r)))
	}()
	if _, pattern := s.mux.Handler(r); pattern == "" && strings.HasPrefix(r.URL.Path, "/api/") {
		s.unrouted(sw, r)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// unrouted answers an /api/ request no route takes: 400 when the path exists
// with another method (SPEC §8 folds 405 into bad_request), else 404.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, r, s.log, tenantry.Errorf(tenantry.CodeBadRequest, "%s is not allowed here; use %s", r.Method, strings.Join(allowed, " or ")))
		return
	}
	writeError(w, r, s.log, tenantry.Errorf(tenantry.CodeNotFound, "there is no API endpoint at %s", r.URL.Path))
}

// sourceAddress is the client's address, honouring trusted proxies.
func (s *Server) sourceAddress(r *http.Request) string {
	return Proxies(s.opts.TrustedProxies).ClientAddress(r)
}

// handler is an API handler: it returns an error, which handle turns into
// problem+json.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, s.log, err)
		}
	}
}

// authedHandler is a handler for a signed-in caller.
type authedHandler func(w http.ResponseWriter, r *http.Request, a *service.Actor) error

// authed authenticates the request (never by cookie) and calls h with the actor.
func (s *Server) authed(h authedHandler) http.HandlerFunc {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		a, err := s.svc.Authenticate(r.Context(), service.Credentials{
			Token:         r.Header.Get("Authorization"),
			APIKey:        r.Header.Get("x-boomi-flow-api-key"),
			Tenant:        r.Header.Get("manywhotenant"),
			Organization:  r.Header.Get("x-tenantry-organization"),
			RequestID:     requestID(r),
			SourceAddress: s.sourceAddress(r),
		})
		if err != nil {
			if tenantry.IsCode(err, tenantry.CodeUnauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tenantry"`)
			}
			return err
		}
		return h(w, r, a)
	})
}

// isLoopback reports whether the request's peer is on this machine.
func isLoopback(r *http.Request) bool {
	_, a, ok := peer(r)
	return ok && a.IsLoopback()
}
