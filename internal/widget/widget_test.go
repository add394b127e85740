package widget_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/widget"
)

func router(t *testing.T) http.Handler {
	t.Helper()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix)})
}

func get(t *testing.T, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestScriptSize keeps the component within its budget: 15 KB gzipped.
func TestScriptSize(t *testing.T) {
	t.Parallel()
	js := get(t, router(t), widget.ScriptPath).Body.Bytes()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(js)
	zw.Close()
	const budget = 15 * 1024
	if buf.Len() > budget || len(js) == 0 {
		t.Errorf("acucover.js is %d bytes, %d gzipped; the budget is %d gzipped", len(js), buf.Len(), budget)
	}
	t.Logf("acucover.js: %d bytes, %d gzipped", len(js), buf.Len())
}

// TestCaching: both assets carry a strong ETag of their content and answer a
// matching If-None-Match with 304 and no body.
func TestCaching(t *testing.T) {
	t.Parallel()
	h := router(t)
	for _, tc := range []struct {
		path, contentType, cacheControl, contains string
	}{
		{widget.ScriptPath, "text/javascript; charset=utf-8", "public, max-age=3600", "customElements.define('acucover-check'"},
		{widget.DemoPath, "text/html; charset=utf-8", "no-cache", `<script type="module" src="v1/acucover.js">`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			res := get(t, h, tc.path)
			etag := res.Header().Get("ETag")
			if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), tc.contains) {
				t.Fatalf("GET %s = %d, body without %q", tc.path, res.Code, tc.contains)
			}
			if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
				t.Errorf("ETag = %q, want a strong quoted content hash", etag)
			}
			for k, want := range map[string]string{"Content-Type": tc.contentType, "Cache-Control": tc.cacheControl, "X-Content-Type-Options": "nosniff"} {
				if got := res.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			res = get(t, h, tc.path, "If-None-Match", etag)
			if res.Code != http.StatusNotModified || res.Body.Len() != 0 || res.Header().Get("ETag") != etag {
				t.Errorf("If-None-Match %s: %d with %d body bytes, ETag %q; want 304, empty, same ETag", etag, res.Code, res.Body.Len(), res.Header().Get("ETag"))
			}
			if res = get(t, h, tc.path, "If-None-Match", `"stale"`); res.Code != http.StatusOK {
				t.Errorf("If-None-Match with a stale ETag: %d, want 200", res.Code)
			}
		})
	}
}

// TestNoPersonalDataFields guards the widget's promise: its source has no
// field that asks who the visitor is.
func TestNoPersonalDataFields(t *testing.T) {
	t.Parallel()
	body, _ := io.ReadAll(get(t, router(t), widget.ScriptPath).Body)
	bad := regexp.MustCompile(`(?i)birth|\bdob\b|member[ _-]?id|subscriber|ssn|first[ _-]?name|last[ _-]?name|e-?mail|phone|zip|address|localStorage|document\.cookie`)
	if m := bad.FindAll(body, -1); len(m) > 0 {
		t.Errorf("acucover.js mentions personal data or storage: %q", m)
	}
}
