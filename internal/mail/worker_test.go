package mail_test

import (
	"context"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/mail"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

const from = "Tenantry <noreply@tenantry.test>"

func newSMTPSender(t testing.TB, srv *smtpServer) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(srv.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkDelivered checks that d is m as the worker should have sent it.
func checkDelivered(t testing.TB, d delivery, m store.Mail) {
	t.Helper()
	if d.From != "noreply@tenantry.test" || !cmp.Equal(d.To, []string{m.To}) {
		t.Errorf("envelope = %s → %v, want noreply@tenantry.test → %s", d.From, d.To, m.To)
	}
	p := parseMessage(t, d.Data)
	if got, want := p.Header.Get("Message-Id"), "<"+m.MessageID+">"; got != want {
		t.Errorf("Message-ID = %q, want %q", got, want)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	if got := p.Header.Get("From"); got != `"Tenantry" <noreply@tenantry.test>` && got != "Tenantry <noreply@tenantry.test>" {
		t.Errorf("From = %q", got)
	}
	if got := p.Header.Get("To"); !strings.Contains(got, m.To) {
		t.Errorf("To = %q, want %s", got, m.To)
	}
	if date, err := p.Header.Date(); err != nil || !date.Equal(m.CreatedAt.Truncate(time.Second)) {
		t.Errorf("Date = %v (%v), want %v", date, err, m.CreatedAt)
	}
	if p.Text != m.Text {
		t.Errorf("text part differs:\n%s", cmp.Diff(m.Text, p.Text))
	}
	if p.HTML != m.HTML {
		t.Errorf("HTML part differs:\n%s", cmp.Diff(m.HTML, p.HTML))
	}
}

func TestWorker_Delivers(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		srv := startSMTP(t, serverOptions{})
		clock := newClock()
		m := enqueue(t, db, "grace@example.com", clock.Now())
		w := mail.NewWorker(db, newSMTPSender(t, srv), mail.WorkerOptions{Now: clock.Now})

		sent, failed, err := w.RunOnce(ctx)
		if err != nil || sent != 1 || failed != 0 {
			t.Fatalf("RunOnce = %d sent, %d failed, %v; want 1, 0, nil", sent, failed, err)
		}
		got := srv.Accepted()
		if len(got) != 1 {
			t.Fatalf("server received %d messages, want 1", len(got))
		}
		checkDelivered(t, got[0], m)
		r := row(t, db, m.ID)
		if r.Status != "sent" || r.Attempts != 1 || !r.SentAt.Equal(t0) || r.LastError != "" {
			t.Errorf("row = %s, %d attempts, sent %v, error %q; want sent, 1, %v, none", r.Status, r.Attempts, r.SentAt, r.LastError, t0)
		}
		if sent, _, _ := w.RunOnce(ctx); sent != 0 || len(srv.Deliveries()) != 1 {
			t.Errorf("a second pass sent %d more", sent)
		}
	})
}

func TestWorker_RetriesRefusedDelivery(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		srv := startSMTP(t, serverOptions{})
		srv.Refuse(1, 451)
		clock := newClock()
		m := enqueue(t, db, "grace@example.com", clock.Now())
		w := mail.NewWorker(db, newSMTPSender(t, srv), mail.WorkerOptions{Now: clock.Now})

		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 0 || failed != 0 {
			t.Fatalf("first RunOnce = %d sent, %d failed, %v; want 0, 0, nil", sent, failed, err)
		}
		r := row(t, db, m.ID)
		if r.Status != "pending" || r.Attempts != 1 || !r.NextAttemptAt.Equal(t0.Add(mail.DefaultBackoff[0])) ||
			!strings.Contains(r.LastError, "451") {
			t.Fatalf("after a refusal: %s, %d attempts, next %v, error %q; want pending, 1, %v, a 451",
				r.Status, r.Attempts, r.NextAttemptAt, r.LastError, t0.Add(mail.DefaultBackoff[0]))
		}
		if sent, _, _ := w.RunOnce(ctx); sent != 0 || len(srv.Deliveries()) != 1 {
			t.Fatalf("retried before the backoff was over")
		}

		clock.Advance(mail.DefaultBackoff[0])
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
			t.Fatalf("second RunOnce = %d sent, %d failed, %v; want 1, 0, nil", sent, failed, err)
		}
		all := srv.Deliveries()
		if len(all) != 2 || all[0].Accepted || !all[1].Accepted {
			t.Fatalf("deliveries = %d, want a refused one then an accepted one", len(all))
		}
		first, second := parseMessage(t, all[0].Data), parseMessage(t, all[1].Data)
		if a, b := first.Header.Get("Message-Id"), second.Header.Get("Message-Id"); a != b || a != "<"+m.MessageID+">" {
			t.Errorf("Message-IDs = %s then %s, want <%s> both times", a, b, m.MessageID)
		}
		checkDelivered(t, all[1], m)
		r = row(t, db, m.ID)
		if r.Status != "sent" || r.Attempts != 2 || r.LastError != "" {
			t.Errorf("row = %s, %d attempts, error %q; want sent, 2, none", r.Status, r.Attempts, r.LastError)
		}
	})
}

