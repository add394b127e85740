package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// The API's metrics. Labels are bounded: route templates (never raw paths),
// known methods, status classes, decision statuses and plan types — never
// patient data or free text.
var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "acucover_http_requests_total",
		Help: "HTTP requests answered, by route template, method and status class.",
	}, []string{"route", "method", "status_class"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "acucover_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route template, method and status class.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method", "status_class"})
	coverageDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "acucover_coverage_decisions_total",
		Help: "Coverage decisions answered, by decision status and plan type.",
	}, []string{"status", "plan_type"})
	estimates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "acucover_estimates_total",
		Help: "Course cost estimates answered, by plan type.",
	}, []string{"plan_type"})
)

// Collectors returns the API's metrics, for the binary's registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{httpRequests, httpDuration, coverageDecisions, estimates}
}

// requestIDHeader carries a request's id: accepted from the client when it is
// a sane token, generated otherwise, and always echoed back.
const requestIDHeader = "X-Request-ID"

// observe gives every request an id, then records its metrics and one JSON
// log line: route template, method, status, latency, bytes, id. Query
// strings and bodies are never logged — they may carry a condition or
// patient facts.
func (a *api) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader(requestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		c.Header(requestIDHeader, id)
		c.Next()

		elapsed := time.Since(start)
		route := c.FullPath()
		if route == "" {
			route = "unmatched" // keeps label cardinality bounded
		}
		status := c.Writer.Status()
		class := "other"
		if k := status / 100; k >= 1 && k <= 5 {
			class = statusClasses[k]
		}
		method := knownMethod(c.Request.Method)
		httpRequests.WithLabelValues(route, method, class).Inc()
		httpDuration.WithLabelValues(route, method, class).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case route == "/healthz" || route == "/readyz":
			level = slog.LevelDebug // probes every few seconds would drown the log
		}
		a.log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", id),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
		)
	}
}

// saneRequestID accepts 1–128 characters of [A-Za-z0-9._:-], so a client's
// id can never inject anything into logs or headers.
func saneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_' || b == ':' || b == '-') {
			return false
		}
	}
	return true
}

// statusClasses names a status's class for metric labels, without
// formatting a string per request.
var statusClasses = [...]string{1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}

// Request ids are a random per-process prefix and a counter: unique across
// replicas in practice, cheap per request, and not secret (they only join
// log lines). 24 hex digits, like the ids clients may send.
var (
	requestIDPrefix = func() string {
		var b [6]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		return hex.EncodeToString(b[:])
	}()
	requestIDCounter atomic.Uint64
)

func newRequestID() string {
	var b [24]byte
	copy(b[:], requestIDPrefix)
	n := requestIDCounter.Add(1)
	for i := 23; i >= 12; i-- {
		b[i] = "0123456789abcdef"[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

// knownMethod maps a method to itself if it is standard, else "OTHER", so a
// client cannot mint label values.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
