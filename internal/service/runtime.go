package service

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"tenantry/internal/secret"
	"tenantry/internal/store"
	"tenantry/internal/tenantry"
)

// RuntimeEvent tells the runtime hub that connected nodes must hear of a
// change: new shared tenants, or revocation.
type RuntimeEvent struct {
	RuntimeID string
	Revoked   bool // the connection was deleted
}

// RuntimeSummary is a connection as the list shows it.
type RuntimeSummary struct {
	Runtime       tenantry.Runtime
	Status        tenantry.NodeStatus
	HealthyNodes  int
	LatestVersion string
	ReportedAt    time.Time
	LastPingAt    time.Time
	Tenants       int
}

// NodeView is a node with its status now.
type NodeView struct {
	tenantry.RuntimeNode
	Status tenantry.NodeStatus
}

// RuntimeDetail is a connection with its nodes and shares.
type RuntimeDetail struct {
	RuntimeSummary
	Nodes  []NodeView
	Shares []tenantry.RuntimeShare
}

// runtimeEvent reports a change to the hub once it committed.
func (s *Service) runtimeEvent(ev RuntimeEvent) {
	if s.runtimeEvents != nil {
		s.runtimeEvents(ev)
	}
}

// checkShares resolves tenant IDs to share with: each must be a tenant of the
// organization (a member tenant or a subtenant of one); others are not_found.
func (s *Service) checkShares(ctx context.Context, tx *store.Tx, orgID string, ids []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		id = strings.ToLower(strings.TrimSpace(id))
		if seen[id] {
			continue
		}
		seen[id] = true
		notFound := tenantry.Errorf(tenantry.CodeNotFound, "no tenant %s in this organization", id)
		if !ValidID(id) {
			return nil, notFound
		}
		org, err := tx.OrganizationOfTenant(ctx, id)
		if err != nil {
			return nil, err
		}
		if org != orgID {
			return nil, notFound
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// CreateRuntime creates a local runtime connection in the current
// organization, shared with the given tenants, and returns it with its
// installation token (shown once; single use; 24 hours). Organization
// administrators only. Errors: unauthenticated, forbidden, not_found (a
// tenant outside the organization), invalid, name_taken, licence_expired,
// licence_limit_exceeded (runtimes).
func (s *Service) CreateRuntime(ctx context.Context, a *Actor, name string, tenantIDs []string) (RuntimeDetail, string, error) {
	name = strings.TrimSpace(name)
	var v tenantry.Validation
	v.Check("developerName", tenantry.ValidateRuntimeName(name))
	if err := v.Err(); err != nil {
		return RuntimeDetail{}, "", err
	}
	token, hash := secret.NewToken(tenantry.SecretInstallation)
	var r tenantry.Runtime
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		if o, err = s.lockOrgAsAdmin(ctx, tx, a, o.ID); err != nil {
			return err
		}
		now := s.now()
		if err := s.checkLicence(o.Licence, now); err != nil {
			return err
		}
		usage, err := tx.Usage(ctx, o.ID, now)
		if err != nil {
			return err
		}
		if err := tenantry.CheckLimit(o.Licence, usage, tenantry.LimitRuntimes, 1); err != nil {
			return err
		}
		shares, err := s.checkShares(ctx, tx, o.ID, tenantIDs)
		if err != nil {
			return err
		}
		by := a.User
		r = tenantry.Runtime{ID: newID(), OrganizationID: o.ID, Name: name, CreatedAt: now, CreatedBy: &by,
			TokenExpiresAt: now.Add(tenantry.InstallationTokenTTL)}
		if err := tx.CreateRuntime(ctx, r, hash); err != nil {
			return err
		}
		if _, _, err := tx.SetRuntimeShares(ctx, r.ID, shares, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionRuntimeCreated, OrganizationID: o.ID,
			TargetKind: "runtime", TargetID: r.ID, Details: map[string]any{"name": name, "tenants": shares}})
	})
	if err != nil {
		return RuntimeDetail{}, "", err
	}
	d, err := s.runtimeDetail(ctx, s.db.Read(), r)
	return d, token, err
}

