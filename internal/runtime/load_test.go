package runtime_test

// BenchmarkConnections is the runtime hub's load benchmark (SPEC §6, §10): one
// hub over a real database behind httptest on loopback, one runtime with a
// registered key, and N simulated nodes, each a goroutine with a
// coder/websocket client that answers the challenge, says hello, and sends
// reports. It reports:
//
//	nodes            nodes connected (of TENANTRY_LOAD_NODES)
//	connect-s        wall time to connect them all
//	connect-p99-ms   one node's handshake (dial → welcome), 99th percentile
//	heap-B/conn      the platform's live heap after connecting, less before,
//	                 per connection (the nodes run in a child process, so
//	                 neither their descriptors nor their memory count here)
//	node-heap-B/conn the same on the nodes' side
//	goroutines/conn  the platform's goroutines per connection
//	sent-reports/s   reports the nodes wrote while all were connected
//	reports/s        reports the platform recorded (NodeReported) meanwhile
//	revoke-ms        svc.DeleteRuntime called → the last of its nodes saw the
//	                 close (with several runtimes, each is deleted, 8 at a time)
//	revoke-p50-ms    the same, median node
//
// Run it once per database:
//
//	TENANTRY_LOAD_NODES=10000 go test -run '^$' -bench Connections -benchtime 1x ./internal/runtime/
//
// Knobs (env): TENANTRY_LOAD_NODES (1000), TENANTRY_LOAD_RUNTIMES (the
// nodes are spread over this many runtimes, 1), TENANTRY_LOAD_REPORT_EVERY (each
// node's report interval during the measurement, 1s), TENANTRY_LOAD_WINDOW
// (how long reports are measured, 10s), TENANTRY_LOAD_DIAL_CONCURRENCY
// (handshakes in flight, 128), TENANTRY_LOAD_CONNECT_TIMEOUT (nodes not
// connected by then are given up and counted as failed, 5m),
// TENANTRY_LOAD_TIMEOUT (the whole run, 10m).
// PostgreSQL runs when TENANTRY_TEST_POSTGRES_URL is set. Helpers here are
// prefixed load… so they do not meet other files' helpers in this package.

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tenantry/internal/licence"
	"tenantry/internal/runtime"
	"tenantry/internal/service"
	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
	"tenantry/internal/tenantry"
)

func loadEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func loadEnvDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// loadRaiseFDLimit makes room for n open descriptors (both ends of every
// connection live in this process), raising the hard limit too when allowed.
func loadRaiseFDLimit(tb testing.TB, n uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Logf("getrlimit: %v", err)
		return
	}
	if lim.Cur >= n {
		return
	}
	want := syscall.Rlimit{Cur: n, Max: max(lim.Max, n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		// Not allowed to raise the hard limit: take what there is.
		want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		if lim.Cur < n {
			tb.Fatalf("need %d open files for the connections; the limit is %d and cannot be raised (%v)", n, lim.Cur, err)
		}
	}
}

// loadReportCounter counts the reports the service records: the service's
// clock is asked once per NodeReported, so the clock counts its callers.
type loadReportCounter struct {
	on atomic.Bool
	n  atomic.Int64
}

func (c *loadReportCounter) now() time.Time {
	if c.on.Load() {
		var pcs [4]uintptr
		n := goruntime.Callers(2, pcs[:])
		frames := goruntime.CallersFrames(pcs[:n])
		for {
			f, more := frames.Next()
			if strings.HasSuffix(f.Function, ".NodeReported") {
				c.n.Add(1)
				break
			}
			if !more {
				break
			}
		}
	}
	return time.Now()
}

// loadPlatform is a hub over a fresh database with one runtime whose key is
// registered.
type loadPlatform struct {
	db       *store.DB
	svc      *service.Service
	hub      *runtime.Hub
	srv      *httptest.Server
	admin    *service.Actor
	runtimes []loadRuntime
	reports  *loadReportCounter
	log      *loadLog
}

// loadLog keeps the hub's log lines, to tell why sessions ended.
type loadLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *loadLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

