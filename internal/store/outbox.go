package store

import (
	"context"
	"database/sql"
	"time"
)

// Mail is one message in the outbox.
type Mail struct {
	ID            string
	MessageID     string // stable Message-ID header value, without angle brackets
	To            string
	Subject       string
	Text          string
	HTML          string
	Status        string // pending, sent or failed
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

const mailColumns = "id, message_id, recipient, subject, text_body, html_body, status, attempts, next_attempt_at, last_error, created_at, sent_at"

func scanMail(r rowScanner) (Mail, error) {
	var m Mail
	var sent sql.NullTime
	err := r.Scan(&m.ID, &m.MessageID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.Status, &m.Attempts, &m.NextAttemptAt,
		&m.LastError, &m.CreatedAt, &sent)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC(), timeOf(sent)
	return m, err
}

// EnqueueMail adds a message to the outbox. Call it in the transaction of the
// change the message tells about: the message exists if and only if the change
// committed.
func (tx *Tx) EnqueueMail(ctx context.Context, m Mail) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO outbox (id, message_id, recipient, subject, text_body, html_body, status,
		attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)`,
		m.ID, m.MessageID, m.To, m.Subject, m.Text, m.HTML, m.CreatedAt)
	if err == nil {
		tx.queuedMail = true
	}
	return err
}

// DueMail returns up to limit pending messages whose next attempt is due.
func (c *Conn) DueMail(ctx context.Context, now time.Time, limit int) ([]Mail, error) {
	return c.mails(ctx, "SELECT "+mailColumns+" FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1"+
		" ORDER BY next_attempt_at, id LIMIT $2", now, limit)
}

// FailedMail lists the messages that could not be delivered, newest first.
func (c *Conn) FailedMail(ctx context.Context, limit int) ([]Mail, error) {
	return c.mails(ctx, "SELECT "+mailColumns+" FROM outbox WHERE status = 'failed' ORDER BY created_at DESC, id LIMIT $1", limit)
}

// Outbox lists every message (tests and tools), oldest first.
func (c *Conn) Outbox(ctx context.Context) ([]Mail, error) {
	return c.mails(ctx, "SELECT "+mailColumns+" FROM outbox ORDER BY created_at, id")
}

func (c *Conn) mails(ctx context.Context, query string, args ...any) ([]Mail, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkMailSent records a delivery.
func (c *Conn) MarkMailSent(ctx context.Context, id string, attempts int, now time.Time) error {
	_, err := c.q.ExecContext(ctx, "UPDATE outbox SET status = 'sent', attempts = $2, sent_at = $3, last_error = '' WHERE id = $1",
		id, attempts, now)
	return err
}

// MarkMailRetry records a failed attempt and when to try again.
func (c *Conn) MarkMailRetry(ctx context.Context, id string, attempts int, next time.Time, lastError string) error {
	_, err := c.q.ExecContext(ctx, "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1",
		id, attempts, next, lastError)
	return err
}

// MarkMailFailed records the last failed attempt: the message is given up.
func (c *Conn) MarkMailFailed(ctx context.Context, id string, attempts int, lastError string) error {
	_, err := c.q.ExecContext(ctx, "UPDATE outbox SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1",
		id, attempts, lastError)
	return err
}
