package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
)

// testNow is the clock of every test server: a date without an explicit
// date parameter is 2026-03-15.
var testNow = time.Date(2026, 3, 15, 23, 30, 0, 0, time.UTC)

const testMaxBody = 4096

var defaultIndex = sync.OnceValues(catalog.Default)

func mustDefault(t testing.TB) *catalog.Index {
	t.Helper()
	ix, err := defaultIndex()
	if err != nil {
		t.Fatalf("default catalog: %v", err)
	}
	return ix
}

var fixtureIndex = sync.OnceValues(func() (*catalog.Index, error) { return catalog.LoadFile("testdata/fixture.yaml") })

func mustFixture(t testing.TB) *catalog.Index {
	t.Helper()
	ix, err := fixtureIndex()
	if err != nil {
		t.Fatalf("fixture catalog: %v", err)
	}
	return ix
}

// testServer is the real router over ix, logging into buf.
type testServer struct {
	engine *gin.Engine
	logs   *syncBuffer
}

func newTestServer(t testing.TB, ix *catalog.Index) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	e := newEngine(Deps{
		Store:        catalog.NewStore(ix),
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
		AccessLog:    logs,
		Version:      "test",
		Now:          func() time.Time { return testNow },
		MaxBodyBytes: testMaxBody,
	})
	return &testServer{engine: e, logs: logs}
}

// syncBuffer is a bytes.Buffer safe for a logger shared by parallel
// requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// request describes one test request.
type request struct {
	method, target string
	body           string
	contentType    string // for a body; "" means application/json, "-" none
}

func (r request) build() *http.Request {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.target, body)
	switch {
	case r.contentType == "-":
	case r.contentType != "":
		req.Header.Set("Content-Type", r.contentType)
	case r.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func (s *testServer) do(t testing.TB, r request) *httptest.ResponseRecorder {
	t.Helper()
	return s.serve(r.build())
}

func (s *testServer) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.engine.ServeHTTP(rec, req)
	return rec
}

func get(target string) request { return request{method: http.MethodGet, target: target} }

func post(body string) request {
	return request{method: http.MethodPost, target: "/v1/coverage", body: body}
}

// decode unmarshals rec's body into a generic value.
func decode(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, rec.Body)
	}
	return v
}

// spec is the embedded OpenAPI document, loaded and validated once.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDoc)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &spec{doc, r}, nil
})

func mustSpec(t testing.TB) *spec {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return s
}

// checkResponse validates a response against the OpenAPI document: against
// its operation when the route exists (an undocumented status fails), else
// against the Problem schema.
func checkResponse(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	s := mustSpec(t)
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		checkProblem(t, rec)
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v", req.Method, req.URL, err)
		}
		if err := s.doc.Components.Schemas["Problem"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: %d answer does not match the Problem schema: %v", req.Method, req.URL, rec.Code, err)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: %d answer does not match openapi.json: %v\n%s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
	if rec.Code >= 400 {
		checkProblem(t, rec)
	}
}

// checkProblem asserts the invariants of every error answer.
func checkProblem(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != problemContentType {
		t.Errorf("Content-Type = %q, want %s", rec.Header().Get("Content-Type"), problemContentType)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem is not JSON: %v\n%s", err, rec.Body)
	}
	if p.Status != rec.Code || p.Detail == "" || !strings.HasPrefix(p.Type, problemTypePrefix) || p.Title == "" {
		t.Errorf("malformed problem for %d: %+v", rec.Code, p)
	}
}