// summary counts the log's lines by message and error.
func (l *loadLog) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	counts := map[string]int{}
	for _, line := range l.lines {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		counts[fmt.Sprintf("%v: %v", m["msg"], m["err"])]++
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%dx %s", n, k))
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

func loadNewPlatform(tb testing.TB, d store.Dialect, runtimes int) *loadPlatform {
	tb.Helper()
	ctx := context.Background()
	p := &loadPlatform{db: storetest.Open(tb, d), reports: &loadReportCounter{}, log: &loadLog{}}
	vendorPub, vendorKey, _ := ed25519.GenerateKey(nil)
	var hub atomic.Pointer[runtime.Hub]
	cfg := service.Config{
		Now:      p.reports.now,
		Licences: licence.Authority{Vendor: []ed25519.PublicKey{vendorPub}},
	}
	if d == store.Postgres {
		// As serve wires it: events go through NOTIFY, and come back by LISTEN.
		cfg.RuntimeEvents = func(ev service.RuntimeEvent) {
			b, _ := json.Marshal(ev)
			if _, err := p.db.Notify(context.Background(), "tenantry_runtime", string(b)); err != nil {
				tb.Errorf("notify: %v", err)
			}
		}
	} else {
		cfg.RuntimeEvents = func(ev service.RuntimeEvent) { hub.Load().Notify(ev) }
	}
	p.svc = service.New(p.db, cfg)
	p.hub = runtime.NewHub(p.svc, runtime.HubOptions{Logger: slog.New(slog.NewJSONHandler(p.log, nil))})
	hub.Store(p.hub)
	if d == store.Postgres {
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		listening := make(chan struct{})
		var once sync.Once
		go func() {
			defer close(done)
			p.db.Listen(lctx, "tenantry_runtime", func(payload string) {
				var ev service.RuntimeEvent
				if json.Unmarshal([]byte(payload), &ev) == nil {
					p.hub.Notify(ev)
				}
			}, func(ok bool) {
				if ok {
					once.Do(func() { close(listening) })
				}
			})
		}()
		tb.Cleanup(func() { cancel(); <-done })
		select {
		case <-listening:
		case <-time.After(10 * time.Second):
			tb.Fatal("LISTEN not in place after 10 s")
		}
	}

	const email, password = "ops@example.com", "load test password 1"
	if _, err := p.svc.CreateUser(ctx, service.Operator(), service.CreateUserInput{Email: email, FirstName: "Ops", LastName: "Load", Password: password}); err != nil {
		tb.Fatalf("CreateUser: %v", err)
	}
	now := time.Now().UTC()
	text, err := licence.Sign(vendorKey, tenantry.Licence{ID: "00000000-0000-4000-8000-00000000000a", Licensee: "Load", OrganizationName: "Load",
		Limits:   tenantry.Limits{Tenants: 10, Administrators: 10, Runtimes: runtimes, Users: 10},
		IssuedAt: now.Add(-time.Hour), NotBefore: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	o, err := p.svc.CreateOrganization(ctx, service.Operator(), text, email)
	if err != nil {
		tb.Fatalf("CreateOrganization: %v", err)
	}
	token, _, err := p.svc.SignIn(ctx, service.SignInRequest{Email: email, Password: password, SourceAddress: "127.0.0.1"})
	if err != nil {
		tb.Fatalf("SignIn: %v", err)
	}
	if p.admin, err = p.svc.Authenticate(ctx, service.Credentials{Token: token, Organization: o.ID, RequestID: "load", SourceAddress: "127.0.0.1"}); err != nil {
		tb.Fatalf("Authenticate: %v", err)
	}
	p.srv = httptest.NewServer(p.hub)
	tb.Cleanup(p.srv.Close)
	return p
}

// loadRuntime is a runtime and its registered key, as the fleet gets them.
type loadRuntime struct {
	ID   string `json:"id"`
	Seed []byte `json:"seed"`
}

// newRuntime creates a runtime and registers a fresh key for it.
func (p *loadPlatform) newRuntime(tb testing.TB, name string) {
	tb.Helper()
	ctx := context.Background()
	_, token, err := p.svc.CreateRuntime(ctx, p.admin, name, nil)
	if err != nil {
		tb.Fatalf("CreateRuntime: %v", err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	pubB64 := base64.StdEncoding.EncodeToString(pub)
	id, err := p.svc.RegisterRuntime(ctx, token, pubB64, "load-host", "1.0.0", "127.0.0.1")
	if err != nil {
		tb.Fatalf("RegisterRuntime: %v", err)
	}
	p.runtimes = append(p.runtimes, loadRuntime{ID: id, Seed: key.Seed()})
}

func (p *loadPlatform) url() string {
	return "ws" + strings.TrimPrefix(p.srv.URL, "http") + "/api/runtime/1/connect"
}

// loadNode is one simulated node's connection.
type loadNode struct {
	c        *websocket.Conn
	done     chan struct{} // closed when the connection ended
	closedAt atomic.Int64  // unix nanoseconds
	revoked  atomic.Bool   // told so, by message or close code
	sent     atomic.Int64
}

func loadWrite(ctx context.Context, c *websocket.Conn, m runtime.Message) error {
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, b)
}

func loadRead(ctx context.Context, c *websocket.Conn) (runtime.Message, error) {
	var m runtime.Message
	_, b, err := c.Read(ctx)
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

var loadReport = runtime.Report{Hostname: "load-host", IPAddresses: []string{"192.0.2.10"}, Version: "1.0.0", Status: "healthy"}

// loadConnect dials, proves the node and waits for the welcome; then a
// reader goroutine keeps the connection (answering pings) until it ends.
//
// The handshake ends with dialCtx; the connection, with ctx.
func loadConnect(ctx, dialCtx context.Context, client *http.Client, url, runtimeID, name string, key ed25519.PrivateKey) (*loadNode, error) {
	hctx, cancel := context.WithTimeout(dialCtx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(hctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	ch, err := loadRead(hctx, c)
	if err != nil || ch.Type != runtime.TypeChallenge {
		c.CloseNow()
		return nil, fmt.Errorf("challenge: %+v %v", ch, err)
	}
	if err := loadWrite(hctx, c, runtime.Message{Type: runtime.TypeHello, RuntimeID: runtimeID, Node: name,
		Signature: runtime.Sign(key, ch.Nonce, runtimeID, name)}); err != nil {
		c.CloseNow()
		return nil, err
	}
	w, err := loadRead(hctx, c)
	if err != nil || w.Type != runtime.TypeWelcome {
		c.CloseNow()
		return nil, fmt.Errorf("welcome: %+v %v", w, err)
	}
	n := &loadNode{c: c, done: make(chan struct{})}
	// As the agent does: a report at once.
	if err := loadWrite(ctx, c, runtime.Message{Type: runtime.TypeReport, Report: &loadReport}); err != nil {
		c.CloseNow()
		return nil, err
	}
	n.sent.Add(1)
	go func() {
		defer close(n.done)
		for {
			m, err := loadRead(ctx, c)
			if err != nil {
				n.closedAt.Store(time.Now().UnixNano())
				if websocket.CloseStatus(err) == runtime.CloseRevoked {
					n.revoked.Store(true)
				}
				c.CloseNow()
				return
			}
			if m.Type == runtime.TypeRevoked {
				n.revoked.Store(true)
			}
		}
	}()
	return n, nil
}

// reportEvery sends a report every d (from a random offset, so a fleet is
// spread out) until ctx ends or the connection does.
func (n *loadNode) reportEvery(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-n.done:
		return
	case <-time.After(rand.N(d)):
	}
	t := time.NewTicker(d)
	defer t.Stop()
	// A write whose context ends midway closes the connection: the window's
	// end must not cut one short.
	wctx := context.WithoutCancel(ctx)
	for {
		if err := loadWrite(wctx, n.c, runtime.Message{Type: runtime.TypeReport, Report: &loadReport}); err != nil {
			return
		}
		n.sent.Add(1)
		select {
		case <-ctx.Done():
			return
		case <-n.done:
			return
		case <-t.C:
		}
	}
}

func loadHeap() (heap uint64, goroutines int) {
	goruntime.GC()
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return m.HeapAlloc, goruntime.NumGoroutine()
}

// loadOpenFiles counts this process's open descriptors.
func loadOpenFiles() int {
	fds, _ := os.ReadDir("/proc/self/fd")
	return len(fds)
}

func loadPercentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func loadMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadEvent is a line the fleet writes to the benchmark (prefixed "FLEET ").
type loadEvent struct {
	Event string `json:"event"`
	// connected
	Live, Failed   int
	FirstError     string
	Connect        time.Duration
	P50, P99       time.Duration
	HeapPerConn    float64
	GoroutinesConn float64
	// reported
	Sent      int64
	StillLive int
	// closed: unix nanoseconds of each node's close
	Closed     []int64 // by node; 0: not connected
	NotClosed  int
	NotRevoked int
}

func loadEmit(ev loadEvent) {
	b, _ := json.Marshal(ev)
	fmt.Fprintf(os.Stdout, "FLEET %s\n", b)
}

// TestLoadFleet is not a test: it is BenchmarkConnections' node fleet, run in
// a child process so that the nodes' descriptors and memory are not the
// platform's (the open-file limit is per process). It connects the nodes,
// then obeys commands on stdin: "report EVERY WINDOW", "await".
func TestLoadFleet(t *testing.T) {
	if os.Getenv("TENANTRY_LOAD_FLEET") != "1" {
		t.Skip("BenchmarkConnections' node fleet; it runs only as the benchmark's child process")
	}
	nodes := loadEnvInt("TENANTRY_LOAD_NODES", 1000)
	concurrency := loadEnvInt("TENANTRY_LOAD_DIAL_CONCURRENCY", 128)
	url := os.Getenv("TENANTRY_LOAD_URL")
	var runtimes []loadRuntime
	b, err := os.ReadFile(os.Getenv("TENANTRY_LOAD_RUNTIMES_FILE"))
	if err == nil {
		err = json.Unmarshal(b, &runtimes)
	}
	if err != nil || len(runtimes) == 0 {
		t.Fatalf("TENANTRY_LOAD_RUNTIMES_FILE: %v", err)
	}
	loadRaiseFDLimit(t, uint64(nodes+1024))
	ctx, cancel := context.WithTimeout(context.Background(), loadEnvDuration("TENANTRY_LOAD_TIMEOUT", 10*time.Minute))
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	heap0, gor0 := loadHeap()
	all := make([]*loadNode, nodes)
	lat := make([]time.Duration, nodes)
	var failed atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var connected atomic.Int64
	start := time.Now()
	progress := time.NewTicker(10 * time.Second)
	stopProgress := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopProgress:
				return
			case <-progress.C:
				loadEmit(loadEvent{Event: "progress", Live: int(connected.Load()), Failed: int(failed.Load()), Connect: time.Since(start)})
			}
		}
	}()
	// Nodes not connected by the connect timeout are given up (failed), so an
	// overloaded platform still gets measured with those that made it.
	dialCtx, stopDialing := context.WithTimeout(ctx, loadEnvDuration("TENANTRY_LOAD_CONNECT_TIMEOUT", 5*time.Minute))
	defer stopDialing()
	for i := range nodes {
		sem <- struct{}{}
		if dialCtx.Err() != nil {
			<-sem
			failed.Add(1)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			rt := runtimes[i%len(runtimes)]
			n, err := loadConnect(ctx, dialCtx, client, url, rt.ID, fmt.Sprintf("node-%05d", i), ed25519.NewKeyFromSeed(rt.Seed))
			lat[i] = time.Since(t0)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			connected.Add(1)
			all[i] = n
		}()
	}
	wg.Wait()
	progress.Stop()
	close(stopProgress)
	connect := time.Since(start)
	live := slices.DeleteFunc(slices.Clone(all), func(n *loadNode) bool { return n == nil })
	var okLat []time.Duration // handshakes that succeeded
	for i, n := range all {
		if n != nil {
			okLat = append(okLat, lat[i])
		}
	}
	heap1, gor1 := loadHeap()
	ev := loadEvent{Event: "connected", Live: len(live), Failed: int(failed.Load()), Connect: connect,
		P50: loadPercentile(okLat, 0.5), P99: loadPercentile(okLat, 0.99)}
	if e, ok := firstErr.Load().(string); ok {
		ev.FirstError = e
	}
	if len(live) > 0 {
		ev.HeapPerConn = float64(int64(heap1)-int64(heap0)) / float64(len(live))
		ev.GoroutinesConn = float64(gor1-gor0) / float64(len(live))
	}
	loadEmit(ev)

	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "report":
			every, _ := time.ParseDuration(f[1])
			window, _ := time.ParseDuration(f[2])
			var before int64
			for _, n := range live {
				before += n.sent.Load()
			}
			rctx, stop := context.WithTimeout(ctx, window)
			var rwg sync.WaitGroup
			for _, n := range live {
				rwg.Add(1)
				go func() { defer rwg.Done(); n.reportEvery(rctx, every) }()
			}
			rwg.Wait()
			stop()
			ev := loadEvent{Event: "reported"}
			for _, n := range live {
				ev.Sent += n.sent.Load()
				select {
				case <-n.done:
				default:
					ev.StillLive++
				}
			}
			ev.Sent -= before
			loadEmit(ev)
		case len(f) == 1 && f[0] == "await":
			loadEmit(loadEvent{Event: "awaiting"})
			wait := time.NewTimer(60 * time.Second)
			for _, n := range live {
				select {
				case <-n.done:
				case <-wait.C:
					wait.Reset(0)
				}
			}
			ev := loadEvent{Event: "closed", Closed: make([]int64, len(all))}
			for i, n := range all {
				if n == nil {
					continue
				}
				select {
				case <-n.done:
					ev.Closed[i] = n.closedAt.Load()
					if !n.revoked.Load() {
						ev.NotRevoked++
					}
				default:
					ev.NotClosed++
					n.c.CloseNow()
				}
			}
			loadEmit(ev)
			return
		default:
			t.Fatalf("fleet: unknown command %q", sc.Text())
		}
	}
}

// loadFleet is the child process running TestLoadFleet.
type loadFleet struct {
	diag   func() string // the platform's side, for failures
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan loadEvent
	output *strings.Builder // its other output, for failures
	mu     sync.Mutex
}

func loadStartFleet(b *testing.B, p *loadPlatform, nodes int) *loadFleet {
	b.Helper()
	rts, _ := json.Marshal(p.runtimes)
	file := filepath.Join(b.TempDir(), "runtimes.json")
	if err := os.WriteFile(file, rts, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadFleet$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "TENANTRY_LOAD_FLEET=1", "TENANTRY_LOAD_NODES="+strconv.Itoa(nodes),
		"TENANTRY_LOAD_URL="+p.url(), "TENANTRY_LOAD_RUNTIMES_FILE="+file)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	f := &loadFleet{cmd: cmd, stdin: stdin, events: make(chan loadEvent, 4), output: &strings.Builder{}}
	cmd.Stderr = loadWriterFunc(func(p []byte) { f.mu.Lock(); f.output.Write(p); f.mu.Unlock() })
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		defer close(f.events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "FLEET "); ok {
				var ev loadEvent
				if json.Unmarshal([]byte(rest), &ev) == nil {
					f.events <- ev
					continue
				}
			}
			f.mu.Lock()
			f.output.WriteString(line + "\n")
			f.mu.Unlock()
		}
	}()
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return f
}

