package tenantry_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tenantry/internal/tenantry"
)

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		fill func(v *tenantry.Validation)
		want *tenantry.Error // nil when Err should be nil
	}{
		{
			name: "nothing added",
			fill: func(v *tenantry.Validation) {},
		},
		{
			name: "only nil checks",
			fill: func(v *tenantry.Validation) {
				v.Check("email", nil)
				v.Check("password", nil)
			},
		},
		{
			name: "one field",
			fill: func(v *tenantry.Validation) {
				v.Add("email", "this is not an email address")
			},
			want: &tenantry.Error{
				Code:    tenantry.CodeInvalid,
				Message: "this is not an email address",
				Fields:  []tenantry.FieldError{{Field: "email", Message: "this is not an email address"}},
			},
		},
		{
			name: "several fields in order",
			fill: func(v *tenantry.Validation) {
				v.Check("email", errors.New("email is bad"))
				v.Check("firstName", nil)
				v.Add("password", "too short")
				v.Check("lastName", errors.New("too long"))
			},
			want: &tenantry.Error{
				Code:    tenantry.CodeInvalid,
				Message: "email is bad (and 2 more; see errors)",
				Fields: []tenantry.FieldError{
					{Field: "email", Message: "email is bad"},
					{Field: "password", Message: "too short"},
					{Field: "lastName", Message: "too long"},
				},
			},
		},
		{
			name: "same field twice",
			fill: func(v *tenantry.Validation) {
				v.Add("name", "a")
				v.Add("name", "b")
			},
			want: &tenantry.Error{
				Code:    tenantry.CodeInvalid,
				Message: "a (and 1 more; see errors)",
				Fields:  []tenantry.FieldError{{Field: "name", Message: "a"}, {Field: "name", Message: "b"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v tenantry.Validation
			tt.fill(&v)
			err := v.Err()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			var got *tenantry.Error
			if !errors.As(err, &got) {
				t.Fatalf("Err() = %#v, want a *tenantry.Error", err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(tenantry.Error{})); diff != "" {
				t.Errorf("Err() mismatch (-want +got):\n%s", diff)
			}
			if !tenantry.IsCode(err, tenantry.CodeInvalid) {
				t.Errorf("IsCode(Err(), invalid) = false")
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	err := tenantry.Errorf(tenantry.CodeNotFound, "tenant %q not found", "acme")
	want := &tenantry.Error{Code: tenantry.CodeNotFound, Message: `tenant "acme" not found`}
	if diff := cmp.Diff(want, err, cmp.AllowUnexported(tenantry.Error{})); diff != "" {
		t.Errorf("Errorf mismatch (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), `not_found: tenant "acme" not found`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if errors.Unwrap(err) != nil {
		t.Errorf("Unwrap() = %v, want nil", errors.Unwrap(err))
	}
}

func TestWrap(t *testing.T) {
	cause := errors.New("disk on fire")
	err := tenantry.Wrap(cause, tenantry.CodeInternal, "something went wrong")
	if err.Code != tenantry.CodeInternal || err.Message != "something went wrong" {
		t.Errorf("Wrap = {Code: %q, Message: %q}", err.Code, err.Message)
	}
	if !errors.Is(err, cause) {
		t.Error("errors.Is(Wrap(cause), cause) = false")
	}
	if got, want := err.Error(), "internal: something went wrong: disk on fire"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// A nil cause is allowed and reads like Errorf.
	if got, want := tenantry.Wrap(nil, tenantry.CodeForbidden, "no").Error(), "forbidden: no"; got != want {
		t.Errorf("Wrap(nil).Error() = %q, want %q", got, want)
	}
}

func TestErrorCode(t *testing.T) {
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such tenant")
	tests := []struct {
		name string
		err  error
		want tenantry.Code
	}{
		{name: "nil", err: nil, want: tenantry.CodeInternal},
		{name: "plain error", err: errors.New("boom"), want: tenantry.CodeInternal},
		{name: "io.EOF", err: io.EOF, want: tenantry.CodeInternal},
		{name: "direct", err: notFound, want: tenantry.CodeNotFound},
		{name: "fmt %w", err: fmt.Errorf("loading: %w", notFound), want: tenantry.CodeNotFound},
		{name: "fmt %w twice", err: fmt.Errorf("a: %w", fmt.Errorf("b: %w", notFound)), want: tenantry.CodeNotFound},
		{name: "fmt %v loses code", err: fmt.Errorf("loading: %v", notFound), want: tenantry.CodeInternal},
		{name: "errors.Join", err: errors.Join(io.EOF, notFound), want: tenantry.CodeNotFound},
		{name: "outer code wins", err: tenantry.Wrap(notFound, tenantry.CodeForbidden, "no"), want: tenantry.CodeForbidden},
		{name: "wrapped wrap", err: fmt.Errorf("x: %w", tenantry.Wrap(io.EOF, tenantry.CodeRateLimited, "slow down")), want: tenantry.CodeRateLimited},
		{name: "validation", err: func() error { var v tenantry.Validation; v.Add("f", "m"); return v.Err() }(), want: tenantry.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tenantry.ErrorCode(tt.err); got != tt.want {
				t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsCode(t *testing.T) {
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such tenant")
	tests := []struct {
		name string
		err  error
		code tenantry.Code
		want bool
	}{
		{name: "nil is no code", err: nil, code: tenantry.CodeNotFound, want: false},
		{name: "nil is not internal", err: nil, code: tenantry.CodeInternal, want: false},
		{name: "match", err: notFound, code: tenantry.CodeNotFound, want: true},
		{name: "other code", err: notFound, code: tenantry.CodeForbidden, want: false},
		{name: "through %w", err: fmt.Errorf("get: %w", notFound), code: tenantry.CodeNotFound, want: true},
		{name: "plain error is internal", err: errors.New("boom"), code: tenantry.CodeInternal, want: true},
		{name: "plain error is not not_found", err: errors.New("boom"), code: tenantry.CodeNotFound, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tenantry.IsCode(tt.err, tt.code); got != tt.want {
				t.Errorf("IsCode(%v, %q) = %v, want %v", tt.err, tt.code, got, tt.want)
			}
		})
	}
}
