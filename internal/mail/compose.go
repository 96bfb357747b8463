// Package mail writes Tenantry's emails and delivers them from the outbox:
// templates (plain text and HTML), the outbox worker (at least once, retries
// with backoff, a stable Message-ID), and two senders: SMTP, or .eml files in
// the data directory when no SMTP server is configured.
package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"
)

// Kind names one email Tenantry sends.
type Kind string

const (
	KindTenantInvitation   Kind = "tenant_invitation"   // to each administrator of an invited tenant
	KindUserInvitation     Kind = "user_invitation"     // to a user invited to administer an organization
	KindInvitationAccepted Kind = "invitation_accepted" // notice of an accepted invitation
	KindInvitationRejected Kind = "invitation_rejected" // notice of a rejected invitation
	KindTenantRemoved      Kind = "tenant_removed"      // to a removed tenant's administrators
	KindAdminRemoved       Kind = "admin_removed"       // to an administrator removed by another
	KindAdminLeft          Kind = "admin_left"          // confirmation to an administrator who left
	KindAccountSetup       Kind = "account_setup"       // one-time link to set a password
	KindSignUpExisting     Kind = "signup_existing"     // someone tried to sign up with your email
	KindLicenceExpiring    Kind = "licence_expiring"    // to organization administrators, 30/7/1 days before
	KindPasswordReset      Kind = "password_reset"      // one-time link to choose a new password
)

// Data fills a message's template. Each kind uses the fields it needs, and
// Compose refuses a message without the ones it cannot do without:
//
//	tenant_invitation    OrganizationName, TenantName, Link, ExpiresAt (ActorName optional)
//	user_invitation      OrganizationName, Link, ExpiresAt (ActorName optional)
//	invitation_accepted  OrganizationName, InvitationType, ActorName; TenantName for "tenant"
//	invitation_rejected  OrganizationName, InvitationType; TenantName for "tenant";
//	                     ActorName for "user" (for "tenant" it may be left empty: the
//	                     organization does not see who answered until the tenant joins)
//	tenant_removed       OrganizationName, TenantName (ActorName optional)
//	admin_removed        OrganizationName (ActorName optional)
//	admin_left           OrganizationName
//	account_setup        Link (ActorName, TenantName, ExpiresAt optional)
//	signup_existing      nothing (TenantName: the name tried; Link: the sign-in page)
//	licence_expiring     OrganizationName, ExpiresAt, DaysLeft >= 0 (Link optional)
type Data struct {
	RecipientName    string    // greeting; the email address when empty
	OrganizationName string    //
	TenantName       string    // with its leading "@"
	ActorName        string    // who did it: "Ada Lovelace (ada@example.com)"
	ExpiresAt        time.Time // invitation, link or licence expiry
	Link             string    // absolute URL: the page to act on, or the set-up link
	DaysLeft         int       // licence_expiring
	InvitationType   string    // "tenant" or "user", for accepted/rejected notices
}

// Message is a rendered email.
type Message struct {
	To      string
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body: inline styles, no external resources
}

// templateFS holds one pair of files per Kind: <kind>.txt defines "subject"
// and "text" (text/template), <kind>.html defines "body" and what it uses
// (html/template, inside layout.html).
//
//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// kindTemplates is a Kind's parsed templates.
type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// kinds lists every Kind with the Data fields it cannot do without. Compose
// refuses a message that lacks one: a half-filled email is worse than none,
// and the error shows up in the service's tests.
var kinds = map[Kind][]string{
	KindTenantInvitation:   {"OrganizationName", "TenantName", "Link", "ExpiresAt"},
	KindUserInvitation:     {"OrganizationName", "Link", "ExpiresAt"},
	KindInvitationAccepted: {"OrganizationName", "InvitationType", "ActorName"},
	KindInvitationRejected: {"OrganizationName", "InvitationType"},
	KindTenantRemoved:      {"OrganizationName", "TenantName"},
	KindAdminRemoved:       {"OrganizationName"},
	KindAdminLeft:          {"OrganizationName"},
	KindAccountSetup:       {"Link"},
	KindSignUpExisting:     {},
	KindLicenceExpiring:    {"OrganizationName", "ExpiresAt"},
	KindPasswordReset:      {"Link"},
}

