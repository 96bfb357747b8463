package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"tenantry/internal/api"
	"tenantry/internal/licence"
	"tenantry/internal/mail"
	"tenantry/internal/runtime"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
	"tenantry/internal/web"
)

type serveFlags struct {
	addr            string
	signUp          bool
	trustedProxies  []string
	sessionIdle     time.Duration
	sessionAbsolute time.Duration
	shutdownTimeout time.Duration
	logLevel        string
	baseURL         string
	smtpURL         string
	mailFrom        string
	invitationTTL   time.Duration
	auditRetention  time.Duration
}

func newServeCommand(g *globals) *cobra.Command {
	f := serveFlags{}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the Tenantry server",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return serve(c.Context(), g, f)
		},
	}
	c.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	c.Flags().BoolVar(&f.signUp, "signup", false, "allow anonymous sign-up (POST /api/admin/1/provisioning)")
	c.Flags().StringArrayVar(&f.trustedProxies, "trusted-proxy", nil, "CIDR whose X-Forwarded-For is honoured (repeatable)")
	c.Flags().DurationVar(&f.sessionIdle, "session-idle", tenantry.DefaultSessionLifetime.Idle, "sign-in tokens expire after this long unused")
	c.Flags().DurationVar(&f.sessionAbsolute, "session-absolute", tenantry.DefaultSessionLifetime.Absolute, "sign-in tokens expire this long after sign-in, however used")
	c.Flags().DurationVar(&f.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long to let requests finish on SIGINT/SIGTERM")
	c.Flags().StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	c.Flags().StringVar(&f.baseURL, "base-url", g.getenv("TENANTRY_BASE_URL"), "public URL of this server, for links in emails (env TENANTRY_BASE_URL)")
	c.Flags().StringVar(&f.smtpURL, "smtp-url", g.getenv("TENANTRY_SMTP_URL"), "smtp://user:pass@host:port to send email; empty writes .eml files to DATA/mail (env TENANTRY_SMTP_URL)")
	c.Flags().StringVar(&f.mailFrom, "mail-from", g.getenv("TENANTRY_MAIL_FROM"), "From address of emails (env TENANTRY_MAIL_FROM)")
	c.Flags().DurationVar(&f.invitationTTL, "invitation-ttl", tenantry.DefaultInvitationTTL, "how long invitations stay open (1h to 720h)")
	c.Flags().DurationVar(&f.auditRetention, "audit-retention", 400*24*time.Hour, "how long audit events are kept")
	return c
}

