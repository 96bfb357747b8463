package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"tenantry/internal/api"
	"tenantry/internal/store"
)

// The embedded OpenAPI document, loaded and validated once for every test.
var openAPIDoc struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadOpenAPI parses and validates api.OpenAPI and builds a router over it.
func loadOpenAPI() (*openapi3.T, routers.Router, error) {
	openAPIDoc.once.Do(func() {
		// Request bodies may be text/json (SPEC §8); audit exports are JSON
		// Lines, decoded here as an array of their lines so that each line
		// is validated against the item schema.
		openapi3filter.RegisterBodyDecoder("text/json", openapi3filter.JSONBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", jsonLinesDecoder)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			openAPIDoc.err = fmt.Errorf("load: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			openAPIDoc.err = fmt.Errorf("validate: %w", err)
			return
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			openAPIDoc.err = fmt.Errorf("router: %w", err)
			return
		}
		openAPIDoc.doc, openAPIDoc.router = doc, router
	})
	return openAPIDoc.doc, openAPIDoc.router, openAPIDoc.err
}

func jsonLinesDecoder(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	items := []any{}
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("line %d: %w", len(items)+1, err)
		}
		items = append(items, v)
	}
	return items, sc.Err()
}

// validationOptions fail on any status the operation does not list, check
// formats the validator leaves alone by default (IDs are UUIDs, emails look
// like emails), accept any credentials, present or not (whether the server
// accepts them is the tests' business, not the document's), and follow SPEC
// §8 in ignoring read-only fields that clients send back. Schema errors name
// the failing field without dumping the schema.
var validationOptions = &openapi3filter.Options{
	AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus:      true,
	ExcludeReadOnlyValidations: true,
	SkipSettingDefaults:        true,
	MultiError:                 true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
			"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
			"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
		}),
		openapi3.DisableSchemaErrorDetails(),
	},
}

// validateExchange checks one request the tests sent and the server's
// response against the OpenAPI document:
//   - a request the document describes must get a response the document
//     describes for its operation (status, headers, body; an empty body where
//     the document has none);
//   - a request the document refuses (the tests send many on purpose) must be
//     refused by the server too, with a 4xx the operation lists;
//   - a request for a path or method the document does not have must get the
//     server's 404 or 400 problem.
func validateExchange(t testing.TB, req *http.Request, reqBody []byte, resp response) {
	t.Helper()
	doc, router, err := loadOpenAPI()
	if err != nil {
		t.Errorf("OpenAPI document: %v", err)
		return
	}
	what := fmt.Sprintf("OpenAPI: %s %s → %d", req.Method, req.URL.RequestURI(), resp.status)
	ctx := context.Background()

	vreq := req.Clone(ctx)
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	vreq.ContentLength = int64(len(reqBody))
	vreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	// kin-openapi matches application/*+json only literally; SPEC §8 and the
	// document accept any such type (application/vnd.boomi+json).
	if mt, _, err := mime.ParseMediaType(vreq.Header.Get("Content-Type")); err == nil &&
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json") {
		vreq.Header.Set("Content-Type", "application/*+json")
	}

	route, pathParams, err := router.FindRoute(vreq)
	if err != nil {
		checkUnrouted(t, doc, what, err, resp)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: pathParams, Route: route, Options: validationOptions}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && resp.status < 400 {
		t.Errorf("%s: the server accepted a request the document refuses:\n%v", what, err)
	}

	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.status,
		Header: resp.header, Options: validationOptions}
	out.SetBodyBytes(resp.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s: the response does not match the document:\n%v\nbody: %s", what, err, clip(resp.body))
		return
	}
	if r := route.Operation.Responses.Status(resp.status); r != nil && r.Value != nil && len(r.Value.Content) == 0 && len(resp.body) != 0 {
		t.Errorf("%s: the document says this response has no body, but it has one: %s", what, clip(resp.body))
	}
}

