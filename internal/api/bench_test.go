package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
)

// benchServer is a server whose tenant has members members, and a token of
// its administrator.
func benchServer(b *testing.B, d store.Dialect, members int) (url, token, tenantID string) {
	ctx := context.Background()
	db := storetest.Open(b, d)
	svc := service.New(db, service.Config{})
	admin, err := svc.CreateUser(ctx, service.Operator(), service.CreateUserInput{Email: "admin@example.com", Password: "bench password"})
	if err != nil {
		b.Fatal(err)
	}
	t, err := svc.CreateTenant(ctx, service.Operator(), "bench", admin.Email)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for i := range members - 1 {
			u := tenantry.User{ID: uuid.NewString(), Email: fmt.Sprintf("member%05d@example.com", i),
				Status: tenantry.UserPending, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateUser(ctx, u, ""); err != nil {
				return err
			}
			if err := tx.AddMember(ctx, tenantry.Membership{TenantID: t.ID, UserID: u.ID, Role: tenantry.RoleStandard, CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err = svc.SignIn(ctx, service.SignInRequest{Email: admin.Email, Password: "bench password", SourceAddress: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(svc, api.Options{}))
	b.Cleanup(srv.Close)
	return srv.URL, token, t.ID
}

func benchGet(b *testing.B, url string, headers ...string) {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkUsersMe measures an authenticated GET /api/admin/1/users/me.
func BenchmarkUsersMe(b *testing.B) {
	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		url, token, tenantID := benchServer(b, d, 1)
		benchGet(b, url+"/api/admin/1/users/me", "Authorization", token, "manywhotenant", tenantID)
	})
}

// BenchmarkListUsers10k measures GET /api/admin/1/users (first page of 30,
// and a page deep in the list) on a tenant with 10,000 members.
func BenchmarkListUsers10k(b *testing.B) {
	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		url, token, tenantID := benchServer(b, d, 10_000)
		for _, q := range []string{"page=1&pageSize=30", "page=300&pageSize=30", "page=1&pageSize=1000"} {
			b.Run(q, func(b *testing.B) {
				benchGet(b, url+"/api/admin/1/users?"+q, "Authorization", token, "manywhotenant", tenantID)
			})
		}
	})
}
