package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// TakeRateToken takes one request from key's allowance of burst requests at
// once, refilled at one per every, in one statement every replica sees
// (GCRA: the row keeps the key's theoretical arrival time, tat). A request
// at now is allowed when tat - now <= (burst-1)·every, and then moves tat to
// max(tat, now) + every; a refused request changes nothing, so callers slow
// down and are never locked out. When refused it returns how long until
// the next request would be allowed.
func (c *Conn) TakeRateToken(ctx context.Context, key string, burst int, every time.Duration, now time.Time) (bool, time.Duration, error) {
	if burst <= 0 || every <= 0 {
		return true, 0, nil
	}
	t := now.UnixMicro()
	interval := every.Microseconds()
	tolerance := int64(burst-1) * interval
	var tat int64
	// max(tat, now) - now <= tolerance is tat <= now + tolerance.
	err := c.q.QueryRowContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $3)
		ON CONFLICT (key) DO UPDATE
			SET tat = CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat + $4 ELSE $3 END
			WHERE rate_limits.tat <= $5
		RETURNING tat`, key, t, t+interval, interval, t+tolerance).Scan(&tat)
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, err
	}
	if err := c.q.QueryRowContext(ctx, "SELECT tat FROM rate_limits WHERE key = $1", key).Scan(&tat); err != nil {
		return false, 0, err
	}
	return false, time.Duration(tat-t-tolerance) * time.Microsecond, nil
}

// SweepRateLimits forgets keys whose allowance is whole again at now.
func (c *Conn) SweepRateLimits(ctx context.Context, now time.Time) (int64, error) {
	res, err := c.q.ExecContext(ctx, "DELETE FROM rate_limits WHERE tat <= $1", now.UnixMicro())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
