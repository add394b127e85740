package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkRouter measures a whole request through the real router and its
// middleware (request id, metrics, access log to a buffer), without the
// network.
func BenchmarkRouter(b *testing.B) {
	srv := newTestServer(b, mustDefault(b))
	cases := []struct{ name, method, target, body string }{
		{"get", http.MethodGet, "/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10", ""},
		{"post", http.MethodPost, "/v1/coverage", `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10","patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true},"usage":{"visits_this_year":12,"visits_last_90_days":12,"visits_this_month":4},"provider":{"type":"physician"}}`},
		{"estimate12", http.MethodPost, "/v1/estimates", `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
				if c.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				rec := srv.serve(req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
				srv.logs.mu.Lock()
				srv.logs.b.Reset()
				srv.logs.mu.Unlock()
			}
		})
	}
}
