package api

import (
	"net/http"
	"time"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// RuntimeTenantAPI is the reference's RuntimeTenant.
type RuntimeTenantAPI struct {
	ID            string    `json:"id"`
	DeveloperName string    `json:"developerName"`
	AssociatedAt  time.Time `json:"associatedAt"`
}

// RuntimeNodeAPI is the reference's RuntimeNode (ipAddresses as strings).
type RuntimeNodeAPI struct {
	Name        string     `json:"name"`
	Hostname    string     `json:"hostname"`
	IPAddresses []string   `json:"ipAddresses"`
	CreatedAt   time.Time  `json:"createdAt"`
	ReportedAt  *time.Time `json:"reportedAt"`
	LastPingAt  *time.Time `json:"lastPingAt"`
	Status      string     `json:"status"`
	Version     string     `json:"version"`
}

// RuntimeResponseAPI is the reference's RuntimeResponse.
type RuntimeResponseAPI struct {
	ID            string             `json:"id"`
	CreatedAt     time.Time          `json:"createdAt"`
	CreatedBy     *BuilderWhoAPI     `json:"createdBy"`
	DeveloperName string             `json:"developerName"`
	Nodes         []RuntimeNodeAPI   `json:"nodes"`
	ReportedAt    *time.Time         `json:"reportedAt"`
	Status        string             `json:"status"`
	Tenants       []RuntimeTenantAPI `json:"tenants"`
	URI           *string            `json:"uri"`
}

// RuntimeCreateResponseAPI is the reference's RuntimeCreateResponse.
type RuntimeCreateResponseAPI struct {
	ID                string             `json:"id"`
	CreatedAt         time.Time          `json:"createdAt"`
	LastPingAt        *time.Time         `json:"lastPingAt"`
	CreatedBy         *BuilderWhoAPI     `json:"createdBy"`
	DeveloperName     string             `json:"developerName"`
	InstallationToken string             `json:"installationToken"`
	Status            string             `json:"status"`
	Tenants           []RuntimeTenantAPI `json:"tenants"`
}

// RuntimeListResponseAPI is the reference's RuntimeListResponse.
type RuntimeListResponseAPI struct {
	ID                   string     `json:"id"`
	DeveloperName        string     `json:"developerName"`
	NumberOfHealthyNodes int        `json:"numberOfHealthyNodes"`
	NumberOfTenants      int        `json:"numberOfTenants"`
	ReportedAt           *time.Time `json:"reportedAt"`
	LastPingAt           *time.Time `json:"lastPingAt"`
	Status               string     `json:"status"`
	URI                  *string    `json:"uri"`
	LatestVersion        *string    `json:"latestVersion"`
}

// TenantRuntimeListResponseAPI is the reference's TenantRuntimeListResponse.
type TenantRuntimeListResponseAPI struct {
	ID            string     `json:"id"`
	DeveloperName string     `json:"developerName"`
	LatestVersion *string    `json:"latestVersion"`
	Status        string     `json:"status"`
	LastPingAt    *time.Time `json:"lastPingAt"`
}

// RuntimeFailureAPI is the reference's RuntimeFailure.
type RuntimeFailureAPI struct {
	ID          string    `json:"id"`
	Failure     string    `json:"failure"`
	MessageType string    `json:"messageType"`
	OccurredAt  time.Time `json:"occurredAt"`
}

func runtimeTenants(d service.RuntimeDetail) []RuntimeTenantAPI {
	out := make([]RuntimeTenantAPI, 0, len(d.Shares))
	for _, s := range d.Shares {
		out = append(out, RuntimeTenantAPI{ID: s.Tenant.ID, DeveloperName: s.Tenant.FullName(), AssociatedAt: s.AssociatedAt})
	}
	return out
}

func runtimeResponse(d service.RuntimeDetail) RuntimeResponseAPI {
	out := RuntimeResponseAPI{ID: d.Runtime.ID, CreatedAt: d.Runtime.CreatedAt, CreatedBy: builderWho(d.Runtime.CreatedBy),
		DeveloperName: d.Runtime.Name, ReportedAt: optionalTime(d.ReportedAt), Status: string(d.Status),
		Tenants: runtimeTenants(d), Nodes: make([]RuntimeNodeAPI, 0, len(d.Nodes))}
	for _, n := range d.Nodes {
		ips := n.IPAddresses
		if ips == nil {
			ips = []string{}
		}
		out.Nodes = append(out.Nodes, RuntimeNodeAPI{Name: n.Name, Hostname: n.Hostname, IPAddresses: ips, CreatedAt: n.CreatedAt,
			ReportedAt: optionalTime(n.ReportedAt), LastPingAt: optionalTime(n.LastPingAt), Status: string(n.Status), Version: n.Version})
	}
	return out
}

func (s *Server) handleListRuntimes(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	rs, err := s.svc.Runtimes(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]RuntimeListResponseAPI, 0, len(rs))
	for _, x := range rs {
		out = append(out, RuntimeListResponseAPI{ID: x.Runtime.ID, DeveloperName: x.Runtime.Name, NumberOfHealthyNodes: x.HealthyNodes,
			NumberOfTenants: x.Tenants, ReportedAt: optionalTime(x.ReportedAt), LastPingAt: optionalTime(x.LastPingAt),
			Status: string(x.Status), LatestVersion: optional(x.LatestVersion)})
	}
	return pageArray(w, r, out)
}