// Runtimes lists the current organization's connections with their status.
// Organization administrators only.
func (s *Service) Runtimes(ctx context.Context, a *Actor) ([]RuntimeSummary, error) {
	c := s.db.Read()
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return nil, err
	}
	rs, err := c.Runtimes(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return s.runtimeSummaries(ctx, c, rs)
}

// runtimeSummaries gives each connection its status.
func (s *Service) runtimeSummaries(ctx context.Context, c *store.Conn, rs []tenantry.Runtime) ([]RuntimeSummary, error) {
	out := make([]RuntimeSummary, 0, len(rs))
	for _, r := range rs {
		d, err := s.runtimeDetail(ctx, c, r)
		if err != nil {
			return nil, err
		}
		out = append(out, d.RuntimeSummary)
	}
	return out, nil
}

// Runtime returns one of the current organization's connections with its
// nodes and shares. Organization administrators only. Errors: not_found.
func (s *Service) Runtime(ctx context.Context, a *Actor, id string) (RuntimeDetail, error) {
	c := s.db.Read()
	r, err := s.orgRuntime(ctx, c, a, id)
	if err != nil {
		return RuntimeDetail{}, err
	}
	return s.runtimeDetail(ctx, c, r)
}

// orgRuntime returns one of the current organization's connections, for its
// administrators. Errors: unauthenticated, forbidden, not_found.
func (s *Service) orgRuntime(ctx context.Context, c *store.Conn, a *Actor, id string) (tenantry.Runtime, error) {
	o, err := s.requireOrgAdmin(ctx, c, a)
	if err != nil {
		return tenantry.Runtime{}, err
	}
	if !ValidID(id) {
		return tenantry.Runtime{}, tenantry.Errorf(tenantry.CodeNotFound, "no such runtime connection")
	}
	return c.Runtime(ctx, o.ID, strings.ToLower(id))
}

func (s *Service) runtimeDetail(ctx context.Context, c *store.Conn, r tenantry.Runtime) (RuntimeDetail, error) {
	now := s.now()
	d := RuntimeDetail{RuntimeSummary: RuntimeSummary{Runtime: r}}
	nodes, err := c.RuntimeNodes(ctx, r.ID, now.Add(-tenantry.NodeForgottenAfter))
	if err != nil {
		return d, err
	}
	leader, err := c.Leader(ctx, r.ID, now)
	if err != nil {
		return d, err
	}
	var statuses []tenantry.NodeStatus
	for _, n := range nodes {
		st := n.Status(n.ID == leader, now, s.healthWindow)
		statuses = append(statuses, st)
		d.Nodes = append(d.Nodes, NodeView{RuntimeNode: n, Status: st})
		if st == tenantry.StatusLeader || st == tenantry.StatusOnline {
			d.HealthyNodes++
		}
		if versionLess(d.LatestVersion, n.Version) {
			d.LatestVersion = n.Version
		}
		if n.ReportedAt.After(d.ReportedAt) {
			d.ReportedAt = n.ReportedAt
		}
		if n.LastPingAt.After(d.LastPingAt) {
			d.LastPingAt = n.LastPingAt
		}
	}
	if d.Nodes == nil {
		d.Nodes = []NodeView{}
	}
	d.Status = tenantry.ConnectionStatus(statuses)
	if d.Shares, err = c.RuntimeShares(ctx, r.ID); err != nil {
		return d, err
	}
	d.Tenants = len(d.Shares)
	return d, nil
}

