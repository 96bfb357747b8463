package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tenantry/internal/store"
)

var (
	sentTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantry_mail_sent_total",
		Help: "Messages handed to the SMTP server or written as .eml files (a message resent after a crash counts again).",
	})
	failedTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantry_mail_failed_total",
		Help: "Messages given up after their last attempt or a permanent refusal; `tenantry admin mail failed` lists them.",
	})
)

// Collectors returns the package's metrics, for registration by the server.
func Collectors() []prometheus.Collector { return []prometheus.Collector{sentTotal, failedTotal} }

// DefaultBackoff is the wait after each failed attempt: 8 attempts, the last
// about 24 hours after the first (SPEC §7); after the 8th the message fails.
var DefaultBackoff = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 90 * time.Minute, 4 * time.Hour, 8 * time.Hour, 10 * time.Hour,
}

// WorkerOptions configures a Worker. Zero values take the defaults.
type WorkerOptions struct {
	Now          func() time.Time // default time.Now
	Logger       *slog.Logger     // default: discard
	Backoff      []time.Duration  // wait after attempt i+1 fails; len+1 attempts in all; default DefaultBackoff
	PollInterval time.Duration    // how often to look for due mail; default 5s
	Batch        int              // messages read at a time; default 20
}

// Worker delivers the outbox: at least once, in order of due time, retrying
// with backoff. A message sent but not yet recorded when the process stops is
// sent again, with the same Message-ID.
//
// One Worker per database: two workers (two server processes on one
// PostgreSQL) may both send a message that is due.
type Worker struct {
	db      *store.DB
	sender  Sender
	now     func() time.Time
	log     *slog.Logger
	backoff []time.Duration
	poll    time.Duration
	batch   int
	wake    chan struct{}
	mu      sync.Mutex // one pass at a time
}

// NewWorker returns a Worker that delivers db's outbox through s.
func NewWorker(db *store.DB, s Sender, opts WorkerOptions) *Worker {
	w := &Worker{db: db, sender: s, now: opts.Now, log: opts.Logger, backoff: opts.Backoff,
		poll: opts.PollInterval, batch: opts.Batch, wake: make(chan struct{}, 1)}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.backoff == nil {
		w.backoff = DefaultBackoff
	}
	if w.poll <= 0 {
		w.poll = 5 * time.Second
	}
	if w.batch <= 0 {
		w.batch = 20
	}
	return w
}

// Wake makes a running Run look at the outbox now rather than at its next
// poll. It never blocks; call it after committing a transaction that
// enqueued mail.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers mail until ctx ends: a pass over the due messages, then
// another at once if the batch was full, else after PollInterval or Wake.
// Errors are logged, and the messages they concern are tried again.
func (w *Worker) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := w.pass(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.LogAttrs(ctx, slog.LevelError, "mail outbox", slog.String("error", err.Error()))
		}
		if err == nil && n == w.batch {
			continue
		}
		t := time.NewTimer(w.poll)
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce makes one pass: it sends each due message (up to Batch) once and
// records the outcome. sent counts deliveries, failed the messages given up;
// messages to retry later count in neither. err joins what went wrong with the
// outbox itself; a failed delivery is an outcome, not an error.
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, sent, failed, err = w.passLocked(ctx)
	return sent, failed, err
}

func (w *Worker) pass(ctx context.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, _, _, err := w.passLocked(ctx)
	return n, err
}

// outcome is what became of one message in a pass.
type outcome int

const (
	interrupted outcome = iota // ctx ended during the attempt: it does not count
	delivered
	retrying
	givenUp
)

func (w *Worker) passLocked(ctx context.Context) (n, sent, failed int, err error) {
	due, err := w.db.Read().DueMail(ctx, w.clock(), w.batch)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("read due mail: %w", err)
	}
	var errs []error
	for _, m := range due {
		if ctx.Err() != nil {
			break
		}
		o, err := w.deliver(ctx, m)
		if err != nil {
			errs = append(errs, err)
		}
		switch o {
		case delivered:
			sent++
		case givenUp:
			failed++
		}
		n++
	}
	return n, sent, failed, errors.Join(errs...)
}

// deliver makes one attempt at m and records it.
func (w *Worker) deliver(ctx context.Context, m store.Mail) (outcome, error) {
	sendErr := w.sender.Send(ctx, m)
	if sendErr != nil && ctx.Err() != nil {
		// Shutting down: the attempt was cut short, not refused. The
		// message stays due as it was.
		return interrupted, nil
	}
	// Record the outcome even if ctx ends now: a delivered message not
	// recorded is delivered twice.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	attempts := m.Attempts + 1
	now := w.clock()
	conn := w.db.Read()
	attrs := []slog.Attr{slog.String("id", m.ID), slog.String("messageId", m.MessageID), slog.Int("attempts", attempts)}
	switch {
	case sendErr == nil:
		sentTotal.Inc()
		if err := conn.MarkMailSent(rctx, m.ID, attempts, now); err != nil {
			// It will be sent again: at least once.
			return delivered, fmt.Errorf("record mail %s as sent: %w", m.ID, err)
		}
		w.log.LogAttrs(ctx, slog.LevelInfo, "mail sent", attrs...)
		return delivered, nil
	case errors.Is(sendErr, ErrPermanent) || attempts > len(w.backoff):
		msg := lastError(sendErr)
		if err := conn.MarkMailFailed(rctx, m.ID, attempts, msg); err != nil {
			return retrying, fmt.Errorf("record mail %s as failed: %w", m.ID, err)
		}
		failedTotal.Inc()
		w.log.LogAttrs(ctx, slog.LevelError, "mail failed", append(attrs, slog.String("error", msg))...)
		return givenUp, nil
	default:
		msg := lastError(sendErr)
		next := now.Add(w.backoff[attempts-1])
		if err := conn.MarkMailRetry(rctx, m.ID, attempts, next, msg); err != nil {
			return retrying, fmt.Errorf("record mail %s attempt: %w", m.ID, err)
		}
		w.log.LogAttrs(ctx, slog.LevelWarn, "mail attempt failed",
			append(attrs, slog.String("error", msg), slog.Time("next", next))...)
		return retrying, nil
	}
}

// clock returns the time as the store keeps it: UTC, in microseconds.
func (w *Worker) clock() time.Time { return w.now().UTC().Truncate(time.Microsecond) }

// lastError is err as the outbox keeps it: one line of at most 1000 bytes.
func lastError(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 1000 {
		s = strings.ToValidUTF8(s[:1000], "")
	}
	return s
}
