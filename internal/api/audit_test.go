package api_test

import (
	"net/url"
	"testing"
	"time"

	"tenantry/internal/api"
	"tenantry/internal/tenantry"
)

// TestAuditQueryFrom: the API and the pages read the audit filters alike; a
// date as "to" takes in the whole of that day.
func TestAuditQueryFrom(t *testing.T) {
	day := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		query    string
		from, to time.Time
		bad      []string
	}{
		{query: "from=2026-01-31&to=2026-01-31", from: day, to: day.Add(24 * time.Hour)},
		{query: "from=2026-01-31T10:00:00Z&to=2026-01-31T12:00:00Z", from: day.Add(10 * time.Hour), to: day.Add(12 * time.Hour)},
		{query: "from=yesterday&to=31/01/2026", bad: []string{"from", "to"}},
		{query: "action=invitation.&actor=operator"},
	} {
		q, _ := url.ParseQuery(c.query)
		var v tenantry.Validation
		got := api.AuditQueryFrom(q, &v)
		if !got.From.Equal(c.from) || !got.To.Equal(c.to) {
			t.Errorf("%s: from %v to %v, want %v and %v", c.query, got.From, got.To, c.from, c.to)
		}
		var fields []string
		if e, ok := v.Err().(*tenantry.Error); ok {
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
		}
		if len(fields) != len(c.bad) || (len(c.bad) > 0 && (fields[0] != c.bad[0] || fields[1] != c.bad[1])) {
			t.Errorf("%s: refused %v, want %v", c.query, fields, c.bad)
		}
		if c.query == "action=invitation.&actor=operator" && (got.Action != "invitation." || got.Actor != "operator") {
			t.Errorf("%s: %+v", c.query, got)
		}
	}
}
