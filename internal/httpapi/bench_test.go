package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/gin-gonic/gin"
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

// discardWriter is an http.ResponseWriter that keeps only the status and
// the header map (reset per request), so a benchmark measures the handler,
// not a recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// BenchmarkOverhead is what acucover's own per-request work costs over a
// bare Gin handler writing the same bytes (the make load baseline), with
// the network left out: request id, metrics, access log (JSON, to
// io.Discard), parsing, checks and the cached answer. Compare the acucover
// and baseline lines of each endpoint.
func BenchmarkOverhead(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ours := newEngine(Deps{Store: catalog.NewStore(mustDefault(b)), Logger: logger, AccessLog: io.Discard, Now: func() time.Time { return testNow }})
	cases := []struct{ name, method, target, body string }{
		{"get", http.MethodGet, "/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10", ""},
		{"post", http.MethodPost, "/v1/coverage", `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10","patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true},"usage":{"visits_this_year":6,"visits_last_90_days":6,"visits_this_month":2},"provider":{"type":"physician"}}`},
		{"estimate12", http.MethodPost, "/v1/estimates", `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		serve := func(h http.Handler, w *discardWriter) {
			clear(w.h)
			w.status, w.n = 0, 0
			if tc.body != "" {
				req.Body = io.NopCloser(strings.NewReader(tc.body))
				req.ContentLength = int64(len(tc.body))
			}
			h.ServeHTTP(w, req)
		}
		w := &discardWriter{h: http.Header{}}
		serve(ours, w)
		if w.status != http.StatusOK {
			b.Fatalf("%s: status %d", tc.name, w.status)
		}
		rec := httptest.NewRecorder()
		if tc.body != "" {
			req.Body = io.NopCloser(strings.NewReader(tc.body))
		}
		ours.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		base := gin.New()
		base.Handle(tc.method, req.URL.Path, func(c *gin.Context) { c.Data(http.StatusOK, jsonContentType, body) })
		for _, e := range []struct {
			name string
			h    http.Handler
		}{{"acucover", ours}, {"baseline", base}} {
			b.Run(tc.name+"/"+e.name, func(b *testing.B) {
				b.ReportAllocs()
				w := &discardWriter{h: http.Header{}}
				for b.Loop() {
					serve(e.h, w)
				}
				if w.status != http.StatusOK || w.n != len(body) {
					b.Fatalf("status %d, %d bytes; want 200, %d", w.status, w.n, len(body))
				}
			})
		}
	}
}

// BenchmarkParallelGet serves a cached GET answer from every core at once,
// acucover against the bare handler, with the access log appended under a
// lock as serve's batching writer does: what requests on different cores
// cost each other (shared counters, locks), which BenchmarkOverhead's one
// goroutine cannot show.
func BenchmarkParallelGet(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ours := newEngine(Deps{Store: catalog.NewStore(mustDefault(b)), Logger: logger, AccessLog: &lockedAppender{}, Now: func() time.Time { return testNow }})
	target := "/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"
	rec := httptest.NewRecorder()
	ours.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	body := rec.Body.Bytes()
	base := gin.New()
	base.GET("/v1/coverage", func(c *gin.Context) { c.Data(http.StatusOK, jsonContentType, body) })
	for _, e := range []struct {
		name string
		h    http.Handler
	}{{"acucover", ours}, {"baseline", base}} {
		b.Run(e.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					w.status, w.n = 0, 0
					e.h.ServeHTTP(w, req)
					if w.n != len(body) {
						b.Fatalf("status %d, %d bytes; want %d", w.status, w.n, len(body))
					}
				}
			})
		})
	}
}

// lockedAppender keeps the last 64 KiB of lines appended under a lock.
type lockedAppender struct {
	mu  sync.Mutex
	buf []byte
}

func (l *lockedAppender) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf)+len(p) > 64<<10 {
		l.buf = l.buf[:0]
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// BenchmarkReadBody decodes the POST bodies of BenchmarkOverhead with the
// fast reader clients' plain bodies take (fastjson.go) and with the strict
// decoder it falls back to: what the fast reader is worth.
func BenchmarkReadBody(b *testing.B) {
	coverageBody := []byte(`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10","patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true},"usage":{"visits_this_year":6,"visits_last_90_days":6,"visits_this_month":2},"provider":{"type":"physician"}}`)
	estimateBody := []byte(`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`)
	b.Run("coverage/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r coverageRequest
			if !fastCoverageRequest(coverageBody, &r) {
				b.Fatal("the fast reader gave up")
			}
		}
	})
	b.Run("coverage/strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r coverageRequest
			if err := decodeStrict(coverageBody, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("estimate/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r estimateRequest
			if !fastEstimateRequest(estimateBody, &r) {
				b.Fatal("the fast reader gave up")
			}
		}
	})
	b.Run("estimate/strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r estimateRequest
			if err := decodeStrict(estimateBody, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
