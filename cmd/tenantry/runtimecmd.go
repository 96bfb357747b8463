package main

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"tenantry/internal/runtime"
)

// version is the node agent's version, reported to the platform.
var version = "0.1.0"

func newRuntimeCommand(g *globals) *cobra.Command {
	var opts runtime.AgentOptions
	var addr string
	c := &cobra.Command{
		Use:   "runtime --platform URL [--installation-token T] --state DIR --addr 127.0.0.1:PORT [--node-name NAME]",
		Short: "Run a local runtime node: register, connect to the platform, serve /api/health",
		Long: "Runs one node of a local runtime connection. The first node registers with the installation token the\n" +
			"platform showed when the connection was created; its key pair is kept in --state, and more nodes sharing\n" +
			"that state need no token. The node keeps one outbound WebSocket to the platform, reconnects with backoff,\n" +
			"and serves GET /api/health on --addr.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "platform", "state"); err != nil {
				return err
			}
			if opts.InstallationToken == "" {
				opts.InstallationToken = g.getenv("TENANTRY_INSTALLATION_TOKEN")
			}
			opts.Version = version
			opts.Logger = slog.New(slog.NewJSONHandler(g.stderr, nil))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			defer ln.Close()
			return runtime.NewAgent(opts).Run(c.Context(), ln)
		},
	}
	// The server's global flags (--data, --database-url, …) mean nothing to
	// a node: its help leaves them out.
	help := c.HelpFunc()
	c.SetHelpFunc(func(c *cobra.Command, args []string) {
		c.Root().PersistentFlags().VisitAll(func(f *pflag.Flag) { f.Hidden = true })
		help(c, args)
	})
	f := c.Flags()
	f.StringVar(&opts.Platform, "platform", "", "the platform's URL, e.g. https://tenantry.example.com")
	f.StringVar(&opts.InstallationToken, "installation-token", "", "one-time token to register the runtime (env TENANTRY_INSTALLATION_TOKEN)")
	f.StringVar(&opts.StateDir, "state", "", "directory for the key pair and the runtime ID (share it between nodes of one runtime)")
	f.StringVar(&addr, "addr", "127.0.0.1:9090", "address for GET /api/health")
	f.StringVar(&opts.NodeName, "node-name", "", "node name (default: hostname/listen address)")
	f.DurationVar(&opts.ReportInterval, "report-interval", 30*time.Second, "how often the node reports to the platform")
	return c
}
