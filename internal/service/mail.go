package service

import (
	"context"
	"net/url"
	"time"

	"tenantry/internal/mail"
	"tenantry/internal/secret"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// SetupLinkTTL is how long an account set-up link works (SPEC §4).
const SetupLinkTTL = 72 * time.Hour

// mail renders a message and puts it in the outbox, in tx: it is sent if and
// only if the change commits.
func (s *Service) mail(ctx context.Context, tx *store.Tx, kind mail.Kind, to string, d mail.Data) error {
	m, err := mail.Compose(kind, to, d)
	if err != nil {
		return err
	}
	id := newID()
	return tx.EnqueueMail(ctx, store.Mail{ID: id, MessageID: id + "@" + s.mailDomain, To: m.To, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, CreatedAt: s.now()})
}

// mailAll sends one message to each address.
func (s *Service) mailAll(ctx context.Context, tx *store.Tx, kind mail.Kind, to []string, d mail.Data) error {
	for _, addr := range to {
		if err := s.mail(ctx, tx, kind, addr, d); err != nil {
			return err
		}
	}
	return nil
}

// link is an absolute link to a page of this server.
func (s *Service) link(path string) string { return s.baseURL + path }

// write runs fn in one transaction and, once it committed, nudges the mail
// worker when fn queued mail.
func (s *Service) write(ctx context.Context, fn func(tx *store.Tx) error) error {
	queued := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		err := fn(tx)
		queued = tx.QueuedMail()
		return err
	})
	if err == nil && queued && s.wake != nil {
		s.wake()
	}
	return err
}

// sendSetupLink gives a pending account a new one-time set-up link (voiding
// any earlier one) and mails it.
func (s *Service) sendSetupLink(ctx context.Context, tx *store.Tx, u tenantry.User, d mail.Data) error {
	return s.sendLink(ctx, tx, u, tenantry.SecretSetup, mail.KindAccountSetup, d)
}

// linkPages and linkTTLs give each one-time link its page and lifetime.
var (
	linkPages = map[tenantry.SecretKind]string{tenantry.SecretSetup: "/setup", tenantry.SecretReset: "/reset"}
	linkTTLs  = map[tenantry.SecretKind]time.Duration{tenantry.SecretSetup: SetupLinkTTL, tenantry.SecretReset: ResetLinkTTL}
)

// sendLink makes a one-time link of kind for u (voiding any earlier one of
// that kind), stores its hash and mails it as mailKind.
func (s *Service) sendLink(ctx context.Context, tx *store.Tx, u tenantry.User, kind tenantry.SecretKind, mailKind mail.Kind, d mail.Data) error {
	now := s.now()
	ttl := linkTTLs[kind]
	token, hash := secret.NewToken(kind)
	if err := tx.CreateUserToken(ctx, newID(), u.ID, linkKinds[kind], hash, now, now.Add(ttl)); err != nil {
		return err
	}
	d.RecipientName = displayName(u)
	d.Link = s.link(linkPages[kind] + "?token=" + url.QueryEscape(token))
	d.ExpiresAt = now.Add(ttl)
	return s.mail(ctx, tx, mailKind, u.Email, d)
}
