package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

func (s *Server) handleGetMe(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	p, err := s.svc.Me(r.Context(), a)
	if err != nil {
		return err
	}
	return s.encodeMe(w, r, a, p)
}

// encodeMe answers the user's profile with their organizations.
func (s *Server) encodeMe(w http.ResponseWriter, r *http.Request, a *service.Actor, p service.Profile) error {
	orgs, err := s.svc.MyOrganizations(r.Context(), a)
	if err != nil {
		return err
	}
	out := userMeAPI(p)
	for _, o := range orgs {
		out.Organizations = append(out.Organizations, OrganizationMinimal{ID: o.ID, Name: o.Name, Role: o.Role})
	}
	return encode(w, out)
}

// userMeUpdate is the reference's UserMeUpdateRequest.
type userMeUpdate struct {
	FirstName *string `json:"firstName"`
	LastName  *string `json:"lastName"`
}

func (s *Server) handlePutMe(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[userMeUpdate](r)
	if err != nil {
		return err
	}
	p, err := s.svc.UpdateMe(r.Context(), a, in.FirstName, in.LastName)
	if err != nil {
		return err
	}
	return s.encodeMe(w, r, a, p)
}

func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	keys, err := s.svc.APIKeys(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]UserTenantAPIKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, UserTenantAPIKey{Name: k.Name, CreatedAt: k.CreatedAt, TenantID: k.TenantID})
	}
	return pageArray(w, r, out)
}

type keyInput struct {
	Name     string  `json:"name"`
	TenantID *string `json:"tenantId"`
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[keyInput](r)
	if err != nil {
		return err
	}
	tenantID := ""
	if in.TenantID != nil {
		tenantID = *in.TenantID
	}
	k, secret, err := s.svc.CreateAPIKey(r.Context(), a, in.Name, tenantID)
	if err != nil {
		return err
	}
	return encode(w, UserTenantAPIKey{Name: k.Name, APIKey: secret, CreatedAt: k.CreatedAt, TenantID: k.TenantID})
}

func (s *Server) handleDeleteKey(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.DeleteAPIKey(r.Context(), a, r.PathValue("name")); err != nil {
		return err
	}
	return empty(w)
}

// intParam reads an optional integer query parameter.
func intParam(q url.Values, name string, v *tenantry.Validation) int {
	s := q.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		v.Add(name, name+" must be a whole number, at least 1")
	}
	return n
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var v tenantry.Validation
	q := r.URL.Query()
	p := service.Page{Page: intParam(q, "page", &v), PageSize: intParam(q, "pageSize", &v)}
	if err := v.Err(); err != nil {
		return err
	}
	members, total, p, err := s.svc.Members(r.Context(), a, p)
	if err != nil {
		return err
	}
	return encode(w, userEnvelope(r, members, total, p))
}

// userEnvelope is one page of members in the reference's envelope.
func userEnvelope(r *http.Request, members []tenantry.Member, total int, p service.Page) Envelope[UserAPI] {
	items := make([]UserAPI, 0, len(members))
	for _, m := range members {
		items = append(items, userAPI(m))
	}
	return envelope(r, items, total, p)
}

// envelope is one page in the reference's envelope, with links to the pages
// beside it (absent at the ends).
func envelope[T any](r *http.Request, items []T, total int, p service.Page) Envelope[T] {
	out := Envelope[T]{Meta: EnvelopeMeta{Page: p.Page, PageSize: p.PageSize, Total: total}, Items: items}
	link := func(page int) string {
		return fmt.Sprintf("%s?page=%d&pageSize=%d", r.URL.Path, page, p.PageSize)
	}
	if p.Page*p.PageSize < total {
		out.Links.Next = link(p.Page + 1)
	}
	if p.Page > 1 {
		last := (total + p.PageSize - 1) / p.PageSize
		out.Links.Previous = link(min(p.Page-1, max(last, 1)))
	}
	return out
}

func (s *Server) handleAddUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[userInput](r)
	if err != nil {
		return err
	}
	var v tenantry.Validation
	if v.Check("role", in.Role.Err); v.Err() != nil {
		return v.Err()
	}
	m, err := s.svc.AddMember(r.Context(), a, service.AddMemberInput{ID: in.ID, Email: in.Email,
		FirstName: in.FirstName, LastName: in.LastName, Role: in.Role.Role})
	if err != nil {
		return err
	}
	return encode(w, userAPI(m))
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	m, err := s.svc.Member(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return encode(w, userAPI(m))
}

// handleUpdateUser changes only the member's tenant role; other fields are
// ignored, and an id in the body that disagrees with the path is invalid.
func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[userInput](r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var v tenantry.Validation
	if in.ID != "" && !equalFoldID(in.ID, id) {
		v.Add("id", "the id in the body is not the id in the path")
	}
	if in.Role.Err != nil {
		v.Add("role", in.Role.Err.Error())
	} else if !in.Role.Set {
		v.Add("role", "a role is required: administrator or standard")
	}
	if err := v.Err(); err != nil {
		return err
	}
	m, err := s.svc.SetMemberRole(r.Context(), a, id, in.Role.Role)
	if err != nil {
		return err
	}
	return encode(w, userAPI(m))
}

func equalFoldID(a, b string) bool { return strings.EqualFold(a, b) }

func (s *Server) handleRemoveUser(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.RemoveMember(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return empty(w)
}
