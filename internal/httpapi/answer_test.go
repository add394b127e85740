package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/gin-gonic/gin/render"
)

// pureJSONResponse is what gin's PureJSON wrote for v: body and
// Content-Type.
func pureJSONResponse(t testing.TB, v any) (body []byte, contentType string) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := (render.PureJSON{Data: v}).Render(rec); err != nil {
		t.Error(err) // called from the test's goroutines: no Fatal
	}
	return rec.Body.Bytes(), rec.Header().Get("Content-Type")
}

// TestEncodedResponsesAreWhatPureJSONWrote sends coverage questions (POST
// and GET) and estimates, in parallel so pooled buffers are shared, and
// requires each response to carry exactly the body and Content-Type gin's
// PureJSON wrote for the same answer before the hand-written encoders.
func TestEncodedResponsesAreWhatPureJSONWrote(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	s := newTestServer(t, ix)
	date := func(v string) catalog.Date { d, _ := catalog.ParseDate(v); return d }
	decisions := []struct {
		body string
		q    coverage.Query
	}{
		{`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10"}`,
			coverage.Query{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Date: date("2026-03-10")}},
		{`{"plan":"medicare-part-b","state":"ny","condition":"M54.51","date":"2026-03-10","patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true,"flags":["pacemaker","pregnant"]},"usage":{"visits_this_year":12,"visits_last_90_days":12,"visits_this_month":4},"provider":{"type":"physician"}}`,
			coverage.Query{Plan: "medicare-part-b", State: "NY", Condition: "M54.51", Date: date("2026-03-10"),
				Patient: &coverage.Patient{PainWeeks: ptrTo(16), SystemicCause: ptrTo(false), SurgeryRelated: ptrTo(false), PregnancyRelated: ptrTo(false), Improving: ptrTo(true), Flags: []string{"pacemaker", "pregnant"}},
				Usage:   &coverage.Usage{VisitsThisYear: ptrTo(12), VisitsLast90Days: ptrTo(12), VisitsThisMonth: ptrTo(4)}, Provider: &coverage.Provider{Type: "physician"}}},
		{`{"plan":"example-epo-capped","state":"WA","condition":"migraine","date":"2025-12-31","provider":{"type":"chiropractor","supervised":true}}`,
			coverage.Query{Plan: "example-epo-capped", State: "WA", Condition: "migraine", Date: date("2025-12-31"), Provider: &coverage.Provider{Type: "chiropractor", Supervised: ptrTo(true)}}},
		{`{"plan":"medicaid","state":"TX","condition":"nausea"}`,
			coverage.Query{Plan: "medicaid", State: "TX", Condition: "nausea", Date: catalog.DateOf(testNow)}},
	}
	estimates := []string{
		`{"plan":"medicare-part-b","state":"CA","condition":"M54.50","start_date":"2026-03-02","course":{"visits_per_week":2,"weeks":6},"patient":{"pain_weeks":20,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`,
		`{"plan":"example-ppo-gold","state":"WA","condition":"migraine","start_date":"2026-12-20","network":"out","course":{"visits":30,"minutes_per_visit":60,"electroacupuncture":true},"charge_cents":12000,"accumulators":{"deductible_met_cents":5,"oop_met_cents":999999,"visits_this_year":3,"visits_last_90_days":3,"visits_this_month":1}}`,
		`{"plan":"example-epo-capped","state":"WA","condition":"chronic_low_back_pain","start_date":"2026-06-30","course":{"visits_per_week":7,"weeks":52},"provider":{"type":"physician"}}`,
	}
	check := func(rec *httptest.ResponseRecorder, v any) {
		t.Helper()
		body, ct := pureJSONResponse(t, v)
		if rec.Code != http.StatusOK {
			t.Errorf("status %d: %s", rec.Code, rec.Body)
			return
		}
		if got := rec.Header().Get("Content-Type"); got != ct {
			t.Errorf("Content-Type %q, PureJSON wrote %q", got, ct)
		}
		if !bytes.Equal(rec.Body.Bytes(), body) {
			t.Errorf("body differs from PureJSON's:\n got %s\nwant %s", rec.Body, body)
		}
	}
	var wg sync.WaitGroup
	for range 8 {
		for _, d := range decisions {
			wg.Go(func() {
				want, err := coverage.Decide(ix, d.q)
				if err != nil {
					t.Error(err)
					return
				}
				check(s.do(t, post(d.body)), want)
				if d.q.Patient == nil && d.q.Usage == nil && d.q.Provider == nil {
					q := "/v1/coverage?plan=" + d.q.Plan + "&state=" + d.q.State + "&condition=" + d.q.Condition + "&date=" + d.q.Date.String()
					check(s.do(t, get(q)), want)
				}
			})
		}
		for _, body := range estimates {
			wg.Go(func() {
				var req cost.Request
				if err := json.Unmarshal([]byte(body), &req); err != nil {
					t.Error(err)
					return
				}
				want, err := cost.Estimate(ix, req)
				if err != nil {
					t.Error(err)
					return
				}
				check(s.do(t, request{method: http.MethodPost, target: "/v1/estimates", body: body}), want)
			})
		}
	}
	wg.Wait()
}

