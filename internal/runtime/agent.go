package runtime

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"tenantry/internal/tenantry"
)

// AgentOptions configure a node.
type AgentOptions struct {
	Platform          string // the platform's base URL
	InstallationToken string // needed only to register, once per runtime
	StateDir          string // key pair and runtime ID; nodes of one runtime share it
	NodeName          string // default: hostname + listen address
	Version           string
	Logger            *slog.Logger
	ReportInterval    time.Duration // 30 s by default
	// Dialer reaches the platform; tests set it. nil is the default client.
	HTTPClient *http.Client
}

// state is what a node keeps in its state directory.
type state struct {
	RuntimeID  string `json:"runtimeId,omitempty"`
	PrivateKey string `json:"privateKey"` // base64 of the Ed25519 seed
	Platform   string `json:"platform,omitempty"`
}

// Agent is one node of a runtime.
type Agent struct {
	opts AgentOptions
	log  *slog.Logger
	key  ed25519.PrivateKey

	mu        sync.Mutex
	runtimeID string
	tenants   []Tenant
	leader    bool
	connected bool
	revoked   string // why, once revoked
	lastErr   string
}

// NewAgent returns a node; Run starts it.
func NewAgent(opts AgentOptions) *Agent {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ReportInterval == 0 {
		opts.ReportInterval = tenantry.DefaultReportInterval
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Agent{opts: opts, log: opts.Logger}
}

// statePath is the state file.
func (a *Agent) statePath() string { return filepath.Join(a.opts.StateDir, "runtime.json") }

// loadState reads the state, creating a key pair (saved before anything is
// sent to the platform) when there is none.
func (a *Agent) loadState() (state, error) {
	var st state
	b, err := os.ReadFile(a.statePath())
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("read %s: %w", a.statePath(), err)
		}
	case errors.Is(err, os.ErrNotExist):
		// The first node makes the key pair; nodes starting beside it on the
		// same state directory must end up with the same key, so the file is
		// created only if it does not exist, and whoever loses reads it.
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return st, err
		}
		st.PrivateKey = base64.StdEncoding.EncodeToString(priv.Seed())
		if err := a.writeState(st, false); err != nil {
			if errors.Is(err, os.ErrExist) {
				return a.loadState()
			}
			return st, err
		}
	default:
		return st, err
	}
	seed, err := base64.StdEncoding.DecodeString(st.PrivateKey)
	if err != nil || len(seed) != ed25519.SeedSize {
		return st, fmt.Errorf("%s: the key is damaged", a.statePath())
	}
	a.key = ed25519.NewKeyFromSeed(seed)
	return st, nil
}

// saveState writes the state atomically, replacing what is there.
func (a *Agent) saveState(st state) error { return a.writeState(st, true) }

