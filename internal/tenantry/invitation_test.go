package tenantry_test

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tenantry/internal/tenantry"
)

// invitationExpiry is the fixed expiry used by the invitation tests.
var invitationExpiry = time.Date(2027, 3, 14, 15, 9, 26, 0, time.UTC)

func TestInvitation_StatusAt(t *testing.T) {
	exp := invitationExpiry
	tests := []struct {
		name   string
		status tenantry.InvitationStatus
		now    time.Time
		want   tenantry.InvitationStatus
	}{
		{"invited/long before expiry", tenantry.InvitationInvited, exp.Add(-7 * 24 * time.Hour), tenantry.InvitationInvited},
		{"invited/1ns before expiry", tenantry.InvitationInvited, exp.Add(-time.Nanosecond), tenantry.InvitationInvited},
		{"invited/at expiry", tenantry.InvitationInvited, exp, tenantry.InvitationExpired},
		{"invited/1ns after expiry", tenantry.InvitationInvited, exp.Add(time.Nanosecond), tenantry.InvitationExpired},
		{"invited/long after expiry", tenantry.InvitationInvited, exp.Add(365 * 24 * time.Hour), tenantry.InvitationExpired},
		// The same instant in another zone is the same instant.
		{"invited/at expiry in another zone", tenantry.InvitationInvited, exp.In(time.FixedZone("UTC-5", -5*3600)), tenantry.InvitationExpired},
		{"invited/before expiry in another zone", tenantry.InvitationInvited, exp.Add(-time.Second).In(time.FixedZone("UTC+9", 9*3600)), tenantry.InvitationInvited},
	}
	// Every other status is what is stored, before and after expiry.
	for _, st := range []tenantry.InvitationStatus{
		tenantry.InvitationAccepted, tenantry.InvitationRejected, tenantry.InvitationCancelled,
		tenantry.InvitationExpired, tenantry.InvitationAcknowledged,
	} {
		tests = append(tests,
			struct {
				name   string
				status tenantry.InvitationStatus
				now    time.Time
				want   tenantry.InvitationStatus
			}{string(st) + "/before expiry", st, exp.Add(-time.Hour), st},
			struct {
				name   string
				status tenantry.InvitationStatus
				now    time.Time
				want   tenantry.InvitationStatus
			}{string(st) + "/after expiry", st, exp.Add(time.Hour), st},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tenantry.Invitation{Status: tt.status, ExpiresAt: exp}
			if got := inv.StatusAt(tt.now); got != tt.want {
				t.Errorf("StatusAt(%s) with status %q, expiresAt %s = %q, want %q",
					tt.now.Format(time.RFC3339Nano), tt.status, exp.Format(time.RFC3339), got, tt.want)
			}
		})
	}
}

var (
	allStatuses = []tenantry.InvitationStatus{
		tenantry.InvitationInvited, tenantry.InvitationAccepted, tenantry.InvitationRejected,
		tenantry.InvitationCancelled, tenantry.InvitationExpired, tenantry.InvitationAcknowledged,
	}
	allActions = []tenantry.InvitationAction{
		tenantry.ActAccept, tenantry.ActReject, tenantry.ActCancel,
		tenantry.ActAcknowledge, tenantry.ActResend, tenantry.ActReinvite,
	}
)

// rfc3339InMessage finds an RFC 3339 time in an error message.
var rfc3339InMessage = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)

