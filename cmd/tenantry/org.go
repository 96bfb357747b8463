package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tenantry/internal/service"
)

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(io.LimitReader(r, 1<<20)) }

func newOrgCommand(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "org", Short: "Manage organizations"}
	c.AddCommand(newOrgCreateCommand(g), newOrgLicenceCommand(g), newOrgAddAdminCommand(g), newOrgDeleteCommand(g), newOrgListCommand(g))
	return c
}

func newOrgCreateCommand(g *globals) *cobra.Command {
	var file, email string
	c := &cobra.Command{
		Use:   "create --licence FILE --admin-email E",
		Short: "Create an organization from a licence; prints its ID",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "licence", "admin-email"); err != nil {
				return err
			}
			text, err := g.readLicenceFile(file)
			if err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			o, err := svc.CreateOrganization(c.Context(), service.Operator(), text, email)
			if err != nil {
				return err
			}
			if o.Licence.Development {
				fmt.Fprintln(g.stderr, "warning: this licence is signed by the development key; configure --licence-public-key in production")
			}
			fmt.Fprintln(g.stdout, o.ID)
			return nil
		},
	}
	c.Flags().StringVar(&file, "licence", "", "licence file ('-' for stdin)")
	c.Flags().StringVar(&email, "admin-email", "", "email of the first administrator's account")
	return c
}

func newOrgLicenceCommand(g *globals) *cobra.Command {
	var file, orgID string
	c := &cobra.Command{
		Use:   "licence --org ID --licence FILE",
		Short: "Renew or replace an organization's licence (same licensee, issued later)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "org", "licence"); err != nil {
				return err
			}
			text, err := g.readLicenceFile(file)
			if err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			o, err := svc.ReplaceLicence(c.Context(), service.Operator(), orgID, text)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s now has licence %s, valid until %s\n", o.Name, o.Licence.ID, o.Licence.ExpiresAt.Format(time.RFC3339))
			// A smaller licence removes nothing; say what it now refuses.
			for _, k := range o.Exceeded {
				fmt.Fprintf(g.stderr, "warning: %d %s in use, more than the new licence's %d: nothing is removed, but no more can be added\n",
					o.Usage.Used(k), k, o.Licence.Limits.Of(k))
			}
			return nil
		},
	}
	c.Flags().StringVar(&orgID, "org", "", "organization ID")
	c.Flags().StringVar(&file, "licence", "", "licence file ('-' for stdin)")
	return c
}

func newOrgAddAdminCommand(g *globals) *cobra.Command {
	var orgID, email string
	c := &cobra.Command{
		Use:   "add-admin --org ID --email E",
		Short: "Make an account an administrator of an organization (recovery; may exceed the licence)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "org", "email"); err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			o, err := svc.AddOrgAdminByOperator(c.Context(), service.Operator(), orgID, email)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s is an administrator of %s\n", email, o.Name)
			return nil
		},
	}
	c.Flags().StringVar(&orgID, "org", "", "organization ID")
	c.Flags().StringVar(&email, "email", "", "the account's email")
	return c
}

func newOrgDeleteCommand(g *globals) *cobra.Command {
	var orgID string
	c := &cobra.Command{
		Use:   "delete --org ID",
		Short: "Delete an organization: memberships, runtime connections and invitations end; tenants, accounts and audit stay",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "org"); err != nil {
				return err
			}
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			if err := svc.DeleteOrganization(c.Context(), service.Operator(), orgID); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "organization %s deleted\n", orgID)
			return nil
		},
	}
	c.Flags().StringVar(&orgID, "org", "", "organization ID")
	return c
}

func newOrgListCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List organizations with their licence usage",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			orgs, err := svc.ListOrganizations(c.Context(), service.Operator())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tLICENSEE\tVALID THROUGH\tTENANTS\tADMINS\tRUNTIMES\tUSERS")
			for _, o := range orgs {
				l, u := o.Org.Licence, o.Usage
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%d/%d\t%d/%d\t%d/%d\n", o.Org.ID, o.Org.Name, l.Licensee,
					l.ExpiresAt.Add(-time.Second).Format("2006-01-02"),
					u.Used("tenants"), l.Limits.Tenants, u.Used("administrators"), l.Limits.Administrators,
					u.Runtimes, l.Limits.Runtimes, u.Users, l.Limits.Users)
			}
			return tw.Flush()
		},
	}
}

func newMailCommand(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "mail", Short: "The email outbox"}
	var limit int
	failed := &cobra.Command{
		Use:   "failed",
		Short: "List messages that could not be delivered",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			svc, err := g.service(c)
			if err != nil {
				return err
			}
			ms, err := svc.FailedMail(c.Context(), service.Operator(), limit)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				fmt.Fprintln(g.stderr, "no failed messages")
				return nil
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CREATED\tTO\tSUBJECT\tATTEMPTS\tLAST ERROR")
			for _, m := range ms {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", m.CreatedAt.Format(time.RFC3339), m.To, m.Subject, m.Attempts, m.LastError)
			}
			return tw.Flush()
		},
	}
	failed.Flags().IntVar(&limit, "limit", 100, "most messages to list")
	c.AddCommand(failed)
	return c
}
