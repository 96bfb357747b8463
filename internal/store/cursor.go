package store

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"tenantry/internal/tenantry"
)

// Cursor marks a position in a keyset-paginated list: the sort key and ID of
// the last row seen. It travels as opaque base64url JSON.
type Cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

// String encodes the cursor for a client.
func (c Cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a client's cursor; "" is the start. Anything else that
// is not a cursor is invalid.
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return c, &tenantry.Error{Code: tenantry.CodeInvalid, Message: "the cursor is not one this server gave out",
			Fields: []tenantry.FieldError{{Field: "cursor", Message: "use the cursor of a previous page as it was given"}}}
	}
	return c, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
