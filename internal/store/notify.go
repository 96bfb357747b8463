package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Notify publishes payload on a channel to every replica listening
// (PostgreSQL NOTIFY). On SQLite, with its one replica, it does nothing and
// reports false: the caller delivers locally.
func (db *DB) Notify(ctx context.Context, channel, payload string) (bool, error) {
	if db.dialect != Postgres {
		return false, nil
	}
	_, err := db.sql.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return err == nil, err
}

// Listen calls fn with every payload published on channel until ctx ends,
// reconnecting when the connection drops. listening, when not nil, is told
// each time the LISTEN is in place (true) and each time it is lost (false),
// so that a replica can say it is not ready while it would miss events. On
// SQLite there is nothing to listen to: it reports true and returns at once.
func (db *DB) Listen(ctx context.Context, channel string, fn func(payload string), listening func(bool)) error {
	if listening == nil {
		listening = func(bool) {}
	}
	if db.dialect != Postgres {
		listening(true)
		return nil
	}
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, channel, fn, listening)
		listening(false)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

func (db *DB) listenOnce(ctx context.Context, channel string, fn func(string), listening func(bool)) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("listen: not a pgx connection")
		}
		c := pc.Conn()
		if _, err := c.Exec(ctx, fmt.Sprintf("LISTEN %q", channel)); err != nil {
			return err
		}
		listening(true)
		for {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			fn(n.Payload)
		}
	})
}

// Leadership is a held (or not) advisory lock for work one replica at a time
// does.
type Leadership struct {
	conn *sql.Conn
	key  int64
}

// TryLead takes an advisory lock named name on a connection of its own, so
// that background work runs on one replica at a time (SPEC §10). The lock is
// per schema: deployments (and tests) sharing a database in different schemas
// do not block each other. On SQLite it always succeeds. Release gives it up.
func (db *DB) TryLead(ctx context.Context, name string) (*Leadership, bool, error) {
	if db.dialect != Postgres {
		return &Leadership{}, true, nil
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	var key int64
	if err := conn.QueryRowContext(ctx, "SELECT hashtext(current_schema() || ':' || $1)", name).Scan(&key); err != nil {
		conn.Close()
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, false, err
	}
	return &Leadership{conn: conn, key: key}, true, nil
}

// Alive reports whether the lock is still held (its connection answers).
func (l *Leadership) Alive(ctx context.Context) bool {
	if l.conn == nil {
		return true
	}
	return l.conn.PingContext(ctx) == nil
}

// Release gives up the lock.
func (l *Leadership) Release() {
	if l.conn == nil {
		return
	}
	// The connection goes back to the pool, so the lock is released
	// explicitly; if that fails the connection is discarded, which ends the
	// session and its locks.
	if _, err := l.conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", l.key); err != nil {
		l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	l.conn.Close()
}
