package tenantry

import (
	"fmt"
	"time"
)

// InvitationType says what an invitation invites: a tenant to join, or a user
// to become an administrator.
type InvitationType string

const (
	InviteTenant InvitationType = "tenant"
	InviteUser   InvitationType = "user"
)

// InvitationStatus is an invitation's state (SPEC §3):
// invited → accepted | rejected | cancelled | expired;
// rejected, expired → acknowledged.
type InvitationStatus string

const (
	InvitationInvited      InvitationStatus = "invited"
	InvitationAccepted     InvitationStatus = "accepted"
	InvitationRejected     InvitationStatus = "rejected"
	InvitationCancelled    InvitationStatus = "cancelled"
	InvitationExpired      InvitationStatus = "expired"
	InvitationAcknowledged InvitationStatus = "acknowledged"
)

// Invitation lifetimes and pacing.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	MinInvitationTTL     = time.Hour
	MaxInvitationTTL     = 30 * 24 * time.Hour
	// ResendInterval is how often one target may be sent the invitation again.
	ResendInterval = 10 * time.Minute
)

// Invitation is one row of the invitations table.
type Invitation struct {
	ID             string
	OrganizationID string
	Type           InvitationType
	TenantID       string // for tenant invitations
	UserID         string // for user invitations
	Status         InvitationStatus
	InvitedBy      string // user ID; "" when the inviter's account is gone
	InvitedAt      time.Time
	LastSentAt     time.Time
	ExpiresAt      time.Time
	CompletedBy    string
	CompletedAt    time.Time
}

// StatusAt is the invitation's status as seen at now: an invited one past its
// expiry is expired whether or not the sweep has stored that yet.
func (i Invitation) StatusAt(now time.Time) InvitationStatus {
	if i.Status == InvitationInvited && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// InvitationAction is something done to an invitation.
type InvitationAction string

const (
	ActAccept      InvitationAction = "accept"
	ActReject      InvitationAction = "reject"
	ActCancel      InvitationAction = "cancel"
	ActAcknowledge InvitationAction = "acknowledge"
	ActResend      InvitationAction = "resend"
	ActReinvite    InvitationAction = "reinvite" // a new invitation replacing a rejected or expired one
)

// Transition returns the status an action leads to from the invitation's
// status at now, or invitation_not_pending when the action is not allowed.
func (i Invitation) Transition(a InvitationAction, now time.Time) (InvitationStatus, error) {
	st := i.StatusAt(now)
	switch a {
	case ActAccept, ActReject, ActCancel, ActResend:
		if st == InvitationInvited {
			switch a {
			case ActAccept:
				return InvitationAccepted, nil
			case ActReject:
				return InvitationRejected, nil
			case ActCancel:
				return InvitationCancelled, nil
			}
			return InvitationInvited, nil
		}
	case ActAcknowledge, ActReinvite:
		if st == InvitationRejected || st == InvitationExpired {
			return InvitationAcknowledged, nil
		}
	}
	if st == InvitationExpired {
		return st, Errorf(CodeInvitationNotPending, "the invitation expired at %s", i.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return st, Errorf(CodeInvitationNotPending, "the invitation is %s, so it cannot be %s", st, pastTense(a))
}

func pastTense(a InvitationAction) string {
	switch a {
	case ActAccept:
		return "accepted"
	case ActReject:
		return "rejected"
	case ActCancel:
		return "cancelled"
	case ActAcknowledge:
		return "acknowledged"
	case ActResend:
		return "sent again"
	case ActReinvite:
		return "invited again"
	}
	return fmt.Sprint(a)
}

// CheckResend refuses sending an invitation again within ResendInterval of
// the last send.
func (i Invitation) CheckResend(now time.Time) error {
	next := i.LastSentAt.Add(ResendInterval)
	if now.Before(next) {
		secs := int((next.Sub(now) + time.Second - 1) / time.Second) // rounded up
		e := Errorf(CodeRateLimited, "this invitation was sent less than 10 minutes ago; it can be sent again in %d seconds", secs)
		e.RetryAfter = secs
		return e
	}
	return nil
}
