package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tenantry/internal/store"
	"tenantry/internal/store/storetest"
)

// testEnv is a data directory and database that run's commands share.
type testEnv struct {
	t       testing.TB
	dataDir string
	dbURL   string
	env     map[string]string
}

func newTestEnv(t testing.TB, d store.Dialect) *testEnv {
	e := &testEnv{t: t, dataDir: filepath.Join(t.TempDir(), "data"), env: map[string]string{}}
	if d == store.Postgres {
		e.dbURL = storetest.URL(t, d)
	}
	e.env["TENANTRY_DATA"] = e.dataDir
	e.env["TENANTRY_DATABASE_URL"] = e.dbURL
	return e
}

func (e *testEnv) getenv(k string) string { return e.env[k] }

// run runs one command to completion and returns its output.
func (e *testEnv) run(stdin string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(context.Background(), args, e.getenv, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// mustRun runs a command that must succeed and returns its trimmed stdout.
func (e *testEnv) mustRun(stdin string, args ...string) string {
	e.t.Helper()
	out, errOut, err := e.run(stdin, args...)
	if err != nil {
		e.t.Fatalf("tenantry %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return strings.TrimSpace(out)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts `tenantry serve` on a free port and waits until /readyz
// answers. The server is shut down (gracefully, checked) when the test ends.
func (e *testEnv) serve(args ...string) string {
	e.t.Helper()
	addr := freeAddr(e.t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &lockedBuffer{}
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), e.getenv, strings.NewReader(""), io.Discard, logs)
	}()
	e.t.Cleanup(func() {
		if e.t.Failed() {
			e.t.Logf("server log:\n%s", logs.String())
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("serve did not shut down cleanly: %v", err)
			}
		case <-time.After(30 * time.Second):
			e.t.Error("serve did not stop within 30s of cancellation")
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-done:
			e.t.Fatalf("serve exited early: %v", err)
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("server at %s not ready after 20s", base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lockedBuffer collects the server's log for a failing test's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRun_UnknownCommandIsUsageError(t *testing.T) {
	e := newTestEnv(t, store.SQLite)
	for _, args := range [][]string{{"frobnicate"}, {"admin", "frobnicate"}, {"admin", "user", "frob"}, {"admin", "org", "lsit"}} {
		_, stderr, err := e.run("", args...)
		if exitCode(err) != 2 || !strings.Contains(stderr, "unknown command") || !strings.Contains(stderr, args[len(args)-1]) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the unknown command named", args, exitCode(err), stderr)
		}
	}
	// A group alone shows its commands.
	out, _, err := e.run("", "admin", "user")
	if err != nil || !strings.Contains(out, "reset-password") {
		t.Errorf("admin user: %v, %q", err, out)
	}
	_, stderr, err := e.run("", "serve", "--nope")
	if exitCode(err) != 2 || !strings.Contains(stderr, "--nope") {
		t.Fatalf("unknown flag: exit %d, stderr %q", exitCode(err), stderr)
	}
}

func TestAdminCommands(t *testing.T) {
	storetest.Dialects(t, func(t testing.TB, d store.Dialect) {
		e := newTestEnv(t, d)
		id := e.mustRun("correct horse battery\n", "admin", "user", "create", "--email", "ada@example.com",
			"--first-name", "Ada", "--last-name", "Lovelace", "--password-stdin")
		if len(id) != 36 {
			t.Fatalf("user create printed %q, want a UUID", id)
		}
		tid := e.mustRun("", "admin", "tenant", "create", "--name", "@acme", "--admin-email", "ADA@example.com")
		if len(tid) != 36 {
			t.Fatalf("tenant create printed %q, want a UUID", tid)
		}

		cases := []struct {
			name    string
			stdin   string
			args    []string
			wantErr string
		}{
			{"duplicate email", "correct horse battery\n",
				[]string{"admin", "user", "create", "--email", "Ada@Example.com", "--password-stdin"},
				"an account with the email Ada@Example.com already exists"},
			{"bad email and short password", "short\n",
				[]string{"admin", "user", "create", "--email", "not-an-email", "--password-stdin"},
				"--email: this is not an email address"},
			{"no password on stdin", "",
				[]string{"admin", "user", "create", "--email", "b@example.com", "--password-stdin"},
				"no password on stdin"},
			{"missing flags", "", []string{"admin", "user", "create"}, "missing --email, --password-stdin"},
			{"bad tenant name", "", []string{"admin", "tenant", "create", "--name", "a b", "--admin-email", "ada@example.com"},
				"tenant names may contain only"},
			{"taken tenant name", "", []string{"admin", "tenant", "create", "--name", "ACME", "--admin-email", "ada@example.com"},
				"the tenant name @ACME is taken"},
			{"unknown admin", "", []string{"admin", "tenant", "create", "--name", "other", "--admin-email", "nobody@example.com"},
				"no account has the email nobody@example.com"},
			{"unknown user reset", "new password 123\n", []string{"admin", "user", "reset-password", "--email", "nobody@example.com", "--password-stdin"},
				"no account has the email nobody@example.com"},
			{"disable last admin", "", []string{"admin", "user", "disable", "--email", "ada@example.com"},
				"only active administrator of @acme"},
		}
		for _, c := range cases {
			_, stderr, err := e.run(c.stdin, c.args...)
			if err == nil {
				t.Errorf("%s: succeeded, want an error", c.name)
				continue
			}
			if !strings.Contains(stderr, c.wantErr) || !strings.HasPrefix(stderr, "tenantry: ") {
				t.Errorf("%s: stderr %q, want it to contain %q", c.name, stderr, c.wantErr)
			}
		}

		out := e.mustRun("a brand new password\n", "admin", "user", "reset-password", "--email", "ada@example.com", "--password-stdin")
		if !strings.Contains(out, "password changed") {
			t.Errorf("reset-password printed %q", out)
		}
		e.mustRun("another password 1\n", "admin", "user", "create", "--email", "bob@example.com", "--password-stdin")
		out = e.mustRun("", "admin", "user", "disable", "--email", "bob@example.com")
		if !strings.Contains(out, "disabled") {
			t.Errorf("disable printed %q", out)
		}
	})
}

// client talks to a test server.
type client struct {
	t    testing.TB
	base string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON). headers are name, value pairs.
func (c client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	var reqBody []byte // kept for validateExchange
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		reqBody = []byte(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		reqBody = j
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		c.t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.HasPrefix(path, "/api/") {
		validateExchange(c.t, req, reqBody, out) // against the OpenAPI document
	}
	return out
}

func sleepBriefly() { time.Sleep(25 * time.Millisecond) }
