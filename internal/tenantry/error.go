package tenantry

import (
	"errors"
	"fmt"
)

// Code is a stable, snake_case error code. Codes are part of the API: clients
// branch on them, so a code is never renamed once released (SPEC §8).
type Code string

// The error codes of SPEC §8. The HTTP status of each lives in exactly one table
// in the api package.
const (
	CodeBadRequest                Code = "bad_request"
	CodeInvalid                   Code = "invalid"
	CodeUnauthenticated           Code = "unauthenticated"
	CodeForbidden                 Code = "forbidden"
	CodeNotFound                  Code = "not_found"
	CodeAlreadyMember             Code = "already_member"
	CodeInvitationNotPending      Code = "invitation_not_pending"
	CodeTenantInOtherOrganization Code = "tenant_in_other_organization"
	CodeLastAdministrator         Code = "last_administrator"
	CodeLastTenantAdministrator   Code = "last_tenant_administrator"
	CodeNameTaken                 Code = "name_taken"
	CodeTokenSpent                Code = "token_spent"
	CodeTokenExpired              Code = "token_expired"
	CodeLicenceLimitExceeded      Code = "licence_limit_exceeded"
	CodeLicenceExpired            Code = "licence_expired"
	CodeRateLimited               Code = "rate_limited"
	CodeInternal                  Code = "internal"
)

// FieldError names one invalid input field and says, in words a person
// understands, what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error a caller may see: a stable code and a message that is safe to
// show. The cause, if any, is for logs only.
type Error struct {
	Code    Code
	Message string
	// Fields lists per-field problems of an invalid request.
	Fields []FieldError
	// Extra holds additional members of the problem document (for example
	// limit, used and max of a licence refusal). Values must be JSON-encodable.
	Extra map[string]any
	// RetryAfter is set on rate_limited errors: seconds until a retry may succeed.
	RetryAfter int
	cause      error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.cause }

// Errorf returns an *Error with the given code and a formatted, safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and safe message that keeps cause
// for logs.
func Wrap(cause error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, cause: cause}
}

// ErrorCode returns the code of err, or CodeInternal when err carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool {
	return err != nil && ErrorCode(err) == code
}

// Validation collects field errors; its Err is nil when nothing was added.
type Validation struct {
	fields []FieldError
}

// Add records that field is invalid for the given reason.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// Check records message for field when err is not nil.
func (v *Validation) Check(field string, err error) {
	if err != nil {
		v.Add(field, err.Error())
	}
}

// Err returns an invalid *Error listing every field error, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[0].Message
	if len(v.fields) > 1 {
		msg = fmt.Sprintf("%s (and %d more; see errors)", msg, len(v.fields)-1)
	}
	return &Error{Code: CodeInvalid, Message: msg, Fields: v.fields}
}
