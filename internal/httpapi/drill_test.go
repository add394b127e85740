package httpapi

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// randomRequest builds one random, mostly malformed request: valid requests
// mutated at random (bytes flipped, cut, inserted; invalid UTF-8; wrong JSON
// types; huge bodies), random methods, paths, query parameters and headers.
func randomRequest(r *rand.Rand) *http.Request {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	junk := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	mutate := func(s string) string {
		b := []byte(s)
		for range 1 + r.IntN(4) {
			if len(b) == 0 {
				break
			}
			i := r.IntN(len(b))
			switch r.IntN(5) {
			case 0:
				b[i] = byte(r.IntN(256))
			case 1:
				b = b[:i]
			case 2:
				b = append(b[:i], append([]byte(junk(1+r.IntN(8))), b[i:]...)...)
			case 3:
				b = append(b[:i], b[min(len(b), i+1+r.IntN(8)):]...)
			case 4:
				b = append(b[:i], append([]byte(pick("\xff", "\xc0\xaf", "\x00", "\\u0000", `"`, "{", "]", ",", "1e999", "-0", "null", "\u2028")), b[i:]...)...)
			}
		}
		return string(b)
	}
	value := func() string {
		return pick("medicare-part-b", "medicaid", "CA", "ca", "ZZ", "M54.50", "m5450", "M54.5", "neck_pain", "chronic_low_back_pain",
			"2026-03-10", "2026-02-30", "", "%FF", "%00", "%C0%AF", "%E2%80%8B", "x%20y", strings.Repeat("a", 200), "1e9", "-1", "null")
	}

	method := pick("GET", "GET", "GET", "GET", "POST", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW", "get")
	path := pick("/v1/coverage", "/v1/coverage", "/v1/coverage", "/v1/estimates", "/v1/estimates", "/v1/plans", "/v1/plans/medicaid", "/v1/plans/nope",
		"/v1/conditions", "/v1/states", "/healthz", "/readyz", "/openapi.json", "/", "/v1", "/v1/coverage/", "/V1/COVERAGE",
		"/v1/plans/%FF", "/v1/plans/"+strings.Repeat("x", 300), "/"+junkPath(r))
	var q []string
	if r.IntN(2) == 0 {
		// A plausible question, often valid, sometimes contradictory.
		q = append(q, "plan="+pick("medicare-part-b", "medicaid", "example-hmo-copay", "example-epo-capped"),
			"state="+pick("CA", "TX", "NY", "WA", "ca", "DC"), "condition="+pick("neck_pain", "chronic_low_back_pain", "M54.50", "M17.11", "M54.5"))
		if r.IntN(2) == 0 {
			q = append(q, "date="+pick("2026-03-10", "2021-09-30", "2019-01-01", "2026-02-30"))
		}
	}
	for range r.IntN(3) {
		name := pick("plan", "state", "condition", "date", "type", "q", "x", "PLAN", "%FF", "", "plan[]")
		q = append(q, name+pick("=", "=", "", "==")+value())
	}
	target := path
	if len(q) > 0 || r.IntN(4) == 0 {
		target += "?" + strings.Join(q, pick("&", "&", ";", "&&"))
	}

	var body string
	switch r.IntN(8) {
	case 0:
	case 1:
		body = junk(r.IntN(64))
	case 2:
		body = strings.Repeat(pick("[", "{", " ", `"`, "x"), testMaxBody/2+r.IntN(3*testMaxBody))
	default:
		valid := pick(
			`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10","patient":{"pain_weeks":16,"systemic_cause":false,"improving":true,"flags":["pacemaker"]},"usage":{"visits_this_year":12,"visits_last_90_days":12,"visits_this_month":4},"provider":{"type":"licensed_acupuncturist","supervised":true}}`,
			`{"plan":"medicaid","state":"ca","condition":"M54.50"}`,
			`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`,
			`{"plan":"example-hmo-copay","state":"TX","condition":"M17.11","start_date":"2026-01-05","course":{"visits":30,"visits_per_week":3},"accumulators":{"deductible_met_cents":0}}`,
		)
		body = mutate(valid)
	}
	var req *http.Request
	if body == "" && r.IntN(2) == 0 {
		req = httptest.NewRequest(http.MethodGet, "/", nil)
	} else {
		req = httptest.NewRequest(http.MethodGet, "/", strings.NewReader(body))
	}
	req.Method = method
	// Set the raw parts directly: a random target need not parse as a URL.
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", strings.TrimPrefix(target, path+"?")
	if target == path {
		req.URL.RawQuery = ""
	}
	if r.IntN(5) > 0 {
		req.Header.Set("Content-Type", pick("application/json", "application/json", "application/json; charset=utf-8",
			"application/problem+json", "text/plain", "application/json; charset=latin1", "garbage;;", "", "multipart/form-data; boundary=x"))
	}
	for range r.IntN(4) {
		req.Header.Set(pick("Accept", "Accept-Encoding", "X-Request-ID", "If-None-Match", "Content-Encoding", "Transfer-Encoding", "X-Junk"),
			pick("*/*", "gzip", "identity", "\"abc\"", "*", strings.Repeat("x", 300), "id-1", "W/\"x\"", "chunked"))
	}
	if r.IntN(10) == 0 {
		req.ContentLength = int64(r.IntN(10 * testMaxBody)) // a lying Content-Length
	}
	return req
}

func junkPath(r *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_./%~"
	b := make([]byte, r.IntN(40))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// TestDrillRandomRequests fires seeded random, mostly malformed requests
// through the real router: never a 5xx, every error a problem+json.
func TestDrillRandomRequests(t *testing.T) {
	t.Parallel()
	n := 10_000
	if os.Getenv("ACUCOVER_DRILL") == "long" {
		n = 300_000
	}
	srv := newTestServer(t, mustDefault(t))
	r := rand.New(rand.NewPCG(20260310, 1))
	statuses := map[int]int{}
	for i := range n {
		req := randomRequest(r)
		desc := fmt.Sprintf("#%d %s %s?%.60q", i, req.Method, req.URL.Path, req.URL.RawQuery)
		rec := srv.serve(req)
		statuses[rec.Code]++
		if rec.Code >= 500 {
			t.Fatalf("%s: status %d\n%s", desc, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			checkProblem(t, rec)
		}
		if t.Failed() {
			t.Fatalf("%s: answer above is not a problem", desc)
		}
	}
	// The generator must reach both answers and each class of mistake.
	for _, code := range []int{200, 400, 404, 405, 413, 415, 422} {
		if statuses[code] == 0 {
			t.Errorf("no request answered %d; statuses %v", code, statuses)
		}
	}
	t.Logf("%d random requests, statuses %v", n, statuses)
	if strings.Contains(srv.logs.String(), "panic") {
		t.Errorf("a random request panicked:\n%s", srv.logs)
	}
}
