package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// globals are the flags every command takes.
type globals struct {
	dataDir     string
	databaseURL string
	licenceKeys []string
	closers     []func() // run when the command ends
	getenv      func(string) string
	stdin       io.Reader
	stdout      io.Writer
	stderr      io.Writer
}

func newRootCommand(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (*cobra.Command, func()) {
	g := &globals{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "tenantry",
		Short:         "Organizations of tenants, speaking Boomi Flow's Admin API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
	})
	dataDefault := getenv("TENANTRY_DATA")
	if dataDefault == "" {
		dataDefault = "./data"
	}
	root.PersistentFlags().StringVar(&g.dataDir, "data", dataDefault, "data directory (env TENANTRY_DATA)")
	root.PersistentFlags().StringVar(&g.databaseURL, "database-url", getenv("TENANTRY_DATABASE_URL"),
		"postgres://… for PostgreSQL; empty for SQLite at DATA/tenantry.db (env TENANTRY_DATABASE_URL)")
	root.PersistentFlags().StringArrayVar(&g.licenceKeys, "licence-public-key", nil,
		"trusted licence authority key, base64 of 32 bytes (repeatable; env TENANTRY_LICENCE_PUBLIC_KEYS, comma-separated)")
	root.AddCommand(newServeCommand(g), newAdminCommand(g), newRuntimeCommand(g))
	groupsRefuseUnknown(root)
	return root, func() {
		for _, c := range g.closers {
			c()
		}
	}
}

// groupsRefuseUnknown makes every command that only groups others (tenantry,
// admin, admin user, …) show its help when called alone and refuse an
// unknown subcommand as a usage error (exit status 2) instead of printing help
// and succeeding.
func groupsRefuseUnknown(c *cobra.Command) {
	for _, sub := range c.Commands() {
		groupsRefuseUnknown(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Errorf("unknown command %q for %q\nsee '%s --help'", args[0], c.CommandPath(), c.CommandPath())}
		}
		return nil
	}
	c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
}

// open opens and migrates the database the global flags name.
func (g *globals) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, g.databaseURL, g.dataDir)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate the database: %w", err)
	}
	return db, nil
}

// openService opens the database and a service over it, for admin commands.
func (g *globals) openService(ctx context.Context) (*service.Service, func(), error) {
	db, err := g.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	auth, err := g.authority(false)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	svc := service.New(db, service.Config{
		Logger:   slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Licences: auth,
		BaseURL:  g.getenv("TENANTRY_BASE_URL"),
		// On PostgreSQL the servers hear of runtime changes made here (an
		// organization deleted); on SQLite they notice at the next lease.
		RuntimeEvents: func(ev service.RuntimeEvent) { notifyReplicas(db, ev) },
	})
	return svc, func() { db.Close() }, nil
}

// service opens the database and a service for a command; both close when
// the command ends.
func (g *globals) service(c *cobra.Command) (*service.Service, error) {
	svc, done, err := g.openService(c.Context())
	if err != nil {
		return nil, err
	}
	g.closers = append(g.closers, done)
	return svc, nil
}

// describe renders an error for a person at a terminal.
func describe(err error) string {
	var e *tenantry.Error
	if !errors.As(err, &e) {
		return "tenantry: " + err.Error()
	}
	var b strings.Builder
	b.WriteString("tenantry: " + e.Message)
	if len(e.Fields) > 1 || len(e.Fields) == 1 && e.Fields[0].Message != e.Message {
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", flagName(f.Field), f.Message)
		}
	}
	return b.String()
}

// flagName maps a service field name to the flag that sets it.
func flagName(field string) string {
	switch field {
	case "firstName":
		return "--first-name"
	case "lastName":
		return "--last-name"
	case "adminEmail":
		return "--admin-email"
	case "password":
		return "password (stdin)"
	}
	return "--" + field
}
