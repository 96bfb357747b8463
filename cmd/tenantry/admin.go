package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"tenantry/internal/service"
)

func newAdminCommand(g *globals) *cobra.Command {
	admin := &cobra.Command{Use: "admin", Short: "Operator commands on the server's database"}
	user := &cobra.Command{Use: "user", Short: "Manage accounts"}
	user.AddCommand(newUserCreateCommand(g), newUserResetPasswordCommand(g), newUserDisableCommand(g))
	tenant := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	tenant.AddCommand(newTenantCreateCommand(g))
	admin.AddCommand(user, tenant, newLicenceCommand(g), newOrgCommand(g), newMailCommand(g))
	return admin
}

// readPassword reads one line from stdin: the password, without its newline.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin: pipe it in, for example: printf '%s\\n' \"$PASSWORD\" | tenantry admin user create ... --password-stdin")
	}
	return line, nil
}

func requireFlags(c *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !c.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("missing %s\nsee '%s --help'", strings.Join(missing, ", "), c.CommandPath())}
	}
	return nil
}

func newUserCreateCommand(g *globals) *cobra.Command {
	var in service.CreateUserInput
	var passwordStdin bool
	c := &cobra.Command{
		Use:   "create --email E --first-name F --last-name L --password-stdin",
		Short: "Create an account with a password; prints its ID",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "email", "password-stdin"); err != nil {
				return err
			}
			pw, err := readPassword(g.stdin)
			if err != nil {
				return err
			}
			in.Password = pw
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			u, err := svc.CreateUser(c.Context(), service.Operator(), in)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, u.ID)
			return nil
		},
	}
	c.Flags().StringVar(&in.Email, "email", "", "email address (unique, case-insensitive)")
	c.Flags().StringVar(&in.FirstName, "first-name", "", "first name")
	c.Flags().StringVar(&in.LastName, "last-name", "", "last name")
	c.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin (required)")
	return c
}

func newUserResetPasswordCommand(g *globals) *cobra.Command {
	var email string
	var passwordStdin bool
	c := &cobra.Command{
		Use:   "reset-password --email E --password-stdin",
		Short: "Set a new password and sign the account out everywhere",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "email", "password-stdin"); err != nil {
				return err
			}
			pw, err := readPassword(g.stdin)
			if err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			if err := svc.ResetPassword(c.Context(), service.Operator(), email, pw); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "password changed for %s; its sessions were signed out\n", email)
			return nil
		},
	}
	c.Flags().StringVar(&email, "email", "", "the account's email")
	c.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin (required)")
	return c
}

func newUserDisableCommand(g *globals) *cobra.Command {
	var email string
	c := &cobra.Command{
		Use:   "disable --email E",
		Short: "Disable an account; revokes its sessions and API keys",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "email"); err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			if err := svc.DisableUser(c.Context(), service.Operator(), email); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s is disabled; its sessions and API keys were revoked\n", email)
			return nil
		},
	}
	c.Flags().StringVar(&email, "email", "", "the account's email")
	return c
}

func newTenantCreateCommand(g *globals) *cobra.Command {
	var name, adminEmail string
	c := &cobra.Command{
		Use:   "create --name N --admin-email E",
		Short: "Create a tenant administered by an existing account; prints its ID",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "name", "admin-email"); err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			t, err := svc.CreateTenant(c.Context(), service.Operator(), name, adminEmail)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, t.ID)
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", "", "tenant name: 3-100 of A-Z a-z 0-9 - . (a leading @ is dropped)")
	c.Flags().StringVar(&adminEmail, "admin-email", "", "email of the account that administers it")
	return c
}