// templates is parsed once, at start: a broken template stops the program
// (and every test) rather than the first email of its kind.
var templates = parseTemplates()

var funcs = map[string]any{"days": days}

func parseTemplates() map[Kind]kindTemplates {
	out := make(map[Kind]kindTemplates, len(kinds))
	for k := range kinds {
		text := texttemplate.Must(texttemplate.New(string(k)).Funcs(funcs).ParseFS(templateFS, "templates/"+string(k)+".txt"))
		html := htmltemplate.Must(htmltemplate.New(string(k)).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/"+string(k)+".html"))
		out[k] = kindTemplates{text: text, html: html}
	}
	return out
}

// view is what the templates see: the Data, plus the recipient and values
// formatted once.
type view struct {
	Data
	To      string // the bare address
	Name    string // RecipientName, else the address
	Expires string // ExpiresAt in UTC, readable; empty when zero
	Subject string
}

// TimeLayout is how emails show a time. It is always UTC: recipients are in
// every time zone and the server knows none of them.
const TimeLayout = "Monday 2 January 2006, 15:04 UTC"

// Compose renders the email of kind for the address to ("ada@example.com"
// or "Ada Lovelace <ada@example.com>"). It fails for an unknown kind or when
// d lacks a field that kind needs (see Data).
func Compose(kind Kind, to string, d Data) (Message, error) {
	required, ok := kinds[kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: unknown kind %q", kind)
	}
	if err := check(kind, d, required); err != nil {
		return Message{}, err
	}
	v := view{Data: d, To: to, Name: strings.TrimSpace(d.RecipientName)}
	if a, err := netmail.ParseAddress(to); err == nil {
		v.To = a.Address
		if v.Name == "" {
			v.Name = a.Name
		}
	}
	if v.Name == "" {
		v.Name = v.To
	}
	if !d.ExpiresAt.IsZero() {
		v.Expires = d.ExpiresAt.UTC().Format(TimeLayout)
	}
	t := templates[kind]
	var b bytes.Buffer
	if err := t.text.ExecuteTemplate(&b, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s subject: %w", kind, err)
	}
	// A header is one line: names with line breaks in them must not add any.
	v.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.text.ExecuteTemplate(&b, "text", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", kind, err)
	}
	text := tidyText(b.String())
	b.Reset()
	if err := t.html.ExecuteTemplate(&b, "layout", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s HTML: %w", kind, err)
	}
	return Message{To: to, Subject: v.Subject, Text: text, HTML: b.String()}, nil
}

func check(kind Kind, d Data, required []string) error {
	var missing []string
	for _, f := range required {
		var empty bool
		switch f {
		case "OrganizationName":
			empty = strings.TrimSpace(d.OrganizationName) == ""
		case "TenantName":
			empty = strings.TrimSpace(d.TenantName) == ""
		case "ActorName":
			empty = strings.TrimSpace(d.ActorName) == ""
		case "Link":
			empty = d.Link == ""
		case "ExpiresAt":
			empty = d.ExpiresAt.IsZero()
		case "InvitationType":
			empty = d.InvitationType == ""
		}
		if empty {
			missing = append(missing, f)
		}
	}
	if kind == KindInvitationAccepted || kind == KindInvitationRejected {
		switch d.InvitationType {
		case "tenant":
			if strings.TrimSpace(d.TenantName) == "" {
				missing = append(missing, "TenantName")
			}
		case "user":
			// The notice names the user who answered.
			if kind == KindInvitationRejected && strings.TrimSpace(d.ActorName) == "" {
				missing = append(missing, "ActorName")
			}
		case "":
		default:
			return fmt.Errorf("mail: %s: InvitationType %q is neither \"tenant\" nor \"user\"", kind, d.InvitationType)
		}
	}
	if kind == KindLicenceExpiring && d.DaysLeft < 0 {
		return fmt.Errorf("mail: %s: DaysLeft %d is negative", kind, d.DaysLeft)
	}
	if len(missing) > 0 {
		return errors.New("mail: " + string(kind) + " needs " + strings.Join(missing, ", "))
	}
	return nil
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidyText lets the text templates be written for reading: it drops trailing
// spaces, keeps at most one blank line between paragraphs and ends the body
// with exactly one line break.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(s) + "\n"
}

// days says n days in words: "1 day", "7 days", "less than a day".
func days(n int) string {
	switch n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
