package service

import (
	"context"
	"time"

	"tenantry/internal/mail"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// checkLicence returns licence_expired when an organization's licence does not
// allow additions at now: outside its dates, or signed by the development key
// once a vendor key is configured (SPEC §5).
func (s *Service) checkLicence(l tenantry.Licence, now time.Time) error {
	if l.Development && s.licences != nil && !s.licences.TrustsDevelopmentKey() {
		return tenantry.Errorf(tenantry.CodeLicenceExpired,
			"the organization's licence is signed by a development key, which this server no longer trusts now that a vendor key is configured; ask the operator for a licence from the vendor")
	}
	return l.CheckValid(now)
}

// Licence expiry notices go out this many days before expiry (SPEC §2).
var licenceNoticeDays = []int{30, 7, 1}

// firstWarningToday reports whether an organization's licence warning is the
// first logged today, and records it.
func (s *Service) firstWarningToday(orgID, today string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.warned[orgID] != today
	s.warned[orgID] = today
	return first
}

// LicenceNotices emails organization administrators when their licence is
// 30, 7 or 1 days from expiry (each notice once per licence), and logs a
// warning once a day for every licence expired or about to. The system runs it
// periodically.
func (s *Service) LicenceNotices(ctx context.Context) error {
	orgs, err := s.db.Read().Organizations(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	today := now.Format("2006-01-02")
	for _, o := range orgs {
		left := o.Licence.DaysLeft(now)
		if err := s.checkLicence(o.Licence, now); err != nil && left >= 0 {
			if s.firstWarningToday(o.ID, today) {
				s.log.WarnContext(ctx, "organization licence not trusted", "organization", o.ID, "name", o.Name, "reason", err.Error())
			}
			continue
		}
		if left < 30 {
			if s.firstWarningToday(o.ID, today) {
				if left < 0 {
					s.log.WarnContext(ctx, "organization licence expired", "organization", o.ID, "name", o.Name, "expiresAt", o.Licence.ExpiresAt)
				} else {
					s.log.WarnContext(ctx, "organization licence expires soon", "organization", o.ID, "name", o.Name, "daysLeft", left)
				}
			}
		}
		if left < 0 {
			continue
		}
		due := 0
		for _, d := range licenceNoticeDays {
			if left < d {
				due = d
			}
		}
		if due == 0 {
			continue
		}
		err := s.write(ctx, func(tx *store.Tx) error {
			sent, err := tx.ExpiryNoticeDays(ctx, o.ID)
			if err != nil {
				return err
			}
			if sent != 0 && sent <= due {
				return nil
			}
			emails, err := tx.OrgAdminEmails(ctx, o.ID)
			if err != nil {
				return err
			}
			if err := s.mailAll(ctx, tx, mail.KindLicenceExpiring, emails, mail.Data{OrganizationName: o.Name,
				ExpiresAt: o.Licence.ExpiresAt, DaysLeft: left, Link: s.link("/settings/organization")}); err != nil {
				return err
			}
			return tx.SetExpiryNotice(ctx, o.ID, due)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
