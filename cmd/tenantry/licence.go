package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"tenantry/internal/licence"
	"tenantry/internal/tenantry"
)

// authority is the licence authority the server and the operator's commands
// trust: the configured vendor keys, else the data directory's development
// key (created on demand when create is set).
func (g *globals) authority(create bool) (licence.Authority, error) {
	var a licence.Authority
	keys := g.licenceKeys
	if len(keys) == 0 {
		for _, k := range strings.Split(g.getenv("TENANTRY_LICENCE_PUBLIC_KEYS"), ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
	}
	for _, k := range keys {
		pub, err := licence.ParsePublicKey(k)
		if err != nil {
			return a, usageError{fmt.Errorf("--licence-public-key: %w", err)}
		}
		a.Vendor = append(a.Vendor, pub)
	}
	dev, err := licence.DevKey(g.dataDir, create && a.TrustsDevelopmentKey())
	if err != nil {
		return a, fmt.Errorf("development licence key: %w", err)
	}
	if dev != nil {
		a.Development = dev.Public().(ed25519.PublicKey)
	}
	return a, nil
}

// signingKey is the key that issue uses: --key FILE, else the development key.
func (g *globals) signingKey(path string, create bool) (ed25519.PrivateKey, error) {
	if path != "" {
		return licence.ReadKeyFile(path)
	}
	k, err := licence.DevKey(g.dataDir, create)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, fmt.Errorf("no development key in %s yet: run 'tenantry admin licence keygen' or 'tenantry serve' first, or pass --key", g.dataDir)
	}
	return k, nil
}

func newLicenceCommand(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "licence", Short: "Licence authority: keys and licences"}
	c.AddCommand(newLicenceKeygenCommand(g), newLicenceIssueCommand(g))
	return c
}

func newLicenceKeygenCommand(g *globals) *cobra.Command {
	var keyPath string
	c := &cobra.Command{
		Use:   "keygen [--key FILE]",
		Short: "Create a licence signing key; prints its public key",
		Long: "Creates an Ed25519 key pair. With --key, writes the private key to FILE (never overwriting one) and prints\n" +
			"the public key to configure with --licence-public-key. Without --key, makes sure the data directory's\n" +
			"development key exists and prints its public key.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var k ed25519.PrivateKey
			var err error
			if keyPath != "" {
				k, err = licence.CreateKeyFile(keyPath)
			} else {
				k, err = licence.DevKey(g.dataDir, true)
				if err == nil {
					fmt.Fprintf(g.stderr, "development key: %s (trusted only while no --licence-public-key is configured)\n",
						filepath.Join(g.dataDir, licence.DevKeyFile))
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, licence.FormatPublicKey(k.Public().(ed25519.PublicKey)))
			return nil
		},
	}
	c.Flags().StringVar(&keyPath, "key", "", "write the new private key to this file")
	return c
}

func newLicenceIssueCommand(g *globals) *cobra.Command {
	var keyPath, expires, notBefore string
	var l tenantry.Licence
	c := &cobra.Command{
		Use:   "issue [--key FILE] --licensee L --organization-name N --tenants N --administrators N --runtimes N --users N --expires YYYY-MM-DD",
		Short: "Sign a licence; prints it",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireFlags(c, "licensee", "organization-name", "tenants", "administrators", "runtimes", "users", "expires"); err != nil {
				return err
			}
			day, err := time.Parse("2006-01-02", expires)
			if err != nil {
				return usageError{fmt.Errorf("--expires: %q is not a date like 2027-12-31", expires)}
			}
			now := time.Now().UTC().Truncate(time.Second)
			l.ID, l.IssuedAt, l.NotBefore, l.ExpiresAt = uuid.NewString(), now, now, tenantry.ExpiresAtEndOf(day)
			if notBefore != "" {
				nb, err := time.Parse("2006-01-02", notBefore)
				if err != nil {
					return usageError{fmt.Errorf("--not-before: %q is not a date like 2027-01-01", notBefore)}
				}
				l.NotBefore = nb.UTC()
			}
			if !l.ExpiresAt.After(now) {
				return errors.New("--expires is in the past: the licence would be expired already")
			}
			if err := l.Validate(); err != nil {
				return err
			}
			key, err := g.signingKey(keyPath, false)
			if err != nil {
				return err
			}
			text, err := licence.Sign(key, l)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, text)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&keyPath, "key", "", "private key file (default: the data directory's development key)")
	f.StringVar(&l.Licensee, "licensee", "", "who the licence is for")
	f.StringVar(&l.OrganizationName, "organization-name", "", "the organization's name")
	f.IntVar(&l.Limits.Tenants, "tenants", 0, "most member tenants (pending invitations count)")
	f.IntVar(&l.Limits.Administrators, "administrators", 0, "most administrators (pending invitations count)")
	f.IntVar(&l.Limits.Runtimes, "runtimes", 0, "most runtime connections")
	f.IntVar(&l.Limits.Users, "users", 0, "most distinct users across member tenants")
	f.StringVar(&expires, "expires", "", "last day the licence is valid (UTC)")
	f.StringVar(&notBefore, "not-before", "", "first day the licence is valid (default: now)")
	return c
}

// readLicenceFile reads a licence from a file, or stdin for "-".
func (g *globals) readLicenceFile(path string) (string, error) {
	if path == "-" {
		b, err := readAll(g.stdin)
		return string(b), err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the licence: %w", err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("the licence file %s is empty", path)
	}
	return string(b), nil
}
