package mail

import "crypto/tls"

// SetTLSConfig replaces the TLS configuration of s, so that a test can trust
// its own server's certificate.
func SetTLSConfig(s *SMTPSender, c *tls.Config) { s.tlsConfig = c }
