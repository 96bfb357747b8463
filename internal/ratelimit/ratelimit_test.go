package ratelimit

import (
	"testing"
	"time"
)

func TestKeyed_AllowsBurstThenRefills(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := New(Limit{Burst: 3, Every: 10 * time.Second}, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := k.Allow("a"); !ok {
			t.Fatalf("request %d refused within burst", i+1)
		}
	}
	ok, retry := k.Allow("a")
	if ok || retry <= 0 || retry > 10*time.Second {
		t.Fatalf("4th request: ok=%v retry=%v, want refused with 0<retry<=10s", ok, retry)
	}
	if ok, _ := k.Allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := k.Allow("a"); !ok {
		t.Fatal("bucket did not refill")
	}
	// Refusals take no tokens: slowing down, never locking out.
	now = now.Add(time.Hour)
	for range 3 {
		if ok, _ := k.Allow("a"); !ok {
			t.Fatal("bucket not full after an hour")
		}
	}
}

func TestKeyed_ForgetsFullBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := New(Limit{Burst: 2, Every: time.Second}, func() time.Time { return now })
	for i := range 100 {
		k.Allow(string(rune('a' + i%26)))
	}
	now = now.Add(time.Minute)
	k.Allow("z")
	if n := len(k.buckets); n != 1 {
		t.Fatalf("%d buckets kept after refill, want 1", n)
	}
}