// closingSender delivers, then closes the database before the worker can
// record the delivery: a crash between send and mark.
type closingSender struct {
	mail.Sender
	db *store.DB
}

func (s closingSender) Send(ctx context.Context, m store.Mail) error {
	err := s.Sender.Send(ctx, m)
	s.db.Close()
	return err
}

func TestWorker_NotLostAcrossRestart(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		ctx := context.Background()
		url := storetest.URL(t, d)
		open := func() *store.DB {
			db, err := store.Open(ctx, url, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return db
		}
		srv := startSMTP(t, serverOptions{})
		sender := newSMTPSender(t, srv)
		clock := newClock()
		db := open()
		m := enqueue(t, db, "grace@example.com", clock.Now())

		// Stopped before it ran: nothing sent, nothing lost.
		stopped, cancel := context.WithCancel(ctx)
		cancel()
		mail.NewWorker(db, sender, mail.WorkerOptions{Now: clock.Now}).Run(stopped)
		if n := len(srv.Deliveries()); n != 0 {
			t.Fatalf("a stopped worker sent %d messages", n)
		}

		// Crashes after sending, before recording: sent once, still pending.
		sent, _, err := mail.NewWorker(db, closingSender{sender, db}, mail.WorkerOptions{Now: clock.Now}).RunOnce(ctx)
		if sent != 1 || err == nil {
			t.Fatalf("RunOnce = %d sent, %v; want 1 sent and an error recording it", sent, err)
		}

		// Restarted on the same database: sent again, same Message-ID.
		db = open()
		if r := row(t, db, m.ID); r.Status != "pending" || r.Attempts != 0 {
			t.Fatalf("after the crash: %s, %d attempts; want pending, 0", r.Status, r.Attempts)
		}
		if sent, failed, err := mail.NewWorker(db, sender, mail.WorkerOptions{Now: clock.Now}).RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
			t.Fatalf("RunOnce after restart = %d sent, %d failed, %v; want 1, 0, nil", sent, failed, err)
		}
		got := srv.Accepted()
		if len(got) != 2 {
			t.Fatalf("server received %d messages, want 2 (at least once)", len(got))
		}
		checkDelivered(t, got[0], m)
		checkDelivered(t, got[1], m)
		if r := row(t, db, m.ID); r.Status != "sent" {
			t.Errorf("row = %s, want sent", r.Status)
		}
	})
}

