package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/gin-gonic/gin"
)

// pureJSON renders v as the handlers did before answers were cached.
func pureJSON(t *testing.T, v any) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	c.PureJSON(http.StatusOK, v)
	return rec.Body.Bytes()
}

func TestGetCoverageCachedAnswers(t *testing.T) {
	t.Parallel()
	first, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := catalog.NewStore(first)
	e := newEngine(Deps{Store: store, Now: func() time.Time { return testNow }, MaxBodyBytes: testMaxBody})
	do := func(target, inm string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		checkResponse(t, req, rec)
		return rec
	}
	const target = "/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"

	a := do(target, "")
	d, err := coverage.Decide(first, coverage.Query{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Date: catalog.NewDate(2026, 3, 10)})
	if err != nil {
		t.Fatal(err)
	}
	if want := pureJSON(t, d); a.Code != 200 || !bytes.Equal(a.Body.Bytes(), want) {
		t.Fatalf("first GET = %d %s\nwant the PureJSON encoding\n%s", a.Code, a.Body, want)
	}
	etag := a.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || a.Header().Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("headers: ETag %q, Cache-Control %q", etag, a.Header().Get("Cache-Control"))
	}
	if b := do(target, ""); !bytes.Equal(b.Body.Bytes(), a.Body.Bytes()) || b.Header().Get("ETag") != etag {
		t.Errorf("second GET differs: ETag %q vs %q", b.Header().Get("ETag"), etag)
	}
	if b := do(strings.Replace(target, "state=CA", "state=ca", 1), ""); b.Header().Get("ETag") != etag {
		t.Errorf("state=ca: ETag %q, want the same as for CA %q", b.Header().Get("ETag"), etag)
	}
	if b := do(strings.Replace(target, "chronic_low_back_pain", "M54.50", 1), ""); b.Code != 200 || b.Header().Get("ETag") == etag {
		t.Errorf("by ICD-10-CM code: %d, ETag %q must differ from the slug's (matched_icd10)", b.Code, b.Header().Get("ETag"))
	}

	for _, inm := range []string{etag, "W/" + etag, `"nope", ` + etag, "*"} {
		r := do(target, inm)
		if r.Code != http.StatusNotModified || r.Body.Len() != 0 || r.Header().Get("ETag") != etag || r.Header().Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q, Cache-Control %q; want 304, empty, same headers",
				inm, r.Code, r.Body.Len(), r.Header().Get("ETag"), r.Header().Get("Cache-Control"))
		}
	}
	if r := do(target, `"nope"`); r.Code != 200 {
		t.Errorf("If-None-Match of another tag: %d, want 200", r.Code)
	}
	if r := do("/v1/coverage?plan=nope&state=CA&condition=neck_pain", etag); r.Code != 404 || r.Header().Get("ETag") != "" || r.Header().Get("Cache-Control") != "" {
		t.Errorf("error answer: %d, ETag %q, Cache-Control %q; want 404 without cache headers", r.Code, r.Header().Get("ETag"), r.Header().Get("Cache-Control"))
	}

	// A new snapshot: new bytes, new ETag, and the old ETag no longer matches.
	snap, _, err := catalog.Parse([]byte(strings.Replace(string(catalog.DefaultYAML()), "name: Original Medicare Part B", "name: Original Medicare Part B (renamed)", 1)))
	if err != nil {
		t.Fatal(err)
	}
	next, err := catalog.Build(snap)
	if err != nil {
		t.Fatal(err)
	}
	store.Swap(next)
	r := do(target, etag)
	if r.Code != 200 || !strings.Contains(r.Body.String(), "(renamed)") || r.Header().Get("ETag") == etag {
		t.Errorf("after a swap: %d, ETag %q (was %q), body %.120s", r.Code, r.Header().Get("ETag"), etag, r.Body)
	}
}

func TestAnswerCacheIsBounded(t *testing.T) {
	t.Parallel()
	ac := &answerCache{m: map[answerKey]*answer{}}
	body := make([]byte, 64<<10)
	for i := range 2 * maxCachedBytes / len(body) {
		ac.put(answerKey{plan: strings.Repeat("p", i%7), condition: string(rune('a' + i%26)), state: string(rune('A' + i/26%26))}, &answer{body: body})
		if ac.bytes > maxCachedBytes {
			t.Fatalf("after %d answers the cache holds %d bytes, over %d", i+1, ac.bytes, maxCachedBytes)
		}
	}
	if ac.bytes == 0 || len(ac.m) == 0 {
		t.Error("the cache kept nothing")
	}
}

// TestGetCoverageByRawQuery: a repeated query string is answered from the
// raw-query cache, but one that leaves the date to the server is not
// answered with yesterday's answer once the day has changed.
func TestGetCoverageByRawQuery(t *testing.T) {
	t.Parallel()
	ix, err := catalog.Default() // its own: the test reads its cache
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 15, 23, 59, 0, 0, time.UTC).Unix())
	e := newEngine(Deps{Store: catalog.NewStore(ix), Now: func() time.Time { return time.Unix(clock.Load(), 0) }, MaxBodyBytes: testMaxBody})
	get := func(target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		checkResponse(t, req, rec)
		return rec
	}
	const raw = "plan=medicare-part-b&state=CA&condition=chronic_low_back_pain"
	first := get("/v1/coverage?" + raw)
	kept := func(raw string) bool {
		_, ok := answersFor(ix).raw.Load(raw)
		return ok
	}
	if !kept(raw) {
		t.Fatalf("the query string %q was not kept", raw)
	}
	if again := get("/v1/coverage?" + raw); !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
		t.Error("the second answer differs from the first")
	}
	if !strings.Contains(first.Body.String(), `"date":"2026-03-15"`) {
		t.Fatalf("first answer is not for 2026-03-15: %.200s", first.Body)
	}
	clock.Add(120) // past midnight
	if next := get("/v1/coverage?" + raw); !strings.Contains(next.Body.String(), `"date":"2026-03-16"`) {
		t.Errorf("after midnight the answer is not for 2026-03-16: %.200s", next.Body)
	}
	// Malformed queries are answered, never kept.
	if r := get("/v1/coverage?plan=medicare-part-b&state=ZZ&condition=chronic_low_back_pain"); r.Code != 400 {
		t.Errorf("state=ZZ: %d, want 400", r.Code)
	}
	if kept("plan=medicare-part-b&state=ZZ&condition=chronic_low_back_pain") {
		t.Error("an error was kept")
	}
}

func TestRawQueryCacheIsBounded(t *testing.T) {
	t.Parallel()
	ac := &answerCache{m: map[answerKey]*answer{}}
	a := &answer{body: make([]byte, 100)}
	for i := range maxCachedBytes / rawEntryBytes {
		ac.putQuery("plan=p&state=CA&condition=c&n="+strconv.Itoa(i), a, catalog.Date{})
		if ac.bytes > maxCachedBytes {
			t.Fatalf("after %d queries the cache holds %d bytes, over %d", i+1, ac.bytes, maxCachedBytes)
		}
	}
	kept := 0
	ac.raw.Range(func(any, any) bool { kept++; return true })
	if kept == 0 {
		t.Error("the cache kept nothing")
	}
}