// runtimeInput is RuntimeCreateRequest / RuntimeUpdateRequest.
type runtimeInput struct {
	DeveloperName *string `json:"developerName"`
	Tenants       *[]struct {
		ID string `json:"id"`
	} `json:"tenants"`
}

func (in runtimeInput) tenantIDs() *[]string {
	if in.Tenants == nil {
		return nil
	}
	ids := make([]string, 0, len(*in.Tenants))
	for _, t := range *in.Tenants {
		ids = append(ids, t.ID)
	}
	return &ids
}

func (s *Server) handleCreateRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[runtimeInput](r)
	if err != nil {
		return err
	}
	name := ""
	if in.DeveloperName != nil {
		name = *in.DeveloperName
	}
	var ids []string
	if p := in.tenantIDs(); p != nil {
		ids = *p
	}
	d, token, err := s.svc.CreateRuntime(r.Context(), a, name, ids)
	if err != nil {
		return err
	}
	return encode(w, RuntimeCreateResponseAPI{ID: d.Runtime.ID, CreatedAt: d.Runtime.CreatedAt, CreatedBy: builderWho(d.Runtime.CreatedBy),
		DeveloperName: d.Runtime.Name, InstallationToken: token, Status: string(d.Status), Tenants: runtimeTenants(d)})
}

func (s *Server) handleGetRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	d, err := s.svc.Runtime(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	return encode(w, runtimeResponse(d))
}

func (s *Server) handleUpdateRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	in, err := decode[runtimeInput](r)
	if err != nil {
		return err
	}
	d, err := s.svc.UpdateRuntime(r.Context(), a, r.PathValue("id"), in.DeveloperName, in.tenantIDs())
	if err != nil {
		return err
	}
	return encode(w, runtimeResponse(d))
}

func (s *Server) handleDeleteRuntime(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	if err := s.svc.DeleteRuntime(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	return empty(w)
}

func (s *Server) handleRuntimeFailures(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	var v tenantry.Validation
	q := r.URL.Query()
	p := service.Page{Page: intParam(q, "page", &v), PageSize: intParam(q, "pageSize", &v)}
	if err := v.Err(); err != nil {
		return err
	}
	fs, total, p, err := s.svc.RuntimeFailures(r.Context(), a, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	items := make([]RuntimeFailureAPI, 0, len(fs))
	for _, f := range fs {
		items = append(items, RuntimeFailureAPI{ID: f.ID, Failure: f.Failure, MessageType: f.MessageType, OccurredAt: f.OccurredAt})
	}
	return encode(w, envelope(r, items, total, p))
}

func (s *Server) handleTenantRuntimes(w http.ResponseWriter, r *http.Request, a *service.Actor) error {
	rs, err := s.svc.TenantRuntimes(r.Context(), a)
	if err != nil {
		return err
	}
	out := make([]TenantRuntimeListResponseAPI, 0, len(rs))
	for _, x := range rs {
		out = append(out, TenantRuntimeListResponseAPI{ID: x.Runtime.ID, DeveloperName: x.Runtime.Name,
			LatestVersion: optional(x.LatestVersion), Status: string(x.Status), LastPingAt: optionalTime(x.LastPingAt)})
	}
	return pageArray(w, r, out)
}

// registrationRequest is POST /api/runtime/1/registration.
type registrationRequest struct {
	InstallationToken string `json:"installationToken"`
	PublicKey         string `json:"publicKey"`
	Hostname          string `json:"hostname"`
	Version           string `json:"version"`
}

// handleRegistration spends an installation token for a node's key.
func (s *Server) handleRegistration(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[registrationRequest](r)
	if err != nil {
		return err
	}
	id, err := s.svc.RegisterRuntime(r.Context(), in.InstallationToken, in.PublicKey, in.Hostname, in.Version, s.sourceAddress(r))
	if err != nil {
		return err
	}
	return encode(w, map[string]string{"runtimeId": id})
}
