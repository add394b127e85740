package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDocsAndIndex runs / and /docs through the real router: both answer
// as openapi.json says, and every link of the index is served.
func TestDocsAndIndex(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	req := get("/").build()
	rec := srv.serve(req)
	if rec.Code != 200 {
		t.Fatalf("GET / = %d, want 200:\n%s", rec.Code, rec.Body)
	}
	checkResponse(t, req, rec)
	var idx struct {
		Version string
		Links   map[string]string
		Routes  []struct{ Method, Path string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Version != "test" {
		t.Errorf("index version = %q, want the server's (test)", idx.Version)
	}
	if idx.Links["docs"] != "/docs" || len(idx.Routes) == 0 {
		t.Errorf("index = %+v, want a docs link and routes", idx)
	}
	for name, link := range idx.Links {
		if rec := srv.do(t, get(link)); rec.Code != 200 {
			t.Errorf("index link %s (%s) answers %d", name, link, rec.Code)
		}
	}

	req = get("/docs").build()
	rec = srv.serve(req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<span class="path">/v1/coverage</span>`) {
		t.Fatalf("GET /docs = %d, want 200 and the page:\n%.300s", rec.Code, rec.Body)
	}
	// kin-openapi cannot decode text/html bodies; the page's content is
	// checked in internal/apidocs.
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /docs Content-Type = %q", ct)
	}
	etag := rec.Header().Get("ETag")
	req = get("/docs").build()
	req.Header.Set("If-None-Match", etag)
	rec = srv.serve(req)
	if rec.Code != 304 {
		t.Errorf("GET /docs with its ETag = %d, want 304", rec.Code)
	}
	checkResponse(t, req, rec)
}
