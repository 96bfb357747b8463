package tenantry_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/tenantry"
)

func TestExpiresAtEndOf(t *testing.T) {
	d31 := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	jan1 := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		day  time.Time
		want time.Time
	}{
		{"midnight starting the day", d31, jan1},
		{"noon", d31.Add(12 * time.Hour), jan1},
		{"last nanosecond of the day", jan1.Add(-time.Nanosecond), jan1},
		{"as parsed from --expires", mustParseDate(t, "2027-12-31"), jan1},
		{"end of February in a leap year", time.Date(2028, 2, 28, 9, 0, 0, 0, time.UTC), time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"29 February", time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC), time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"end of February in a common year", time.Date(2027, 2, 28, 1, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"end of a 30-day month", time.Date(2027, 4, 30, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)},
		// The day of a non-UTC time is its UTC day ("valid through day D
		// (UTC)"), not its local calendar day.
		{"west of UTC, still D in UTC", time.Date(2027, 12, 31, 10, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)), jan1},
		{"west of UTC, already D+1 in UTC", time.Date(2027, 12, 31, 20, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)), time.Date(2028, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"east of UTC, still D-1 in UTC", time.Date(2027, 12, 31, 0, 0, 0, 0, time.FixedZone("UTC+10", 10*3600)), d31},
		{"east of UTC, D in UTC", time.Date(2027, 12, 31, 12, 0, 0, 0, time.FixedZone("UTC+10", 10*3600)), jan1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tenantry.ExpiresAtEndOf(tt.day)
			if !got.Equal(tt.want) {
				t.Errorf("ExpiresAtEndOf(%s) = %s, want %s", tt.day.Format(time.RFC3339Nano), got.Format(time.RFC3339), tt.want.Format(time.RFC3339))
			}
			if got.Location() != time.UTC {
				t.Errorf("ExpiresAtEndOf(%s) is in %s, want UTC", tt.day.Format(time.RFC3339Nano), got.Location())
			}
			// The result is exclusive: the last nanosecond of the day is
			// still valid, the result itself is not.
			l := tenantry.Licence{NotBefore: got.Add(-48 * time.Hour), ExpiresAt: got}
			if l.CheckValid(got.Add(-time.Nanosecond)) != nil || l.CheckValid(got) == nil {
				t.Errorf("ExpiresAtEndOf(%s) = %s is not an exclusive end", tt.day, got)
			}
		})
	}
}

func mustParseDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLicence_ValidAt_CheckValid(t *testing.T) {
	nb := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	l := tenantry.Licence{ID: "lic-1", NotBefore: nb, ExpiresAt: exp}
	tests := []struct {
		name  string
		now   time.Time
		valid bool
		// msg lists what the licence_expired message must contain.
		msg []string
	}{
		{name: "long before notBefore", now: nb.Add(-30 * 24 * time.Hour), msg: []string{"not valid before", "2027-01-01T00:00:00Z"}},
		{name: "1ns before notBefore", now: nb.Add(-time.Nanosecond), msg: []string{"not valid before", "2027-01-01T00:00:00Z"}},
		{name: "at notBefore", now: nb, valid: true},
		{name: "in the middle", now: nb.Add(180 * 24 * time.Hour), valid: true},
		{name: "on the last day (--expires 2027-12-31)", now: time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC), valid: true},
		{name: "1ns before expiresAt", now: exp.Add(-time.Nanosecond), valid: true},
		{name: "at expiresAt", now: exp, msg: []string{"expired at", "2028-01-01T00:00:00Z"}},
		{name: "after expiresAt", now: exp.Add(400 * 24 * time.Hour), msg: []string{"expired at", "2028-01-01T00:00:00Z"}},
		{name: "at expiresAt, now in another zone", now: exp.In(time.FixedZone("UTC+3", 3*3600)), msg: []string{"expired at", "2028-01-01T00:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.CheckValid(tt.now)
			if tt.valid {
				if err != nil {
					t.Errorf("CheckValid(%s) = %v, want nil", tt.now.Format(time.RFC3339Nano), err)
				}
				return
			}
			var e *tenantry.Error
			if !errors.As(err, &e) {
				t.Fatalf("CheckValid(%s) = %#v, want a *tenantry.Error", tt.now.Format(time.RFC3339Nano), err)
			}
			if e.Code != tenantry.CodeLicenceExpired {
				t.Errorf("code = %q, want %q", e.Code, tenantry.CodeLicenceExpired)
			}
			for _, s := range tt.msg {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not contain %q", e.Message, s)
				}
			}
		})
	}
}