func ptrTo[T any](v T) *T { return &v }

// TestBatchJSONIsWhatPureJSONWrote compares appendBatchJSON with PureJSON of
// the batch answer as postBatch wrote it: decisions, problems (with field
// errors and strings that need escaping), both, neither, and no results.
func TestBatchJSONIsWhatPureJSONWrote(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	d1, err := coverage.Decide(ix, coverage.Query{Plan: "medicare-part-b", State: "CA", Condition: "M54.50", Date: catalog.NewDate(2026, 3, 10)})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := coverage.Decide(ix, coverage.Query{Plan: "example-ppo-gold", State: "WA", Condition: "migraine", Date: catalog.NewDate(2025, 12, 31),
		Patient: &coverage.Patient{Flags: []string{"aicd"}}, Usage: &coverage.Usage{VisitsThisYear: ptrTo(3)}})
	if err != nil {
		t.Fatal(err)
	}
	p1 := &problem{Type: problemTypePrefix + "invalid-request", Title: "Invalid request", Status: 400, Detail: `plan "<&>\u2028\xff" is "bad"`, Instance: "/v1/coverage/batch#/checks/1",
		Errors: []fieldError{{Field: "plan", Message: "is required\n"}, {Field: "usage.visits_this_year", Message: "<must> & be"}}}
	p2 := &problem{Title: "Not found", Status: 404}
	for name, results := range map[string][]batchItem{
		"nil":   nil,
		"empty": {},
		"mixed": {{Decision: &d1}, {Problem: p1}, {Decision: &d2}, {Problem: p2}, {}, {Decision: &d1, Problem: p1}},
	} {
		want, ct := pureJSONResponse(t, struct {
			Results []batchItem `json:"results"`
		}{results})
		if ct != jsonContentType {
			t.Errorf("PureJSON's Content-Type is %q, not %q", ct, jsonContentType)
		}
		got, err := appendBatchJSON([]byte("prefix"), results)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[6:], want) {
			t.Errorf("%s: appendBatchJSON differs from PureJSON:\n got %s\nwant %s", name, got, want)
		}
	}
}

// TestFlushedAnswersKeepTheirLength checks, over a real connection, that
// answers writeJSON flushes (flushAfter bytes or more) still go out with
// their Content-Length, not chunked, and whole — and that both sizes are
// exercised: a flush before net/http knows the length would switch it to
// chunked encoding.
func TestFlushedAnswersKeepTheirLength(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	srv := httptest.NewServer(s.engine)
	defer srv.Close()
	var small, large bool
	for _, r := range []request{
		get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"),
		get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2026-03-10"), // cached
		get("/v1/states"),
		estimate(medicareCourse),
		post(`{"plan":"nope","state":"CA","condition":"chronic_low_back_pain"}`),
	} {
		req := r.build()
		req.URL.Scheme, req.URL.Host, req.RequestURI = "http", srv.Listener.Addr().String(), ""
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.target, err)
		}
		if len(resp.TransferEncoding) != 0 || resp.ContentLength != int64(len(body)) {
			t.Errorf("%s %s: Transfer-Encoding %q, Content-Length %d for a %d-byte body; want the length, not chunked",
				r.method, r.target, resp.TransferEncoding, resp.ContentLength, len(body))
		}
		if !json.Valid(body) {
			t.Errorf("%s %s: the body is not JSON: %.200q", r.method, r.target, body)
		}
		if len(body) >= flushAfter {
			large = true
		} else {
			small = true
		}
	}
	if !small || !large {
		t.Errorf("small answers seen %v, answers of flushAfter (%d) bytes or more seen %v; want both", small, flushAfter, large)
	}
}
