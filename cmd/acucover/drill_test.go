package main

// Drills: what production does to the service, rehearsed against the real
// binary or the real serve loop with concurrent clients on 127.0.0.1. They
// assert that no request fails, never how fast anything is. Short by default
// (part of make test); ACUCOVER_DRILL=long (make drill) runs them longer.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// drillLong reports whether the long drills were asked for (make drill).
func drillLong() bool { return os.Getenv("ACUCOVER_DRILL") == "long" }

// drillSpan is d, or long in a long drill.
func drillSpan(d, long time.Duration) time.Duration {
	if drillLong() {
		return long
	}
	return d
}

// drillRequests are the requests the drill clients send in turn: cacheable
// GETs (several dates, so some miss the cache), POSTs with patient facts and
// a 12-visit estimate.
var drillRequests = []struct{ method, target, body string }{
	{"GET", "/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10", ""},
	{"GET", "/v1/coverage?plan=medicare-part-b&state=NY&condition=M54.50", ""},
	{"GET", "/v1/coverage?plan=medicaid&state=CA&condition=neck_pain&date=2025-11-02", ""},
	{"POST", "/v1/coverage", `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10",
		"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true},
		"usage":{"visits_this_year":12,"visits_last_90_days":12,"visits_this_month":4},"provider":{"type":"physician"}}`},
	{"POST", "/v1/estimates", `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10",
		"course":{"visits":12,"visits_per_week":2},
		"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`},
}

func rawRequest(method, target, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target)
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.Bytes()
}

// outcome is what happened to one request.
type outcome int

const (
	ok         outcome = iota // a complete 2xx answer
	failed                    // a non-2xx, an incomplete answer, or a connection lost mid-answer
	refused                   // no connection: the listener is closed; the request was never sent
	idleClosed                // written to a kept-alive connection the server closed as idle, no byte answered
)

// drillClient speaks HTTP/1.1 over one kept-alive connection at a time, so
// the drill sees exactly what happened on the wire: net/http's Transport
// would silently retry GETs whose connection died after they were written.
type drillClient struct {
	addr   string
	conn   net.Conn
	br     *bufio.Reader
	cr     *countingReader
	reused bool
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *drillClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// do sends req once. A slow request sends half its bytes, waits pause, then
// the rest, so it is in flight across a shutdown.
func (c *drillClient) do(req []byte, pause time.Duration) (outcome, string) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return refused, err.Error()
		}
		c.conn, c.cr, c.reused = conn, &countingReader{r: conn}, false
		c.br = bufio.NewReader(c.cr)
	}
	reused := c.reused
	c.reused = true
	c.cr.n = 0
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	var werr error
	if pause > 0 {
		half := len(req) / 2
		if _, werr = c.conn.Write(req[:half]); werr == nil {
			time.Sleep(pause)
			_, werr = c.conn.Write(req[half:])
		}
	} else {
		_, werr = c.conn.Write(req)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body) // an ErrUnexpectedEOF if the body is cut short
		resp.Body.Close()
	}
	switch {
	case err != nil && c.cr.n == 0 && reused && pause == 0:
		// The server closed the connection while it was idle, before reading
		// this request (http.Server.Shutdown closes idle connections): the
		// request was never read, and the client may send it again.
		c.close()
		return idleClosed, fmt.Sprintf("write: %v, read: %v", werr, err)
	case err != nil:
		c.close()
		return failed, fmt.Sprintf("read %d bytes of the answer, then: %v (write: %v)", c.cr.n, err, werr)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		c.close()
		return failed, "status " + resp.Status
	}
	if resp.Close {
		c.close()
	}
	return ok, ""
}

// tally counts outcomes across clients and keeps the first failures.
type tally struct {
	n      [4]atomic.Int64
	mu     sync.Mutex
	errors []string
}

func (t *tally) add(o outcome, detail string) {
	t.n[o].Add(1)
	if o == failed {
		t.mu.Lock()
		if len(t.errors) < 10 {
			t.errors = append(t.errors, detail)
		}
		t.mu.Unlock()
	}
}

func (t *tally) String() string {
	return fmt.Sprintf("ok %d, failed %d, refused (never sent) %d, closed while idle then retried %d",
		t.n[ok].Load(), t.n[failed].Load(), t.n[refused].Load(), t.n[idleClosed].Load())
}

// load runs clients until stop is closed or the server refuses connections,
// each cycling through drillRequests on a kept-alive connection. A request
// whose idle connection was closed is retried once on a fresh one. With slow
// set, requests with a body are sent in two halves slow apart.
func load(addr string, clients int, stop <-chan struct{}, slow time.Duration, t *tally) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c := &drillClient{addr: addr}
			defer c.close()
			for n := i; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				r := drillRequests[n%len(drillRequests)]
				raw := rawRequest(r.method, r.target, r.body)
				var pause time.Duration
				if slow > 0 && r.body != "" {
					pause = slow
				}
				if pause > 0 {
					// A slow request opens a connection of its own: the
					// server has read part of it as soon as it arrives,
					// so no answer at all is a failure, never an idle close.
					c.close()
				}
				o, detail := c.do(raw, pause)
				if o == idleClosed {
					t.add(o, detail)
					o, detail = c.do(raw, pause)
				}
				t.add(o, detail)
				if o == refused {
					return // the server is gone; nothing more can be sent
				}
			}
		})
	}
	return &wg
}

