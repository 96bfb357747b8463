// Package ratelimit keeps token buckets keyed by a string (an email, an
// address). Limits slow callers down; they never lock anyone out: a bucket
// refills with time whatever happens.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a bucket's shape: Burst requests at once, refilled at one per Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// Keyed is a set of token buckets, one per key. It is safe for concurrent use.
// Buckets that have refilled completely are forgotten, so memory stays bounded
// by the keys active within one refill period.
type Keyed struct {
	limit Limit
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// New returns a Keyed limiter. now is the clock (time.Now when nil).
func New(l Limit, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	return &Keyed{limit: l, now: now, buckets: make(map[string]*rate.Limiter)}
}

// Allow takes one token from key's bucket. When the bucket is empty it takes
// nothing and returns how long until a token is available.
func (k *Keyed) Allow(key string) (ok bool, retryAfter time.Duration) {
	if k == nil || k.limit.Burst <= 0 {
		return true, 0
	}
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sweep(now)
	b := k.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Every(k.limit.Every), k.limit.Burst)
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops full buckets at most once per refill period of a whole bucket.
func (k *Keyed) sweep(now time.Time) {
	full := k.limit.Every * time.Duration(k.limit.Burst)
	if now.Sub(k.swept) < full {
		return
	}
	k.swept = now
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.limit.Burst) {
			delete(k.buckets, key)
		}
	}
}
