package httpapi

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// rssBytes is this process's resident set size, from /proc/self/status.
func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("read RSS: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// batchFlood opens clients loopback connections to addr that each send one
// batch of maxBatch checks and then read nothing. It returns the peak RSS
// growth over settle and the status lines of the answers that fit in a
// small read (503s arrive whole; a 200 streams).
func batchFlood(t *testing.T, addr string, clients int, settle time.Duration) (growth int64, statuses map[string]int) {
	t.Helper()
	checks := make([]string, maxBatch)
	for i := range checks {
		checks[i] = `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10"}`
	}
	body := `{"checks":[` + strings.Join(checks, ",") + `]}`
	req := []byte(fmt.Sprintf("POST /v1/coverage/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	runtime.GC()
	debug.FreeOSMemory()
	before := rssBytes(t)
	conns := make([]net.Conn, 0, clients)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		_ = c.(*net.TCPConn).SetReadBuffer(4 << 10) // a client that reads nothing
		conns = append(conns, c)
		if _, err := c.Write(req); err != nil {
			t.Fatalf("send batch: %v", err)
		}
	}
	peak := before
	for end := time.Now().Add(settle); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		peak = max(peak, rssBytes(t))
	}
	// Peek at each answer's status line: the first bytes are in the
	// client's socket buffer either way.
	statuses = map[string]int{}
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		line, err := bufio.NewReaderSize(c, 64).ReadString('\n')
		if err != nil {
			statuses["no answer"]++
			continue
		}
		statuses[strings.TrimSpace(line)]++
	}
	return peak - before, statuses
}

// TestDrillBatchMemory sends batches of 1,000 checks from clients that read
// nothing (the flood that took RSS from 152 MB to 4.19 GB) and bounds the
// growth of RSS: with the default MaxBatches, the batches past it get 503
// and RSS grows by less than 64 MiB whatever the number of clients; with
// every batch admitted (up to 100 clients), streaming bounds each to less
// than 2 MiB under the race detector (before streaming, each held its
// whole answer, about 10 MiB). 50 clients in make test; 400 with
// ACUCOVER_DRILL=long (make drill).
func TestDrillBatchMemory(t *testing.T) {
	clients := 50
	if os.Getenv("ACUCOVER_DRILL") == "long" {
		clients = 400
	}
	settle := 3 * time.Second
	serve := func(maxBatches int) string {
		d := Deps{Store: catalog.NewStore(mustDefault(t)), Now: func() time.Time { return testNow }, MaxBodyBytes: 1 << 20, MaxBatches: maxBatches}
		srv := httptest.NewServer(newEngine(d)) // loopback only
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}

	growth, statuses := batchFlood(t, serve(0), clients, settle)
	t.Logf("default MaxBatches (%d), %d clients: RSS +%d MiB, answers %v", defaultMaxBatches(), clients, growth>>20, statuses)
	// 64 MiB whatever the number of clients (about 10 MiB measured for 400
	// clients); the race detector's shadow memory (make drill runs with
	// -race) is allowed four times that.
	bound := int64(64 << 20)
	if raceEnabled {
		bound *= 4
	}
	if growth > bound {
		t.Errorf("RSS grew by %d MiB with the default MaxBatches; the bound is %d MiB", growth>>20, bound>>20)
	}
	if busy := statuses["HTTP/1.1 503 Service Unavailable"]; busy < clients-defaultMaxBatches() {
		t.Errorf("%d of %d batches got 503; want all but the %d admitted: %v", busy, clients, defaultMaxBatches(), statuses)
	}

	clients = min(clients, 100)
	growth, statuses = batchFlood(t, serve(clients), clients, settle)
	t.Logf("every batch admitted, %d clients: RSS +%d MiB, answers %v", clients, growth>>20, statuses)
	if bound := int64(clients)<<21 + 64<<20; growth > bound {
		t.Errorf("RSS grew by %d MiB with %d batches streaming; the bound is %d MiB", growth>>20, clients, bound>>20)
	}
	if ok := statuses["HTTP/1.1 200 OK"]; ok != clients {
		t.Errorf("%d of %d admitted batches answered 200: %v", ok, clients, statuses)
	}
}

// TestBatchBusy: a batch past MaxBatches is refused at once with 503 and
// Retry-After, not queued.
func TestBatchBusy(t *testing.T) {
	t.Parallel()
	d := Deps{Store: catalog.NewStore(mustDefault(t)), Now: func() time.Time { return testNow }, MaxBodyBytes: 1 << 20, MaxBatches: 1}
	srv := httptest.NewServer(newEngine(d))
	defer srv.Close()
	// The first batch holds the only slot while its body trickles in.
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/coverage/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"checks\":[")
	body := `{"checks":[{"plan":"medicare-part-b","state":"CA","condition":"neck_pain"}]}`
	var resp *http.Response
	for range 500 { // until the first batch has its slot
		resp, err = http.Post(srv.URL+"/v1/coverage/batch", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("batch while the only slot is taken = %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	c.Close()
	for range 500 { // the slot comes back
		resp, err = http.Post(srv.URL+"/v1/coverage/batch", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("batch after the slot was freed = %d, want 200", resp.StatusCode)
}

// TestBatchChargesPerCheck: a batch costs one token per check, so a client
// cannot launder 1,000 checks through one request's token.
func TestBatchChargesPerCheck(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, func(d *Deps) { d.RateLimit, d.RateBurst = 1, 10 })
	checks := strings.TrimSuffix(strings.Repeat(`{"plan":"medicare-part-b","state":"CA","condition":"neck_pain"},`, 50), ",")
	rec := s.serve(request{method: "POST", target: "/v1/coverage/batch", body: `{"checks":[` + checks + `]}`}.build())
	if rec.Code != http.StatusOK {
		t.Fatalf("first batch of 50 with a full bucket = %d, want 200\n%s", rec.Code, rec.Body)
	}
	req := get("/v1/plans").build()
	rec = s.serve(req)
	checkResponse(t, req, rec)
	secs, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != http.StatusTooManyRequests || secs < 30 {
		t.Errorf("request after a 50-check batch at 1/s, burst 10 = %d, Retry-After %q; want 429 and about 40 s", rec.Code, rec.Header().Get("Retry-After"))
	}
	// A second client with half a bucket cannot send a batch larger than it.
	s = newBatchServer(t, func(d *Deps) { d.RateLimit, d.RateBurst = 1, 10 })
	for range 6 {
		s.serve(get("/v1/plans").build())
	}
	rec = s.serve(request{method: "POST", target: "/v1/coverage/batch", body: `{"checks":[` + checks + `]}`}.build())
	if rec.Code != http.StatusTooManyRequests || !bytes.Contains(rec.Body.Bytes(), []byte("50 checks")) {
		t.Errorf("batch of 50 with 3 tokens left = %d, want 429 naming the cost\n%s", rec.Code, rec.Body)
	}
}
