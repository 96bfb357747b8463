package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"tenantry/internal/tenantry"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// encode writes v as a 200 JSON response.
func encode(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(v)
}

// empty writes a 200 response with no body, as the reference answers where it
// has no schema.
func empty(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// jsonMediaType reports whether a Content-Type is one the API reads (SPEC §8):
// application/json, text/json or application/*+json.
func jsonMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// decode reads a JSON request body into T. Unknown fields are ignored (Boomi
// clients send whole objects); anything that is not one JSON value of the
// right shape is bad_request.
func decode[T any](r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" && !jsonMediaType(ct) {
		return v, tenantry.Errorf(tenantry.CodeBadRequest, "send the body as application/json, not %s", ct)
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&v); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return v, tenantry.Errorf(tenantry.CodeBadRequest, "the request needs a JSON body")
		case errors.As(err, &tooBig):
			return v, tenantry.Errorf(tenantry.CodeBadRequest, "the request body is larger than %d bytes", tooBig.Limit)
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return v, tenantry.Errorf(tenantry.CodeBadRequest, "the body must be a JSON %s", expectedShape(v))
			}
			return v, tenantry.Errorf(tenantry.CodeBadRequest, "the field %s must be a JSON %s", field, typeErr.Type.Kind())
		}
		return v, tenantry.Errorf(tenantry.CodeBadRequest, "the body is not valid JSON: %s", jsonMessage(err))
	}
	if dec.More() {
		return v, tenantry.Errorf(tenantry.CodeBadRequest, "the body must hold exactly one JSON value")
	}
	return v, nil
}

func expectedShape(v any) string {
	if _, ok := v.(string); ok {
		return "string"
	}
	return "object"
}

// jsonMessage keeps the JSON decoder's description, which names a position but
// nothing of the server.
func jsonMessage(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s (at byte %d)", syn.Error(), syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends too early"
	}
	return "it cannot be read"
}
