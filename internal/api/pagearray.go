package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"tenantry/internal/tenantry"
)

// pageArray answers a list endpoint that keeps the reference's array shape
// (SPEC §8): the whole array, or, with ?limit= (and the cursor of a previous
// page), one page of it with a Link header to the next. These lists are small
// and read whole, so the cursor is a position in them.
func pageArray[T any](w http.ResponseWriter, r *http.Request, items []T) error {
	q := r.URL.Query()
	if !q.Has("limit") && !q.Has("cursor") {
		return encode(w, items)
	}
	var v tenantry.Validation
	limit := 30
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > 1000 {
			v.Add("limit", "limit is a whole number between 1 and 1000")
		}
		limit = n
	}
	start := 0
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "at:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(b), "at:") || n < 0 {
			v.Add("cursor", "use the cursor of a previous page's Link header as it was given")
		}
		start = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	if start > len(items) {
		start = len(items)
	}
	end := min(start+limit, len(items))
	if end < len(items) {
		next := *r.URL
		nq := next.Query()
		nq.Set("limit", strconv.Itoa(limit))
		nq.Set("cursor", base64.RawURLEncoding.EncodeToString([]byte("at:"+strconv.Itoa(end))))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
	}
	return encode(w, items[start:end])
}
