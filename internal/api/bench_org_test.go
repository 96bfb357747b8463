package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"tenantry/internal/api"
	"tenantry/internal/licence"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
)

// orgBench is a server with an organization of many member tenants, many
// audit events, and an API key of its administrator.
type orgBench struct {
	url, key, orgID, tenantID string
	svc                       *service.Service
	db                        *store.DB
	admin                     tenantry.User
}

func newOrgBench(b *testing.B, d store.Dialect, memberTenants, auditEvents int) *orgBench {
	ctx := context.Background()
	db := storetest.Open(b, d)
	pub, priv, _ := ed25519.GenerateKey(nil)
	svc := service.New(db, service.Config{Licences: licence.Authority{Vendor: []ed25519.PublicKey{pub}}, InvitationsPerHour: 1 << 30})
	admin, err := svc.CreateUser(ctx, service.Operator(), service.CreateUserInput{Email: "admin@example.com", Password: "bench password"})
	if err != nil {
		b.Fatal(err)
	}
	home, err := svc.CreateTenant(ctx, service.Operator(), "home", admin.Email)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	text, _ := licence.Sign(priv, tenantry.Licence{ID: uuid.NewString(), Licensee: "Bench", OrganizationName: "Bench Org",
		Limits:   tenantry.Limits{Tenants: 1_000_000, Administrators: 10, Runtimes: 10, Users: 1_000_000},
		IssuedAt: now, NotBefore: now.Add(-time.Hour), ExpiresAt: now.Add(365 * 24 * time.Hour)})
	org, err := svc.CreateOrganization(ctx, service.Operator(), text, admin.Email)
	if err != nil {
		b.Fatal(err)
	}
	// Seed member tenants (one member each) and audit events in bulk.
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range memberTenants {
			t := tenantry.Tenant{ID: uuid.NewString(), Name: fmt.Sprintf("tenant-%05d", i), CreatedAt: now}
			if err := tx.CreateTenant(ctx, t); err != nil {
				return err
			}
			if err := tx.AddMember(ctx, tenantry.Membership{TenantID: t.ID, UserID: admin.ID, Role: tenantry.RoleAdministrator, CreatedAt: now}); err != nil {
				return err
			}
			if err := tx.AddOrgTenant(ctx, org.ID, t.ID, admin.ID, now); err != nil {
				return err
			}
		}
		for i := range auditEvents {
			if err := tx.InsertAudit(ctx, tenantry.AuditEvent{ID: uuid.Must(uuid.NewV7()).String(), Time: now, Action: "tenant.renamed",
				ActorKind: tenantry.ActorUser, ActorID: admin.ID, OrganizationID: org.ID, TargetKind: "tenant",
				TargetID: home.ID, Details: map[string]any{"i": i}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.SignIn(ctx, service.SignInRequest{Email: admin.Email, Password: "bench password", SourceAddress: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	a, err := svc.Authenticate(ctx, service.Credentials{Token: token, Tenant: home.ID})
	if err != nil {
		b.Fatal(err)
	}
	_, key, err := svc.CreateAPIKey(ctx, a, "bench", home.ID)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(svc, api.Options{}))
	b.Cleanup(srv.Close)
	return &orgBench{url: srv.URL, key: key, orgID: org.ID, tenantID: home.ID, svc: svc, db: db, admin: admin}
}

// BenchmarkOrgTenants10k lists the member tenants of an organization of
// 10,000: one page of 100, and all of them.
func BenchmarkOrgTenants10k(b *testing.B) {
	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		ob := newOrgBench(b, d, 10_000, 0)
		b.Run("limit=100", func(b *testing.B) {
			benchGet(b, ob.url+"/api/admin/1/organization/tenants?limit=100", "x-boomi-flow-api-key", ob.key)
		})
		b.Run("all", func(b *testing.B) {
			benchGet(b, ob.url+"/api/admin/1/organization/tenants", "x-boomi-flow-api-key", ob.key)
		})
	})
}

// BenchmarkAuditPage reads pages of an audit log of 50,000 events.
func BenchmarkAuditPage(b *testing.B) {
	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		ob := newOrgBench(b, d, 0, 50_000)
		b.Run("first", func(b *testing.B) {
			benchGet(b, ob.url+"/api/admin/1/organization/audit?limit=100", "x-boomi-flow-api-key", ob.key)
		})
		b.Run("filtered", func(b *testing.B) {
			benchGet(b, ob.url+"/api/admin/1/organization/audit?limit=100&action=tenant.renamed&actor="+ob.admin.ID, "x-boomi-flow-api-key", ob.key)
		})
	})
}

// BenchmarkInviteAccept invites a tenant into the organization and accepts it,
// through the API; each iteration uses a fresh tenant administered by the
// organization's administrator.
func BenchmarkInviteAccept(b *testing.B) {
	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		ob := newOrgBench(b, d, 0, 0)
		ctx := context.Background()
		client := &http.Client{}
		send := func(method, path string, body []byte, headers ...string) {
			req, _ := http.NewRequest(method, ob.url+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
			}
		}
		// The administrator's token works in every tenant they administer.
		token, _, err := ob.svc.SignIn(ctx, service.SignInRequest{Email: ob.admin.Email, Password: "bench password", SourceAddress: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			t, err := ob.svc.CreateTenant(ctx, service.Operator(), fmt.Sprintf("invited-%07d", i), ob.admin.Email)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			send("POST", "/api/admin/1/organization/invites/tenants", []byte(`{"id":"`+t.ID+`"}`), "Authorization", token, "manywhotenant", ob.tenantID)
			send("PUT", "/api/admin/1/organization/invites/tenants/"+ob.orgID, nil, "Authorization", token, "manywhotenant", t.ID)
		}
	})
}
