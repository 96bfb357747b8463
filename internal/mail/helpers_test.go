package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"tenantry/internal/mail"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// t0 is when every fake clock starts.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// fakeClock is the worker's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// delivery is one message an smtpServer took in (or refused at DATA).
type delivery struct {
	From     string
	To       []string
	Data     []byte
	Accepted bool
	TLS      bool   // the session was encrypted (STARTTLS or implicit TLS)
	User     string // who authenticated, "" when nobody did
}

// smtpServer is a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port that records what it receives and can be told to refuse.
type smtpServer struct {
	Addr string

	mu         sync.Mutex
	deliveries []delivery
	refuseN    int
	refuseErr  *smtp.SMTPError
	rejectRcpt map[string]*smtp.SMTPError
}

type serverOptions struct {
	tls      *tls.Config // offered with STARTTLS
	implicit bool        // TLS from the first byte (smtps) instead
	users    map[string]string
}

// startSMTP starts a server for the test's lifetime.
func startSMTP(t testing.TB, opts serverOptions) *smtpServer {
	t.Helper()
	s := &smtpServer{rejectRcpt: map[string]*smtp.SMTPError{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c, users: opts.users}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicit {
		ln = tls.NewListener(ln, opts.tls)
	} else {
		srv.TLSConfig = opts.tls
	}
	s.Addr = ln.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return s
}

// URL returns an smtp:// URL for the server.
func (s *smtpServer) URL() string { return "smtp://" + s.Addr }

// Refuse makes the next n deliveries fail at the end of DATA with code.
func (s *smtpServer) Refuse(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseN = n
	s.refuseErr = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "refused by the test"}
}

// RejectRecipient makes RCPT TO addr fail with code.
func (s *smtpServer) RejectRecipient(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRcpt[addr] = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "no such mailbox"}
}

// Deliveries returns what the server took in so far, refusals included.
func (s *smtpServer) Deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...)
}

// Accepted returns the deliveries the server accepted.
func (s *smtpServer) Accepted() []delivery {
	var out []delivery
	for _, d := range s.Deliveries() {
		if d.Accepted {
			out = append(out, d)
		}
	}
	return out
}

type session struct {
	srv   *smtpServer
	conn  *smtp.Conn
	users map[string]string
	user  string
	from  string
	to    []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if p, ok := s.users[user]; !ok || p != pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if err, ok := s.srv.rejectRcpt[to]; ok {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	d := delivery{From: s.from, To: s.to, Data: b, TLS: isTLS, User: s.user, Accepted: true}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	var refuse error
	if s.srv.refuseN > 0 {
		s.srv.refuseN--
		d.Accepted = false
		refuse = s.srv.refuseErr
	}
	s.srv.deliveries = append(s.srv.deliveries, d)
	return refuse
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parsedMessage is a received message, read back with net/mail and
// mime/multipart.
type parsedMessage struct {
	Header netmail.Header
	Text   string
	HTML   string
}

// parseMessage reads raw as an RFC 5322 message that must be
// multipart/alternative with exactly a text/plain and a text/html part.
func parseMessage(t testing.TB, raw []byte) parsedMessage {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	p := parsedMessage{Header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		// NextPart has already undone the quoted-printable encoding.
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		// Lines end in CRLF on the wire; the outbox keeps LF.
		body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		types = append(types, pt)
		switch pt {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Fatalf("parts = %v, want text/plain then text/html", types)
	}
	return p
}

// newMail returns an outbox row to addr, composed as the service would.
func newMail(t testing.TB, to string, now time.Time) store.Mail {
	t.Helper()
	m, err := mail.Compose(mail.KindUserInvitation, to, mail.Data{OrganizationName: "Acme <Ops>",
		ActorName: "Ada Lovelace (ada@example.com)", ExpiresAt: now.Add(7 * 24 * time.Hour),
		Link: "https://tenantry.example.com/organization"})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	return store.Mail{ID: id, MessageID: id + "@tenantry.test", To: to, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		CreatedAt: now.UTC().Truncate(time.Microsecond)}
}

// enqueue adds a message to db's outbox, as the service does, and returns it.
func enqueue(t testing.TB, db *store.DB, to string, now time.Time) store.Mail {
	t.Helper()
	m := newMail(t, to, now)
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.EnqueueMail(ctx, m) }); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return m
}

// row returns the outbox row id.
func row(t testing.TB, db *store.DB, id string) store.Mail {
	t.Helper()
	all, err := db.Read().Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no outbox row %s", id)
	return store.Mail{}
}

// counter returns the value of one of the package's counters, read as
// /metrics would.
func counter(t testing.TB, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(mail.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// testCert returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// storeDialects runs fn on a fresh database of each dialect.
func storeDialects(t *testing.T, fn func(t testing.TB, db *store.DB)) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) { fn(t, storetest.Open(t, d)) })
}