func serve(ctx context.Context, g *globals, f serveFlags) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level: %q is not debug, info, warn or error", f.logLevel)}
	}
	log := slog.New(slog.NewJSONHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	var proxies []netip.Prefix
	for _, p := range f.trustedProxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return usageError{fmt.Errorf("--trusted-proxy: %q is not a CIDR like 10.0.0.0/8", p)}
		}
		proxies = append(proxies, prefix)
	}
	if f.sessionIdle <= 0 || f.sessionAbsolute < f.sessionIdle {
		return usageError{errors.New("--session-idle must be positive and no longer than --session-absolute")}
	}
	if f.invitationTTL < tenantry.MinInvitationTTL || f.invitationTTL > tenantry.MaxInvitationTTL {
		return usageError{errors.New("--invitation-ttl is between 1h and 720h (30 days)")}
	}
	if f.auditRetention < 24*time.Hour {
		return usageError{errors.New("--audit-retention is at least 24h")}
	}
	baseURL, err := checkBaseURL(f.baseURL)
	if err != nil {
		return usageError{err}
	}

	db, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database ready", "dialect", string(db.Dialect()))

	auth, err := g.authority(true)
	if err != nil {
		return err
	}
	if auth.TrustsDevelopmentKey() {
		log.Warn("no vendor licence key is configured: licences signed by this data directory's development key are trusted; configure --licence-public-key in production",
			"developmentKey", filepath.Join(g.dataDir, licence.DevKeyFile))
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	if baseURL == "" {
		baseURL = "http://" + ln.Addr().String()
		log.Warn("no --base-url: links in emails point at the listen address", "baseURL", baseURL)
	}
	sender, err := newSender(g, f, baseURL)
	if err != nil {
		ln.Close()
		return err
	}
	worker := mail.NewWorker(db, sender, mail.WorkerOptions{Logger: log})
	var hub *runtime.Hub
	svc := service.New(db, service.Config{
		RuntimeEvents: func(ev service.RuntimeEvent) {
			// Several replicas on PostgreSQL: every one hears it (itself too)
			// through LISTEN; one SQLite replica delivers it here.
			if sent, err := notifyReplicas(db, ev); !sent {
				if err != nil {
					log.Warn("notify replicas", "err", err)
				}
				hub.Notify(ev)
			}
		},
		Logger:        log,
		Sessions:      tenantry.SessionLifetime{Idle: f.sessionIdle, Absolute: f.sessionAbsolute, Refresh: time.Minute},
		BaseURL:       baseURL,
		InvitationTTL: f.invitationTTL,
		MailWake:      worker.Wake,
		Licences:      auth,
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(service.Collectors()...)
	reg.MustRegister(mail.Collectors()...)
	hub = runtime.NewHub(svc, runtime.HubOptions{Logger: log, ClientAddress: api.Proxies(proxies).ClientAddress})
	// A replica is ready once it hears other replicas' runtime events (at
	// once on SQLite, after LISTEN on PostgreSQL) and while it does.
	var listening atomic.Bool
	apiHandler := api.NewServer(svc, api.Options{
		RuntimeConnect: hub,
		Logger:         log,
		SignUp:         f.signUp,
		TrustedProxies: proxies,
		Metrics:        promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Ready: func() error {
			if !listening.Load() {
				return errors.New("this replica is not yet listening for other replicas' runtime events")
			}
			return nil
		},
	})
	webHandler := web.NewServer(svc, web.Options{
		Logger:                log,
		TrustedProxies:        proxies,
		SessionAbsolute:       f.sessionAbsolute,
		DevelopmentLicenceKey: auth.TrustsDevelopmentKey(),
		BaseURL:               baseURL,
	})
	handler := splitHandler(apiHandler, webHandler)

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown does not close hijacked connections: the hub ends its
	// sessions itself.
	srv.RegisterOnShutdown(hub.Close)
	bg, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		db.Listen(bg, runtimeChannel, func(payload string) {
			var ev service.RuntimeEvent
			if json.Unmarshal([]byte(payload), &ev) == nil {
				hub.Notify(ev)
			}
		}, func(ok bool) {
			if ok != listening.Swap(ok) && !ok && bg.Err() == nil {
				log.Warn("lost the LISTEN connection for runtime events: not ready until it is back")
			}
		})
	}()
	go func() {
		defer wg.Done()
		// Background work runs on one replica at a time (SPEC §10).
		leader(bg, log, db, func(ctx context.Context) {
			var lwg sync.WaitGroup
			lwg.Add(1)
			go func() { defer lwg.Done(); worker.Run(ctx) }()
			background(ctx, log, svc, f.auditRetention)
			lwg.Wait()
		})
	}()
	defer func() { stopBackground(); wg.Wait() }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "url", "http://"+ln.Addr().String(), "signup", f.signUp)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", f.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// background runs the periodic work until ctx ends: invitation expiry every
// minute; dead sign-ins, audit retention and licence expiry notices hourly.
func background(ctx context.Context, log *slog.Logger, svc *service.Service, retention time.Duration) {
	minute := time.NewTicker(time.Minute)
	defer minute.Stop()
	hourly := func() {
		if n, err := svc.SweepSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("session sweep failed", "err", err)
		} else if n > 0 {
			log.Info("expired sessions removed", "count", n)
		}
		if _, err := svc.SweepRateLimits(ctx); err != nil && ctx.Err() == nil {
			log.Warn("rate limit sweep failed", "err", err)
		}
		if n, err := svc.SweepAudit(ctx, retention); err != nil && ctx.Err() == nil {
			log.Warn("audit retention failed", "err", err)
		} else if n > 0 {
			log.Info("old audit events removed", "count", n)
		}
		if _, err := svc.SweepRuntimeFailures(ctx); err != nil && ctx.Err() == nil {
			log.Warn("runtime failure retention failed", "err", err)
		}
		if err := svc.LicenceNotices(ctx); err != nil && ctx.Err() == nil {
			log.Warn("licence expiry notices failed", "err", err)
		}
	}
	hourly()
	for i := 1; ; i++ {
		if _, err := svc.SweepNodeStatus(ctx); err != nil && ctx.Err() == nil {
			log.Warn("node status audit failed", "err", err)
		}
		if n, err := svc.SweepInvitations(ctx); err != nil && ctx.Err() == nil {
			log.Warn("invitation expiry failed", "err", err)
		} else if n > 0 {
			log.Info("invitations expired", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-minute.C:
		}
		if i%60 == 0 {
			hourly()
		}
	}
}

// checkBaseURL accepts an absolute http(s) URL without a query, or nothing.
func checkBaseURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--base-url: %q is not an absolute http(s) URL like https://tenantry.example.com", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// newSender is SMTP when --smtp-url is set, else .eml files in DATA/mail.
func newSender(g *globals, f serveFlags, baseURL string) (mail.Sender, error) {
	from := f.mailFrom
	if from == "" {
		host := "localhost"
		if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" && net.ParseIP(u.Hostname()) == nil {
			host = u.Hostname()
		}
		from = "Tenantry <tenantry@" + host + ">"
	}
	if f.smtpURL != "" {
		s, err := mail.NewSMTPSender(f.smtpURL, from)
		if err != nil {
			return nil, usageError{fmt.Errorf("--smtp-url: %w", err)}
		}
		return s, nil
	}
	return mail.NewFileSender(filepath.Join(g.dataDir, "mail"), from)
}

