package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestKeyModeAnswersArePrivate: with --public-access key an answer is for
// its key holder only: Cache-Control private and Vary: Authorization, never
// "public, max-age=60" that a shared cache would hand to anyone.
func TestKeyModeAnswersArePrivate(t *testing.T) {
	t.Parallel()
	const target = "/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"
	s := newDBServer(t, func(d *Deps) { d.PublicAccess = PublicKey })
	for range 2 { // encoded, then from the answer cache
		rec := s.call(t, call{method: http.MethodGet, target: target, key: "reader"})
		if rec.Code != http.StatusOK {
			t.Fatalf("keyed GET = %d\n%s", rec.Code, rec.Body)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Errorf("key mode Cache-Control = %q, want private", cc)
		}
		if !slices.Contains(rec.Header().Values("Vary"), "Authorization") {
			t.Errorf("key mode Vary = %q, want Authorization", rec.Header().Values("Vary"))
		}
	}
	if rec := s.call(t, call{method: http.MethodGet, target: target}); rec.Code != http.StatusUnauthorized || !slices.Contains(rec.Header().Values("Vary"), "Authorization") {
		t.Errorf("key mode without a key = %d, Vary %q; want 401 varying on Authorization", rec.Code, rec.Header().Values("Vary"))
	}
	open := newTestServer(t, mustDefault(t))
	if rec := open.do(t, get(target)); rec.Header().Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("open mode Cache-Control = %q, want public, max-age=60", rec.Header().Get("Cache-Control"))
	}
}
