package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"

	"tenantry/internal/tenantry"
)

// statusOf is the one table from error codes to HTTP statuses (SPEC §8).
var statusOf = map[tenantry.Code]int{
	tenantry.CodeBadRequest:                http.StatusBadRequest,
	tenantry.CodeInvalid:                   http.StatusUnprocessableEntity,
	tenantry.CodeUnauthenticated:           http.StatusUnauthorized,
	tenantry.CodeForbidden:                 http.StatusForbidden,
	tenantry.CodeNotFound:                  http.StatusNotFound,
	tenantry.CodeAlreadyMember:             http.StatusConflict,
	tenantry.CodeInvitationNotPending:      http.StatusConflict,
	tenantry.CodeTenantInOtherOrganization: http.StatusConflict,
	tenantry.CodeLastAdministrator:         http.StatusConflict,
	tenantry.CodeLastTenantAdministrator:   http.StatusConflict,
	tenantry.CodeNameTaken:                 http.StatusConflict,
	tenantry.CodeTokenSpent:                http.StatusConflict,
	tenantry.CodeTokenExpired:              http.StatusConflict,
	tenantry.CodeLicenceLimitExceeded:      http.StatusForbidden,
	tenantry.CodeLicenceExpired:            http.StatusForbidden,
	tenantry.CodeRateLimited:               http.StatusTooManyRequests,
	tenantry.CodeInternal:                  http.StatusInternalServerError,
}

// titleOf gives each code a short human title for the problem document.
var titleOf = map[tenantry.Code]string{
	tenantry.CodeBadRequest:                "Bad request",
	tenantry.CodeInvalid:                   "Invalid input",
	tenantry.CodeUnauthenticated:           "Not signed in",
	tenantry.CodeForbidden:                 "Forbidden",
	tenantry.CodeNotFound:                  "Not found",
	tenantry.CodeAlreadyMember:             "Already a member",
	tenantry.CodeInvitationNotPending:      "Invitation not pending",
	tenantry.CodeTenantInOtherOrganization: "Tenant in another organization",
	tenantry.CodeLastAdministrator:         "Last administrator",
	tenantry.CodeLastTenantAdministrator:   "Last tenant administrator",
	tenantry.CodeNameTaken:                 "Name taken",
	tenantry.CodeTokenSpent:                "Token spent",
	tenantry.CodeTokenExpired:              "Token expired",
	tenantry.CodeLicenceLimitExceeded:      "Licence limit exceeded",
	tenantry.CodeLicenceExpired:            "Licence expired",
	tenantry.CodeRateLimited:               "Too many requests",
	tenantry.CodeInternal:                  "Internal error",
}

// Problem is an RFC 9457 problem document with Tenantry's members.
type Problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail"`
	Code      tenantry.Code         `json:"code"`
	RequestID string                `json:"requestId"`
	Errors    []tenantry.FieldError `json:"errors,omitempty"`
	extra     map[string]any
}

// MarshalJSON adds the error's extra members (limit, used, max…) after the
// standard ones, which keep their order; an extra member never replaces a
// standard one.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(p.extra))
	for k := range p.extra {
		switch k {
		case "type", "title", "status", "detail", "code", "requestId", "errors":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := bytes.NewBuffer(b[:len(b)-1]) // without the closing brace
	for _, k := range keys {
		name, _ := json.Marshal(k)
		value, err := json.Marshal(p.extra[k])
		if err != nil {
			return nil, err
		}
		out.WriteByte(',')
		out.Write(name)
		out.WriteByte(':')
		out.Write(value)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// Status is the HTTP status of an error, by its code: the one table the API
// and the pages answer by. An error without a code is internal.
func Status(err error) int {
	if status, ok := statusOf[tenantry.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// SetRetryAfter says when to try again after a rate_limited error.
func SetRetryAfter(h http.Header, err error) {
	var e *tenantry.Error
	if errors.As(err, &e) && e.Code == tenantry.CodeRateLimited && e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
}

// problemType is the URI reference of a code's problem type.
func problemType(c tenantry.Code) string { return "/problems/" + string(c) }

// writeError answers err as problem+json. Errors without a code are logged
// with the request ID and shown only as "internal".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *tenantry.Error
	if !errors.As(err, &e) {
		log.ErrorContext(r.Context(), "request failed", "err", err, "requestId", requestID(r), "method", r.Method, "path", r.URL.Path)
		e = &tenantry.Error{Code: tenantry.CodeInternal, Message: "something went wrong on our side; the request ID identifies it in the server's log"}
	}
	status := Status(e)
	p := Problem{Type: problemType(e.Code), Title: titleOf[e.Code], Status: status, Detail: e.Message,
		Code: e.Code, RequestID: requestID(r), Errors: e.Fields, extra: e.Extra}
	SetRetryAfter(w.Header(), e)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}
