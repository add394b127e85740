package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	const clinic = "https://clinic.example"
	open := New(Deps{Store: catalog.NewStore(ix), CORSOrigins: []string{clinic, "http://localhost:8081"}})
	closed := New(Deps{Store: catalog.NewStore(ix)})

	do := func(h http.Handler, method, path, origin string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://acucover.example"+path, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	preflight := []string{"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"}

	for _, tc := range []struct {
		name         string
		h            http.Handler
		method, path string
		origin       string
		header       []string
		wantStatus   int
		wantAllow    string // Access-Control-Allow-Origin
	}{
		{"listed origin reads the API", open, "GET", "/v1/states", clinic, nil, 200, clinic},
		{"listed origin loads the script", open, "GET", "/widget/v1/acucover.js", clinic, nil, 200, clinic},
		{"listed origin reads a problem", open, "POST", "/v1/estimates-nope", clinic, nil, 404, clinic},
		{"listed origin preflight", open, "OPTIONS", "/v1/coverage", clinic, preflight, 204, clinic},
		{"other origin gets no CORS header", open, "GET", "/v1/states", "https://evil.example", nil, 200, ""},
		{"other origin preflight fails", open, "OPTIONS", "/v1/coverage", "https://evil.example", preflight, 405, ""},
		{"same origin is not CORS", open, "GET", "/v1/states", "http://acucover.example", nil, 200, ""},
		{"no Origin is not CORS", open, "GET", "/v1/states", "", nil, 200, ""},
		{"no origins configured: no header", closed, "GET", "/v1/states", clinic, nil, 200, ""},
		{"no origins configured: preflight fails", closed, "OPTIONS", "/v1/coverage", clinic, preflight, 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := do(tc.h, tc.method, tc.path, tc.origin, tc.header...)
			if res.Code != tc.wantStatus || res.Header().Get("Access-Control-Allow-Origin") != tc.wantAllow {
				t.Errorf("%s %s from %q: %d, Allow-Origin %q; want %d, %q",
					tc.method, tc.path, tc.origin, res.Code, res.Header().Get("Access-Control-Allow-Origin"), tc.wantStatus, tc.wantAllow)
			}
			if res.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials must never be allowed")
			}
			if tc.method == "OPTIONS" && tc.wantStatus == 204 {
				h := res.Header()
				if m := h.Get("Access-Control-Allow-Methods"); m != "GET,POST,OPTIONS" {
					t.Errorf("Allow-Methods = %q", m)
				}
				if m := h.Get("Access-Control-Allow-Headers"); m != "Content-Type" {
					t.Errorf("Allow-Headers = %q", m)
				}
				if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
					t.Errorf("Vary = %q, want Origin", h.Values("Vary"))
				}
			}
		})
	}
}

func TestCheckCORSOrigin(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"https://clinic.example", "http://localhost:8080", "https://a.b.example:8443", "http://[::1]:8080"} {
		if err := CheckCORSOrigin(o); err != nil {
			t.Errorf("CheckCORSOrigin(%q) = %v, want nil", o, err)
		}
	}
	for _, o := range []string{"*", "https://*.clinic.example", "https://clinic.example/", "https://clinic.example/path",
		"clinic.example", "ftp://clinic.example", "https://Clinic.example", "https://clinic.example?", "https://clinic.example#x",
		"https://user@clinic.example", "/^https://.*$/", "https://", ""} {
		if err := CheckCORSOrigin(o); err == nil {
			t.Errorf("CheckCORSOrigin(%q) = nil, want an error", o)
		}
	}
}
