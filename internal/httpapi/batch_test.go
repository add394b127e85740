package httpapi

import (
	"encoding/csv"
	"time"

	"encoding/json"
	"fmt"
	"github.com/acucover/acucover/internal/catalog"
	"net/http"
	"strings"
	"testing"
)

func TestBatchJSONMixed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	body := `{"checks":[
		{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10"},
		{"plan":"no-such-plan","state":"CA","condition":"neck_pain"},
		{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","bogus":1},
		7,
		{"plan":"medicare-part-b","state":"ZZ","condition":"neck_pain"},
		{"plan":"medicare-part-b","state":"NY","condition":"fibromyalgia","date":"2026-03-10"}]}`
	req := request{method: "POST", target: "/v1/coverage/batch", body: body}.build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	var out struct {
		Results []struct {
			Decision *struct{ Status, State string } `json:"decision"`
			Problem  *problem                        `json:"problem"`
		} `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("batch = %d %v\n%s", rec.Code, err, rec.Body)
	}
	var got []string
	for _, r := range out.Results {
		switch {
		case r.Decision != nil && r.Problem == nil:
			got = append(got, "decision "+r.Decision.State)
		case r.Problem != nil && r.Decision == nil:
			got = append(got, fmt.Sprint("problem ", r.Problem.Status))
		default:
			got = append(got, "malformed")
		}
	}
	want := []string{"decision CA", "problem 404", "problem 400", "problem 400", "problem 400", "decision NY"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("results = %v, want %v", got, want)
	}
}

// newBatchServer is the real router over the default catalog with a body
// limit that fits 1,000 checks, and optionally a rate limit.
func newBatchServer(t *testing.T, edit ...func(*Deps)) *testServer {
	t.Helper()
	d := Deps{Store: catalog.NewStore(mustDefault(t)), Now: func() time.Time { return testNow }, MaxBodyBytes: 1 << 20}
	for _, e := range edit {
		e(&d)
	}
	return &testServer{engine: newEngine(d), logs: &syncBuffer{}}
}

func TestBatchThousand(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t)
	states := []string{"CA", "NY", "TX", "WA", "OH", "FL", "IL"}
	checks := make([]string, maxBatch+1)
	for i := range checks {
		checks[i] = fmt.Sprintf(`{"plan":"medicare-part-b","state":%q,"condition":"chronic_low_back_pain","date":"2026-03-10"}`, states[i%len(states)])
	}
	req := request{method: "POST", target: "/v1/coverage/batch", body: `{"checks":[` + strings.Join(checks[:maxBatch], ",") + `]}`}.build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	var out struct {
		Results []struct {
			Decision struct{ State string } `json:"decision"`
		} `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Results) != maxBatch {
		t.Fatalf("1,000 checks: %d results, %v", len(out.Results), err)
	}
	for i, r := range out.Results {
		if r.Decision.State != states[i%len(states)] {
			t.Fatalf("result %d is for %s, want %s: out of order", i, r.Decision.State, states[i%len(states)])
		}
	}
	req = request{method: "POST", target: "/v1/coverage/batch", body: `{"checks":[` + strings.Join(checks, ",") + `]}`}.build()
	rec = s.serve(req)
	checkResponse(t, req, rec)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("1,001 checks = %d, want 413", rec.Code)
	}
}

func TestBatchCSV(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t)
	in := "\ufeffplan,state,condition,date,pain_weeks,systemic_cause,surgery_related,pregnancy_related,improving,visits_this_year,visits_last_90_days,visits_this_month,provider_type,provider_supervised\n" +
		"medicare-part-b,CA,chronic_low_back_pain,2026-03-10,16,false,false,false,true,12,12,4,physician,\n" +
		"medicare-part-b,CA,chronic_low_back_pain,2026-03-10,,,,,,,,,,\n" +
		"medicare-part-b,CA,chronic_low_back_pain,2026-03-10,many,false,false,false,true,1,1,1,,\n" +
		"\"=HYPERLINK(\"\"http://evil\"\")\",CA,neck_pain,2026-03-10,,,,,,,,,,\n" +
		"medicare-part-b,CA\n" +
		"medicare-part-b,NY,fibromyalgia,2026-03-10,,,,,,,,,,\n"
	req := request{method: "POST", target: "/v1/coverage/batch", body: in, contentType: "text/csv"}.build()
	req.Header.Set("Accept", "text/csv")
	rec := s.serve(req)
	checkResponse(t, req, rec)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV batch = %d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(csvResultColumns, ",") || len(rows) != 7 {
		t.Fatalf("CSV answer has header %v and %d rows, want %v and 6 rows", rows[0], len(rows)-1, csvResultColumns)
	}
	var statuses []string
	for i, r := range rows[1:] {
		if r[0] != fmt.Sprint(i+1) {
			t.Errorf("row %d is numbered %s", i+1, r[0])
		}
		statuses = append(statuses, r[1])
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("row %d: cell %q could run as a formula", i+1, cell)
			}
		}
	}
	want := "covered,conditional,error,error,error,not_covered"
	if strings.Join(statuses, ",") != want {
		t.Errorf("statuses = %v, want %s\n%s", statuses, want, rec.Body)
	}
	if rows[1][2] != "8" || rows[3][7] == "" || !strings.Contains(rows[3][7], "pain_weeks") {
		t.Errorf("row 1 visits_remaining %q (want 8), row 3 error %q (want pain_weeks)", rows[1][2], rows[3][7])
	}

	// The same CSV answered as JSON.
	req = request{method: "POST", target: "/v1/coverage/batch", body: in, contentType: "text/csv; charset=utf-8"}.build()
	rec = s.serve(req)
	checkResponse(t, req, rec)
	if n := strings.Count(rec.Body.String(), `"decision"`) + strings.Count(rec.Body.String(), `"problem"`); rec.Code != 200 || n != 6 {
		t.Errorf("CSV in, JSON out = %d with %d results, want 6", rec.Code, n)
	}
	for _, bad := range []string{"", "plan,state\n", "plan,state,condition,shoe_size\n", "plan,state,condition\n\"unterminated"} {
		req := request{method: "POST", target: "/v1/coverage/batch", body: bad, contentType: "text/csv"}.build()
		rec := s.serve(req)
		checkResponse(t, req, rec)
		if rec.Code != 400 {
			t.Errorf("CSV %q = %d, want 400", bad, rec.Code)
		}
	}
}

func TestCSVSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "ok": "ok", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
