package runtime

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"tenantry/internal/service"
	"tenantry/internal/tenantry"
)

// pingWrite is how often a session records that its node was heard from.
const pingWrite = 15 * time.Second

// Hub holds the live sessions of nodes connected to this replica.
type Hub struct {
	svc           *service.Service
	log           *slog.Logger
	now           func() time.Time
	interval      time.Duration // lease renewal and status push
	clientAddress func(*http.Request) string

	mu       sync.Mutex
	sessions map[string]map[*session]struct{} // runtime ID → its sessions here
	closed   bool
	stop     context.Context // ends every session when the hub closes
	cancel   context.CancelFunc
}

// HubOptions configure a Hub.
type HubOptions struct {
	Logger *slog.Logger
	Now    func() time.Time
	// LeaseInterval is how often each session renews its node's lease (5 s).
	LeaseInterval time.Duration
	// ClientAddress is the address a connection came from, for the audit
	// log (behind a trusted proxy, the forwarded one); the peer when nil.
	ClientAddress func(*http.Request) string
}

// NewHub returns a hub over svc.
func NewHub(svc *service.Service, opts HubOptions) *Hub {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LeaseInterval == 0 {
		opts.LeaseInterval = tenantry.PingInterval
	}
	if opts.ClientAddress == nil {
		opts.ClientAddress = func(r *http.Request) string {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				return r.RemoteAddr
			}
			return host
		}
	}
	stop, cancel := context.WithCancel(context.Background())
	return &Hub{svc: svc, log: opts.Logger, now: opts.Now, interval: opts.LeaseInterval, clientAddress: opts.ClientAddress,
		sessions: map[string]map[*session]struct{}{}, stop: stop, cancel: cancel}
}

// A session's waits are bounded so that a leader learns it lost its lease
// before the lease lapses: from the last renewal, the next tick (5 s), one
// other database call (3 s), the ping (2 s) and the renewal (3 s) end by 13 s
// of the lease's 15, and a failed renewal steps the node down.
const (
	dbTimeout   = 3 * time.Second
	pingTimeout = 2 * time.Second
)

// session is one node's WebSocket on this replica.
type session struct {
	conn   *websocket.Conn
	events chan service.RuntimeEvent
}

// Notify delivers a change to the sessions of a runtime on this replica.
// It never blocks: a session that is behind gets the latest state anyway on
// its next event.
func (h *Hub) Notify(ev service.RuntimeEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.sessions[ev.RuntimeID] {
		if ev.Revoked {
			// Revocation does not wait for the session's loop: the node is
			// told and its connection closed at once.
			go revoke(context.Background(), s.conn, "the runtime connection was deleted")
			continue
		}
		select {
		case s.events <- ev:
		default: // a share change is pending already; it reads the latest shares
		}
	}
}

// Close ends every session (the server is shutting down): nodes see the
// connection go away and reconnect, to another replica or when this one is
// back. New connections are refused.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
}

// Sessions counts the live sessions on this replica.
func (h *Hub) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ss := range h.sessions {
		n += len(ss)
	}
	return n
}

func (h *Hub) add(runtimeID string, s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[runtimeID] == nil {
		h.sessions[runtimeID] = map[*session]struct{}{}
	}
	h.sessions[runtimeID][s] = struct{}{}
}

func (h *Hub) remove(runtimeID string, s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.sessions[runtimeID], s)
	if len(h.sessions[runtimeID]) == 0 {
		delete(h.sessions, runtimeID)
	}
}

// ServeHTTP is GET /api/runtime/1/connect: it upgrades to a WebSocket and
// runs the node's session until either side ends it.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	c.SetReadLimit(64 << 10)
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		c.Close(websocket.StatusGoingAway, "the platform is shutting down")
		return
	}
	// The session outlives the HTTP request's context but not the hub.
	ctx := h.stop
	source := h.clientAddress(r)
	if err := h.run(ctx, c, source); err != nil {
		h.log.Info("runtime session ended", "err", err, "source", source)
	}
}

