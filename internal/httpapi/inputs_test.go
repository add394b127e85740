package httpapi

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// TestNULInQueryIs400: a NUL in an audit filter (or any query or path) is
// a 400, not a 500 from PostgreSQL.
func TestNULInQueryIs400(t *testing.T) {
	t.Parallel()
	s := newDBServer(t)
	for _, target := range []string{"/v1/admin/audit?resource_id=a%00b", "/v1/admin/audit?key=%00", "/v1/admin/rules/x%00y"} {
		rec := s.call(t, call{method: http.MethodGet, target: target, key: "editor"})
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400\n%s", target, rec.Code, rec.Body)
		}
	}
	// In a JSON body too: PostgreSQL cannot store it.
	body := `{"id":"nul-plan","name":"a\u0000b","payer":"p","type":"commercial","states":["CA"],"benefit_period":{"kind":"calendar_year"},"sources":[{"title":"t","url":"https://example.org/"}]}`
	if rec := s.call(t, call{method: http.MethodPost, target: "/v1/admin/plans", key: "editor", body: body}); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "NUL") {
		t.Errorf("POST a plan whose name holds a NUL = %d, want 400\n%s", rec.Code, rec.Body)
	}
}

// TestDuplicateAndCaseKeysRefused: encoding/json keeps the last of two
// equal keys and matches names case-insensitively; a request saying two
// things, or "Plan" for "plan", is refused instead, on every JSON route.
func TestDuplicateAndCaseKeysRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	for _, body := range []string{
		`{"plan":"medicaid","plan":"medicare-part-b","state":"CA","condition":"neck_pain"}`,                                   // fast reader's shape
		`{"plan":"medicaid","Plan":"medicare-part-b","state":"CA","condition":"neck_pain"}`,                                   // differ in case
		`{"Plan":"medicare-part-b","state":"CA","condition":"neck_pain"}`,                                                     // a case-insensitive match alone
		`{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","usage":{"visits_this_year":1,"visits_this_year":2}}`, // nested
		`{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","date":"2026-03-10","date":"2026-03-11"}`,
	} {
		req := post(body).build()
		rec := s.serve(req)
		checkResponse(t, req, rec)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("POST /v1/coverage %s = %d, want 400", body, rec.Code)
		}
	}
	bs := newBatchServer(t)
	req := request{method: "POST", target: "/v1/coverage/batch", body: `{"checks":[],"checks":[{"plan":"medicaid","state":"CA","condition":"neck_pain"}]}`}.build()
	if rec := bs.serve(req); rec.Code != http.StatusBadRequest {
		t.Errorf("batch with checks twice = %d, want 400", rec.Code)
	}
	req = request{method: "POST", target: "/v1/coverage/batch", body: `{"checks":[{"plan":"medicaid","State":"CA","state":"TX","condition":"neck_pain"}]}`}.build()
	rec := bs.serve(req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"problem"`) || strings.Contains(rec.Body.String(), `"decision"`) {
		t.Errorf("batch check with State and state = %d, want 200 with that check's problem\n%s", rec.Code, rec.Body)
	}
}

// TestProblemListsAtMost20Errors: a query with hundreds of bad parameters
// (a 62 KB query once produced a 1.38 MB problem) gets a short problem
// that says how many errors it left out.
func TestProblemListsAtMost20Errors(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	var q []string
	for i := range 500 {
		q = append(q, fmt.Sprintf("bogus%d=%s", i, strings.Repeat("x", 100)))
	}
	q = append(q, strings.Repeat("y", 5000)+"=1")
	req := get("/v1/coverage?plan=medicaid&state=CA&condition=neck_pain&" + strings.Join(q, "&")).build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusBadRequest {
		t.Fatalf("= %d %v", rec.Code, err)
	}
	if len(p.Errors) > maxProblemErrors || p.Omitted != 501-len(p.Errors) || rec.Body.Len() > 16<<10 {
		t.Errorf("problem lists %d errors, says %d omitted, is %d bytes; want ≤ %d listed, the rest counted, a few KB",
			len(p.Errors), p.Omitted, rec.Body.Len(), maxProblemErrors)
	}
}

// TestCSVAnswerQuotesSeparators: a cell holding ";" (or any separator) is
// quoted, so a semicolon-locale spreadsheet cannot split a formula out of
// it; a cell starting like a formula is defused.
func TestCSVAnswerQuotesSeparators(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t)
	in := "plan,state,condition\n\"x;=HYPERLINK(\"\"http://evil\"\")\",CA,neck_pain\n\"=1+1\",CA,neck_pain\n"
	req := request{method: "POST", target: "/v1/coverage/batch", body: in, contentType: "text/csv"}.build()
	req.Header.Set("Accept", "text/csv")
	rec := s.serve(req)
	if rec.Code != http.StatusOK {
		t.Fatalf("= %d\n%s", rec.Code, rec.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV answer: %v, %d rows\n%s", err, len(rows), rec.Body)
	}
	for _, line := range strings.Split(strings.TrimSpace(rec.Body.String()), "\n")[1:] {
		// Outside quotes, the only separators are the commas between cells.
		inQuote, outside := false, ""
		for _, r := range line {
			if r == '"' {
				inQuote = !inQuote
			} else if !inQuote {
				outside += string(r)
			}
		}
		if strings.ContainsAny(outside, ";\t|") || strings.Contains(outside, "=") {
			t.Errorf("unquoted separator or formula in %q", line)
		}
	}
	for _, r := range rows[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q could run as a formula", cell)
			}
		}
	}
}

// TestContentEncodingIs415: a gzip body is refused, not read as garbage.
func TestContentEncodingIs415(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	req := post(`{"plan":"medicaid","state":"CA","condition":"neck_pain"}`).build()
	req.Header.Set("Content-Encoding", "gzip")
	rec := s.serve(req)
	checkResponse(t, req, rec)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("gzip body = %d, want 415", rec.Code)
	}
}

// TestHEADOnGETRoutes: HEAD answers what GET would, without the body.
func TestHEADOnGETRoutes(t *testing.T) {
	t.Parallel()
	h := New(Deps{Store: catalog.NewStore(mustDefault(t)), Now: func() time.Time { return testNow }})
	for _, target := range []string{"/v1/plans", "/v1/plans/medicaid", "/healthz", "/openapi.json", "/v1/coverage?plan=medicaid&state=CA&condition=neck_pain"} {
		get := httptest.NewRecorder()
		h.ServeHTTP(get, httptest.NewRequest(http.MethodGet, target, nil))
		srv := httptest.NewServer(h)
		resp, err := http.Head(srv.URL + target)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != get.Code || resp.Header.Get("Content-Type") != get.Header().Get("Content-Type") {
			t.Errorf("HEAD %s = %d %q, GET = %d %q", target, resp.StatusCode, resp.Header.Get("Content-Type"), get.Code, get.Header().Get("Content-Type"))
		}
	}
}

// TestSlowBodyIs408: a body that does not arrive within the server's read
// timeout is answered 408, not 400.
func TestSlowBodyIs408(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(New(Deps{Store: catalog.NewStore(mustDefault(t)), Now: func() time.Time { return testNow }}))
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/coverage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"plan\":")
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("stalled body = %d, want 408\n%s", resp.StatusCode, body)
	}
}

// FuzzCheckKeys: the key checker never panics, and a body it refuses is
// refused by decodeStrict with a 400.
func FuzzCheckKeys(f *testing.F) {
	for _, s := range []string{`{"plan":"a","plan":"b"}`, `{"Plan":"a"}`, `{"patient":{"flags":["x"],"Flags":[]}}`, `[{"a":1,"A":2}]`, `{"usage":{`, `{"checks":[{"x":1,"x":2}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req coverageRequest
		if err := checkKeys(body, reflect.TypeOf(&req)); err != nil {
			if derr := decodeStrict(body, &req); derr == nil || statusFor(derr) != http.StatusBadRequest {
				t.Fatalf("checkKeys refused %q (%v) but decodeStrict answered %v", body, err, derr)
			}
		}
	})
}
