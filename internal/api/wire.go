package api

import (
	"bytes"
	"encoding/json"
	"time"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// The types below are the reference's schemas (../shared/reference), named as
// there. Field names are the compatibility contract; do not rename them.

// RoleAPI is the reference's Role.
type RoleAPI struct {
	RoleID        int    `json:"roleId"`
	DeveloperName string `json:"developerName"`
	FriendlyName  string `json:"friendlyName"`
}

func roleAPI(r tenantry.Role) RoleAPI {
	return RoleAPI{RoleID: r.RoleID(), DeveloperName: string(r), FriendlyName: r.FriendlyName()}
}

// roleInput reads a role as requests send it: a string, or a Role object with
// developerName or roleId (SPEC §1). A bad value is kept as an error, so that it
// becomes a field error (invalid) rather than a malformed body.
type roleInput struct {
	Role tenantry.Role
	Set  bool
	Err  error
}

func (ri *roleInput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	ri.Set = true
	var s string
	if json.Unmarshal(b, &s) == nil {
		ri.Role, ri.Err = tenantry.ParseRole(s)
		return nil
	}
	var obj struct {
		RoleID        *int    `json:"roleId"`
		DeveloperName *string `json:"developerName"`
		FriendlyName  *string `json:"friendlyName"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		ri.Err = errString("a role is a string or an object with developerName or roleId")
		return nil
	}
	switch {
	case obj.DeveloperName != nil && *obj.DeveloperName != "":
		ri.Role, ri.Err = tenantry.ParseRole(*obj.DeveloperName)
	case obj.RoleID != nil && *obj.RoleID != 0:
		ri.Role, ri.Err = tenantry.RoleFromID(*obj.RoleID)
	case obj.FriendlyName != nil && *obj.FriendlyName != "":
		ri.Role, ri.Err = tenantry.ParseRole(*obj.FriendlyName)
	default:
		ri.Role = tenantry.RoleStandard
	}
	if ri.Err == nil && obj.DeveloperName != nil && *obj.DeveloperName != "" && obj.RoleID != nil && *obj.RoleID != 0 {
		if byID, err := tenantry.RoleFromID(*obj.RoleID); err != nil || byID != ri.Role {
			ri.Err = errString("roleId and developerName name different roles")
		}
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

// OrganizationMinimal is the reference's OrganizationMinimal.
type OrganizationMinimal struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// UserTenantAPI is the reference's UserTenantAPI: one of a user's tenants.
type UserTenantAPI struct {
	ID               string               `json:"id"`
	ParentTenantID   *string              `json:"parentTenantId"`
	DeveloperName    string               `json:"developerName"`
	DeveloperSummary string               `json:"developerSummary"`
	ExpiresAt        *time.Time           `json:"expiresAt"`
	IsExpired        bool                 `json:"isExpired"`
	LastLoggedInAt   *time.Time           `json:"lastLoggedInAt"`
	Organization     *OrganizationMinimal `json:"organization"`
	RoleID           int                  `json:"roleId"`
	Role             string               `json:"role"`
	IsSso            bool                 `json:"isSso"`
}

// UserMeAPI is the reference's UserMeAPI.
type UserMeAPI struct {
	ID            string                `json:"id"`
	FirstName     string                `json:"firstName"`
	LastName      string                `json:"lastName"`
	Email         string                `json:"email"`
	CreatedAt     time.Time             `json:"createdAt"`
	Organizations []OrganizationMinimal `json:"organizations"`
	Tenants       []UserTenantAPI       `json:"tenants"`
}

func orgMinimal(id, name string) *OrganizationMinimal {
	if id == "" {
		return nil
	}
	return &OrganizationMinimal{ID: id, Name: name}
}

// optional is a string that is null when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func userMeAPI(p service.Profile) UserMeAPI {
	out := UserMeAPI{ID: p.User.ID, FirstName: p.User.FirstName, LastName: p.User.LastName, Email: p.User.Email,
		CreatedAt: p.User.CreatedAt, Organizations: []OrganizationMinimal{}, Tenants: make([]UserTenantAPI, 0, len(p.Tenants))}
	for _, t := range p.Tenants {
		out.Tenants = append(out.Tenants, UserTenantAPI{ID: t.ID, ParentTenantID: optional(t.ParentID),
			DeveloperName: t.FullName(), DeveloperSummary: t.Summary, LastLoggedInAt: optionalTime(t.LastUsedAt),
			RoleID: t.Role.RoleID(), Role: string(t.Role), Organization: orgMinimal(t.OrganizationID, t.OrganizationName)})
	}
	return out
}

// UserAPI is the reference's UserAPI: a member of the current tenant.
type UserAPI struct {
	ID        string    `json:"id"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"createdAt"`
	Role      RoleAPI   `json:"role"`
	IsSso     bool      `json:"isSso"`
}

func userAPI(m tenantry.Member) UserAPI {
	return UserAPI{ID: m.ID, FirstName: m.FirstName, LastName: m.LastName, Email: m.Email,
		CreatedAt: m.CreatedAt, Role: roleAPI(m.Role)}
}

// userInput is UserAPI as requests send it.
type userInput struct {
	ID        string    `json:"id"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	Email     string    `json:"email"`
	Role      roleInput `json:"role"`
}

// UserTenantAPIKey is the reference's UserTenantAPIKey.
type UserTenantAPIKey struct {
	Name      string    `json:"name"`
	APIKey    string    `json:"apiKey,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	TenantID  string    `json:"tenantId"`
}

// TenantMinimalAPI is the reference's TenantMinimalAPI.
type TenantMinimalAPI struct {
	ID            string `json:"id"`
	DeveloperName string `json:"developerName"`
	UserCount     int    `json:"userCount"`
}

// TenantResponseAPI is the reference's TenantResponseAPI.
type TenantResponseAPI struct {
	ID               string               `json:"id"`
	DeveloperName    string               `json:"developerName"`
	DeveloperSummary string               `json:"developerSummary"`
	ExpiresAt        *time.Time           `json:"expiresAt"`
	SubTenants       *[]TenantResponseAPI `json:"subTenants,omitempty"` // present (maybe empty) when asked for
	Organization     *OrganizationMinimal `json:"organization"`
	ParentTenant     *TenantResponseAPI   `json:"parentTenant,omitempty"`
	HasMcr           bool                 `json:"hasMcr"`
}

func tenantResponse(t tenantry.Tenant) TenantResponseAPI {
	return TenantResponseAPI{ID: t.ID, DeveloperName: t.FullName(), DeveloperSummary: t.Summary}
}

func tenantViewAPI(v service.TenantView, withSubtenants bool) TenantResponseAPI {
	org := orgMinimal(v.OrganizationID, v.OrganizationName)
	out := tenantResponse(v.Tenant)
	out.Organization = org
	if v.Parent != nil {
		p := tenantResponse(*v.Parent)
		p.Organization = org // a subtenant belongs to its parent's organization
		out.ParentTenant = &p
	}
	if withSubtenants && v.Parent == nil {
		subs := subtenantsAPI(v)
		out.SubTenants = &subs
	}
	return out
}

// subtenantsAPI lists a top-level tenant's subtenants; they share its
// organization.
func subtenantsAPI(v service.TenantView) []TenantResponseAPI {
	org := orgMinimal(v.OrganizationID, v.OrganizationName)
	out := make([]TenantResponseAPI, 0, len(v.Subtenants))
	for _, s := range v.Subtenants {
		t := tenantResponse(s.Tenant)
		t.Organization = org
		out = append(out, t)
	}
	return out
}

// tenantInput is TenantRequestAPI as requests send it; only the two fields
// Tenantry changes are read.
type tenantInput struct {
	DeveloperName    *string `json:"developerName"`
	DeveloperSummary *string `json:"developerSummary"`
}

// Envelope is the reference's paged collection.
type Envelope[T any] struct {
	Meta  EnvelopeMeta  `json:"_meta"`
	Links EnvelopeLinks `json:"_links"`
	Items []T           `json:"items"`
}

// EnvelopeMeta is the _meta member of an envelope.
type EnvelopeMeta struct {
	Page     int `json:"page"`
	PageSize int `json:"pageSize"`
	Total    int `json:"total"`
}

// EnvelopeLinks is the _links member of an envelope; a link is absent at the
// ends.
type EnvelopeLinks struct {
	Next     string `json:"next,omitempty"`
	Previous string `json:"previous,omitempty"`
}
