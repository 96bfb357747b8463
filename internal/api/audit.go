package api

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// AuditEventAPI is one audit event on the wire.
type AuditEventAPI struct {
	ID             string         `json:"id"`
	Time           time.Time      `json:"time"`
	Action         string         `json:"action"`
	Actor          AuditActorAPI  `json:"actor"`
	OrganizationID string         `json:"organizationId"`
	TenantID       *string        `json:"tenantId"`
	Target         AuditTargetAPI `json:"target"`
	RequestID      *string        `json:"requestId"`
	SourceAddress  *string        `json:"sourceAddress"`
	Details        map[string]any `json:"details"`
}

// AuditActorAPI says who made a change.
type AuditActorAPI struct {
	Kind string  `json:"kind"`
	ID   *string `json:"id"`
}

// AuditTargetAPI says what a change was made to.
type AuditTargetAPI struct {
	Kind *string `json:"kind"`
	ID   *string `json:"id"`
}

// AuditPageAPI is one page of the audit log.
type AuditPageAPI struct {
	Items      []AuditEventAPI `json:"items"`
	NextCursor *string         `json:"nextCursor"`
}

func auditEventAPI(e tenantry.AuditEvent) AuditEventAPI {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	return AuditEventAPI{ID: e.ID, Time: e.Time, Action: e.Action,
		Actor:          AuditActorAPI{Kind: string(e.ActorKind), ID: optional(e.ActorID)},
		OrganizationID: e.OrganizationID, TenantID: optional(e.TenantID),
		Target:    AuditTargetAPI{Kind: optional(e.TargetKind), ID: optional(e.TargetID)},
		RequestID: optional(e.RequestID), SourceAddress: optional(e.SourceAddress), Details: details}
}

// AuditQueryFrom reads the audit log's filters from a query string, for the
// API and the pages alike: from and to are RFC 3339 times or dates, and a
// date as to includes that whole day. Bad values are added to v.
func AuditQueryFrom(q url.Values, v *tenantry.Validation) service.AuditQuery {
	return service.AuditQuery{Action: q.Get("action"), Actor: q.Get("actor"), Target: q.Get("target"),
		From: timeParam(q, "from", false, v), To: timeParam(q, "to", true, v), Cursor: q.Get("cursor")}
}

// timeParam reads an RFC 3339 time or a date; a date as the end of a range
// (through) means the end of that day.
func timeParam(q url.Values, name string, through bool, v *tenantry.Validation) time.Time {
	s := q.Get(name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		v.Add(name, name+" is a date like 2026-01-31, or an RFC 3339 time like 2026-01-31T00:00:00Z")
		return time.Time{}
	}
	if through {
		d = d.Add(24 * time.Hour)
	}
	return d
}

// handleAudit answers a page of the organization's audit log as JSON, or, with
// format=jsonl or format=csv, the whole filtered log as a download.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	q := r.URL.Query()
	var v tenantry.Validation
	query := AuditQueryFrom(q, &v)
	query.Limit = intParam(q, "limit", &v)
	if q.Has("limit") && query.Limit == 0 {
		v.Add("limit", "limit is between 1 and 1000")
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "jsonl" && format != "csv" {
		v.Add("format", "format is json, jsonl or csv")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if format == "" || format == "json" {
		page, err := s.svc.OrgAudit(r.Context(), a, query)
		if err != nil {
			return err
		}
		out := AuditPageAPI{Items: make([]AuditEventAPI, 0, len(page.Items)), NextCursor: optional(page.NextCursor)}
		for _, e := range page.Items {
			out.Items = append(out.Items, auditEventAPI(e))
		}
		return encode(w, out)
	}
	return ExportAudit(w, r, s.svc, a, query, format)
}

// ExportAudit streams every audit event matching q as CSV or JSON lines, page
// by page, so an export of any size holds one page in memory. An error before
// the first byte is returned; later ones end the download early (and are
// logged by the service's caller).
func ExportAudit(w http.ResponseWriter, r *http.Request, svc *service.Service, a *service.Actor, q service.AuditQuery, format string) error {
	if format != "csv" && format != "jsonl" {
		return &tenantry.Error{Code: tenantry.CodeInvalid, Message: "format is csv or jsonl",
			Fields: []tenantry.FieldError{{Field: "format", Message: "use csv or jsonl"}}}
	}
	q.Limit = service.MaxAuditLimit
	page, err := svc.OrgAudit(r.Context(), a, q) // the first page answers errors before any byte is written
	if err != nil {
		return err
	}
	name := "audit-" + time.Now().UTC().Format("20060102T150405Z")
	var cw *csv.Writer
	enc := json.NewEncoder(w)
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		cw = csv.NewWriter(w)
		cw.Write([]string{"id", "time", "action", "actor_kind", "actor_id", "tenant_id", "target_kind", "target_id", "request_id", "source_address", "details"})
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.jsonl"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	for {
		for _, e := range page.Items {
			if cw != nil {
				details, _ := json.Marshal(e.Details)
				row := []string{e.ID, e.Time.Format(time.RFC3339Nano), e.Action, string(e.ActorKind), e.ActorID, e.TenantID,
					e.TargetKind, e.TargetID, e.RequestID, e.SourceAddress, string(details)}
				for i := range row {
					row[i] = csvSafe(row[i])
				}
				cw.Write(row)
			} else if err := enc.Encode(auditEventAPI(e)); err != nil {
				return nil // the client went away; the status is already sent
			}
		}
		if cw != nil {
			cw.Flush()
			if cw.Error() != nil {
				return nil
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		q.Cursor = page.NextCursor
		if page, err = svc.OrgAudit(r.Context(), a, q); err != nil {
			return nil // the download ends short; the status is already sent
		}
	}
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (SPEC §7).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
