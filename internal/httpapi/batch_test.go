package httpapi

import (
	"encoding/csv"
	"errors"
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
	inHeader := strings.Split(strings.TrimPrefix(strings.SplitN(in, "\n", 2)[0], "\ufeff"), ",")
	wantHeader := append(append([]string{"row"}, inHeader...), csvResultColumns...)
	if strings.Join(rows[0], ",") != strings.Join(wantHeader, ",") || len(rows) != 7 {
		t.Fatalf("CSV answer has header %v and %d rows, want %v and 6 rows", rows[0], len(rows)-1, wantHeader)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if _, ok := col[h]; !ok {
			col[h] = i
		}
	}
	st := len(inHeader) + 1 // the first result column
	var statuses []string
	for i, r := range rows[1:] {
		if r[0] != fmt.Sprint(i+2) {
			t.Errorf("data row %d is numbered %s, want %d (the spreadsheet's row; the header is row 1)", i+1, r[0], i+2)
		}
		statuses = append(statuses, r[st])
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
	if got := rows[1][st+6]; got != "8" {
		t.Errorf("row 2 visits_remaining %q, want 8", got)
	}
	if e := rows[3][len(rows[3])-1]; !strings.Contains(e, "pain_weeks") {
		t.Errorf("row 4 error %q, want pain_weeks named", e)
	}
	// The inputs are repeated as sent, in order.
	if strings.Join(rows[1][1:st], ",") != "medicare-part-b,CA,chronic_low_back_pain,2026-03-10,16,false,false,false,true,12,12,4,physician," {
		t.Errorf("row 2 inputs = %q", rows[1][1:st])
	}

	// The same CSV answered as JSON.
	req = request{method: "POST", target: "/v1/coverage/batch", body: in, contentType: "text/csv; charset=utf-8"}.build()
	rec = s.serve(req)
	checkResponse(t, req, rec)
	if n := strings.Count(rec.Body.String(), `"decision"`) + strings.Count(rec.Body.String(), `"problem"`); rec.Code != 200 || n != 6 {
		t.Errorf("CSV in, JSON out = %d with %d results, want 6", rec.Code, n)
	}
	for _, bad := range []string{"", "plan,state\n", "plan,state,condition\n\"unterminated"} {
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

// ehrExport is a schedule as an EHR exports it: its own columns around the
// ones a batch reads, headers in its own spelling, US dates, Y/N answers, a
// blank line, a name with a comma and one with a leading "=".
const ehrExport = "MRN,Patient Name,Appt Time,Plan,State,ICD10,Date,Pain Weeks,Systemic Cause,Surgery Related,Pregnancy Related,Visits This Year,Provider Type\r\n" +
	"A-1001,\"Doe, Jane\",08:30,medicare-part-b,CA,M54.50,3/10/2026,16,N,N,N,2,physician\r\n" +
	"A-1002,Roe Richard,09:15,medicare-part-b,CA,M54.2,3/10/2026,,,,,,\r\n" +
	"\r\n" +
	"A-1003,=cmd,10:00,medicare-part-b,CA,M54.50,3/10/2026,6,Y,N,N,0,physician\r\n" +
	"A-1004,Poe Edgar,10:45,medicare-part-b,CA,M54.50,3/10/2026,lots,N,N,N,0,physician\r\n"

// TestBatchCSVFromAnEHRExport: extra columns are passed through unchanged
// and in order, the inputs used are repeated, rows are numbered as the
// spreadsheet shows them, yes/no throughout, money in dollars, reasons in
// plain words, and the billing columns filled.
func TestBatchCSVFromAnEHRExport(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t)
	req := request{method: "POST", target: "/v1/coverage/batch", body: ehrExport, contentType: "text/csv"}.build()
	req.Header.Set("Accept", "text/csv")
	rec := s.serve(req)
	checkResponse(t, req, rec)
	if rec.Code != http.StatusOK {
		t.Fatalf("EHR export = %d\n%s", rec.Code, rec.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Fatalf("answer: %v, %d rows\n%s", err, len(rows), rec.Body)
	}
	in, _ := csv.NewReader(strings.NewReader(ehrExport)).ReadAll()
	n := len(in[0])
	if got := rows[0][1 : 1+n]; strings.Join(got, "|") != strings.Join(in[0], "|") {
		t.Errorf("the answer's input columns are %q, want %q as sent", got, in[0])
	}
	get := func(r []string, name string) string {
		for i, h := range rows[0] {
			if h == name && i > n {
				return r[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	wantRows := []string{"2", "3", "5", "6"} // the blank line is row 4
	for i, r := range rows[1:] {
		if r[0] != wantRows[i] {
			t.Errorf("result %d has row %s, want %s", i+1, r[0], wantRows[i])
		}
		src := in[i+1]
		for j := range n {
			want := src[j]
			if strings.HasPrefix(want, "=") {
				want = "'" + want // defused, as every formula-like cell
			}
			if r[1+j] != want {
				t.Errorf("row %s column %s = %q, want %q passed through", r[0], in[0][j], r[1+j], want)
			}
		}
		for _, c := range []string{"referral_required", "deductible_applies", "prior_authorization_now"} {
			if v := get(r, c); v == "true" || v == "false" {
				t.Errorf("row %s %s = %q: yes/no, never true/false", r[0], c, v)
			}
		}
		if reason := get(r, "reason"); strings.Contains(reason, "==") || strings.Contains(reason, ">=") {
			t.Errorf("row %s reason shows rule syntax: %q", r[0], reason)
		}
	}
	first := rows[1]
	for col, want := range map[string]string{
		"status": "covered", "checked_plan": "medicare-part-b", "checked_state": "CA", "checked_condition": "chronic_low_back_pain",
		"checked_date": "2026-03-10", "referral_required": "no", "prior_authorization_now": "no", "abn_needed": "no",
		"coinsurance_percent": "20", "deductible": "283.00", "copay": "0.00", "deductible_applies": "yes", "error": "",
	} {
		if got := get(first, col); got != want {
			t.Errorf("row 2 %s = %q, want %q", col, got, want)
		}
	}
	if m := get(first, "modifiers"); !strings.Contains(m, "KX: ") || !strings.Contains(m, "GA: ") {
		t.Errorf("row 2 modifiers = %q, want KX and GA with when to bill them", m)
	}
	if get(first, "cpt_codes") == "" || get(first, "visits_remaining") == "" {
		t.Error("row 2 lacks CPT codes or visits remaining")
	}
	// Neck pain (M54.2) under Original Medicare: not covered, give an ABN.
	if st, abn := get(rows[2], "status"), get(rows[2], "abn_needed"); st != "not_covered" || abn != "yes" {
		t.Errorf("row 3 status %q abn_needed %q, want not_covered and yes", st, abn)
	}
	// A systemic cause fails a criterion: said in plain words.
	if st, why := get(rows[3], "status"), get(rows[3], "reason"); st != "not_covered" || why == "" {
		t.Errorf("row 5 status %q reason %q", st, why)
	}
	if st, e := get(rows[4], "status"), get(rows[4], "error"); st != "error" || !strings.Contains(e, "pain_weeks") {
		t.Errorf("row 6 status %q error %q, want an error naming pain_weeks", st, e)
	}

	// As JSON, each result names its spreadsheet row.
	req = request{method: "POST", target: "/v1/coverage/batch", body: ehrExport, contentType: "text/csv"}.build()
	rec = s.serve(req)
	checkResponse(t, req, rec)
	var out struct {
		Results []struct {
			Row int `json:"row"`
		} `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Results) != 4 || out.Results[2].Row != 5 {
		t.Errorf("JSON answer rows: %+v %v", out.Results, err)
	}
}

func TestISODateAndHeaderNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"3/10/2026": "2026-03-10", "03/01/2026": "2026-03-01", "2026-03-10": "2026-03-10",
		"13/01/2026": "13/01/2026", "3/10/26": "3/10/26", "a/b/cdef": "a/b/cdef",
		"2026-03-10 09:30": "2026-03-10", "2026-03-10T09:30:00Z": "2026-03-10", "3/10/2026 9:30 AM": "2026-03-10", "March 10": "March 10"} {
		if got := isoDate(in); got != want {
			t.Errorf("isoDate(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{" Pain Weeks ": "pain_weeks", "visits-this-year": "visits_this_year", "PLAN": "plan"} {
		if got := csvHeaderName(in); got != want {
			t.Errorf("csvHeaderName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseCSVBatch: any body parses to a 4xx error or to checks whose
// rows increase from 2, never a panic.
func FuzzParseCSVBatch(f *testing.F) {
	f.Add([]byte(ehrExport))
	f.Add([]byte("plan,state,condition\n\n\nx,CA,y\n"))
	f.Add([]byte("\ufeffPlan,State,Dx,Dx\r\nmedicare-part-b,CA,M54.50,\"a\nb\"\r\n"))
	f.Add([]byte("plan,state,condition,date\nx,y,z,1/1/1\nx,y\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		header, reqs, err := parseCSVBatch(body)
		if err != nil {
			if !errors.Is(err, errInvalidRequest) && !errors.Is(err, errTooLarge) {
				t.Fatalf("error %v is not a 4xx kind", err)
			}
			return
		}
		last := 1
		for _, r := range reqs {
			if r.row <= last {
				t.Fatalf("row %d after %d", r.row, last)
			}
			last = r.row
			csvResultRow(&batchItem{Row: r.row}, len(header), r.cells)
		}
	})
}

// A required column misspelt in an EHR export is named in the problem, so
// the clerk sees which column to rename; a column of our own is not taken
// for it.
func TestBatchCSVMisspeltRequiredColumn(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t)
	in := "MRN,Plan,State,Conditon,Date\n123,example-ppo-gold,CA,chronic_low_back_pain,2026-12-07\n"
	req := request{method: "POST", target: "/v1/coverage/batch", body: in, contentType: "text/csv"}.build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `is the column \"Conditon\" meant to be condition?`) {
		t.Fatalf("misspelt condition column = %d\n%s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), `\"Date\" meant`) || strings.Contains(rec.Body.String(), `\"State\" meant`) {
		t.Fatalf("a column of our own was taken for the missing one:\n%s", rec.Body)
	}
}
