package httpapi

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// checkFuzzAnswer fails on a 5xx, and on an error answer that is not a
// problem with a detail.
func checkFuzzAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d\n%s", rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		checkProblem(t, rec)
	}
}

func FuzzCoverageQuery(f *testing.F) {
	for _, q := range []string{
		"plan=medicare-part-b&state=CA&condition=neck_pain",
		"plan=medicare-part-b&state=ca&condition=m5450&date=2026-01-01",
		"plan=medicare-part-b&state=CA&condition=M54.5&date=2021-09-30",
		"plan=medicaid&state=TX&condition=chronic_low_back_pain",
		"plan=example-hmo-copay&state=TX&condition=M17.11",
		"plan=x&state=ZZ&condition=X&date=2026-02-30",
		"plan=%FF&state=%00&condition=%C0%AF",
		"plan=a;state=b", "%", "&&", "plan=a&plan=b", "",
	} {
		f.Add(q)
	}
	srv := newTestServer(f, mustDefault(f))
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := httptest.NewRequest(http.MethodGet, "/v1/coverage", nil)
		// Set directly: the fuzzer's string need not be a parseable URL.
		req.URL.RawQuery = rawQuery
		checkFuzzAnswer(t, srv.serve(req))
	})
}

func FuzzCoverageBody(f *testing.F) {
	for _, b := range []string{
		`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain"}`,
		`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-01","patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true,"flags":["pacemaker"]},"usage":{"visits_this_year":12,"visits_last_90_days":12,"visits_this_month":2},"provider":{"type":"licensed_acupuncturist","supervised":true}}`,
		`{"plan":"medicaid","state":"ca","condition":"M54.50","usage":{"visits_this_month":2}}`,
		`{"plan":"example-epo-capped","state":"WA","condition":"chronic_low_back_pain","patient":{"pain_weeks":3}}`,
		`{"plan":"medicaid","state":"CA","condition":"neck_pain","usage":{"visits_this_year":2,"visits_this_month":3}}`,
		`{"plan":1}`, `{"patient":{"x":1}}`, `[]`, `null`, `{} {}`, "", "\xff",
		`{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","eligibility":{"x12_271":"ISA*00*          *00*          *ZZ*P              *ZZ*C              *261204*1200*^*00501*000000301*0*P*:~HL*1**20*1~HL*2*1*21*1~HL*3*2*22*0~NM1*IL*1*A****MI*1~EB*B*IND*64***27*25.00~IEA*1*000000301~"}}`,
	} {
		f.Add(b)
	}
	srv := newTestServer(f, mustDefault(f))
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/coverage", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		checkFuzzAnswer(t, srv.serve(req))
	})
}

func FuzzEstimateBody(f *testing.F) {
	for _, b := range []string{
		`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},"patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`,
		`{"plan":"example-hmo-copay","state":"TX","condition":"M17.11","start_date":"2026-01-05","course":{"visits":30,"visits_per_week":3}}`,
		`{"plan":"medicaid","state":"ca","condition":"neck_pain","start_date":"2026-02-30","course":{"visits":1}}`,
		`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":-1}}`,
		`{"course":{"visits":1e9}}`, `{"accumulators":{"x":1}}`, `[]`, `null`, `{} {}`, "", "\xff",
	} {
		f.Add(b)
	}
	srv := newTestServer(f, mustDefault(f))
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/estimates", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		checkFuzzAnswer(t, srv.serve(req))
	})
}