// checkUnrouted checks the server's answer to a request for which the
// document has no operation: the refusals of SPEC §8 (an unknown /api/ path is
// 404, a method the path does not allow is 400 with Allow), never a success.
func checkUnrouted(t testing.TB, doc *openapi3.T, what string, routeErr error, resp response) {
	t.Helper()
	want := http.StatusNotFound
	if errors.Is(routeErr, routers.ErrMethodNotAllowed) {
		want = http.StatusBadRequest
		if resp.header.Get("Allow") == "" {
			t.Errorf("%s: a method the path does not allow is answered without an Allow header", what)
		}
	}
	if resp.status != want {
		t.Errorf("%s: the document has no operation for this request (%v), so the server should answer %d; it answered %d: %s",
			what, routeErr, want, resp.status, clip(resp.body))
		return
	}
	if ct, _, _ := mime.ParseMediaType(resp.header.Get("Content-Type")); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, resp.header.Get("Content-Type"))
		return
	}
	var v any
	if err := json.Unmarshal(resp.body, &v); err != nil {
		t.Errorf("%s: the problem is not JSON: %v: %s", what, err, clip(resp.body))
		return
	}
	problem := doc.Components.Schemas["Problem"].Value
	if err := problem.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		t.Errorf("%s: the problem does not match the Problem schema:\n%v", what, err)
	}
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// routedOperations returns "METHOD path" for every route registered in
// internal/api/routes.go, resolving string constants such as org.
func routedOperations(t testing.TB) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "api", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	for _, m := range regexp.MustCompile(`const (\w+) = ("[^"]*")`).FindAllSubmatch(src, -1) {
		s, err := strconv.Unquote(string(m[2]))
		if err != nil {
			t.Fatal(err)
		}
		consts[string(m[1])] = s
	}
	var out []string
	term := regexp.MustCompile(`^\s*("[^"]*"|\w+)\s*`)
	for _, m := range regexp.MustCompile(`m\.Handle(?:Func)?\(([^,]+),`).FindAllSubmatch(src, -1) {
		expr, pattern := string(m[1]), ""
		for expr != "" {
			tm := term.FindStringSubmatch(expr)
			if tm == nil {
				t.Fatalf("routes.go: cannot read the pattern %s", m[1])
			}
			if s, err := strconv.Unquote(tm[1]); err == nil {
				pattern += s
			} else if c, ok := consts[tm[1]]; ok {
				pattern += c
			} else {
				t.Fatalf("routes.go: unknown name %s in the pattern %s", tm[1], m[1])
			}
			expr = strings.TrimPrefix(expr[len(tm[0]):], "+")
		}
		out = append(out, pattern)
	}
	if len(out) < 10 {
		t.Fatalf("routes.go: found only %d routes: %v", len(out), out)
	}
	return out
}

func TestOpenAPI_Document(t *testing.T) {
	doc, _, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("the embedded OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}

	// Every route has an operation, and every operation a route.
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, r := range routedOperations(t) {
		if !documented[r] {
			t.Errorf("routes.go has %s; the document has no such operation", r)
		}
		delete(documented, r)
	}
	for op := range documented {
		t.Errorf("the document has %s; routes.go has no such route", op)
	}

	// Conventions of SPEC §8 for every operation.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			what := method + " " + path
			for code, r := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response %q: only explicit statuses", what, code)
					continue
				}
				if status == http.StatusCreated {
					t.Errorf("%s: 201 is never used", what)
				}
				if r.Value.Headers["X-Request-Id"] == nil {
					t.Errorf("%s %d: no X-Request-Id header", what, status)
				}
				if status >= 400 {
					if mt := r.Value.Content.Get("application/problem+json"); mt == nil || len(r.Value.Content) != 1 {
						t.Errorf("%s %d: errors are application/problem+json only", what, status)
					}
				}
				if status == http.StatusTooManyRequests && r.Value.Headers["Retry-After"] == nil {
					t.Errorf("%s 429: no Retry-After header", what)
				}
			}
			anonymous := op.Security != nil && len(*op.Security) == 0
			if !anonymous && strings.HasPrefix(path, "/api/admin/") {
				for _, status := range []string{"400", "401", "500"} {
					if op.Responses.Value(status) == nil {
						t.Errorf("%s: an authenticated operation lists %s", what, status)
					}
				}
				if op.Parameters.GetByInAndName("header", "manywhotenant") == nil {
					t.Errorf("%s: no manywhotenant parameter", what)
				}
			}
		}
	}

	// The server serves it as it is embedded.
	e := newTestEnv(t, store.SQLite)
	c := client{t: t, base: e.serve()}
	r := c.do("GET", "/api/openapi.json", nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, api.OpenAPI) {
		t.Errorf("GET /api/openapi.json: %d, %d bytes; want 200 and the embedded document", r.status, len(r.body))
	}
	if ct, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); ct != "application/json" {
		t.Errorf("GET /api/openapi.json: Content-Type %q", r.header.Get("Content-Type"))
	}
	// Operations outside /api/ (client.do validates only /api/).
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		r := c.do("GET", path, nil)
		req, _ := http.NewRequest("GET", c.base+path, nil)
		validateExchange(t, req, nil, r)
	}
}