type loadWriterFunc func([]byte)

func (w loadWriterFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }

// next waits for the fleet's next event, which must be want.
func (f *loadFleet) next(b *testing.B, ctx context.Context, want string) loadEvent {
	b.Helper()
	for {
		select {
		case ev, ok := <-f.events:
			if ok && ev.Event == "progress" {
				b.Logf("fleet: %s: %d connected, %d failed; %s", ev.Connect.Round(time.Second), ev.Live, ev.Failed, f.diag())
				continue
			}
			if !ok || ev.Event != want {
				f.mu.Lock()
				defer f.mu.Unlock()
				b.Fatalf("fleet: got %+v (open %v), want %s; %s; its output:\n%s", ev, ok, want, f.diag(), f.output.String())
			}
			return ev
		case <-ctx.Done():
			b.Fatalf("fleet: no %s event before the timeout; %s", want, f.diag())
		}
	}
}

func (f *loadFleet) send(b *testing.B, cmd string) {
	b.Helper()
	if _, err := io.WriteString(f.stdin, cmd+"\n"); err != nil {
		b.Fatalf("fleet: %v", err)
	}
}

func BenchmarkConnections(b *testing.B) {
	nodes := loadEnvInt("TENANTRY_LOAD_NODES", 1000)
	runtimes := min(loadEnvInt("TENANTRY_LOAD_RUNTIMES", 1), nodes)
	every := loadEnvDuration("TENANTRY_LOAD_REPORT_EVERY", time.Second)
	window := loadEnvDuration("TENANTRY_LOAD_WINDOW", 10*time.Second)
	timeout := loadEnvDuration("TENANTRY_LOAD_TIMEOUT", 10*time.Minute)
	loadRaiseFDLimit(b, uint64(nodes+1024))

	storetest.Dialects(b, func(tb testing.TB, d store.Dialect) {
		b := tb.(*testing.B)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		p := loadNewPlatform(b, d, runtimes)
		for i := range runtimes {
			p.newRuntime(b, fmt.Sprintf("load-%04d", i))
		}
		b.ResetTimer()

		// Connect the fleet.
		fds0 := loadOpenFiles()
		heap0, gor0 := loadHeap()
		fleet := loadStartFleet(b, p, nodes)
		fleet.diag = func() string { return fmt.Sprintf("hub sessions %d; hub log: %s", p.hub.Sessions(), p.log.summary()) }
		conn := fleet.next(b, ctx, "connected")
		if conn.Failed > 0 {
			b.Logf("%s: %d of %d nodes failed to connect; first error: %s", d, conn.Failed, nodes, conn.FirstError)
		}
		if conn.Live == 0 {
			b.Fatalf("no node connected")
		}
		time.Sleep(2 * time.Second) // let the first leases and reports settle
		heap1, gor1 := loadHeap()
		sessions := p.hub.Sessions()
		fdsLive := loadOpenFiles()

		// Reports while all are connected.
		p.reports.n.Store(0)
		p.reports.on.Store(true)
		fleet.send(b, fmt.Sprintf("report %s %s", every, window))
		rep := fleet.next(b, ctx, "reported")
		time.Sleep(500 * time.Millisecond) // the reports in flight land
		recorded := p.reports.n.Load()
		p.reports.on.Store(false)
		if sum := p.log.summary(); sum != "" {
			b.Logf("%s: the hub's log before the revocation: %s", d, sum)
		}

		// Revoke: delete the runtime; the fleet notes when each node sees
		// the close.
		fleet.send(b, "await")
		fleet.next(b, ctx, "awaiting")
		// Every runtime is deleted, 8 at a time; a node's latency counts
		// from its own runtime's DeleteRuntime call.
		t0s := make([]time.Time, len(p.runtimes))
		var dwg sync.WaitGroup
		var deleteErr atomic.Value
		sem := make(chan struct{}, 8)
		tAll := time.Now()
		for i, rt := range p.runtimes {
			sem <- struct{}{}
			dwg.Add(1)
			go func() {
				defer dwg.Done()
				defer func() { <-sem }()
				t0s[i] = time.Now()
				if err := p.svc.DeleteRuntime(ctx, p.admin, rt.ID); err != nil {
					deleteErr.CompareAndSwap(nil, err)
				}
			}()
		}
		dwg.Wait()
		deleteTook := time.Since(tAll)
		if err := deleteErr.Load(); err != nil {
			b.Fatalf("DeleteRuntime: %v", err)
		}
		closed := fleet.next(b, ctx, "closed")
		b.StopTimer()
		var revokeLat []time.Duration
		var lastClose time.Time
		for i, at := range closed.Closed {
			if at == 0 {
				continue
			}
			c := time.Unix(0, at)
			revokeLat = append(revokeLat, max(0, c.Sub(t0s[i%len(p.runtimes)])))
			if c.After(lastClose) {
				lastClose = c
			}
		}
		last := slices.Max(append(revokeLat, 0))
		heapPerConn := float64(int64(heap1)-int64(heap0)) / float64(conn.Live)
		b.Logf("%s: %d nodes of %d runtimes: connected %d (failed %d) in %s, handshake p50 %s p99 %s; hub sessions %d; "+
			"platform heap +%.1f MiB (%.0f B/conn), goroutines +%d (%.1f/conn); node side %.0f B/conn, %.1f goroutines/conn; "+
			"reports every %s for %s: sent %d (%.0f/s), recorded %d (%.0f/s), %d of %d still connected after; "+
			"DeleteRuntime ×%d took %s, the last node closed %s after its runtime's delete was called (p50 %s, p99 %s), all closed %s after the first delete, %d not closed within 60 s, %d closed without revocation",
			d, nodes, len(p.runtimes), conn.Live, conn.Failed, conn.Connect.Round(time.Millisecond), conn.P50.Round(time.Microsecond), conn.P99.Round(time.Microsecond), sessions,
			float64(int64(heap1)-int64(heap0))/(1<<20), heapPerConn, gor1-gor0, float64(gor1-gor0)/float64(conn.Live), conn.HeapPerConn, conn.GoroutinesConn,
			every, window, rep.Sent, float64(rep.Sent)/window.Seconds(), recorded, float64(recorded)/window.Seconds(), rep.StillLive, conn.Live,
			len(p.runtimes), deleteTook.Round(time.Microsecond), last.Round(time.Microsecond), loadPercentile(revokeLat, 0.5).Round(time.Microsecond),
			loadPercentile(revokeLat, 0.99).Round(time.Microsecond), lastClose.Sub(tAll).Round(time.Millisecond), closed.NotClosed, closed.NotRevoked)
		b.Logf("%s: open files: %d before, %d with the nodes connected", d, fds0, fdsLive)
		b.ReportMetric(float64(conn.Live), "nodes")
		b.ReportMetric(float64(len(p.runtimes)), "runtimes")
		b.ReportMetric(conn.Connect.Seconds(), "connect-s")
		b.ReportMetric(loadMS(conn.P99), "connect-p99-ms")
		b.ReportMetric(heapPerConn, "heap-B/conn")
		b.ReportMetric(conn.HeapPerConn, "node-heap-B/conn")
		b.ReportMetric(float64(gor1-gor0)/float64(conn.Live), "goroutines/conn")
		b.ReportMetric(float64(rep.Sent)/window.Seconds(), "sent-reports/s")
		b.ReportMetric(float64(recorded)/window.Seconds(), "reports/s")
		b.ReportMetric(loadMS(last), "revoke-ms")
		b.ReportMetric(loadMS(loadPercentile(revokeLat, 0.5)), "revoke-p50-ms")
		if recorded == 0 && rep.Sent > 0 {
			b.Errorf("no report was counted as recorded: the counter no longer finds NodeReported on the clock's callers")
		}
		if closed.NotClosed > 0 || closed.NotRevoked > 0 {
			b.Errorf("revocation: %d nodes not closed within 60 s, %d closed without being told of the revocation", closed.NotClosed, closed.NotRevoked)
		}

		// The sessions end on the platform before the database closes, and
		// their connections are closed.
		deadline := time.Now().Add(60 * time.Second)
		for p.hub.Sessions() > 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if s := p.hub.Sessions(); s > 0 {
			b.Errorf("%d sessions still open on the hub 60 s after the revocation", s)
		}
		for loadOpenFiles() > fds0+64 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := loadOpenFiles(); n > fds0+64 {
			b.Errorf("%d files open after every session ended, %d before the nodes connected", n, fds0)
		}
	})
}
