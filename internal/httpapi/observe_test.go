package httpapi

import (
	"strings"
	"testing"
)

func TestRequestIDAndAccessLog(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))

	req := get("/v1/coverage?plan=medicare-part-b&state=CA&condition=depression&date=2026-03-10").build()
	req.Header.Set(requestIDHeader, "abc-123.X")
	rec := s.serve(req)
	if got := rec.Header().Get(requestIDHeader); got != "abc-123.X" {
		t.Errorf("sane request id not echoed: %q", got)
	}
	for _, bad := range []string{"", "has space", "<script>", strings.Repeat("a", 129), "new\nline"} {
		req := get("/healthz").build()
		req.Header.Set(requestIDHeader, bad)
		got := s.serve(req).Header().Get(requestIDHeader)
		if got == bad || len(got) != 24 {
			t.Errorf("request id %q: answered %q, want a fresh 24-hex-digit id", bad, got)
		}
	}
	logs := s.logs.String()
	line := ""
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "request_id=abc-123.X") {
			line = l
		}
	}
	for _, want := range []string{"method=GET", "route=/v1/coverage", "status=200", "latency_ms="} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line %q lacks %s", line, want)
		}
	}
	if strings.Contains(logs, "depression") || strings.Contains(logs, "condition=") {
		t.Errorf("access log carries the query string:\n%s", logs)
	}
}

func TestGeneratedRequestIDsAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if !saneRequestID(id) || len(id) != 24 || seen[id] {
			t.Fatalf("request id %q: not a fresh 24-character token", id)
		}
		seen[id] = true
	}
}