func TestInvitation_Transition(t *testing.T) {
	exp := invitationExpiry
	type when struct {
		name string
		now  time.Time
	}
	times := []when{
		{"before expiry", exp.Add(-time.Hour)},
		{"1ns before expiry", exp.Add(-time.Nanosecond)},
		{"at expiry", exp},
		{"after expiry", exp.Add(24 * time.Hour)},
	}
	// The rules of SPEC §3, written out pair by pair: what each action leads
	// to from each status as seen at now; absent means refused.
	allowed := map[tenantry.InvitationStatus]map[tenantry.InvitationAction]tenantry.InvitationStatus{
		tenantry.InvitationInvited: {
			tenantry.ActAccept: tenantry.InvitationAccepted,
			tenantry.ActReject: tenantry.InvitationRejected,
			tenantry.ActCancel: tenantry.InvitationCancelled,
			tenantry.ActResend: tenantry.InvitationInvited,
		},
		tenantry.InvitationRejected: {
			tenantry.ActAcknowledge: tenantry.InvitationAcknowledged,
			tenantry.ActReinvite:    tenantry.InvitationAcknowledged,
		},
		tenantry.InvitationExpired: {
			tenantry.ActAcknowledge: tenantry.InvitationAcknowledged,
			tenantry.ActReinvite:    tenantry.InvitationAcknowledged,
		},
	}
	type test struct {
		name    string
		stored  tenantry.InvitationStatus
		now     time.Time
		action  tenantry.InvitationAction
		seen    tenantry.InvitationStatus // status at now
		want    tenantry.InvitationStatus
		refused bool
	}
	var tests []test
	for _, st := range allStatuses {
		for _, w := range times {
			seen := st
			if st == tenantry.InvitationInvited && !w.now.Before(exp) {
				seen = tenantry.InvitationExpired
			}
			for _, a := range allActions {
				tt := test{
					name:   fmt.Sprintf("%s %s/%s", st, w.name, a),
					stored: st, now: w.now, action: a, seen: seen,
				}
				if to, ok := allowed[seen][a]; ok {
					tt.want = to
				} else {
					tt.want, tt.refused = seen, true
				}
				tests = append(tests, tt)
			}
		}
	}
	if len(tests) != len(allStatuses)*len(times)*len(allActions) {
		t.Fatalf("built %d cases", len(tests))
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tenantry.Invitation{
				ID: "inv-1", Status: tt.stored,
				InvitedAt: exp.Add(-7 * 24 * time.Hour), LastSentAt: exp.Add(-7 * 24 * time.Hour), ExpiresAt: exp,
			}
			got, err := inv.Transition(tt.action, tt.now)
			if got != tt.want {
				t.Errorf("Transition(%s) = %q, want %q", tt.action, got, tt.want)
			}
			if !tt.refused {
				if err != nil {
					t.Fatalf("Transition(%s) error = %v, want nil", tt.action, err)
				}
				return
			}
			var e *tenantry.Error
			if !errors.As(err, &e) {
				t.Fatalf("Transition(%s) error = %#v, want a *tenantry.Error", tt.action, err)
			}
			if e.Code != tenantry.CodeInvitationNotPending {
				t.Errorf("code = %q, want %q", e.Code, tenantry.CodeInvitationNotPending)
			}
			if tt.seen == tenantry.InvitationExpired {
				m := rfc3339InMessage.FindString(e.Message)
				if m == "" {
					t.Fatalf("message %q has no RFC 3339 time", e.Message)
				}
				at, err := time.Parse(time.RFC3339, m)
				if err != nil || !at.Equal(exp) {
					t.Errorf("message %q names %q, want the expiry %s", e.Message, m, exp.Format(time.RFC3339))
				}
			} else if !strings.Contains(e.Message, string(tt.seen)) {
				t.Errorf("message %q does not say the invitation is %s", e.Message, tt.seen)
			}
		})
	}
}

// An invitation whose expiry is stored in another zone still reports it as
// an RFC 3339 time of the same instant.
func TestInvitation_Transition_ExpiredMessageZone(t *testing.T) {
	exp := invitationExpiry.In(time.FixedZone("UTC+5:30", 5*3600+1800))
	inv := tenantry.Invitation{Status: tenantry.InvitationInvited, ExpiresAt: exp}
	for _, a := range []tenantry.InvitationAction{tenantry.ActAccept, tenantry.ActReject, tenantry.ActCancel, tenantry.ActResend} {
		t.Run(string(a), func(t *testing.T) {
			_, err := inv.Transition(a, exp.Add(time.Minute))
			if !tenantry.IsCode(err, tenantry.CodeInvitationNotPending) {
				t.Fatalf("Transition(%s) error = %v, want invitation_not_pending", a, err)
			}
			var e *tenantry.Error
			errors.As(err, &e)
			m := rfc3339InMessage.FindString(e.Message)
			at, perr := time.Parse(time.RFC3339, m)
			if perr != nil || !at.Equal(exp) {
				t.Errorf("message %q: want the expiry instant %s", e.Message, exp.Format(time.RFC3339))
			}
		})
	}
}

func TestInvitation_Transition_UnknownAction(t *testing.T) {
	inv := tenantry.Invitation{Status: tenantry.InvitationInvited, ExpiresAt: invitationExpiry}
	got, err := inv.Transition("fly", invitationExpiry.Add(-time.Hour))
	if !tenantry.IsCode(err, tenantry.CodeInvitationNotPending) {
		t.Errorf("Transition(fly) error = %v, want invitation_not_pending", err)
	}
	if got != tenantry.InvitationInvited {
		t.Errorf("Transition(fly) = %q, want the status unchanged", got)
	}
}

