package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// TestListen_ReportsAndSurvivesALostConnection: a listener says when its
// LISTEN is in place, hears NOTIFY, says when the connection is lost, and
// comes back by itself. On SQLite there is nothing to hear: Notify reports
// false (deliver locally) and Listen reports ready at once.
func TestListen_ReportsAndSurvivesALostConnection(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		db := storetest.Open(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		channel := fmt.Sprintf("tenantry_test_%d", time.Now().UnixNano())
		payloads := make(chan string, 10)
		states := make(chan bool, 10)
		done := make(chan error, 1)
		go func() {
			done <- db.Listen(ctx, channel, func(p string) { payloads <- p }, func(ok bool) { states <- ok })
		}()
		wantState := func(want bool) {
			t.Helper()
			select {
			case got := <-states:
				if got != want {
					t.Fatalf("listening = %v, want %v", got, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("listener never reported %v", want)
			}
		}
		wantState(true)
		if d == store.SQLite {
			if err := <-done; err != nil {
				t.Fatalf("Listen on SQLite: %v", err)
			}
			if sent, err := db.Notify(ctx, channel, "x"); sent || err != nil {
				t.Fatalf("Notify on SQLite = %v, %v; want false, nil", sent, err)
			}
			return
		}
		hear := func(want string) {
			t.Helper()
			if sent, err := db.Notify(ctx, channel, want); !sent || err != nil {
				t.Fatalf("Notify = %v, %v", sent, err)
			}
			select {
			case got := <-payloads:
				if got != want {
					t.Fatalf("heard %q, want %q", got, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("never heard %q", want)
			}
		}
		hear("one")

		// The database ends the listener's session: the listener says so,
		// reconnects and hears again.
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE query = $1 AND pid <> pg_backend_pid()`, fmt.Sprintf("LISTEN %q", channel)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("terminate the listener: %d sessions, %v", n, err)
		}
		wantState(false)
		wantState(true)
		hear("two")

		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Listen after cancel: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Listen did not return after cancel")
		}
	})
}