func TestWorker_FailsAfterLastAttempt(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		srv := startSMTP(t, serverOptions{})
		srv.Refuse(100, 421)
		clock := newClock()
		m := enqueue(t, db, "grace@example.com", clock.Now())
		w := mail.NewWorker(db, newSMTPSender(t, srv), mail.WorkerOptions{Now: clock.Now})
		before := counter(t, "tenantry_mail_failed_total")

		var total time.Duration
		for i, wait := range mail.DefaultBackoff {
			if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 0 || failed != 0 {
				t.Fatalf("attempt %d: %d sent, %d failed, %v; want a retry", i+1, sent, failed, err)
			}
			if r := row(t, db, m.ID); r.Status != "pending" || r.Attempts != i+1 || !r.NextAttemptAt.Equal(clock.Now().Add(wait)) {
				t.Fatalf("after attempt %d: %s, %d attempts, next %v", i+1, r.Status, r.Attempts, r.NextAttemptAt)
			}
			clock.Advance(wait)
			total += wait
		}
		if total < 20*time.Hour || total > 28*time.Hour {
			t.Errorf("the last attempt comes %v after the first, want about 24h", total)
		}
		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 0 || failed != 1 {
			t.Fatalf("attempt 8: %d sent, %d failed, %v; want it failed", sent, failed, err)
		}
		if n := len(srv.Deliveries()); n != 8 {
			t.Errorf("server saw %d attempts, want 8", n)
		}
		listed, err := db.Read().FailedMail(ctx, 10)
		if err != nil || len(listed) != 1 || listed[0].ID != m.ID {
			t.Fatalf("FailedMail = %v, %v; want the message", listed, err)
		}
		if r := listed[0]; r.Attempts != 8 || !strings.Contains(r.LastError, "421") {
			t.Errorf("failed row: %d attempts, error %q; want 8 and the server's 421", r.Attempts, r.LastError)
		}
		if got := counter(t, "tenantry_mail_failed_total") - before; got != 1 {
			t.Errorf("tenantry_mail_failed_total rose by %v, want 1", got)
		}
		clock.Advance(48 * time.Hour)
		if sent, failed, _ := w.RunOnce(ctx); sent+failed != 0 || len(srv.Deliveries()) != 8 {
			t.Errorf("a failed message was tried again")
		}
	})
}

func TestWorker_PermanentRefusalFailsAtOnce(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		srv := startSMTP(t, serverOptions{})
		srv.RejectRecipient("nobody@example.com", 550)
		clock := newClock()
		gone := enqueue(t, db, "nobody@example.com", clock.Now())
		invalid := enqueue(t, db, "not an address", clock.Now())
		fine := enqueue(t, db, "grace@example.com", clock.Now())
		w := mail.NewWorker(db, newSMTPSender(t, srv), mail.WorkerOptions{Now: clock.Now})
		before := counter(t, "tenantry_mail_failed_total")

		if sent, failed, err := w.RunOnce(ctx); err != nil || sent != 1 || failed != 2 {
			t.Fatalf("RunOnce = %d sent, %d failed, %v; want 1, 2, nil", sent, failed, err)
		}
		for _, m := range []store.Mail{gone, invalid} {
			if r := row(t, db, m.ID); r.Status != "failed" || r.Attempts != 1 {
				t.Errorf("%s: %s after %d attempts, want failed after 1", m.To, r.Status, r.Attempts)
			}
		}
		if r := row(t, db, fine.ID); r.Status != "sent" {
			t.Errorf("the good message is %s", r.Status)
		}
		if got := counter(t, "tenantry_mail_failed_total") - before; got != 2 {
			t.Errorf("tenantry_mail_failed_total rose by %v, want 2", got)
		}
	})
}

func TestWorker_RunWakesAndStops(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		db := storetest.Open(t, d)
		srv := startSMTP(t, serverOptions{})
		w := mail.NewWorker(db, newSMTPSender(t, srv), mail.WorkerOptions{PollInterval: time.Hour})
		// A message before Run: its first pass sends it, and then Run waits
		// on the hour-long poll.
		enqueue(t, db, "ada@example.com", time.Now())
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
		defer func() { cancel(); wg.Wait() }()

		sent := func(n int, what string) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for len(srv.Accepted()) < n {
				if time.Now().After(deadline) {
					t.Fatal(what)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		sent(1, "Run's first pass did not send the waiting message")
		// Only Wake can send the next one within the test.
		enqueue(t, db, "grace@example.com", time.Now())
		w.Wake()
		w.Wake() // never blocks
		sent(2, "Wake did not make Run send the message")
		cancel()
		wg.Wait()
	})
}