func TestInvitation_CheckResend(t *testing.T) {
	sent := time.Date(2027, 3, 14, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		elapsed time.Duration
		// retryAfter is the wanted RetryAfter: the whole seconds, rounded up,
		// until ResendInterval has passed; 0 when the resend is allowed.
		retryAfter int
	}{
		{name: "immediately", elapsed: 0, retryAfter: 600},
		{name: "1ns later", elapsed: time.Nanosecond, retryAfter: 600},
		{name: "1s later", elapsed: time.Second, retryAfter: 599},
		{name: "4m59.5s later", elapsed: 4*time.Minute + 59500*time.Millisecond, retryAfter: 301},
		{name: "5m later", elapsed: 5 * time.Minute, retryAfter: 300},
		{name: "9m59s later", elapsed: 9*time.Minute + 59*time.Second, retryAfter: 1},
		{name: "9m59.5s later", elapsed: 9*time.Minute + 59500*time.Millisecond, retryAfter: 1},
		{name: "1ns before 10m", elapsed: 10*time.Minute - time.Nanosecond, retryAfter: 1},
		{name: "at 10m", elapsed: 10 * time.Minute},
		{name: "1ns after 10m", elapsed: 10*time.Minute + time.Nanosecond},
		{name: "an hour later", elapsed: time.Hour},
		{name: "a week later", elapsed: 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tenantry.Invitation{
				Status: tenantry.InvitationInvited, InvitedAt: sent, LastSentAt: sent,
				ExpiresAt: sent.Add(tenantry.DefaultInvitationTTL),
			}
			now := sent.Add(tt.elapsed)
			err := inv.CheckResend(now)
			if tt.retryAfter == 0 {
				if err != nil {
					t.Fatalf("CheckResend(+%s) = %v, want nil", tt.elapsed, err)
				}
				return
			}
			var e *tenantry.Error
			if !errors.As(err, &e) {
				t.Fatalf("CheckResend(+%s) = %#v, want a *tenantry.Error", tt.elapsed, err)
			}
			if e.Code != tenantry.CodeRateLimited {
				t.Errorf("code = %q, want %q", e.Code, tenantry.CodeRateLimited)
			}
			if e.RetryAfter <= 0 || e.RetryAfter > int(tenantry.ResendInterval/time.Second) {
				t.Errorf("RetryAfter = %d, want in (0, 600]", e.RetryAfter)
			}
			if e.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %d, want %d", e.RetryAfter, tt.retryAfter)
			}
			// Waiting RetryAfter seconds is enough.
			if err := inv.CheckResend(now.Add(time.Duration(e.RetryAfter) * time.Second)); err != nil {
				t.Errorf("after waiting RetryAfter = %d s: %v, want nil", e.RetryAfter, err)
			}
			if !strings.Contains(e.Message, strconv.Itoa(e.RetryAfter)) {
				t.Errorf("message %q does not say when to retry (%d s)", e.Message, e.RetryAfter)
			}
		})
	}
}

// Whatever the fraction of a second, RetryAfter stays within (0, 600] and
// waiting it out is enough.
func TestInvitation_CheckResend_Bounds(t *testing.T) {
	sent := time.Date(2027, 3, 14, 12, 0, 0, 123456789, time.UTC)
	inv := tenantry.Invitation{Status: tenantry.InvitationInvited, LastSentAt: sent}
	for ns := int64(1); ns < int64(tenantry.ResendInterval); ns = int64(math.Ceil(float64(ns)*1.7)) + 7 {
		now := sent.Add(time.Duration(ns))
		var e *tenantry.Error
		if !errors.As(inv.CheckResend(now), &e) || e.Code != tenantry.CodeRateLimited {
			t.Fatalf("CheckResend(+%s): want rate_limited", time.Duration(ns))
		}
		if e.RetryAfter <= 0 || e.RetryAfter > 600 {
			t.Errorf("CheckResend(+%s): RetryAfter = %d, want in (0, 600]", time.Duration(ns), e.RetryAfter)
		}
		if err := inv.CheckResend(now.Add(time.Duration(e.RetryAfter) * time.Second)); err != nil {
			t.Errorf("CheckResend(+%s): waiting RetryAfter = %d s is not enough", time.Duration(ns), e.RetryAfter)
		}
		if err := inv.CheckResend(now.Add(time.Duration(e.RetryAfter-1) * time.Second)); err == nil {
			t.Errorf("CheckResend(+%s): RetryAfter = %d s, but %d s would do", time.Duration(ns), e.RetryAfter, e.RetryAfter-1)
		}
	}
}