func TestLicence_DaysLeft(t *testing.T) {
	exp := time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name   string
		before time.Duration // now = exp - before
		want   int
	}{
		{name: "a year left", before: 365 * day, want: 365},
		{name: "exactly 30 days", before: 30 * day, want: 30},
		{name: "30 days less 1ns", before: 30*day - time.Nanosecond, want: 29},
		{name: "exactly 1 day", before: day, want: 1},
		{name: "less than a day (the last day)", before: day - time.Second, want: 0},
		{name: "1ns left", before: time.Nanosecond, want: 0},
		{name: "at expiry", before: 0, want: -1},
		{name: "1ns after expiry", before: -time.Nanosecond, want: -1},
		{name: "12h after expiry", before: -12 * time.Hour, want: -1},
		{name: "a day and 1ns after expiry", before: -day - time.Nanosecond, want: -2},
		{name: "10 days and an hour after expiry", before: -10*day - time.Hour, want: -11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tenantry.Licence{NotBefore: exp.Add(-400 * day), ExpiresAt: exp}
			now := exp.Add(-tt.before)
			got := l.DaysLeft(now)
			if got != tt.want {
				t.Errorf("DaysLeft(%s) = %d, want %d", now.Format(time.RFC3339Nano), got, tt.want)
			}
			if expired := !now.Before(exp); expired != (got < 0) {
				t.Errorf("DaysLeft(%s) = %d, but expired = %v", now.Format(time.RFC3339Nano), got, expired)
			}
		})
	}
}