// versionLess compares dotted versions numerically where it can.
func versionLess(a, b string) bool {
	if a == "" {
		return b != ""
	}
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		numeric := ea == nil && eb == nil
		if numeric && na != nb {
			return na < nb
		}
		if !numeric && pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

// UpdateRuntime renames a connection and/or replaces its shared tenants: a
// nil tenants leaves them, an empty one removes them all. Connected nodes hear
// of new shares at once. Organization administrators only. Errors: not_found,
// invalid, name_taken, licence_expired (adding a share).
func (s *Service) UpdateRuntime(ctx context.Context, a *Actor, id string, name *string, tenantIDs *[]string) (RuntimeDetail, error) {
	var r tenantry.Runtime
	changedShares := false
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		if tenantIDs != nil {
			// The organization's row first, as RemoveOrgTenant takes it: a
			// tenant cannot leave between the check of the shares and their
			// write.
			if o, err = s.lockOrgAsAdmin(ctx, tx, a, o.ID); err != nil {
				return err
			}
		}
		if !ValidID(id) {
			return tenantry.Errorf(tenantry.CodeNotFound, "no such runtime connection")
		}
		if r, err = tx.Runtime(ctx, o.ID, strings.ToLower(id)); err != nil {
			return err
		}
		now := s.now()
		details := map[string]any{}
		if name != nil && strings.TrimSpace(*name) != r.Name {
			n := strings.TrimSpace(*name)
			var v tenantry.Validation
			v.Check("developerName", tenantry.ValidateRuntimeName(n))
			if err := v.Err(); err != nil {
				return err
			}
			if err := tx.RenameRuntime(ctx, o.ID, r.ID, n, now); err != nil {
				return err
			}
			details["from"], details["to"] = r.Name, n
			r.Name = n
		}
		if tenantIDs != nil {
			shares, err := s.checkShares(ctx, tx, o.ID, *tenantIDs)
			if err != nil {
				return err
			}
			added, removed, err := tx.SetRuntimeShares(ctx, r.ID, shares, now)
			if err != nil {
				return err
			}
			if added > 0 {
				// Adding a share is an addition: refused (and rolled back)
				// under a licence that does not allow additions now.
				if err := s.checkLicence(o.Licence, now); err != nil {
					return err
				}
			}
			changedShares = added+removed > 0
			details["tenants"] = shares
		}
		if len(details) == 0 {
			return nil
		}
		return s.audit(ctx, tx, a, now, tenantry.AuditEvent{Action: tenantry.ActionRuntimeUpdated, OrganizationID: o.ID,
			TargetKind: "runtime", TargetID: r.ID, Details: details})
	})
	if err != nil {
		return RuntimeDetail{}, err
	}
	if changedShares {
		s.runtimeEvent(RuntimeEvent{RuntimeID: r.ID})
	}
	return s.runtimeDetail(ctx, s.db.Read(), r)
}

// DeleteRuntime deletes a connection; every live session of it is closed.
// Organization administrators only. Errors: not_found.
func (s *Service) DeleteRuntime(ctx context.Context, a *Actor, id string) error {
	var runtimeID string
	err := s.write(ctx, func(tx *store.Tx) error {
		o, err := s.requireOrgAdmin(ctx, &tx.Conn, a)
		if err != nil {
			return err
		}
		if !ValidID(id) {
			return tenantry.Errorf(tenantry.CodeNotFound, "no such runtime connection")
		}
		r, err := tx.Runtime(ctx, o.ID, strings.ToLower(id))
		if err != nil {
			return err
		}
		runtimeID = r.ID
		if err := tx.DeleteRuntime(ctx, o.ID, r.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, s.now(), tenantry.AuditEvent{Action: tenantry.ActionRuntimeDeleted, OrganizationID: o.ID,
			TargetKind: "runtime", TargetID: r.ID, Details: map[string]any{"name": r.Name}})
	})
	if err == nil {
		s.runtimeEvent(RuntimeEvent{RuntimeID: runtimeID, Revoked: true})
	}
	return err
}

// RuntimeFailures lists one page of a connection's failed pushes of the last
// 30 days. Organization administrators only. Errors: not_found, invalid.
func (s *Service) RuntimeFailures(ctx context.Context, a *Actor, id string, p Page) ([]store.RuntimeFailure, int, Page, error) {
	c := s.db.Read()
	r, err := s.orgRuntime(ctx, c, a, id)
	if err != nil {
		return nil, 0, p, err
	}
	if p, err = p.validate(); err != nil {
		return nil, 0, p, err
	}
	fs, total, err := c.RuntimeFailures(ctx, r.ID, s.now().Add(-tenantry.FailureRetention), p.offset(), p.PageSize)
	return fs, total, p, err
}

