package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

func TestTakeRateToken_BurstRefillAndRetryAfter(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		db := storetest.Open(t, d)
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
		take := func(key string) (bool, time.Duration) {
			t.Helper()
			ok, retry, err := db.Read().TakeRateToken(ctx, key, 3, 10*time.Second, now)
			if err != nil {
				t.Fatal(err)
			}
			return ok, retry
		}
		for i := range 3 {
			if ok, _ := take("a"); !ok {
				t.Fatalf("request %d refused within the burst", i+1)
			}
		}
		if ok, retry := take("a"); ok || retry != 10*time.Second {
			t.Fatalf("4th request: ok=%v retry=%v, want refused, retry 10s", ok, retry)
		}
		// A refusal takes nothing: still 10 s, not 20.
		if ok, retry := take("a"); ok || retry != 10*time.Second {
			t.Fatalf("5th request: ok=%v retry=%v, want refused, retry 10s", ok, retry)
		}
		if ok, _ := take("b"); !ok {
			t.Fatal("another key shares the allowance")
		}
		now = now.Add(4 * time.Second)
		if ok, retry := take("a"); ok || retry != 6*time.Second {
			t.Fatalf("after 4 s: ok=%v retry=%v, want refused, retry 6s", ok, retry)
		}
		now = now.Add(6 * time.Second)
		if ok, _ := take("a"); !ok {
			t.Fatal("one request not allowed again after its interval")
		}
		if ok, _ := take("a"); ok {
			t.Fatal("refill gave more than one request")
		}
		// After a long pause the whole burst is back, and the sweep forgets
		// the keys whose allowance is whole.
		now = now.Add(time.Hour)
		if n, err := db.Read().SweepRateLimits(ctx, now); err != nil || n != 2 {
			t.Fatalf("sweep = %d, %v; want 2 keys forgotten", n, err)
		}
		for i := range 3 {
			if ok, _ := take("a"); !ok {
				t.Fatalf("request %d after an hour refused", i+1)
			}
		}
		if n, err := db.Read().SweepRateLimits(ctx, now); err != nil || n != 0 {
			t.Fatalf("sweep of a key in use = %d, %v; want 0", n, err)
		}
		// No limit configured: always allowed, nothing stored.
		if ok, _, err := db.Read().TakeRateToken(ctx, "c", 0, 0, now); !ok || err != nil {
			t.Fatalf("no limit: %v %v", ok, err)
		}
	})
}

// TestTakeRateToken_ConcurrentTakersShareOneAllowance: replicas taking from
// the same key at the same moment get the burst between them, no more.
func TestTakeRateToken_ConcurrentTakersShareOneAllowance(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		db := storetest.Open(t, d)
		now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				ok, _, err := db.Read().TakeRateToken(context.Background(), "shared", 10, time.Minute, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 10 {
			t.Fatalf("%d of 40 concurrent requests allowed, want the burst of 10", n)
		}
	})
}

// BenchmarkTakeRateToken is the cost a sign-in attempt pays for a shared
// rate limit: one allowed take, on keys that rotate as attempts from many
// addresses would.
func BenchmarkTakeRateToken(b *testing.B) {
	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		db := storetest.Open(b, d)
		ctx := context.Background()
		now := time.Now()
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = fmt.Sprintf("bench-%04d", i)
		}
		i := 0
		for b.Loop() {
			if _, _, err := db.Read().TakeRateToken(ctx, keys[i%len(keys)], 1<<30, time.Nanosecond*1000, now); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
