// Command tenantry is the Tenantry server and its operator's tool.
//
//	tenantry serve                 run the server
//	tenantry admin ...             operator commands on the server's database
//
// Every command takes --data DIR (TENANTRY_DATA, default ./data) and
// --database-url URL (TENANTRY_DATABASE_URL; postgres://… selects PostgreSQL,
// otherwise SQLite at DIR/tenantry.db).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(exitCode(err))
	}
}

// usageError marks a mistake in how the command was called (exit status 2).
type usageError struct{ error }

func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

// run is the whole program: it reads nothing global, so tests call it
// directly. Passwords come on stdin (--password-stdin), never as arguments.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	root, cleanup := newRootCommand(getenv, stdin, stdout, stderr)
	defer cleanup()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(stderr, describe(err))
	}
	return err
}