// TenantRuntimes lists the connections shared with the current tenant; any
// member may see them. Errors: unauthenticated, bad_request (no tenant).
func (s *Service) TenantRuntimes(ctx context.Context, a *Actor) ([]RuntimeSummary, error) {
	if err := requireTenant(a); err != nil {
		return nil, err
	}
	c := s.db.Read()
	rs, err := c.TenantRuntimes(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	return s.runtimeSummaries(ctx, c, rs)
}

// RegisterRuntime spends an installation token for a node's public key and
// returns the runtime's ID. Registering again with the same token and key
// within the token's 24 hours is idempotent. Anyone holding a token may call
// it. Errors: invalid (key), not_found (no such token), token_spent,
// token_expired.
func (s *Service) RegisterRuntime(ctx context.Context, token, publicKey, hostname, version, source string) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(publicKey))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return "", &tenantry.Error{Code: tenantry.CodeInvalid, Message: "publicKey is the base64 of a 32-byte Ed25519 public key",
			Fields: []tenantry.FieldError{{Field: "publicKey", Message: "base64 of 32 bytes"}}}
	}
	publicKey = base64.StdEncoding.EncodeToString(key)
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such installation token")
	if !tenantry.ValidSecret(tenantry.SecretInstallation, strings.TrimSpace(token)) {
		s.auditRuntimeRefusal(ctx, "", "not_found", source)
		return "", notFound
	}
	var runtimeID string
	err = s.write(ctx, func(tx *store.Tx) error {
		r, err := tx.RuntimeByToken(ctx, secret.HashToken(strings.TrimSpace(token)))
		if tenantry.IsCode(err, tenantry.CodeNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		runtimeID = r.ID
		now := s.now()
		if !r.TokenUsedAt.IsZero() && r.PublicKey != publicKey {
			return tenantry.Errorf(tenantry.CodeTokenSpent, "this installation token was already used; more nodes of the runtime share its state directory instead")
		}
		if !now.Before(r.TokenExpiresAt) {
			return tenantry.Errorf(tenantry.CodeTokenExpired, "this installation token expired at %s; create a new connection", r.TokenExpiresAt.Format(time.RFC3339))
		}
		ok, err := tx.SpendInstallationToken(ctx, r.ID, publicKey, now)
		if err != nil {
			return err
		}
		if !ok {
			return tenantry.Errorf(tenantry.CodeTokenSpent, "this installation token was used a moment ago")
		}
		if !r.TokenUsedAt.IsZero() {
			return nil // the same key again: nothing new to record
		}
		return s.audit(ctx, tx, &Actor{Kind: tenantry.ActorRuntime, RuntimeID: r.ID, SourceAddress: source}, now, tenantry.AuditEvent{
			Action: tenantry.ActionRuntimeRegistered, OrganizationID: r.OrganizationID, TargetKind: "runtime", TargetID: r.ID,
			Details: map[string]any{"hostname": hostname, "version": version}})
	})
	if err != nil {
		if code := tenantry.ErrorCode(err); code != tenantry.CodeInternal {
			s.auditRuntimeRefusal(ctx, runtimeID, string(code), source)
		}
		return "", err
	}
	return runtimeID, nil
}