func (h *Hub) run(ctx context.Context, c *websocket.Conn, source string) error {
	defer c.CloseNow()
	nonce := make([]byte, 32)
	rand.Read(nonce)
	issued := h.now()
	if err := write(ctx, c, Message{Type: TypeChallenge, Nonce: nonce, ExpiresAt: issued.Add(tenantry.ChallengeTTL)}); err != nil {
		return err
	}
	helloCtx, cancel := context.WithTimeout(ctx, tenantry.ChallengeTTL)
	hello, err := read(helloCtx, c)
	cancel()
	if err != nil {
		return err
	}
	refuse := func(code websocket.StatusCode, reason string) error {
		_ = write(ctx, c, Message{Type: TypeError, Reason: reason})
		c.Close(code, reason)
		h.svc.RuntimeRefused(ctx, hello.RuntimeID, reason, source)
		return errors.New(reason)
	}
	if hello.Type != TypeHello {
		return refuse(CloseUnauthorized, "the first message must be hello")
	}
	if h.now().Sub(issued) > tenantry.ChallengeTTL {
		return refuse(CloseUnauthorized, "the challenge expired")
	}
	rt, err := h.svc.RegisteredRuntime(ctx, hello.RuntimeID)
	if tenantry.IsCode(err, tenantry.CodeNotFound) {
		revoke(ctx, c, "the runtime connection does not exist or was deleted")
		h.svc.RuntimeRefused(ctx, hello.RuntimeID, "unknown, unregistered or deleted runtime", source)
		return errors.New("unknown runtime")
	}
	if err != nil {
		return err
	}
	pub, _ := base64.StdEncoding.DecodeString(rt.PublicKey)
	if !verify(ed25519.PublicKey(pub), nonce, rt.ID, hello.Node, hello.Signature) {
		return refuse(CloseUnauthorized, "bad signature")
	}
	node, err := h.svc.NodeConnected(ctx, rt.ID, hello.Node)
	if tenantry.IsCode(err, tenantry.CodeInvalid) {
		return refuse(CloseUnauthorized, "bad node name")
	}
	if err != nil {
		c.Close(websocket.StatusInternalError, "try again")
		return err
	}
	s := &session{conn: c, events: make(chan service.RuntimeEvent, 8)}
	h.add(rt.ID, s)
	defer h.remove(rt.ID, s)
	clean := false
	defer func() { h.svc.NodeDisconnected(context.Background(), node, clean) }()
	// Registered first, read second: a change made in between is either in
	// what is read now or arrives as an event.
	_, shares, err := h.svc.NodeRuntime(ctx, rt.ID)
	if err != nil {
		revoke(ctx, c, "the runtime connection was deleted")
		return err
	}

	leader, err := h.svc.NodeLease(ctx, node, true)
	if err != nil {
		return err
	}
	// lastPing is when the node's last_ping_at was last written: at most
	// every pingWrite, so that thousands of nodes do not write every 5 s.
	lastPing := h.now()
	if err := write(ctx, c, Message{Type: TypeWelcome, NodeID: node.ID, Tenants: tenantsOf(shares), Leader: boolPtr(leader)}); err != nil {
		return err
	}

	// The reader: reports from the node, and the end of the connection.
	reports := make(chan Report, 1)
	readErr := make(chan error, 1)
	go func() {
		for {
			m, err := read(ctx, c)
			if err != nil {
				readErr <- err
				return
			}
			if m.Type == TypeReport && m.Report != nil {
				// The newest report wins when the session is behind.
				select {
				case <-reports:
				default:
				}
				reports <- *m.Report
			}
		}
	}()
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	for {
		select {
		case err := <-readErr:
			// A close frame from the node is a clean disconnect; anything
			// else (a cut connection) leaves its lease to lapse.
			switch websocket.CloseStatus(err) {
			case websocket.StatusNormalClosure, websocket.StatusGoingAway:
				clean = true
			}
			return err
		case <-ctx.Done():
			c.Close(websocket.StatusGoingAway, "the platform is shutting down")
			return ctx.Err()
		case rep := <-reports:
			// Database calls are bounded: a stalled database must not hold
			// the session loop past the lease it renews.
			rctx, cancel := context.WithTimeout(ctx, dbTimeout)
			err := h.svc.NodeReported(rctx, node, service.NodeReport(rep))
			cancel()
			if err != nil {
				h.log.Warn("record node report", "err", err)
			}
		case <-tick.C:
			// A node that cannot answer a ping is gone: stop renewing for it.
			pctx, cancel := context.WithTimeout(ctx, min(h.interval, pingTimeout))
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			touch := h.now().Sub(lastPing) >= pingWrite
			if touch {
				lastPing = h.now()
			}
			lctx, cancel := context.WithTimeout(ctx, dbTimeout)
			now, err := h.svc.NodeLease(lctx, node, touch)
			cancel()
			if tenantry.IsCode(err, tenantry.CodeNotFound) {
				// Deleted where no event reached this replica (the operator's
				// command on SQLite): the lease tells.
				revoke(ctx, c, "the runtime connection was deleted")
				return errors.New("revoked")
			}
			if err != nil {
				h.log.Warn("renew lease", "runtime", rt.ID, "err", err)
				now = false // cannot renew: step down
			}
			if now != leader {
				leader = now
				if err := h.push(ctx, c, rt.ID, Message{Type: TypeLeadership, Leader: boolPtr(leader)}); err != nil {
					return err
				}
			}
		case ev := <-s.events:
			if ev.Revoked {
				revoke(ctx, c, "the runtime connection was deleted")
				return errors.New("revoked")
			}
			dctx, cancel := context.WithTimeout(ctx, dbTimeout)
			_, shares, err := h.svc.NodeRuntime(dctx, rt.ID)
			cancel()
			if tenantry.IsCode(err, tenantry.CodeNotFound) {
				revoke(ctx, c, "the runtime connection was deleted")
				return errors.New("revoked")
			}
			if err != nil {
				fctx, cancel := context.WithTimeout(ctx, dbTimeout)
				h.svc.RuntimeFailed(fctx, rt.ID, TypeTenants, "read shares: "+err.Error())
				cancel()
				continue
			}
			if err := h.push(ctx, c, rt.ID, Message{Type: TypeTenants, Tenants: tenantsOf(shares)}); err != nil {
				return err
			}
		}
	}
}

// push sends a message, recording a failure when it cannot be delivered.
func (h *Hub) push(ctx context.Context, c *websocket.Conn, runtimeID string, m Message) error {
	if err := write(ctx, c, m); err != nil {
		h.svc.RuntimeFailed(context.WithoutCancel(ctx), runtimeID, m.Type, err.Error())
		return err
	}
	return nil
}

func tenantsOf(shares []tenantry.RuntimeShare) []Tenant {
	out := make([]Tenant, 0, len(shares))
	for _, s := range shares {
		out = append(out, Tenant{ID: s.Tenant.ID, Name: s.Tenant.FullName()})
	}
	return out
}

// revoke tells a node its connection was revoked, with the reason, and
// closes it.
func revoke(ctx context.Context, c *websocket.Conn, reason string) {
	_ = write(ctx, c, Message{Type: TypeRevoked, Reason: reason})
	c.Close(CloseRevoked, "revoked")
}

func write(ctx context.Context, c *websocket.Conn, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, encodeMsg(m))
}

func read(ctx context.Context, c *websocket.Conn) (Message, error) {
	var m Message
	_, b, err := c.Read(ctx)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, errors.New("a message is not JSON")
	}
	return m, nil
}
