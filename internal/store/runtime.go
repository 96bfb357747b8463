package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"tenantry/internal/tenantry"
)

const runtimeColumns = `r.id, r.organization_id, r.developer_name, r.created_at, r.public_key, r.token_expires_at, r.token_used_at,
	b.id, b.email, b.first_name, b.last_name`
const runtimeFrom = " FROM runtimes r LEFT JOIN users b ON b.id = r.created_by"

func scanRuntime(rs rowScanner) (tenantry.Runtime, error) {
	var r tenantry.Runtime
	var exp, used sql.NullTime
	var by whoColumns
	dest := append([]any{&r.ID, &r.OrganizationID, &r.Name, &r.CreatedAt, &r.PublicKey, &exp, &used}, by.dest()...)
	if err := rs.Scan(dest...); err != nil {
		return r, err
	}
	r.CreatedAt, r.TokenExpiresAt, r.TokenUsedAt, r.CreatedBy = r.CreatedAt.UTC(), timeOf(exp), timeOf(used), by.user()
	return r, nil
}

// CreateRuntime stores a connection with the hash of its installation token.
// A name the organization already uses is name_taken.
func (tx *Tx) CreateRuntime(ctx context.Context, r tenantry.Runtime, tokenHash string) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO runtimes (id, organization_id, developer_name, name_norm, created_at, updated_at,
		created_by, token_hash, token_expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
		r.ID, r.OrganizationID, r.Name, strings.ToLower(r.Name), r.CreatedAt, nullString(userID(r.CreatedBy)), tokenHash, r.TokenExpiresAt)
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeNameTaken, "the organization already has a runtime connection named "+r.Name)
	}
	return err
}

func userID(u *tenantry.User) string {
	if u == nil {
		return ""
	}
	return u.ID
}

// Runtime returns an organization's connection.
func (c *Conn) Runtime(ctx context.Context, orgID, id string) (tenantry.Runtime, error) {
	r, err := scanRuntime(c.q.QueryRowContext(ctx, "SELECT "+runtimeColumns+runtimeFrom+" WHERE r.organization_id = $1 AND r.id = $2", orgID, id))
	return r, notFound(err, "no such runtime connection")
}

// RuntimeByID returns a connection whatever its organization (for nodes,
// which prove themselves by key).
func (c *Conn) RuntimeByID(ctx context.Context, id string) (tenantry.Runtime, error) {
	r, err := scanRuntime(c.q.QueryRowContext(ctx, "SELECT "+runtimeColumns+runtimeFrom+" WHERE r.id = $1", id))
	return r, notFound(err, "no such runtime connection")
}

// RuntimeByToken returns the connection an installation token (hash) made.
func (tx *Tx) RuntimeByToken(ctx context.Context, tokenHash string) (tenantry.Runtime, error) {
	r, err := scanRuntime(tx.q.QueryRowContext(ctx, "SELECT "+runtimeColumns+runtimeFrom+" WHERE r.token_hash = $1"+tx.forUpdateOf("r"), tokenHash))
	return r, notFound(err, "no such installation token")
}

// Runtimes lists an organization's connections by name.
func (c *Conn) Runtimes(ctx context.Context, orgID string) ([]tenantry.Runtime, error) {
	return c.runtimes(ctx, "SELECT "+runtimeColumns+runtimeFrom+" WHERE r.organization_id = $1 ORDER BY r.name_norm, r.id", orgID)
}