// auditRuntimeRefusal records a refused registration or connection in the
// runtime's organization's log (when the runtime is known) and in the logs.
func (s *Service) auditRuntimeRefusal(ctx context.Context, runtimeID, code, source string) {
	s.log.WarnContext(ctx, "runtime refused", "runtime", runtimeID, "code", code, "source", source)
	if runtimeID == "" {
		return
	}
	orgID := ""
	if r, err := s.db.Read().RuntimeByID(ctx, runtimeID); err == nil {
		orgID = r.OrganizationID
	} else if orgID, err = s.db.Read().OrganizationOfAuditTarget(ctx, "runtime", runtimeID); err != nil || orgID == "" {
		return // never known here: the logs have it
	}
	// Anyone who knows a runtime's ID can be refused: the organization's log
	// takes a bounded number of refusals per runtime; the rest are in the
	// server's log only.
	if err := s.allow(ctx, "runtime refusal audit", runtimeID, refusalsAudited, "refusals"); err != nil {
		if tenantry.IsCode(err, tenantry.CodeRateLimited) {
			s.log.WarnContext(ctx, "runtime refusal not audited: too many for this runtime", "runtime", runtimeID)
		} else {
			s.log.ErrorContext(ctx, "runtime refusal not audited", "runtime", runtimeID, "err", err)
		}
		return
	}
	_ = s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, &Actor{Kind: tenantry.ActorRuntime, RuntimeID: runtimeID, SourceAddress: source}, s.now(), tenantry.AuditEvent{
			Action: tenantry.ActionRuntimeRefused, OrganizationID: orgID, TargetKind: "runtime", TargetID: runtimeID,
			Details: map[string]any{"code": code}})
	})
}

// refusalsAudited bounds the refused connection attempts audited per runtime.
var refusalsAudited = RateLimit{Burst: 20, Every: 30 * time.Second}

// RegisteredRuntime returns the runtime a connecting node names, with its
// registered key, for the node to prove itself. Errors: not_found (deleted or
// never registered).
func (s *Service) RegisteredRuntime(ctx context.Context, runtimeID string) (tenantry.Runtime, error) {
	notFound := tenantry.Errorf(tenantry.CodeNotFound, "no such runtime connection")
	if !ValidID(runtimeID) {
		return tenantry.Runtime{}, notFound
	}
	r, err := s.db.Read().RuntimeByID(ctx, strings.ToLower(runtimeID))
	if err == nil && r.PublicKey == "" {
		return r, notFound
	}
	return r, err
}

// NodeRuntime returns what a connected node needs: its runtime and the
// shared tenants. Errors: not_found (deleted or never registered).
func (s *Service) NodeRuntime(ctx context.Context, runtimeID string) (tenantry.Runtime, []tenantry.RuntimeShare, error) {
	r, err := s.RegisteredRuntime(ctx, runtimeID)
	if err != nil {
		return r, nil, err
	}
	shares, err := s.db.Read().RuntimeShares(ctx, r.ID)
	return r, shares, err
}

// NodeConnected records that a node proved itself and is connected.
func (s *Service) NodeConnected(ctx context.Context, runtimeID, nodeName string) (tenantry.RuntimeNode, error) {
	var v tenantry.Validation
	v.Check("node", tenantry.ValidateNodeName(nodeName))
	if err := v.Err(); err != nil {
		return tenantry.RuntimeNode{}, err
	}
	n, err := s.db.Read().ConnectNode(ctx, newID(), runtimeID, nodeName, newID(), s.now())
	if err == nil {
		s.auditNodeStatus(ctx, n.ID, n.Name, n.RuntimeID, "connected")
	}
	return n, err
}

// NodeReport is what a node reports about itself every 30 seconds.
type NodeReport struct {
	Hostname    string   `json:"hostname"`
	IPAddresses []string `json:"ipAddresses"`
	Version     string   `json:"version"`
	Status      string   `json:"status"`
}

// NodeReported records a node's report.
func (s *Service) NodeReported(ctx context.Context, n tenantry.RuntimeNode, rep NodeReport) error {
	clip := func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	}
	if len(rep.IPAddresses) > 32 {
		rep.IPAddresses = rep.IPAddresses[:32]
	}
	return s.db.Read().ReportNode(ctx, n.ID, n.Session, clip(rep.Hostname, 255), rep.IPAddresses, clip(rep.Version, 64), clip(rep.Status, 32), s.now())
}

