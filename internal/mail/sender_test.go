package mail_test

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tenantry/internal/mail"
	"tenantry/internal/store"
)

func TestNewSMTPSender(t *testing.T) {
	cases := []struct {
		url, from string
		addr      string // "" when NewSMTPSender must fail
	}{
		{"smtp://mail.example.com", from, "mail.example.com:587"},
		{"smtp://user:p%40ss@mail.example.com:2525", from, "mail.example.com:2525"},
		{"smtps://user:pass@mail.example.com", from, "mail.example.com:465"},
		{"smtps://mail.example.com:4650", "noreply@example.com", "mail.example.com:4650"},
		{"smtp://[::1]:25", from, "[::1]:25"},
		{"http://mail.example.com", from, ""},
		{"smtp://", from, ""},
		{"smtp://mail.example.com:0", from, ""},
		{"smtp://mail.example.com:smtp", from, ""},
		{"mail.example.com:25", from, ""},
		{"smtp://mail.example.com", "not an address", ""},
		{"smtp://mail.example.com", "", ""},
	}
	for _, tc := range cases {
		s, err := mail.NewSMTPSender(tc.url, tc.from)
		switch {
		case tc.addr == "" && err == nil:
			t.Errorf("NewSMTPSender(%q, %q) = %s, want an error", tc.url, tc.from, s.Addr())
		case tc.addr != "" && err != nil:
			t.Errorf("NewSMTPSender(%q, %q): %v", tc.url, tc.from, err)
		case tc.addr != "" && s.Addr() != tc.addr:
			t.Errorf("NewSMTPSender(%q).Addr() = %s, want %s", tc.url, s.Addr(), tc.addr)
		}
		if err != nil && strings.Contains(err.Error(), "p%40ss") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestSMTPSender_STARTTLSAndAuth(t *testing.T) {
	cert, pool := testCert(t)
	srv := startSMTP(t, serverOptions{tls: &tls.Config{Certificates: []tls.Certificate{cert}},
		users: map[string]string{"tenantry": "s3cret pass"}})
	s, err := mail.NewSMTPSender("smtp://tenantry:s3cret%20pass@"+srv.Addr, from)
	if err != nil {
		t.Fatal(err)
	}
	mail.SetTLSConfig(s, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	m := newMail(t, "grace@example.com", t0)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Accepted()
	if len(got) != 1 || !got[0].TLS || got[0].User != "tenantry" {
		t.Fatalf("deliveries = %+v, want one over STARTTLS as tenantry", got)
	}
	checkDelivered(t, got[0], m)

	// A certificate the sender does not trust is not a permanent failure:
	// the operator can fix it while the message waits.
	untrusted, err := mail.NewSMTPSender("smtp://tenantry:s3cret%20pass@"+srv.Addr, from)
	if err != nil {
		t.Fatal(err)
	}
	err = untrusted.Send(context.Background(), m)
	if err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Errorf("Send with an untrusted certificate = %v, want a temporary error", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestSMTPSender_ImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	srv := startSMTP(t, serverOptions{tls: &tls.Config{Certificates: []tls.Certificate{cert}}, implicit: true})
	s, err := mail.NewSMTPSender("smtps://"+srv.Addr, from)
	if err != nil {
		t.Fatal(err)
	}
	mail.SetTLSConfig(s, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	m := newMail(t, "grace@example.com", t0)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Accepted(); len(got) != 1 || !got[0].TLS || got[0].User != "" {
		t.Fatalf("deliveries = %+v, want one over TLS, unauthenticated", got)
	}
}

func TestSMTPSender_Errors(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t, serverOptions{})
	srv.RejectRecipient("nobody@example.com", 550)
	s := newSMTPSender(t, srv)

	if err := s.Send(ctx, newMail(t, "nobody@example.com", t0)); !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("recipient refused with 550: %v, want ErrPermanent", err)
	}
	if err := s.Send(ctx, newMail(t, "grace@@example.com", t0)); !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("invalid recipient: %v, want ErrPermanent", err)
	}
	srv.Refuse(1, 452)
	if err := s.Send(ctx, newMail(t, "grace@example.com", t0)); err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Errorf("452 at DATA: %v, want a temporary error", err)
	}
	srv.Refuse(1, 554)
	if err := s.Send(ctx, newMail(t, "grace@example.com", t0)); !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("554 at DATA: %v, want ErrPermanent", err)
	}

	// Nobody listening: temporary.
	down, err := mail.NewSMTPSender("smtp://127.0.0.1:1", from)
	if err != nil {
		t.Fatal(err)
	}
	if err := down.Send(ctx, newMail(t, "grace@example.com", t0)); err == nil || errors.Is(err, mail.ErrPermanent) {
		t.Errorf("no server: %v, want a temporary error", err)
	}
	if n := len(srv.Accepted()); n != 0 {
		t.Errorf("server accepted %d messages, want none", n)
	}
}

func TestFileSender(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "mail")
	s, err := mail.NewFileSender(dir, from)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v, %v; want mode 0700", fi, err)
	}
	m := newMail(t, "grace@example.com", time.Date(2026, 3, 2, 9, 30, 15, 123456000, time.UTC))
	for range 2 { // the second write replaces the first
		if err := s.Send(ctx, m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "20260302T093015Z-" + m.ID + ".eml"
	if len(entries) != 1 || entries[0].Name() != want || mail.FileName(m) != want {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("files = %v, want [%s]", names, want)
	}
	raw, err := os.ReadFile(filepath.Join(dir, want))
	if err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, delivery{From: "noreply@tenantry.test", To: []string{m.To}, Data: raw}, m)

	if err := s.Send(ctx, newMail(t, "not an address", t0)); !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("invalid recipient: %v, want ErrPermanent", err)
	}
	bad := newMail(t, "grace@example.com", t0)
	bad.ID = "../escape"
	if err := s.Send(ctx, bad); !errors.Is(err, mail.ErrPermanent) {
		t.Errorf("ID %q: %v, want ErrPermanent", bad.ID, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files after refused messages, want 1", len(entries))
	}
}

// TestFileSender_Worker runs the outbox into files, as a server without SMTP
// does.
func TestFileSender_Worker(t *testing.T) {
	storeDialects(t, func(t testing.TB, db *store.DB) {
		dir := t.TempDir()
		s, err := mail.NewFileSender(dir, from)
		if err != nil {
			t.Fatal(err)
		}
		clock := newClock()
		m := enqueue(t, db, "grace@example.com", clock.Now())
		if sent, failed, err := mail.NewWorker(db, s, mail.WorkerOptions{Now: clock.Now}).RunOnce(context.Background()); err != nil || sent != 1 || failed != 0 {
			t.Fatalf("RunOnce = %d, %d, %v", sent, failed, err)
		}
		if _, err := os.Stat(filepath.Join(dir, mail.FileName(m))); err != nil {
			t.Fatal(err)
		}
	})
}