func (c *Conn) runtimes(ctx context.Context, query string, args ...any) ([]tenantry.Runtime, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tenantry.Runtime{}
	for rows.Next() {
		r, err := scanRuntime(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RenameRuntime changes a connection's name.
func (tx *Tx) RenameRuntime(ctx context.Context, orgID, id, name string, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE runtimes SET developer_name = $3, name_norm = $4, updated_at = $5 WHERE organization_id = $1 AND id = $2",
		orgID, id, name, strings.ToLower(name), now)
	if isUniqueViolation(err) {
		return tenantry.Wrap(err, tenantry.CodeNameTaken, "the organization already has a runtime connection named "+name)
	}
	return err
}

// DeleteRuntime deletes a connection with its shares, nodes and lease.
func (tx *Tx) DeleteRuntime(ctx context.Context, orgID, id string) error {
	return tx.execOne(ctx, "no such runtime connection", "DELETE FROM runtimes WHERE organization_id = $1 AND id = $2", orgID, id)
}

// SpendInstallationToken records the registered key in one conditional change:
// it succeeds when the token is unused and unexpired, or when it was spent by
// this same key within its lifetime (a registration retried after a lost
// answer). It reports whether the change was made.
func (tx *Tx) SpendInstallationToken(ctx context.Context, id, publicKey string, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE runtimes SET public_key = $2, token_used_at = COALESCE(token_used_at, $3)
		WHERE id = $1 AND token_expires_at > $3 AND (token_used_at IS NULL OR public_key = $2)`, id, publicKey, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetRuntimeShares replaces a connection's shared tenants, keeping the date
// of those that stay. It returns how many shares it added and removed.
func (tx *Tx) SetRuntimeShares(ctx context.Context, runtimeID string, tenantIDs []string, now time.Time) (added, removed int, err error) {
	current, err := tx.strings(ctx, "SELECT tenant_id FROM runtime_shares WHERE runtime_id = $1", runtimeID)
	if err != nil {
		return 0, 0, err
	}
	keep := map[string]bool{}
	for _, id := range tenantIDs {
		keep[id] = true
	}
	for _, id := range current {
		if !keep[id] {
			if _, err := tx.q.ExecContext(ctx, "DELETE FROM runtime_shares WHERE runtime_id = $1 AND tenant_id = $2", runtimeID, id); err != nil {
				return added, removed, err
			}
			removed++
		}
		delete(keep, id)
	}
	for _, id := range tenantIDs {
		if !keep[id] {
			continue
		}
		delete(keep, id)
		if _, err := tx.q.ExecContext(ctx, "INSERT INTO runtime_shares (runtime_id, tenant_id, associated_at) VALUES ($1, $2, $3)", runtimeID, id, now); err != nil {
			return added, removed, err
		}
		added++
	}
	return added, removed, nil
}

// RuntimeShares lists the tenants a connection is shared with, by name.
func (c *Conn) RuntimeShares(ctx context.Context, runtimeID string) ([]tenantry.RuntimeShare, error) {
	rows, err := c.q.QueryContext(ctx, "SELECT "+tenantColumns+", s.associated_at"+tenantFrom+
		" JOIN runtime_shares s ON s.tenant_id = t.id WHERE s.runtime_id = $1 ORDER BY COALESCE(p.name_norm, t.name_norm), t.name_norm", runtimeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tenantry.RuntimeShare{}
	for rows.Next() {
		var s tenantry.RuntimeShare
		var at sql.NullTime
		if s.Tenant, err = scanTenant(rows, &at); err != nil {
			return nil, err
		}
		s.AssociatedAt = timeOf(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

// TenantRuntimes lists the connections shared with a tenant.
func (c *Conn) TenantRuntimes(ctx context.Context, tenantID string) ([]tenantry.Runtime, error) {
	return c.runtimes(ctx, "SELECT "+runtimeColumns+runtimeFrom+
		" JOIN runtime_shares s ON s.runtime_id = r.id WHERE s.tenant_id = $1 ORDER BY r.name_norm, r.id", tenantID)
}

const nodeColumns = `id, runtime_id, name, hostname, ip_addresses, version, reported_status, connected, created_at, last_ping_at, reported_at, disconnected_at, session_id`

func scanNode(rs rowScanner) (tenantry.RuntimeNode, error) {
	var n tenantry.RuntimeNode
	var ips string
	var connected int
	var ping, rep, disc sql.NullTime
	if err := rs.Scan(&n.ID, &n.RuntimeID, &n.Name, &n.Hostname, &ips, &n.Version, &n.ReportedStatus, &connected,
		&n.CreatedAt, &ping, &rep, &disc, &n.Session); err != nil {
		return n, err
	}
	_ = json.Unmarshal([]byte(ips), &n.IPAddresses)
	n.Connected, n.CreatedAt = connected != 0, n.CreatedAt.UTC()
	n.LastPingAt, n.ReportedAt, n.DisconnectedAt = timeOf(ping), timeOf(rep), timeOf(disc)
	return n, nil
}

// RuntimeNodes lists a connection's nodes heard from since a time.
func (c *Conn) RuntimeNodes(ctx context.Context, runtimeID string, since time.Time) ([]tenantry.RuntimeNode, error) {
	rows, err := c.q.QueryContext(ctx, "SELECT "+nodeColumns+" FROM runtime_nodes WHERE runtime_id = $1"+
		" AND COALESCE(last_ping_at, created_at) >= $2 ORDER BY name", runtimeID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tenantry.RuntimeNode{}
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// ConnectNode records a node's connection as session (creating the node the
// first time its name is seen) and returns it, as this session's copy.
func (c *Conn) ConnectNode(ctx context.Context, id, runtimeID, name, session string, now time.Time) (tenantry.RuntimeNode, error) {
	n, err := scanNode(c.q.QueryRowContext(ctx, `INSERT INTO runtime_nodes (id, runtime_id, name, connected, created_at, last_ping_at, session_id)
		VALUES ($1, $2, $3, 1, $4, $4, $5)
		ON CONFLICT (runtime_id, name) DO UPDATE SET connected = 1, last_ping_at = $4, disconnected_at = NULL, session_id = $5
		RETURNING `+nodeColumns, id, runtimeID, name, now, session))
	n.Session = session
	return n, err
}

// ReportNode records a node's report, heard on session: the node is
// connected, through that session.
func (c *Conn) ReportNode(ctx context.Context, nodeID, session, hostname string, ips []string, version, status string, now time.Time) error {
	b, _ := json.Marshal(ips)
	_, err := c.q.ExecContext(ctx, `UPDATE runtime_nodes SET hostname = $3, ip_addresses = $4, version = $5, reported_status = $6,
		reported_at = $7, last_ping_at = $7, connected = 1, disconnected_at = NULL, session_id = $2 WHERE id = $1`,
		nodeID, session, hostname, string(b), version, status, now)
	return err
}

// PingNode records that a node was heard from on session: the node is
// connected, through that session (another session of the same name may
// have ended meanwhile).
func (c *Conn) PingNode(ctx context.Context, nodeID, session string, now time.Time) error {
	_, err := c.q.ExecContext(ctx, `UPDATE runtime_nodes SET last_ping_at = $3, connected = 1, disconnected_at = NULL, session_id = $2
		WHERE id = $1 AND (last_ping_at IS NULL OR last_ping_at < $3)`, nodeID, session, now)
	return err
}

// DisconnectNode records the end of a node's session: a clean one sets
// disconnected_at (offline); a lost one leaves it unset (unknown). The end of
// a session the node has since replaced changes nothing. It reports whether
// the node changed.
func (c *Conn) DisconnectNode(ctx context.Context, nodeID, session string, now time.Time, clean bool) (bool, error) {
	var res sql.Result
	var err error
	if clean {
		res, err = c.q.ExecContext(ctx, "UPDATE runtime_nodes SET connected = 0, disconnected_at = $3 WHERE id = $1 AND session_id = $2", nodeID, session, now)
	} else {
		res, err = c.q.ExecContext(ctx, "UPDATE runtime_nodes SET connected = 0 WHERE id = $1 AND session_id = $2", nodeID, session)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// nodeStatusSQL is a node's connection status as the audit log names it.
const nodeStatusSQL = `CASE WHEN n.connected = 1 THEN 'connected' WHEN n.disconnected_at IS NOT NULL THEN 'disconnected' ELSE 'lost' END`

// MarkNodeAudited records status as the node's last audited status at now,
// unless it already is, or a status was audited after heldBack (the
// once-a-minute rule). It reports whether the caller should write the event.
func (c *Conn) MarkNodeAudited(ctx context.Context, nodeID, status string, now, heldBack time.Time) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE runtime_nodes SET audited_status = $2, audited_at = $3
		WHERE id = $1 AND audited_status <> $2 AND (audited_at IS NULL OR audited_at <= $4)`, nodeID, status, now, heldBack)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// NodeStatusBehind is a node whose status changed since it was last audited.
type NodeStatusBehind struct {
	NodeID, NodeName, RuntimeID, Status string
}

// NodesStatusBehind lists the nodes whose status differs from the one last
// audited, last audited at or before heldBack: the changes the once-a-minute
// rule held back.
func (c *Conn) NodesStatusBehind(ctx context.Context, heldBack time.Time) ([]NodeStatusBehind, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT n.id, n.name, n.runtime_id, `+nodeStatusSQL+`
		FROM runtime_nodes n
		WHERE (n.audited_at IS NULL OR n.audited_at <= $1) AND n.audited_status <> `+nodeStatusSQL+`
		ORDER BY n.id`, heldBack)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NodeStatusBehind
	for rows.Next() {
		var b NodeStatusBehind
		if err := rows.Scan(&b.NodeID, &b.NodeName, &b.RuntimeID, &b.Status); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// AcquireLease makes a node's session the leader of its runtime, or renews
// its lease, unless another session holds an unexpired one. It reports
// whether the session leads until now+ttl. The holder is the session, not the
// node: two connections under one node name never both lead.
func (c *Conn) AcquireLease(ctx context.Context, runtimeID, nodeID, session string, now time.Time, ttl time.Duration) (bool, error) {
	// Followers only read: while another session holds a live lease there is
	// nothing to write, and thousands of nodes must not queue on one row.
	var holder string
	var exp time.Time
	err := c.q.QueryRowContext(ctx, "SELECT session_id, expires_at FROM runtime_leases WHERE runtime_id = $1", runtimeID).Scan(&holder, &exp)
	if err == nil && holder != session && exp.After(now) {
		return false, nil
	}
	if err != nil && err != sql.ErrNoRows {
		return false, err
	}
	// The upsert answers a row only when it took or renewed the lease.
	err = c.q.QueryRowContext(ctx, `INSERT INTO runtime_leases (runtime_id, node_id, session_id, expires_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (runtime_id) DO UPDATE SET node_id = $2, session_id = $3, expires_at = $4
		WHERE runtime_leases.session_id = $3 OR runtime_leases.expires_at <= $5
		RETURNING session_id`, runtimeID, nodeID, session, now.Add(ttl), now).Scan(&holder)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil // another session took it meanwhile
	case isForeignKeyViolation(err):
		return false, tenantry.Wrap(err, tenantry.CodeNotFound, "the runtime connection was deleted")
	case err != nil:
		return false, err
	}
	return true, nil
}

// ReleaseLease gives up a session's lease (a clean disconnect), so another
// node may lead at once.
func (c *Conn) ReleaseLease(ctx context.Context, runtimeID, session string) error {
	_, err := c.q.ExecContext(ctx, "DELETE FROM runtime_leases WHERE runtime_id = $1 AND session_id = $2", runtimeID, session)
	return err
}

// Leader returns the node holding an unexpired lease of a runtime, or "".
func (c *Conn) Leader(ctx context.Context, runtimeID string, now time.Time) (string, error) {
	var id string
	err := c.q.QueryRowContext(ctx, "SELECT node_id FROM runtime_leases WHERE runtime_id = $1 AND expires_at > $2", runtimeID, now).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, err
}

// RuntimeFailure is a failed push to a runtime.
type RuntimeFailure struct {
	ID          string
	OccurredAt  time.Time
	MessageType string
	Failure     string
}

// AddRuntimeFailure records a failed push.
func (c *Conn) AddRuntimeFailure(ctx context.Context, runtimeID string, f RuntimeFailure) error {
	_, err := c.q.ExecContext(ctx, "INSERT INTO runtime_failures (id, runtime_id, occurred_at, message_type, failure) VALUES ($1, $2, $3, $4, $5)",
		f.ID, runtimeID, f.OccurredAt, f.MessageType, f.Failure)
	return err
}

// RuntimeFailures returns one page of a runtime's failures since a time,
// newest first, and how many there are.
func (c *Conn) RuntimeFailures(ctx context.Context, runtimeID string, since time.Time, offset, limit int) ([]RuntimeFailure, int, error) {
	var total int
	if err := c.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM runtime_failures WHERE runtime_id = $1 AND occurred_at >= $2", runtimeID, since).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := c.q.QueryContext(ctx, `SELECT id, occurred_at, message_type, failure FROM runtime_failures
		WHERE runtime_id = $1 AND occurred_at >= $2 ORDER BY occurred_at DESC, id LIMIT $3 OFFSET $4`, runtimeID, since, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []RuntimeFailure{}
	for rows.Next() {
		var f RuntimeFailure
		if err := rows.Scan(&f.ID, &f.OccurredAt, &f.MessageType, &f.Failure); err != nil {
			return nil, 0, err
		}
		f.OccurredAt = f.OccurredAt.UTC()
		out = append(out, f)
	}
	return out, total, rows.Err()
}

// DeleteOldRuntimeFailures removes failures older than a time and returns how
// many.
func (tx *Tx) DeleteOldRuntimeFailures(ctx context.Context, before time.Time) (int64, error) {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM runtime_failures WHERE occurred_at < $1", before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RuntimesSharing lists the connections shared with a tenant or with one of
// its subtenants (whose full names carry the tenant's).
func (c *Conn) RuntimesSharing(ctx context.Context, tenantID string) ([]string, error) {
	return c.strings(ctx, `SELECT DISTINCT s.runtime_id FROM runtime_shares s JOIN tenants t ON t.id = s.tenant_id
		WHERE t.id = $1 OR t.parent_id = $1 ORDER BY s.runtime_id`, tenantID)
}

// RuntimeIDs lists the IDs of an organization's connections.
func (c *Conn) RuntimeIDs(ctx context.Context, orgID string) ([]string, error) {
	return c.strings(ctx, "SELECT id FROM runtimes WHERE organization_id = $1 ORDER BY id", orgID)
}