// NodeLease renews the node's leadership lease, or takes it once the last
// holder's lapsed, and, when touch is set, records that the node was heard
// from. It reports whether the node leads.
func (s *Service) NodeLease(ctx context.Context, n tenantry.RuntimeNode, touch bool) (bool, error) {
	c := s.db.Read()
	now := s.now()
	if touch {
		if err := c.PingNode(ctx, n.ID, n.Session, now); err != nil {
			return false, err
		}
	}
	return c.AcquireLease(ctx, n.RuntimeID, n.ID, n.Session, now, tenantry.LeaseTTL)
}

// NodeDisconnected records the end of a node's session. A clean disconnect
// gives up the lease (another node may lead at once) and makes the node
// offline; a connection that was cut leaves the lease to lapse (SPEC §6.5: a
// new leader only after the old lease lapses) and the node's status unknown.
// The end of a session the node has since replaced (it reconnected before
// the old socket was noticed) changes nothing.
func (s *Service) NodeDisconnected(ctx context.Context, n tenantry.RuntimeNode, clean bool) error {
	c := s.db.Read()
	if clean {
		if err := c.ReleaseLease(ctx, n.RuntimeID, n.Session); err != nil {
			return err
		}
	}
	changed, err := c.DisconnectNode(ctx, n.ID, n.Session, s.now(), clean)
	if err == nil && changed {
		status := "disconnected"
		if !clean {
			status = "lost"
		}
		s.auditNodeStatus(ctx, n.ID, n.Name, n.RuntimeID, status)
	}
	return err
}

// RuntimeFailed records a push that could not be delivered to a node.
func (s *Service) RuntimeFailed(ctx context.Context, runtimeID, messageType, failure string) {
	err := s.db.Read().AddRuntimeFailure(ctx, runtimeID, store.RuntimeFailure{ID: newID(), OccurredAt: s.now(), MessageType: messageType, Failure: failure})
	if err != nil {
		s.log.WarnContext(ctx, "record runtime failure", "runtime", runtimeID, "err", err)
	}
}

// auditNodeStatus writes a node's status change to its organization's log,
// at most once per node per minute (SPEC §7): a change held back is written
// by SweepNodeStatus. It reports whether it wrote.
func (s *Service) auditNodeStatus(ctx context.Context, nodeID, nodeName, runtimeID, status string) (bool, error) {
	now := s.now()
	due := false
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if due, err = tx.MarkNodeAudited(ctx, nodeID, status, now, now.Add(-time.Minute)); err != nil || !due {
			return err
		}
		r, err := tx.RuntimeByID(ctx, runtimeID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, &Actor{Kind: tenantry.ActorRuntime, RuntimeID: r.ID}, now, tenantry.AuditEvent{Action: tenantry.ActionRuntimeNodeStatus,
			OrganizationID: r.OrganizationID, TargetKind: "runtime", TargetID: r.ID, Details: map[string]any{"node": nodeName, "status": status}})
	})
	if err != nil {
		s.log.WarnContext(ctx, "audit node status", "node", nodeID, "err", err)
	}
	return due && err == nil, err
}

// SweepNodeStatus audits the node status changes the once-a-minute rule held
// back (a node that connected and left within a minute), so the log ends on
// each node's real status. The system runs it every minute. It returns how
// many it wrote.
func (s *Service) SweepNodeStatus(ctx context.Context) (int, error) {
	behind, err := s.db.Read().NodesStatusBehind(ctx, s.now().Add(-time.Minute))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range behind {
		wrote, err := s.auditNodeStatus(ctx, b.NodeID, b.NodeName, b.RuntimeID, b.Status)
		if err != nil {
			return n, err
		}
		if wrote {
			n++
		}
	}
	return n, nil
}

// RuntimeRefused records a refused connection attempt.
func (s *Service) RuntimeRefused(ctx context.Context, runtimeID, reason, source string) {
	if runtimeID != "" && !ValidID(runtimeID) {
		runtimeID = ""
	}
	s.auditRuntimeRefusal(ctx, runtimeID, reason, source)
}

// SweepRuntimeFailures deletes failed pushes older than 30 days and returns
// how many.
func (s *Service) SweepRuntimeFailures(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteOldRuntimeFailures(ctx, s.now().Add(-tenantry.FailureRetention))
		return err
	})
	return n, err
}
