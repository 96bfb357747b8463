package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

type serveFlags struct {
	addr            string
	signUp          bool
	trustedProxies  []string
	sessionIdle     time.Duration
	sessionAbsolute time.Duration
	shutdownTimeout time.Duration
	logLevel        string
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

	db, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database ready", "dialect", string(db.Dialect()))

	svc := service.New(db, service.Config{
		Logger:   log,
		Sessions: tenantry.SessionLifetime{Idle: f.sessionIdle, Absolute: f.sessionAbsolute, Refresh: time.Minute},
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(service.Collectors()...)
	handler := api.NewServer(svc, api.Options{
		Logger:         log,
		SignUp:         f.signUp,
		TrustedProxies: proxies,
		Metrics:        promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	})

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go sweep(ctx, log, svc)

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

// sweep removes dead sign-ins every hour until ctx ends.
func sweep(ctx context.Context, log *slog.Logger, svc *service.Service) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := svc.SweepSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("session sweep failed", "err", err)
		} else if n > 0 {
			log.Info("expired sessions removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
