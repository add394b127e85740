package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/postgres"
)

// TestRateLimit uses a rate so slow that no token comes back during the
// test, so the 429 after the burst does not depend on timing.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, func(d *Deps) { d.RateLimit = 0.001; d.RateBurst = 2 })
	send := func(ip, xff string) int {
		req := request{method: "GET", target: "/v1/states"}.build()
		req.RemoteAddr = ip + ":1234"
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := s.serve(req)
		checkResponse(t, req, rec)
		if rec.Code == http.StatusTooManyRequests {
			if n, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || n < 1 {
				t.Errorf("429 with Retry-After %q, want whole seconds ≥ 1", rec.Header().Get("Retry-After"))
			}
		}
		return rec.Code
	}
	for i, want := range []int{200, 200, 429, 429} {
		// X-Forwarded-For is not trusted by default: a client cannot pick
		// a fresh bucket by sending a new one.
		if got := send("192.0.2.1", fmt.Sprintf("198.51.100.%d", i)); got != want {
			t.Errorf("request %d from 192.0.2.1 = %d, want %d", i+1, got, want)
		}
	}
	if got := send("192.0.2.2", ""); got != 200 {
		t.Errorf("another client = %d, want 200: buckets are per client", got)
	}
	// Probes are never limited.
	for range 5 {
		req := request{method: "GET", target: "/healthz"}.build()
		req.RemoteAddr = "192.0.2.1:1234"
		if rec := s.serve(req); rec.Code != 200 {
			t.Fatalf("/healthz = %d, want 200", rec.Code)
		}
	}
}

// TestRateLimitPerKey: a verified key has its own bucket, whatever its IP.
func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	s := newDBServer(t, func(d *Deps) { d.RateLimit = 0.001; d.RateBurst = 1 })
	// The key's first request is verified at the IP's cost.
	if rec := s.call(t, call{method: "GET", target: "/v1/states", key: "reader"}); rec.Code != 200 {
		t.Fatalf("first keyed request = %d", rec.Code)
	}
	if rec := s.call(t, call{method: "GET", target: "/v1/states"}); rec.Code != 429 {
		t.Errorf("anonymous request from the same IP = %d, want 429", rec.Code)
	}
	if rec := s.call(t, call{method: "GET", target: "/v1/states", key: "reader"}); rec.Code != 200 {
		t.Errorf("same IP with a verified key = %d, want 200 (the key's own bucket)", rec.Code)
	}
	if rec := s.call(t, call{method: "GET", target: "/v1/admin/plans", key: "reader"}); rec.Code != 429 {
		t.Errorf("the key's second request = %d, want 429", rec.Code)
	}
}

// countingKeys counts the verifications that reach the key store.
type countingKeys struct {
	*postgres.DB
	n atomic.Int64
}

func (k *countingKeys) Authenticate(ctx context.Context, secret string) (access.Principal, error) {
	k.n.Add(1)
	return k.DB.Authenticate(ctx, secret)
}

// TestRateLimitBeforeKeyVerification: a flood of bogus keys from one IP is
// throttled by IP before verification, so it cannot load the database (it
// once sent ~2,000 lookups to a pool of 8 and tripled an editor's p99).
func TestRateLimitBeforeKeyVerification(t *testing.T) {
	t.Parallel()
	var keys *countingKeys
	s := newDBServer(t, func(d *Deps) {
		keys = &countingKeys{DB: d.Keys.(*postgres.DB)}
		d.Keys, d.RateLimit, d.RateBurst = keys, 0.001, 5
	})
	for range 50 {
		bogus, _, _, _ := access.NewKey() // a new prefix each time: no cache helps
		s.call(t, call{method: "GET", target: "/v1/states", key: "raw:Bearer " + bogus})
	}
	if n := keys.n.Load(); n > 5 {
		t.Errorf("50 bogus keys from one IP with a burst of 5 reached the key store %d times", n)
	}
}

func TestLimitersBounded(t *testing.T) {
	t.Parallel()
	l := newLimiters(1, 1)
	l.max = 3
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		l.reserve(fmt.Sprint("ip:", i), now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := l.size(); n > 3 {
		t.Errorf("%d limiters kept, want at most 3", n)
	}
	// The most recent client kept its bucket: its next request is refused.
	if wait := l.reserve("ip:99", now.Add(100*time.Millisecond)); wait <= 0 {
		t.Errorf("the most recent client's bucket was evicted")
	}
	// Idle clients are dropped first: after the refill time all are idle.
	later := now.Add(time.Hour)
	l.reserve("fresh", later)
	if n := l.size(); n != 1 {
		t.Errorf("after an hour, %d limiters kept, want only the fresh one", n)
	}
}
