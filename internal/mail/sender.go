package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"tenantry/internal/store"
)

// Sender delivers one message from the outbox. Send may be called again for
// a message it already delivered (after a crash before the outbox recorded
// it); the message then carries the same Message-ID.
type Sender interface {
	Send(ctx context.Context, m store.Mail) error
}

// ErrPermanent marks a delivery that will never succeed, such as an invalid
// recipient address or a recipient the server refuses for good. The worker
// gives such a message up at once instead of retrying it.
var ErrPermanent = errors.New("permanent delivery failure")

func permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// newMsg builds the RFC 5322 message both senders write: multipart/alternative
// with a plain-text and an HTML part, the Date of the outbox row's creation
// and its Message-ID, so every attempt writes the same message.
func newMsg(from *netmail.Address, m store.Mail) (*gomail.Msg, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, permanent(fmt.Errorf("recipient %q: %w", m.To, err))
	}
	if m.MessageID == "" || strings.ContainsAny(m.MessageID, "<> \t\r\n") {
		return nil, permanent(fmt.Errorf("invalid Message-ID %q", m.MessageID))
	}
	// A boundary derived from the row (rather than random) keeps a resent
	// message byte for byte the same. go-mail writes it unquoted, so it must
	// be a MIME token.
	boundary := "tenantry-" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, m.ID)
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithBoundary(boundary))
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(strings.Join(strings.Fields(m.Subject), " ")) // one line, whatever the row holds
	msg.SetDateWithValue(m.CreatedAt.UTC())
	msg.SetMessageIDWithValue(m.MessageID)
	// RFC 3834: out-of-office and similar robots should not answer.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

func parseFrom(from string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: sender address %q: %w", from, err)
	}
	return a, nil
}

// SMTPSender delivers messages to an SMTP server, one connection per message.
type SMTPSender struct {
	host        string
	port        int
	implicitTLS bool
	user, pass  string
	from        *netmail.Address
	timeout     time.Duration
	tlsConfig   *tls.Config
}

// SMTPTimeout bounds connecting to the SMTP server and each step of a
// delivery.
const SMTPTimeout = 30 * time.Second

// NewSMTPSender returns a Sender for rawURL, smtp://[user:pass@]host[:port]
// (port 587 by default; STARTTLS whenever the server offers it) or
// smtps://[user:pass@]host[:port] (TLS from the first byte; port 465 by
// default). With a user it authenticates (PLAIN or LOGIN, whichever the
// server offers; never in clear text except to localhost); without one it
// does not. from is the From address, with or without a display name.
func NewSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error repeats the URL, password included.
		return nil, errors.New("mail: the SMTP URL is not a URL; want smtp://user:pass@host:port")
	}
	s := &SMTPSender{host: u.Hostname(), timeout: SMTPTimeout}
	switch u.Scheme {
	case "smtp":
		s.port = gomail.DefaultPortTLS
	case "smtps":
		s.port, s.implicitTLS = gomail.DefaultPortSSL, true
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("mail: the SMTP URL has no host; want smtp://user:pass@host:port")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("mail: SMTP port %q is not a port number", p)
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if s.from, err = parseFrom(from); err != nil {
		return nil, err
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	return s, nil
}

// Addr returns the server's host:port, for logs. It never includes the
// password.
func (s *SMTPSender) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Send delivers m. A 5xx answer to the recipient or to the message itself is
// permanent (ErrPermanent); connection, TLS and authentication failures and
// 4xx answers are not, since they may pass once the server or the
// configuration is fixed.
func (s *SMTPSender) Send(ctx context.Context, m store.Mail) error {
	msg, err := newMsg(s.from, m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tlsConfig),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.pass),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		err = fmt.Errorf("smtp %s: %w", s.Addr(), err)
		if isPermanentSMTP(err) {
			return permanent(err)
		}
		return err
	}
	return nil
}

// isPermanentSMTP reports whether the server answered the recipient, the DATA
// command or the message with a 5xx code. A 5xx to MAIL FROM is left out: it
// usually means our own --mail-from or credentials are wrong, which the
// operator can fix while the message waits.
func isPermanentSMTP(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}

// FileSender writes each message as an .eml file in a directory: what the
// server does when no SMTP server is configured, so mail can be read by hand.
type FileSender struct {
	dir  string
	from *netmail.Address
}

// NewFileSender returns a Sender that writes into dir (created 0700 if
// missing), with from as the From address.
func NewFileSender(dir, from string) (*FileSender, error) {
	a, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: create %s: %w", dir, err)
	}
	return &FileSender{dir: dir, from: a}, nil
}

// FileName returns the name FileSender gives m's file:
// <created at, 20060102T150405Z>-<id>.eml, so a listing sorts by time.
func FileName(m store.Mail) string {
	return m.CreatedAt.UTC().Format("20060102T150405Z") + "-" + m.ID + ".eml"
}

// Send writes m to its file, atomically: a reader sees the whole message or
// none of it. Writing the same message again replaces the file.
func (s *FileSender) Send(ctx context.Context, m store.Mail) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.ID == "" || m.ID != filepath.Base(m.ID) || strings.ContainsAny(m.ID, `/\`) || strings.HasPrefix(m.ID, ".") {
		return permanent(fmt.Errorf("message ID %q cannot name a file", m.ID))
	}
	msg, err := newMsg(s.from, m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	// The partial file's name must not end in .eml: whoever watches the
	// folder for *.eml would otherwise read a message half written.
	f, err := os.CreateTemp(s.dir, ".partial-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = msg.WriteTo(f); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(s.dir, FileName(m))); err != nil {
		return err
	}
	// Make the rename itself durable before the outbox records the message
	// as sent.
	if d, derr := os.Open(s.dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