// splitHandler sends the API and the operational endpoints to api, and every
// page to web. The API never reads the web's cookies.
func splitHandler(api, web http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/api/"), p == "/healthz", p == "/readyz", p == "/metrics":
			api.ServeHTTP(w, r)
		default:
			web.ServeHTTP(w, r)
		}
	})
}

// runtimeChannel is the PostgreSQL channel of runtime events between replicas.
const runtimeChannel = "tenantry_runtime"

// notifyReplicas publishes a runtime event to every replica (PostgreSQL); on
// SQLite it reports false and the caller delivers it locally.
func notifyReplicas(db *store.DB, ev service.RuntimeEvent) (bool, error) {
	b, _ := json.Marshal(ev)
	return db.Notify(context.Background(), runtimeChannel, string(b))
}

// backgroundLock names the advisory lock of the replica doing background work.
const backgroundLock = "tenantry background"

// leader runs work while this replica holds the background lock, trying to
// take it every 15 seconds, and stops the work when the lock's connection is
// lost.
func leader(ctx context.Context, log *slog.Logger, db *store.DB, work func(context.Context)) {
	for ctx.Err() == nil {
		l, ok, err := db.TryLead(ctx, backgroundLock)
		if err != nil && ctx.Err() == nil {
			log.Warn("background lock", "err", err)
		}
		if ok {
			log.Info("this replica runs background work")
			wctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { work(wctx); close(done) }()
			t := time.NewTicker(15 * time.Second)
		watch:
			for {
				select {
				case <-done:
					break watch
				case <-t.C:
					if !l.Alive(ctx) {
						log.Warn("lost the background lock's connection; stopping background work")
						break watch
					}
				}
			}
			t.Stop()
			cancel()
			<-done
			l.Release()
		}
		select {
		case <-ctx.Done():
		case <-time.After(15 * time.Second):
		}
	}
}
