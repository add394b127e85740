package apidocs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// spec is the API's own document, the one the page is served with.
func spec(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../httpapi/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func get(t *testing.T, h http.Handler, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestDocsPageShowsEveryOperationAndSchema(t *testing.T) {
	t.Parallel()
	doc := spec(t)
	rec := get(t, New(doc), nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /docs = %d %q, want 200 text/html", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()

	var d struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Paths) < 10 {
		t.Fatalf("the document has %d paths; is it the API's?", len(d.Paths))
	}
	for path, item := range d.Paths {
		for m, raw := range item {
			if m == "parameters" {
				continue
			}
			var op struct{ Summary string }
			_ = json.Unmarshal(raw, &op)
			heading := `<h2><span class="m">` + strings.ToUpper(m) + `</span><span class="path">` + path + `</span></h2>`
			if !strings.Contains(body, heading) {
				t.Errorf("the page has no section for %s %s", strings.ToUpper(m), path)
			}
			if !strings.Contains(body, `href="#`+anchor(strings.ToUpper(m), path)+`"`) {
				t.Errorf("the contents do not link %s %s", strings.ToUpper(m), path)
			}
			if op.Summary != "" && !strings.Contains(body, escapeText(op.Summary)) {
				t.Errorf("%s %s: summary %q missing", m, path, op.Summary)
			}
		}
	}
	for name := range d.Components.Schemas {
		if !strings.Contains(body, `<section id="`+anchor("schema", name)+`">`) {
			t.Errorf("schema %s has no section", name)
		}
	}
	// Every in-page link lands on an element of the page.
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if n := strings.Count(body, `id="`+m[1]+`"`); n != 1 {
			t.Errorf("link #%s goes to %d elements, want 1", m[1], n)
		}
	}
}

// escapeText escapes s as html/template does in text.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestDocsPageLoadsNothingFromElsewhere(t *testing.T) {
	t.Parallel()
	rec := get(t, New(spec(t)), nil)
	body := rec.Body.String()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url(", "src="} {
		if strings.Contains(body, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`(?:href|action)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if !strings.HasPrefix(m[1], "#") && !(strings.HasPrefix(m[1], "/") && !strings.HasPrefix(m[1], "//")) {
			t.Errorf("link %q leaves the server", m[1])
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") {
		t.Errorf("Content-Security-Policy = %q, want default-src 'none' and a hashed style", csp)
	}
}

func TestDocsPageSaysWhenAKeyIsNeeded(t *testing.T) {
	t.Parallel()
	body := get(t, New(spec(t)), nil).Body.String()
	section := func(id string) string {
		_, rest, ok := strings.Cut(body, `<section class="op" id="`+id+`">`)
		if !ok {
			t.Fatalf("no section %s", id)
		}
		s, _, _ := strings.Cut(rest, "</section>")
		return s
	}
	if s := section("get-v1-coverage"); !strings.Contains(s, "An API key is optional here") || strings.Contains(s, "Needs an API key") {
		t.Errorf("GET /v1/coverage takes a key optionally:\n%s", s)
	}
	if s := section("get-v1-admin-audit"); !strings.Contains(s, "Needs an API key.") {
		t.Errorf("GET /v1/admin/audit needs a key:\n%s", s)
	}
	if s := section("get-healthz"); strings.Contains(s, "API key") {
		t.Errorf("GET /healthz takes no key:\n%s", s)
	}
}

func TestDocsPageETag(t *testing.T) {
	t.Parallel()
	h := New(spec(t))
	etag := get(t, h, nil).Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if rec := get(t, h, map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match of the current ETag = %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
	}
}

func TestDocsEscapesTheDocument(t *testing.T) {
	t.Parallel()
	doc := `{"info":{"title":"<script>alert(1)</script>","version":"1"},"paths":{"/x":{"get":{"summary":"<img src=x>","responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A\"><script>"}}}}}}}},"components":{"schemas":{"A\"><script>":{"type":"object"}}}}`
	body := get(t, New([]byte(doc)), nil).Body.String()
	if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
		t.Errorf("the page lets the document's text become markup:\n%s", body)
	}
}

func TestDocsBadDocument(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"", "{", `{"paths": []}`, `{"paths": {"/x": {"get": 5}}}`} {
		if rec := get(t, New([]byte(doc)), nil); rec.Code != 500 {
			t.Errorf("New(%q) answers %d, want 500", doc, rec.Code)
		}
		if rec := get(t, Index([]byte(doc), "v"), nil); rec.Code != 500 {
			t.Errorf("Index(%q) answers %d, want 500", doc, rec.Code)
		}
	}
}

func TestIndex(t *testing.T) {
	t.Parallel()
	rec := get(t, Index(spec(t), "1.2.3"), nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("GET / = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var idx struct {
		Name, Version string
		Links         map[string]string
		Routes        []struct{ Method, Path, Summary string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Name != "acucover API" || idx.Version != "1.2.3" {
		t.Errorf("name, version = %q, %q", idx.Name, idx.Version)
	}
	if diff := cmp.Diff(map[string]string{"docs": "/docs", "openapi": "/openapi.json", "widget": "/widget/", "health": "/healthz", "ready": "/readyz"}, idx.Links); diff != "" {
		t.Errorf("links mismatch (-want +got):\n%s", diff)
	}
	var main []string
	for _, r := range idx.Routes {
		if strings.HasPrefix(r.Path, "/v1/admin/") || r.Summary == "" {
			t.Errorf("route %s %s (%q): admin routes stay out, every route has a summary", r.Method, r.Path, r.Summary)
		}
		main = append(main, r.Method+" "+r.Path)
	}
	for _, want := range []string{"GET /v1/coverage", "POST /v1/estimates", "GET /v1/plans", "GET /v1/conditions", "GET /v1/states"} {
		if !strings.Contains(strings.Join(main, "\n")+"\n", want+"\n") {
			t.Errorf("the index does not list %s: %v", want, main)
		}
	}
}

func FuzzNew(f *testing.F) {
	f.Add([]byte(`{"info":{"title":"t"},"paths":{"/x":{"get":{"responses":{"200":{"$ref":"#/components/responses/R"}}}}}}`))
	f.Add([]byte(`{"components":{"schemas":{"A":{"oneOf":[{"type":"array","items":{"$ref":"#/components/schemas/A"}}],"additionalProperties":{"type":"string"}}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, h := range []http.Handler{New(doc), Index(doc, "v")} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != 200 && rec.Code != 500 {
				t.Fatalf("answered %d", rec.Code)
			}
		}
	})
}
