package web

import (
	"html/template"
	"strings"
	"time"

	"tenantry/internal/tenantry"
)

// pageNames are the pages; each is parsed with the layout.
var pageNames = []string{"firstrun", "signin", "setpassword", "forgot", "account", "tenant", "organization", "orgtenantusers", "runtime", "audit", "message"}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"name": func(u tenantry.User) string {
		if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
			return n
		}
		return u.Email
	},
	"role": func(r tenantry.Role) string { return r.FriendlyName() },
	// dict builds a map for a sub-template: dict "Key" value "Key2" value2.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	"pct": func(used, max int) int {
		if max <= 0 {
			return 100
		}
		p := used * 100 / max
		if p > 100 {
			p = 100
		}
		return p
	},
}

func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}