func FuzzBatchCSV(f *testing.F) {
	for _, b := range []string{
		"plan,state,condition,date,pain_weeks,systemic_cause,surgery_related,pregnancy_related,improving\n" +
			"medicare-part-b,CA,chronic_low_back_pain,2026-03-10,16,false,false,false,yes\n" +
			"medicaid,TX,M54.50,,,,,,\n",
		"plan,state,condition,visits_this_year,visits_last_90_days,visits_this_month,provider_type,provider_supervised,flags\n" +
			"medicare-part-b,ny,neck_pain,12,12,3,licensed_acupuncturist,no,pacemaker;aicd\n",
		"\ufeffplan,state,condition\n=cmd|'/c calc'!A1,CA,neck_pain\n",
		"plan,state\nx,y\n", "plan,state,condition\n\"unterminated,CA,x\n", "plan,plan,plan\n", "", "\xff\xfe",
	} {
		f.Add(b)
	}
	srv := newTestServer(f, mustDefault(f))
	f.Fuzz(func(t *testing.T, body string) {
		for _, accept := range []string{"text/csv", "application/json"} {
			req := httptest.NewRequest(http.MethodPost, "/v1/coverage/batch", strings.NewReader(body))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("Accept", accept)
			checkFuzzAnswer(t, srv.serve(req))
		}
	})
}

// FuzzFastCoverageQuery: wherever the allocation-free GET query parser
// answers, the strict parser accepts the query and finds the same values.
func FuzzFastCoverageQuery(f *testing.F) {
	for _, q := range []string{
		"plan=medicare-part-b&state=CA&condition=neck_pain&date=2026-01-01",
		"plan=a+b&state=%43A&condition=M54.50", "plan=%zz", "plan=%FF", "date=", "date",
		"plan=a&plan=a", "plan=a&&state=b", "pl%61n=x", "plan=a;b", "plan=a&x=1", "&", "=",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fq, ok := fastCoverageQuery(raw)
		if !ok {
			return
		}
		q, err := strictQuery(raw, "/v1/coverage", "plan", "state", "condition", "date")
		if err != nil {
			t.Fatalf("fast parser accepted %q; strict parser: %v", raw, err)
		}
		d, hasDate := q["date"]
		if fq.plan != q["plan"] || fq.state != q["state"] || fq.condition != q["condition"] || fq.hasDate != hasDate || fq.date != d {
			t.Fatalf("%q: fast parser found %+v, strict %v", raw, fq, q)
		}
	})
}

// FuzzFastDecode: wherever the fast body decoders succeed, decodeStrict
// succeeds too and decodes exactly the same request.
func FuzzFastDecode(f *testing.F) {
	for _, b := range []string{
		`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-10","patient":{"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true,"flags":["pacemaker"]},"usage":{"visits_this_year":6,"visits_last_90_days":6,"visits_this_month":2},"provider":{"type":"licensed_acupuncturist","supervised":true}}`,
		`{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2,"weeks":6,"minutes_per_visit":30,"electroacupuncture":true},"network":"out","accumulators":{"deductible_met_cents":100,"oop_met_cents":0,"visits_this_year":1,"visits_last_90_days":1,"visits_this_month":0},"charge_cents":9500,"patient":{"pain_weeks":16},"provider":{"type":"physician"}}`,
		` { "plan" : "x" , "date" : null , "patient" : null, "usage": {}, "provider": null } `,
		`{"patient":{"flags":[]}}`, `{"patient":{"flags":null}}`, `{"charge_cents":null,"course":{"visits":-0}}`,
		`{"plan":"a","plan":"b"}`, `{"Plan":"a"}`, `{"plan":"\u0041"}`, `{"course":{"visits":1.0}}`, `{"course":{"visits":1e2}}`,
		`{"course":{"visits":012}}`, `{"accumulators":{"oop_met_cents":123456789012345678901}}`, `{}`, `{} {}`, `[]`, `null`, ``,
		`{"patient":{"age_under_21":true},"usage":{"units_this_year":4,"first_visit_date":"2025-11-03"},"provider":{"type":"np","credentials_met":true,"medicare_participation":"non_participating"}}`,
		`{"course":{"one_on_one_minutes":25},"accumulators":{"units_this_year":2,"first_visit_date":"2025-11-03"},"provider":{"medicare_participation":"opted_out"}}`,
		`{"usage":{"first_visit_date":"2025-02-30"}}`, `{"accumulators":{"first_visit_date":null}}`,
		`{"plan":"a","eligibility":{"x12_271":"ISA*00*~\nIEA*1~","member_id":"W1"}}`, `{"eligibility":null}`, `{"eligibility":{"benefits":[{"code":"B","amount":25,"serviceTypeCodes":["64"]}]}}`,
		`{"eligibility":{"benefits":[{"code":"B","amount":"x"}]}}`, `{"eligibility":{"x12_271":1}}`, `{"eligibility":[]}`, `{"eligibility":{"x12_271":"a","x12_271":"b"}}`,
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var fc coverageRequest
		if fastCoverageRequest([]byte(body), &fc) {
			var sc coverageRequest
			if err := decodeStrict([]byte(body), &sc); err != nil {
				t.Fatalf("fast coverage decoder accepted %q; decodeStrict: %v", body, err)
			}
			if !reflect.DeepEqual(fc, sc) {
				t.Fatalf("%q: fast decoded %#v, decodeStrict %#v", body, fc, sc)
			}
		}
		var fe estimateRequest
		if fastEstimateRequest([]byte(body), &fe) {
			var se estimateRequest
			if err := decodeStrict([]byte(body), &se); err != nil {
				t.Fatalf("fast estimate decoder accepted %q; decodeStrict: %v", body, err)
			}
			if !reflect.DeepEqual(fe, se) {
				t.Fatalf("%q: fast decoded %#v, decodeStrict %#v", body, fe, se)
			}
		}
	})
}

