// Package web is Tenantry's server-rendered interface: html/template pages
// over the same service layer the API uses, working without JavaScript
// (forms, POST → redirect → GET), with a little script only where it helps.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names.
const (
	sessionCookie = "tenantry_session"
	csrfCookie    = "tenantry_csrf" // for forms shown before sign-in
	flashCookie   = "tenantry_flash"
)

// Options configure the web interface.
type Options struct {
	Logger *slog.Logger
	// TrustedProxies are the networks whose X-Forwarded-For and
	// X-Forwarded-Proto are believed.
	TrustedProxies []netip.Prefix
	// SessionAbsolute is the session cookie's lifetime.
	SessionAbsolute time.Duration
	// BaseURL is the platform's public URL, for the node command a new
	// connection shows; the request's host when empty.
	BaseURL string
	// DevelopmentLicenceKey is set when licences signed by the data
	// directory's development key are trusted (the Organization page warns).
	DevelopmentLicenceKey bool
}

// Server is the web interface's http.Handler.
type Server struct {
	svc   *service.Service
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// NewServer returns the web interface over svc.
func NewServer(svc *service.Service, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SessionAbsolute == 0 {
		opts.SessionAbsolute = tenantry.DefaultSessionLifetime.Absolute
	}
	s := &Server{svc: svc, opts: opts, log: opts.Logger, mux: http.NewServeMux(), pages: parsePages()}
	s.routes()
	return s
}

// ServeHTTP sets the headers every page carries, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	start := time.Now()
	lw := &loggedWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(lw, r)
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "page", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", lw.status), slog.Duration("duration", time.Since(start)), slog.String("source", s.sourceAddress(r)))
	}
}

// loggedWriter remembers the status of a response for the access log.
type loggedWriter struct {
	http.ResponseWriter
	status int
}

func (w *loggedWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *loggedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// secure reports whether the request came over TLS (directly, or through a
// trusted proxy that says so): cookies are then Secure.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return api.Proxies(s.opts.TrustedProxies).FromTrusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sourceAddress is the client's address, honouring trusted proxies.
func (s *Server) sourceAddress(r *http.Request) string {
	return api.Proxies(s.opts.TrustedProxies).ClientAddress(r)
}

// setSession starts a browser session with a sign-in token.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.opts.SessionAbsolute.Seconds())})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

type ctxKey int

const actorKey ctxKey = iota

// actor authenticates the request by its session cookie; nil when signed out.
func (s *Server) actor(r *http.Request) (*service.Actor, string) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, ""
	}
	a, err := s.svc.Authenticate(r.Context(), service.Credentials{Token: c.Value, SourceAddress: s.sourceAddress(r)})
	if err != nil {
		return nil, ""
	}
	return a, c.Value
}

// csrfFor derives a session's CSRF token from its sign-in token: only a page
// that could read the HttpOnly cookie's value could compute it, and it needs
// no storage.
func csrfFor(sessionToken string) string {
	sum := sha256.Sum256([]byte("tenantry csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// anonymousCSRF returns the token of the forms shown before sign-in: a random
// value in a cookie, repeated in the form (double submit).
func (s *Server) anonymousCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	return v
}

// checkCSRF verifies a form's token against the session (or, signed out, the
// CSRF cookie).
func (s *Server) checkCSRF(r *http.Request, sessionToken string) bool {
	got := r.PostFormValue("csrf")
	want := ""
	if sessionToken != "" {
		want = csrfFor(sessionToken)
	} else if c, err := r.Cookie(csrfCookie); err == nil {
		want = c.Value
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// page is what every page template receives.
type page struct {
	Title   string
	Actor   *service.Actor
	CSRF    string
	Flash   string
	Section string // the left menu's current entry
	Errors  map[string]string
	Form    url.Values
	Data    any
	Status  int
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no page " + name)
	}
	if p.Flash == "" {
		p.Flash = s.takeFlash(w, r)
	}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.ErrorContext(r.Context(), "render", "page", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status != 0 {
		w.WriteHeader(p.Status)
	}
	w.Write([]byte(b.String()))
}

// flash leaves a one-line message for the next page.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// redirect answers a successful form with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// message is what a page shows of an error: the service's words, or a
// generic line for internal errors (which are logged).
func (s *Server) message(r *http.Request, err error) string {
	var e *tenantry.Error
	if errors.As(err, &e) && e.Code != tenantry.CodeInternal {
		return sentence(e.Message)
	}
	s.log.ErrorContext(r.Context(), "page action failed", "err", err, "path", r.URL.Path)
	return "Something went wrong on our side. Try again; if it keeps happening, tell the operator."
}

// sentence shows a service message as a sentence on a page: capitalized,
// with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}

// fieldErrors turns an invalid error into messages keyed by form field.
func fieldErrors(err error, prefix string) map[string]string {
	out := map[string]string{}
	var e *tenantry.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			out[prefix+f.Field] = sentence(f.Message)
		}
	}
	return out
}

var staticFiles, _ = fs.Sub(staticFS, "static")

func withTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}
