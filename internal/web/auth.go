package web

import (
	"net/http"
	"net/url"
	"strings"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// handleHome explains how to start on an empty server, and otherwise sends
// people to their account or to sign in.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	if a, _ := s.actor(r); a != nil {
		redirect(w, r, "/settings/organization")
		return
	}
	first, err := s.svc.FirstRun(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "first run check", "err", err)
	}
	if first {
		s.render(w, r, "firstrun", page{Title: "Welcome to Tenantry"})
		return
	}
	redirect(w, r, "/signin")
}

// safeNext keeps a post-sign-in destination on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/settings/organization"
	}
	return next
}

func (s *Server) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	if a, _ := s.actor(r); a != nil {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	form := url.Values{"next": {r.URL.Query().Get("next")}}
	s.render(w, r, "signin", page{Title: "Sign in", CSRF: s.anonymousCSRF(w, r), Form: form})
}

func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.checkCSRF(r, "") {
		s.render(w, r, "signin", page{Title: "Sign in", CSRF: s.anonymousCSRF(w, r), Form: r.PostForm, Status: http.StatusForbidden,
			Errors: map[string]string{"form": "The form expired. Sign in again."}})
		return
	}
	token, _, err := s.svc.SignIn(r.Context(), service.SignInRequest{Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), SourceAddress: s.sourceAddress(r)})
	if err != nil {
		form := url.Values{"email": {r.PostFormValue("email")}, "next": {r.PostFormValue("next")}}
		api.SetRetryAfter(w.Header(), err)
		s.render(w, r, "signin", page{Title: "Sign in", CSRF: s.anonymousCSRF(w, r), Form: form, Status: api.Status(err),
			Errors: map[string]string{"form": s.message(r, err)}})
		return
	}
	// A new session at every sign-in: whatever cookie was there before is replaced.
	s.setSession(w, r, token)
	redirect(w, r, safeNext(r.PostFormValue("next")))
}

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request, a *service.Actor, _ string) {
	if err := s.svc.SignOut(r.Context(), a); err != nil {
		s.log.WarnContext(r.Context(), "sign out", "err", err)
	}
	s.clearSession(w, r)
	s.flash(w, r, "You are signed out.")
	redirect(w, r, "/signin")
}

// linkKind is a one-time link's page: account set-up or password reset.
type linkKind struct {
	Secret  tenantry.SecretKind
	Path    string
	Title   string
	Heading string
	Button  string
}

var (
	linkSetup = linkKind{tenantry.SecretSetup, "/setup", "Set up your account", "Choose a password for your account", "Set password and sign in"}
	linkReset = linkKind{tenantry.SecretReset, "/reset", "Choose a new password", "Choose a new password", "Change password and sign in"}
)

// linkPageData fills the set-password page.
type linkPageData struct {
	Kind    linkKind
	Token   string
	Email   string
	Problem string // the link cannot be used: why
}

// handleLinkPage shows the form of a set-up or reset link without using it
// up (mail scanners prefetch links).
func (s *Server) handleLinkPage(k linkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		token := r.URL.Query().Get("token")
		d := linkPageData{Kind: k, Token: token}
		status := 0
		u, err := s.svc.CheckLink(r.Context(), k.Secret, token)
		if err != nil {
			d.Problem, status = s.message(r, err), api.Status(err)
		} else {
			d.Email = u.Email
		}
		s.render(w, r, "setpassword", page{Title: k.Title, CSRF: s.anonymousCSRF(w, r), Data: d, Status: status})
	}
}

// handleLinkUse sets the password, uses the link up and signs in.
func (s *Server) handleLinkUse(k linkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		token := r.PostFormValue("token")
		d := linkPageData{Kind: k, Token: token}
		fail := func(status int, errs map[string]string) {
			if u, err := s.svc.CheckLink(r.Context(), k.Secret, token); err == nil {
				d.Email = u.Email
			} else if d.Problem == "" && errs["password"] == "" {
				d.Problem = s.message(r, err)
			}
			s.render(w, r, "setpassword", page{Title: k.Title, CSRF: s.anonymousCSRF(w, r), Data: d, Status: status, Errors: errs})
		}
		if !s.checkCSRF(r, "") {
			fail(http.StatusForbidden, map[string]string{"form": "The form expired. Reload the page and try again."})
			return
		}
		if r.PostFormValue("password") != r.PostFormValue("confirm") {
			fail(http.StatusUnprocessableEntity, map[string]string{"confirm": "The two passwords are not the same."})
			return
		}
		session, _, err := s.svc.UseLink(r.Context(), k.Secret, token, r.PostFormValue("password"), s.sourceAddress(r))
		if err != nil {
			errs := fieldErrors(err, "")
			if len(errs) == 0 {
				d.Problem = s.message(r, err)
			}
			fail(api.Status(err), errs)
			return
		}
		s.setSession(w, r, session)
		s.flash(w, r, "Your password is set. Welcome.")
		redirect(w, r, "/settings/organization")
	}
}

func (s *Server) handleForgotPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "forgot", page{Title: "Forgot password", CSRF: s.anonymousCSRF(w, r)})
}

func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	if !s.checkCSRF(r, "") {
		s.render(w, r, "forgot", page{Title: "Forgot password", CSRF: s.anonymousCSRF(w, r), Status: http.StatusForbidden,
			Errors: map[string]string{"form": "The form expired. Try again."}})
		return
	}
	email := r.PostFormValue("email")
	if err := s.svc.RequestPasswordReset(r.Context(), email, s.sourceAddress(r)); err != nil {
		errs := fieldErrors(err, "")
		if len(errs) == 0 {
			errs["form"] = s.message(r, err)
		}
		s.render(w, r, "forgot", page{Title: "Forgot password", CSRF: s.anonymousCSRF(w, r), Form: r.PostForm, Status: api.Status(err), Errors: errs})
		return
	}
	// The same answer whether or not the email has an account.
	s.flash(w, r, "If "+email+" has an account, a link to choose a new password is on its way. It works for one hour.")
	redirect(w, r, "/signin")
}