// TestFastDecodeTakesPlainBodies: the fast decoders do decode what clients
// send (otherwise FuzzFastDecode would prove nothing), and give up on what
// only decodeStrict may judge.
func TestFastDecodeTakesPlainBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body           string
		coverage, cost bool
	}{
		{`{"plan":"medicare-part-b","state":"CA","condition":"M54.50","date":"2026-03-10","patient":{"pain_weeks":16,"improving":true,"flags":["pacemaker"]},"usage":{"visits_this_year":6},"provider":{"type":"physician","supervised":false}}`, true, false},
		{` {"plan":"x", "date":null, "patient":null}` + "\n", true, false},
		{` {"plan":"x", "charge_cents":null, "patient":null}` + "\n", false, true},
		{`{"plan":"medicaid","state":"CA","condition":"neck_pain","start_date":"2026-03-10","course":{"visits":12,"visits_per_week":2},"accumulators":{"oop_met_cents":-1},"charge_cents":9500}`, false, true},
		// The fields issue 13 added stay on the fast path.
		{`{"plan":"medicare-part-b","state":"CA","condition":"M54.50","patient":{"age_under_21":false},"usage":{"units_this_year":4,"first_visit_date":"2025-11-03"},"provider":{"type":"np","credentials_met":true,"medicare_participation":"participating"}}`, true, false},
		{`{"plan":"medicare-part-b","state":"CA","condition":"M54.50","start_date":"2026-03-10","course":{"visits":2,"one_on_one_minutes":25},"accumulators":{"units_this_year":2,"first_visit_date":"2025-11-03"},"provider":{"medicare_participation":"non_participating"}}`, false, true},
		{`{"plan":"a","plan":"a"}`, false, false},
		{`{"plan":"\u0061"}`, false, false},
		{`{"PLAN":"a"}`, false, false},
		{`{"start_date":"2026-02-30"}`, false, false},
		{`{"course":{"visits":2.0}}`, false, false},
		{`{"plan":"a"}x`, false, false},
		{"{\"plan\":\"\xff\"}", false, false},
	} {
		var cr coverageRequest
		var er estimateRequest
		if got := fastCoverageRequest([]byte(tc.body), &cr); got != tc.coverage {
			t.Errorf("fastCoverageRequest(%s) = %v, want %v", tc.body, got, tc.coverage)
		}
		if got := fastEstimateRequest([]byte(tc.body), &er); got != tc.cost {
			t.Errorf("fastEstimateRequest(%s) = %v, want %v", tc.body, got, tc.cost)
		}
	}
}
