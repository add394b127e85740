package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestClientAbortIsNotA5xx: a keyed request whose client goes away while
// its key is being verified is a client abort, counted and logged as 499 at
// info, never a 5xx or an ERROR line (300 resets once fired the 5xx alert).
func TestClientAbortIsNotA5xx(t *testing.T) {
	t.Parallel()
	s := newDBServer(t, func(d *Deps) { d.PublicAccess = PublicKey })
	route := httpLabels{"/v1/states", "GET", "4xx", "499"}
	errs := httpLabels{"/v1/states", "GET", "5xx", "503"}
	before, before5xx := httpMetrics.get(route), httpMetrics.get(errs)
	n0, _, _ := before.snapshot()
	e0, _, _ := before5xx.snapshot()
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // the connection was reset
		req := get("/v1/states").build().WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+s.keys["reader"])
		rec := s.serve(req)
		if rec.Code >= 500 {
			t.Errorf("aborted request answered %d", rec.Code)
		}
	}
	n1, _, _ := httpMetrics.get(route).snapshot()
	e1, _, _ := httpMetrics.get(errs).snapshot()
	if n1-n0 != 3 || e1 != e0 {
		t.Errorf("3 aborts counted %d times as 499 and %d times as 503; want 3 and 0", n1-n0, e1-e0)
	}
	logs := s.logs.String()
	if strings.Contains(logs, "level=ERROR") || strings.Count(logs, "status=499") != 3 {
		t.Errorf("aborts logged as errors, or not as 499:\n%s", logs)
	}
	// A request that is not aborted still works, and a database failure
	// is still a 503 (with Retry-After).
	rec := s.call(t, call{method: http.MethodGet, target: "/v1/states", key: "reader"})
	if rec.Code != http.StatusOK {
		t.Errorf("keyed request = %d, want 200", rec.Code)
	}
}