// validLicence is a licence Validate accepts.
func validLicence() tenantry.Licence {
	nb := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	return tenantry.Licence{
		ID:               "6f1c1a2e-3d5b-4c8e-9a0f-1b2c3d4e5f60",
		Licensee:         "Acme Corporation",
		OrganizationName: "Acme",
		Limits:           tenantry.Limits{Tenants: 10, Administrators: 3, Runtimes: 2, Users: 250},
		IssuedAt:         nb,
		NotBefore:        nb,
		ExpiresAt:        time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestLicence_Validate(t *testing.T) {
	tests := []struct {
		name   string
		change func(l *tenantry.Licence)
		// fields are the invalid fields, nil when valid.
		fields []string
	}{
		{name: "valid", change: func(l *tenantry.Licence) {}},
		{name: "zero tenants, runtimes and users", change: func(l *tenantry.Licence) { l.Limits = tenantry.Limits{Administrators: 1} }},
		{name: "largest limits", change: func(l *tenantry.Licence) {
			l.Limits = tenantry.Limits{Tenants: 1_000_000, Administrators: 1_000_000, Runtimes: 1_000_000, Users: 1_000_000}
		}},
		{name: "licensee of 200 characters", change: func(l *tenantry.Licence) { l.Licensee = strings.Repeat("é", 200) }},
		{name: "organization name of 100 characters", change: func(l *tenantry.Licence) { l.OrganizationName = strings.Repeat("ü", 100) }},
		{name: "expires 1ns after notBefore", change: func(l *tenantry.Licence) { l.ExpiresAt = l.NotBefore.Add(time.Nanosecond) }},
		{name: "no notBefore", change: func(l *tenantry.Licence) { l.NotBefore = time.Time{} }},

		{name: "missing id", change: func(l *tenantry.Licence) { l.ID = "" }, fields: []string{"id"}},
		{name: "blank id", change: func(l *tenantry.Licence) { l.ID = " \t " }, fields: []string{"id"}},
		{name: "missing licensee", change: func(l *tenantry.Licence) { l.Licensee = "" }, fields: []string{"licensee"}},
		{name: "blank licensee", change: func(l *tenantry.Licence) { l.Licensee = "   " }, fields: []string{"licensee"}},
		{name: "licensee of 201 characters", change: func(l *tenantry.Licence) { l.Licensee = strings.Repeat("a", 201) }, fields: []string{"licensee"}},
		{name: "missing organization name", change: func(l *tenantry.Licence) { l.OrganizationName = "" }, fields: []string{"organizationName"}},
		{name: "organization name of 101 characters", change: func(l *tenantry.Licence) { l.OrganizationName = strings.Repeat("a", 101) }, fields: []string{"organizationName"}},
		{name: "organization name with a newline", change: func(l *tenantry.Licence) { l.OrganizationName = "Acme\nEvil" }, fields: []string{"organizationName"}},
		{name: "negative tenants", change: func(l *tenantry.Licence) { l.Limits.Tenants = -1 }, fields: []string{"tenants"}},
		{name: "negative runtimes", change: func(l *tenantry.Licence) { l.Limits.Runtimes = -5 }, fields: []string{"runtimes"}},
		{name: "negative users", change: func(l *tenantry.Licence) { l.Limits.Users = -1 }, fields: []string{"users"}},
		{name: "negative administrators", change: func(l *tenantry.Licence) { l.Limits.Administrators = -1 }, fields: []string{"administrators"}},
		{name: "huge tenants", change: func(l *tenantry.Licence) { l.Limits.Tenants = 1_000_001 }, fields: []string{"tenants"}},
		{name: "huge administrators", change: func(l *tenantry.Licence) { l.Limits.Administrators = 1 << 40 }, fields: []string{"administrators"}},
		{name: "huge runtimes", change: func(l *tenantry.Licence) { l.Limits.Runtimes = 1 << 62 }, fields: []string{"runtimes"}},
		{name: "huge users", change: func(l *tenantry.Licence) { l.Limits.Users = 1_000_001 }, fields: []string{"users"}},
		{name: "zero administrators", change: func(l *tenantry.Licence) { l.Limits.Administrators = 0 }, fields: []string{"administrators"}},
		{name: "no expiry", change: func(l *tenantry.Licence) { l.ExpiresAt = time.Time{} }, fields: []string{"expiresAt"}},
		{name: "expiry equal to notBefore", change: func(l *tenantry.Licence) { l.ExpiresAt = l.NotBefore }, fields: []string{"expiresAt"}},
		{name: "expiry before notBefore", change: func(l *tenantry.Licence) { l.ExpiresAt = l.NotBefore.Add(-24 * time.Hour) }, fields: []string{"expiresAt"}},
		{name: "everything wrong", change: func(l *tenantry.Licence) {
			*l = tenantry.Licence{Limits: tenantry.Limits{Tenants: -1, Runtimes: 2_000_000, Users: -3}}
		}, fields: []string{"administrators", "expiresAt", "id", "licensee", "organizationName", "runtimes", "tenants", "users"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := validLicence()
			tt.change(&l)
			err := l.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *tenantry.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate() = %#v, want a *tenantry.Error", err)
			}
			if e.Code != tenantry.CodeInvalid {
				t.Errorf("code = %q, want %q", e.Code, tenantry.CodeInvalid)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
				if f.Message == "" {
					t.Errorf("field %q has no message", f.Field)
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("invalid fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateOrganizationName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"simple", "Acme", true},
		{"one character", "A", true},
		{"spaces and punctuation", "Acme Corp. (EMEA) — R&D", true},
		{"100 ASCII characters", strings.Repeat("a", 100), true},
		{"100 multi-byte characters", strings.Repeat("日", 100), true},
		{"emoji", "Acme 🚀", true},
		{"empty", "", false},
		{"spaces only", "   ", false},
		{"tab only", "\t", false},
		{"101 characters", strings.Repeat("a", 101), false},
		{"101 multi-byte characters", strings.Repeat("日", 101), false},
		{"newline", "Acme\nCorp", false},
		{"carriage return", "Acme\r", false},
		{"NUL", "Acme\x00", false},
		{"escape sequence", "Acme\x1b[31m", false},
		{"zero-width space", "Ac\u200bme", false},
		{"right-to-left override", "Acme\u202egnp.exe", false},
		{"line separator", "Acme\u2028Corp", false},
		{"invalid UTF-8", "Acme\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.ValidateOrganizationName(tt.in)
			if (err == nil) != tt.ok {
				t.Errorf("ValidateOrganizationName(%q) = %v, want ok = %v", tt.in, err, tt.ok)
			}
		})
	}
}
