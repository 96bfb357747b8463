package tenantry_test

import (
	"strings"
	"testing"
	"time"

	"tenantry/internal/tenantry"
)

func TestValidateAPIKeyName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "plain", in: "ci"},
		{name: "one character", in: "x"},
		{name: "spaces and punctuation", in: "deploy key (prod) #2"},
		{name: "unicode", in: "clé de déploiement"},
		{name: "100 runes", in: strings.Repeat("a", 100)},
		{name: "100 multibyte runes", in: strings.Repeat("é", 100)},

		{name: "empty", in: "", wantErr: true},
		{name: "spaces only", in: "   ", wantErr: true},
		{name: "101 runes", in: strings.Repeat("a", 101), wantErr: true},
		{name: "101 multibyte runes", in: strings.Repeat("é", 101), wantErr: true},
		{name: "slash", in: "a/b", wantErr: true},
		{name: "newline", in: "a\nb", wantErr: true},
		{name: "tab", in: "a\tb", wantErr: true},
		{name: "NUL", in: "a\x00", wantErr: true},
		{name: "DEL", in: "a\x7f", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tenantry.ValidateAPIKeyName(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidateAPIKeyName(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestSessionLifetime_Alive(t *testing.T) {
	l := tenantry.DefaultSessionLifetime
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	fresh := tenantry.Session{CreatedAt: created, LastSeenAt: created, ExpiresAt: created.Add(l.Absolute)}
	// Used just now, but at the end of its absolute life.
	old := tenantry.Session{CreatedAt: created, LastSeenAt: created.Add(l.Absolute - time.Hour), ExpiresAt: created.Add(l.Absolute)}
	tests := []struct {
		name    string
		session tenantry.Session
		now     time.Time
		want    bool
	}{
		{name: "at creation", session: fresh, now: created, want: true},
		{name: "idle just under 24h", session: fresh, now: created.Add(24*time.Hour - time.Nanosecond), want: true},
		{name: "idle exactly 24h", session: fresh, now: created.Add(24 * time.Hour), want: false},
		{name: "idle over 24h", session: fresh, now: created.Add(25 * time.Hour), want: false},
		{name: "recently used, before absolute end", session: old, now: created.Add(l.Absolute - time.Nanosecond), want: true},
		{name: "recently used, at absolute end", session: old, now: created.Add(l.Absolute), want: false},
		{name: "recently used, after absolute end", session: old, now: created.Add(l.Absolute + time.Minute), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := l.Alive(tt.session, tt.now); got != tt.want {
				t.Errorf("Alive(%+v, %v) = %v, want %v", tt.session, tt.now, got, tt.want)
			}
		})
	}
}

func TestSessionLifetime_NeedsRefresh(t *testing.T) {
	l := tenantry.DefaultSessionLifetime
	seen := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := tenantry.Session{CreatedAt: seen, LastSeenAt: seen, ExpiresAt: seen.Add(l.Absolute)}
	tests := []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{name: "same instant", after: 0, want: false},
		{name: "59s", after: 59 * time.Second, want: false},
		{name: "just under a minute", after: time.Minute - time.Nanosecond, want: false},
		{name: "a minute", after: time.Minute, want: true},
		{name: "an hour", after: time.Hour, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := l.NeedsRefresh(s, seen.Add(tt.after)); got != tt.want {
				t.Errorf("NeedsRefresh after %v = %v, want %v", tt.after, got, tt.want)
			}
		})
	}
}

func TestDefaultSessionLifetime(t *testing.T) {
	want := tenantry.SessionLifetime{Idle: 24 * time.Hour, Absolute: 30 * 24 * time.Hour, Refresh: time.Minute}
	if tenantry.DefaultSessionLifetime != want {
		t.Errorf("DefaultSessionLifetime = %+v, want %+v (SPEC §4)", tenantry.DefaultSessionLifetime, want)
	}
}
