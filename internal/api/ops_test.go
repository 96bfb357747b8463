package api_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"tenantry/internal/api"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// TestReadyz_AsksTheReplica: /readyz answers ready only while the database
// answers and the replica's own check (its LISTEN for runtime events)
// passes; otherwise a problem saying why.
func TestReadyz_AsksTheReplica(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	svc := service.New(db, service.Config{})
	var notReady atomic.Pointer[string] // the handler reads it on the server's goroutine
	srv := httptest.NewServer(api.NewServer(svc, api.Options{Ready: func() error {
		if why := notReady.Load(); why != nil {
			return errors.New(*why)
		}
		return nil
	}}))
	defer srv.Close()
	get := func() (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p map[string]any
		if resp.Header.Get("Content-Type") == "application/problem+json" {
			json.NewDecoder(resp.Body).Decode(&p)
		}
		return resp.StatusCode, p
	}
	if status, _ := get(); status != http.StatusOK {
		t.Fatalf("ready replica: status %d", status)
	}
	why := "this replica is not yet listening"
	notReady.Store(&why)
	status, p := get()
	if status != http.StatusInternalServerError || p["code"] != "internal" || p["detail"] != "this replica is not yet listening" {
		t.Fatalf("replica not listening: %d %v", status, p)
	}
	notReady.Store(nil)
	db.Close()
	if status, p := get(); status != http.StatusInternalServerError || p["detail"] != "the database does not answer" {
		t.Fatalf("database closed: %d %v", status, p)
	}
}
