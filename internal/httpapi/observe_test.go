package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
		if strings.Contains(l, `"request_id":"abc-123.X"`) {
			line = l
		}
	}
	for _, want := range []string{`"level":"INFO"`, `"msg":"request"`, `"method":"GET"`, `"route":"/v1/coverage"`, `"status":200`, `"latency_ms":`, `"bytes":`} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line %q lacks %s", line, want)
		}
	}
	if strings.Contains(logs, "depression") || strings.Contains(logs, "condition") {
		t.Errorf("access log carries the query string:\n%s", logs)
	}
}

func TestGeneratedRequestIDsAreUnique(t *testing.T) {
	t.Parallel()
	// From several goroutines at once, as requests make them.
	const workers, each = 8, 20000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range ids {
		wg.Go(func() {
			for range each {
				ids[w] = append(ids[w], newRequestID())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, list := range ids {
		for _, id := range list {
			if !saneRequestID(id) || len(id) != 24 || seen[id] {
				t.Fatalf("request id %q: not a fresh 24-character token", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != workers*each {
		t.Fatalf("%d ids, want %d", len(seen), workers*each)
	}
}

// TestAccessLineIsSlogJSON: the hand-written access log line is byte for
// byte what slog's JSONHandler writes for the same record.
func TestAccessLineIsSlogJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 8))
	zones := []*time.Location{time.UTC, time.FixedZone("", -5*3600), time.FixedZone("", 5*3600+1800)}
	lines := []accessLine{
		{id: "abc", method: "GET", route: "/v1/coverage", status: 200},
		{id: "x", method: "OTHER", route: "unmatched", status: 404, micros: 1000},
		{id: newRequestID(), method: "POST", route: "/v1/admin/rules/:id", status: 503, micros: 12_345_678, level: slog.LevelError},
		{id: "q\"uote\\back\nline\u2028é<&>", method: "GET", route: "/healthz", status: 200, level: slog.LevelDebug}, // never sane, but encoded right
		{id: "ctl\b\f\x01\x1f\r\t\x7f\u2029\xff\xc3", method: "GET", route: "/healthz", status: 200},                 // slog's escapes, not encoding/json's
		{id: "neg", method: "GET", route: "/", status: 200, micros: -1500},                                           // a clock step backwards
	}
	for range 2000 {
		lines = append(lines, accessLine{
			id: newRequestID(), method: "GET", route: "/v1/coverage", status: 100 + rng.IntN(500),
			micros: []int64{rng.Int64N(1000), rng.Int64N(1_000_000), rng.Int64N(1 << 40)}[rng.IntN(3)], bytes: rng.IntN(1 << 20),
			level: []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelError}[rng.IntN(3)],
		})
	}
	var want bytes.Buffer
	h := slog.NewJSONHandler(&want, &slog.HandlerOptions{Level: slog.LevelDebug})
	base := time.Unix(rng.Int64N(4e9), 0)
	for i, l := range lines {
		l.time = time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*[]int64{1, 0, 1000}[i%3]).In(zones[i%len(zones)])
		if i%4 != 0 { // runs of lines in the same second and zone, as under load
			l.time = base.Add(time.Duration(rng.Int64N(2e9))).In(zones[i/4%len(zones)])
		}
		want.Reset()
		r := slog.NewRecord(l.time, l.level, "request", 0)
		r.AddAttrs(l.attrs()...)
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if got := l.appendJSON(nil); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("line %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

// TestHeaderNamesAreCanonical: every header(c, name) in the package names
// the header in its canonical form, the only form it finds.
func TestHeaderNamesAreCanonical(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if fn, ok := call.Fun.(*ast.Ident); !ok || fn.Name != "header" || len(call.Args) != 2 {
				return true
			}
			calls++
			var key string
			switch a := call.Args[1].(type) {
			case *ast.BasicLit:
				key, _ = strconv.Unquote(a.Value)
			case *ast.Ident:
				if a.Name != "requestIDHeader" {
					t.Errorf("%s: header name %s is not a literal; check it by hand and list it here", fset.Position(call.Pos()), a.Name)
				}
				key = requestIDHeader
			default:
				t.Errorf("%s: header name is not a literal", fset.Position(call.Pos()))
			}
			if c := textproto.CanonicalMIMEHeaderKey(key); c != key {
				t.Errorf("%s: header(c, %q): the canonical name is %q", fset.Position(call.Pos()), key, c)
			}
			return true
		})
	}
	if calls < 5 {
		t.Errorf("found %d header(c, name) calls; the test is not finding them", calls)
	}
}

// failingWriter is a client that is gone: every write fails.
type failingWriter struct{ *httptest.ResponseRecorder }

func (w failingWriter) Write([]byte) (int, error) { return 0, errors.New("write: broken pipe") }

// TestFailedWriteIsLoggedAsSuch: an answer that could not be written (the
// client went away mid-answer) is logged and counted as 499, not as the
// 200 its handler meant to send — for a single answer, a cached GET answer
// and a batch.
func TestFailedWriteIsLoggedAsSuch(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	for i, r := range []request{
		get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"),
		get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"), // from the cache
		post(`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10"}`),
		{method: http.MethodPost, target: "/v1/coverage/batch", body: `{"checks":[{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain"}]}`},
		get("/v1/plans/no-such-plan"), // a problem, written by gin's c.Data
	} {
		req := r.build()
		id := fmt.Sprintf("failed-write-%d", i)
		req.Header.Set(requestIDHeader, id)
		s.engine.ServeHTTP(failingWriter{httptest.NewRecorder()}, req)
		line := ""
		for l := range strings.SplitSeq(s.logs.String(), "\n") {
			if strings.Contains(l, `"request_id":"`+id+`"`) {
				line = l
			}
		}
		if !strings.Contains(line, `"status":499`) {
			t.Errorf("%s %s: access log line %q; want status 499 for an answer that could not be written", r.method, r.target, line)
		}
	}
	// A write that succeeds is still logged with its status.
	req := get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10").build()
	req.Header.Set(requestIDHeader, "written")
	if rec := s.serve(req); rec.Code != http.StatusOK {
		t.Fatalf("GET = %d", rec.Code)
	}
	if !strings.Contains(s.logs.String(), `"request_id":"written","method":"GET","route":"/v1/coverage","status":200`) {
		t.Errorf("a written answer is not logged as 200:\n%s", s.logs.String())
	}
}