func waitHealthy(t *testing.T, addr string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 30s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// servedPlanName asks addr for medicare-part-b's name and catalog revision.
func servedPlanName(addr string) (name, revision string, err error) {
	resp, err := http.Get("http://" + addr + "/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain&date=2026-01-01")
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var d struct {
		Plan            struct{ Name string } `json:"plan"`
		CatalogRevision string                `json:"catalog_revision"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return "", "", err
	}
	return d.Plan.Name, d.CatalogRevision, nil
}

// TestDrillPostgresDown stops PostgreSQL under load: every lookup must still
// be answered from the snapshot in memory, and once the database is back a
// new import must be served.
func TestDrillPostgresDown(t *testing.T) {
	t.Parallel()
	cluster := pgtest.NewCluster(t)
	ctx := context.Background()
	dbURL := cluster.URL("postgres")
	if err := pgtest.Migrate(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": dbURL, "USER": "drill"}
	if _, _, err := acucover(t, env, "import", "--default"); err != nil {
		t.Fatal(err)
	}

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- run(sctx, []string{"serve", "--addr", addr, "--metrics-addr", "127.0.0.1:0", "--refresh-interval", "1s", "--log-level", "error"},
			io.Discard, io.Discard, func(k string) string { return env[k] })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	waitHealthy(t, addr, done)

	var before, down, after tally
	phase := func(tl *tally, d time.Duration) {
		stop := make(chan struct{})
		wg := load(addr, 8, stop, 0, tl)
		time.Sleep(d)
		close(stop)
		wg.Wait()
	}
	phase(&before, 500*time.Millisecond)
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	phase(&down, drillSpan(2*time.Second, 30*time.Second))
	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}

	// Import an edited catalog while lookups continue; it must be served.
	edited := strings.Replace(string(catalog.DefaultYAML()), "name: Original Medicare Part B", "name: Original Medicare Part B (drill)", 1)
	file := filepath.Join(t.TempDir(), "edited.yaml")
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	wg := load(addr, 8, stop, 0, &after)
	if out, _, err := acucover(t, env, "import", file); err != nil || !strings.Contains(out, "revision 2") {
		t.Fatalf("import after restart = %q, %v", out, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		name, rev, err := servedPlanName(addr)
		// The edited catalog's name, under a content-hash revision of its own.
		if err == nil && name == "Original Medicare Part B (drill)" && len(rev) == catalog.RevisionLength {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision 2 not served 60s after the database came back: name %q, revision %q, %v", name, rev, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	for _, p := range []struct {
		name string
		tl   *tally
	}{{"before", &before}, {"database down", &down}, {"after restart", &after}} {
		t.Logf("%s: %s", p.name, p.tl)
		if p.tl.n[failed].Load() != 0 || p.tl.n[refused].Load() != 0 {
			t.Errorf("%s: %s; first errors: %q", p.name, p.tl, p.tl.errors)
		}
		if p.tl.n[ok].Load() == 0 {
			t.Errorf("%s: no request answered", p.name)
		}
	}
}

// buildBinary builds acucover into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "acucover")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDrillSIGTERM sends SIGTERM to the real binary under load with
// keep-alive clients, some of them in the middle of sending a request: every
// request the server read must get a complete 2xx, and the process must exit
// 0 within its shutdown timeout.
func TestDrillSIGTERM(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	for round := range drillSpan(1, 5) {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		var stderr bytes.Buffer
		cmd := exec.Command(bin, "serve", "--addr", addr, "--metrics-addr", "", "--shutdown-timeout", "10s", "--log-level", "warn")
		cmd.Stderr = &stderr
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		waitHealthy(t, addr, exited)

		var fast, slow tally
		stop := make(chan struct{}) // never closed: clients run until refused
		wgFast := load(addr, 16, stop, 0, &fast)
		wgSlow := load(addr, 4, stop, 300*time.Millisecond, &slow)
		time.Sleep(drillSpan(500*time.Millisecond, 3*time.Second))
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		var exitErr error
		select {
		case exitErr = <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: still running 20s after SIGTERM (shutdown timeout 10s)\n%s", round, stderr.String())
		}
		wgFast.Wait()
		wgSlow.Wait()
		if exitErr != nil {
			t.Errorf("round %d: exit after SIGTERM: %v\n%s", round, exitErr, stderr.String())
		}
		for _, p := range []struct {
			name string
			tl   *tally
		}{{"keep-alive clients", &fast}, {"slow clients", &slow}} {
			t.Logf("round %d, %s: %s", round, p.name, p.tl)
			if p.tl.n[failed].Load() != 0 {
				t.Errorf("round %d, %s: %s; first errors: %q", round, p.name, p.tl, p.tl.errors)
			}
			if p.tl.n[ok].Load() == 0 {
				t.Errorf("round %d, %s: no request answered", round, p.name)
			}
		}
	}
}