// writeState writes the state to a temporary file, then puts it in place:
// renamed over the old one, or, when replace is false, linked only if no state
// exists yet (os.ErrExist otherwise).
func (a *Agent) writeState(st state, replace bool) error {
	if err := os.MkdirAll(a.opts.StateDir, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp, err := os.CreateTemp(a.opts.StateDir, ".runtime-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if replace {
		return os.Rename(tmp.Name(), a.statePath())
	}
	return os.Link(tmp.Name(), a.statePath())
}

// register spends the installation token for this node's key. Registering
// again with the same token and key is idempotent, so a lost answer is
// retried safely.
func (a *Agent) register(ctx context.Context, st state) (state, error) {
	if a.opts.InstallationToken == "" {
		return st, errors.New("not registered: start the first node with --installation-token")
	}
	host, _ := os.Hostname()
	body, _ := json.Marshal(map[string]string{"installationToken": a.opts.InstallationToken,
		"publicKey": base64.StdEncoding.EncodeToString(a.key.Public().(ed25519.PublicKey)), "hostname": host, "version": a.opts.Version})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(a.opts.Platform, "/")+"/api/runtime/1/registration", bytes.NewReader(body))
	if err != nil {
		return st, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.opts.HTTPClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	var out struct {
		RuntimeID string `json:"runtimeId"`
		Detail    string `json:"detail"`
		Code      string `json:"code"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusOK {
		return st, &registrationError{status: resp.StatusCode, code: out.Code, detail: out.Detail}
	}
	st.RuntimeID, st.Platform = out.RuntimeID, a.opts.Platform
	return st, a.saveState(st)
}

// maxPlatformMessage bounds one message from the platform: room for tens of
// thousands of shared tenants.
const maxPlatformMessage = 16 << 20

// registrationError is the platform's refusal of a registration; 4xx ones are
// final.
type registrationError struct {
	status       int
	code, detail string
}

func (e *registrationError) Error() string {
	return fmt.Sprintf("registration refused (%s): %s", e.code, e.detail)
}

// Run registers when needed, serves /api/health on addr, and keeps one
// WebSocket to the platform open until ctx ends or the connection is revoked
// (the health endpoint keeps answering with the reason).
func (a *Agent) Run(ctx context.Context, ln net.Listener) error {
	st, err := a.loadState()
	if err != nil {
		return err
	}
	if a.opts.NodeName == "" {
		host, _ := os.Hostname()
		a.opts.NodeName = host + "/" + ln.Addr().String()
	}
	srv := &http.Server{Handler: http.HandlerFunc(a.serveHealth), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Shutdown(context.WithoutCancel(ctx))

	backoff := newBackoff()
	if st.RuntimeID == "" && a.opts.InstallationToken == "" {
		a.log.Warn("not registered: the first node of a runtime needs --installation-token; waiting for another node to register in the shared state directory",
			"state", a.opts.StateDir)
	}
	for st.RuntimeID == "" && a.opts.InstallationToken == "" {
		// Another node of this runtime may be registering with the shared
		// state directory: wait for its runtime ID.
		a.setError("not registered: start the first node with --installation-token")
		if !sleep(ctx, backoff.next()) {
			return ctx.Err()
		}
		if st, err = a.loadState(); err != nil {
			return err
		}
	}
	for st.RuntimeID == "" {
		st, err = a.register(ctx, st)
		var re *registrationError
		if errors.As(err, &re) && re.status < 500 {
			a.setError(err.Error())
			a.log.Error("registration refused", "err", err)
			<-ctx.Done() // keep serving health with the reason
			return err
		}
		if err != nil {
			a.setError(err.Error())
			a.log.Warn("registration failed; retrying", "err", err)
			if !sleep(ctx, backoff.next()) {
				return ctx.Err()
			}
		}
	}
	a.mu.Lock()
	a.runtimeID = st.RuntimeID
	a.mu.Unlock()
	a.log.Info("registered", "runtime", st.RuntimeID, "node", a.opts.NodeName)

	backoff = newBackoff()
	for ctx.Err() == nil {
		err := a.session(ctx, st.RuntimeID, backoff)
		if a.isRevoked() {
			a.log.Warn("the runtime connection was revoked; not reconnecting")
			<-ctx.Done()
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		a.setError(err.Error())
		d := backoff.next()
		a.log.Warn("disconnected from the platform; reconnecting", "err", err, "in", d.String())
		if !sleep(ctx, d) {
			return nil
		}
	}
	return nil
}

// session is one WebSocket: prove, then report and listen until it ends.
func (a *Agent) session(ctx context.Context, runtimeID string, backoff *backoff) error {
	u, err := url.Parse(strings.TrimRight(a.opts.Platform, "/") + "/api/runtime/1/connect")
	if err != nil {
		return err
	}
	u.Scheme = map[string]string{"https": "wss", "http": "ws"}[u.Scheme]
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	c, _, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPClient: a.opts.HTTPClient})
	cancel()
	if err != nil {
		return err
	}
	// The platform's messages list every shared tenant, subtenants included
	// (they do not count against the licence): far past the library's
	// 32 KiB default for a large organization.
	c.SetReadLimit(maxPlatformMessage)
	defer c.CloseNow()
	ch, err := read(ctx, c)
	if err != nil || ch.Type != TypeChallenge {
		return fmt.Errorf("no challenge: %v", err)
	}
	if err := write(ctx, c, Message{Type: TypeHello, RuntimeID: runtimeID, Node: a.opts.NodeName,
		Signature: Sign(a.key, ch.Nonce, runtimeID, a.opts.NodeName)}); err != nil {
		return err
	}
	welcome, err := read(ctx, c)
	if err != nil {
		return err
	}
	if err := a.handle(welcome); err != nil {
		return err
	}
	if welcome.Type != TypeWelcome {
		return fmt.Errorf("refused: %s", welcome.Reason)
	}
	backoff.reset()
	a.mu.Lock()
	a.connected, a.lastErr = true, ""
	a.mu.Unlock()
	defer func() {
		// Without the platform the node cannot renew its lease: it steps
		// down at once rather than risk two leaders.
		a.mu.Lock()
		a.connected, a.leader = false, false
		a.mu.Unlock()
	}()
	a.log.Info("connected", "runtime", runtimeID, "leader", a.isLeader())

	// The reader does not stop with ctx: cancelling a read would cut the
	// connection, and a stopping node closes it cleanly instead (the
	// platform then releases its lease at once).
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(ctx))
	defer stopReading()
	errs := make(chan error, 1)
	go func() {
		for {
			m, err := read(readCtx, c)
			if err != nil {
				errs <- err
				return
			}
			if err := a.handle(m); err != nil {
				errs <- err
				return
			}
		}
	}()
	sendReport := func() error { return write(ctx, c, Message{Type: TypeReport, Report: a.report()}) }
	if err := sendReport(); err != nil {
		return err
	}
	reports := time.NewTicker(a.opts.ReportInterval)
	defer reports.Stop()
	pings := time.NewTicker(tenantry.PingInterval)
	defer pings.Stop()
	for {
		select {
		case <-ctx.Done():
			c.Close(websocket.StatusNormalClosure, "node stopping")
			return nil
		case err := <-errs:
			return err
		case <-reports.C:
			if err := sendReport(); err != nil {
				return err
			}
		case <-pings.C:
			pctx, cancel := context.WithTimeout(ctx, tenantry.PingInterval)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		}
	}
}

// handle applies a message from the platform.
func (a *Agent) handle(m Message) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch m.Type {
	case TypeWelcome:
		a.tenants = m.Tenants
		a.leader = m.Leader != nil && *m.Leader
	case TypeTenants:
		a.tenants = m.Tenants
	case TypeLeadership:
		a.leader = m.Leader != nil && *m.Leader
	case TypeRevoked:
		a.revoked, a.leader = "revoked: "+m.Reason, false
		return errors.New(a.revoked)
	case TypeError:
		return errors.New("refused by the platform: " + m.Reason)
	}
	return nil
}

func (a *Agent) report() *Report {
	host, _ := os.Hostname()
	var ips []string
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok && !n.IP.IsLoopback() {
				ips = append(ips, n.IP.String())
			}
		}
	}
	return &Report{Hostname: host, IPAddresses: ips, Version: a.opts.Version, Status: "healthy"}
}

func (a *Agent) setError(msg string) {
	a.mu.Lock()
	a.lastErr = msg
	a.mu.Unlock()
}

func (a *Agent) isRevoked() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.revoked != ""
}

func (a *Agent) isLeader() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.leader
}

// Health is what GET /api/health answers.
type Health struct {
	Status    string   `json:"status"` // "ok" or "error"
	Reason    string   `json:"reason,omitempty"`
	RuntimeID string   `json:"runtimeId,omitempty"`
	Node      string   `json:"node"`
	Connected bool     `json:"connected"`
	Leader    bool     `json:"leader"`
	Tenants   []Tenant `json:"tenants"`
}

// State returns the node's health as /api/health reports it.
func (a *Agent) State() Health {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := Health{Status: "ok", RuntimeID: a.runtimeID, Node: a.opts.NodeName, Connected: a.connected, Leader: a.leader, Tenants: a.tenants}
	if h.Tenants == nil {
		h.Tenants = []Tenant{}
	}
	switch {
	case a.revoked != "":
		h.Status, h.Reason = "error", a.revoked
	case a.runtimeID == "":
		h.Status, h.Reason = "error", "never registered: "+a.lastErr
	case !a.connected && a.lastErr != "":
		// Still serving its last known state: healthy, but says why it is offline.
		h.Reason = "platform unreachable: " + a.lastErr
	}
	return h
}

// serveHealth answers GET /api/health: 200 while registered and not revoked,
// 500 with the reason otherwise.
func (a *Agent) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/health" {
		http.NotFound(w, r)
		return
	}
	h := a.State()
	w.Header().Set("Content-Type", "application/json")
	if h.Status != "ok" {
		w.WriteHeader(http.StatusInternalServerError)
	}
	json.NewEncoder(w).Encode(h)
}

// backoff is jittered exponential: 0.5 s doubling to 30 s, each wait drawn
// between half and all of it, so a fleet does not reconnect in step.
type backoff struct{ d time.Duration }

func newBackoff() *backoff { return &backoff{d: 500 * time.Millisecond} }

func (b *backoff) next() time.Duration {
	d := b.d
	b.d = min(b.d*2, 30*time.Second)
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(d/2)+1))
	return d/2 + time.Duration(n.Int64())
}

func (b *backoff) reset() { b.d = 500 * time.Millisecond }

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
