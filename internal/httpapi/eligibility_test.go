package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/acucover/acucover/internal/eligibility/eligibilitytest"
	"github.com/acucover/acucover/internal/fhir/fhirtest"
)

// quoteJSON is s as a JSON string.
func quoteJSON(s string) string { b, _ := json.Marshal(s); return string(b) }

func coverageWith271(x string) string {
	return `{"plan":"example-ppo-gold","state":"CA","condition":"chronic_low_back_pain","date":"2026-12-04","eligibility":{"x12_271":` + quoteJSON(x) + `}}`
}

type payerAnswer struct {
	Status     string `json:"status"`
	PayerFacts []struct {
		What, Value, Source string
	} `json:"payer_facts"`
	Conflicts []struct {
		Kind, Payer, Catalog, Used, Why string
		PayerSource                     string `json:"payer_source"`
	} `json:"conflicts"`
	VisitsRemaining *int `json:"visits_remaining"`
}

func (p payerAnswer) fact(what string) string {
	for _, f := range p.PayerFacts {
		if f.What == what {
			return f.Value
		}
	}
	return ""
}

func (p payerAnswer) kinds() string {
	var ks []string
	for _, c := range p.Conflicts {
		ks = append(ks, c.Kind+"="+c.Used)
	}
	return strings.Join(ks, ",")
}

func TestCoverageWith271(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	samples := eligibilitytest.Samples(t)
	before := conflictCounters["visits"].value()
	for _, tc := range []struct {
		file, status, fact, value, conflicts string
	}{
		{"ppo-gold.271", "covered", "visits_remaining", "20", "visits=payer,deductible=payer,out_of_pocket=payer,coinsurance=payer"},
		{"ppo-gold-pipes.271", "covered", "deductible_met", "400.00", "visits=payer,deductible=payer,out_of_pocket=payer,coinsurance=payer"},
		{"inactive.271", "not_covered", "coverage_inactive", "true", "coverage=payer"},
		{"non-covered.271", "not_covered", "acupuncture_not_covered", "true", "coverage=payer"},
		{"msg-limit.271", "covered", "visits_allowed", "12", "visits=payer,copay=payer"},
		{"dependent.271", "covered", "copay", "45.00", "copay=payer"},
	} {
		req := post(coverageWith271(samples[tc.file])).build()
		rec := s.serve(req)
		checkResponse(t, req, rec)
		var got payerAnswer
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
			t.Fatalf("%s: %d %s", tc.file, rec.Code, rec.Body)
		}
		if got.Status != tc.status || got.fact(tc.fact) != tc.value || got.kinds() != tc.conflicts {
			t.Errorf("%s: status %s, %s=%q, conflicts %s; want %s, %s, %s", tc.file, got.Status, tc.fact, got.fact(tc.fact), got.kinds(), tc.status, tc.value, tc.conflicts)
		}
	}
	if d := conflictCounters["visits"].value() - before; d < 3 {
		t.Errorf("acucover_eligibility_conflicts_total{kind=visits} rose by %d, want at least 3", d)
	}

	// The same benefits as JSON, in the clearinghouse's camelCase.
	body := `{"plan":"example-ppo-gold","state":"CA","condition":"chronic_low_back_pain","date":"2026-12-04","eligibility":{"benefits":[
		{"code":"1","serviceTypeCodes":["30"]},
		{"code":"F","serviceTypeCodes":["64"],"benefitsServiceDelivery":[{"quantityQualifierCode":"VS","quantity":"30","timePeriodQualifierCode":"22","numOfPeriods":"1"}]},
		{"code":"A","serviceTypeCodes":["64"],"benefitPercent":"0.25","inPlanNetworkIndicatorCode":"Y"}]}}`
	req := post(body).build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	var got payerAnswer
	json.Unmarshal(rec.Body.Bytes(), &got)
	if rec.Code != 200 || got.fact("visits_allowed") != "30" || got.kinds() != "visits=payer,coinsurance=payer" {
		t.Errorf("JSON benefits: %d %+v", rec.Code, got)
	}
}

func TestCoverageWith271Errors(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	samples := eligibilitytest.Samples(t)
	bad := strings.Replace(samples["ppo-gold.271"], "EB*C*IND*30***23*1000.00", "EB*C*IND*30***23*10X0.00", 1)
	for _, tc := range []struct {
		name, body string
		status     int
		field, msg string
	}{
		{"malformed 271", coverageWith271(bad), 400, "eligibility.x12_271", "segment 12 (EB) element EB07"},
		{"not a 271", coverageWith271("hello"), 400, "eligibility.x12_271", "ISA"},
		{"AAA rejection", coverageWith271(samples["rejected.271"]), 422, "eligibility.x12_271", "Invalid/Missing Subscriber/Insured ID"},
		{"both forms", `{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","eligibility":{"x12_271":"ISA","benefits":[{"code":"1"}]}}`, 400, "eligibility", "not both"},
		{"bad JSON benefit", `{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","eligibility":{"benefits":[{"code":"B","amount":"1.234"}]}}`, 400, "eligibility.benefits[0].amount", ""},
		{"unknown eligibility field", `{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","eligibility":{"x12":"ISA"}}`, 400, "eligibility.x12", "not a known field"},
		{"too large", coverageWith271(strings.Repeat(samples["ppo-gold.271"], 8)), 413, "", ""},
	} {
		req := post(tc.body).build()
		rec := s.serve(req)
		checkResponse(t, req, rec)
		if rec.Code != tc.status {
			t.Errorf("%s: %d, want %d\n%s", tc.name, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.field == "" {
			continue
		}
		var p problem
		json.Unmarshal(rec.Body.Bytes(), &p)
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Message, tc.msg) {
			t.Errorf("%s: errors %+v, want field %s saying %q", tc.name, p.Errors, tc.field, tc.msg)
		}
	}
}

func TestEstimateAndBatchWith271(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t)
	x := eligibilitytest.Samples(t)["msg-limit.271"] // 12 a year, 4 used
	body := `{"plan":"example-ppo-gold","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-06-01","charge_cents":9000,
		"course":{"visits":10},"eligibility":{"x12_271":` + quoteJSON(x) + `}}`
	req := request{method: http.MethodPost, target: "/v1/estimates", body: body}.build()
	rec := s.serve(req)
	checkResponse(t, req, rec)
	var est struct {
		Coverage struct {
			payerAnswer
			CostSharing struct {
				CopayCents int64 `json:"copay_cents"`
			} `json:"cost_sharing"`
		}
		Summary struct {
			CoveredVisits int `json:"covered_visits"`
		}
		AccumulatorsAfter struct {
			VisitsThisYear int `json:"visits_this_year"`
		} `json:"accumulators_after"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &est) != nil {
		t.Fatalf("estimate: %d %s", rec.Code, rec.Body)
	}
	if est.Summary.CoveredVisits != 8 || est.AccumulatorsAfter.VisitsThisYear != 12 || est.Coverage.CostSharing.CopayCents != 3000 {
		t.Errorf("estimate: %d covered, %d visits after, copay %d; want 8 (12 − 4 used), 12, the payer's $30", est.Summary.CoveredVisits, est.AccumulatorsAfter.VisitsThisYear, est.Coverage.CostSharing.CopayCents)
	}
	if est.Coverage.fact("visits_used") != "4" {
		t.Errorf("estimate payer facts = %+v", est.Coverage.PayerFacts)
	}

	batch := `{"checks":[` + coverageWith271(x) + `,` + coverageWith271("ISA*bad") + `,{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","date":"2026-12-04"}]}`
	req = request{method: http.MethodPost, target: "/v1/coverage/batch", body: batch}.build()
	rec = s.serve(req)
	checkResponse(t, req, rec)
	var out struct {
		Results []struct {
			Decision *payerAnswer `json:"decision"`
			Problem  *problem     `json:"problem"`
		} `json:"results"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Results) != 3 {
		t.Fatalf("batch: %d %s", rec.Code, rec.Body)
	}
	r := out.Results
	if r[0].Decision == nil || r[0].Decision.fact("visits_allowed") != "12" || r[1].Problem == nil || r[1].Problem.Status != 400 ||
		r[2].Decision == nil || len(r[2].Decision.PayerFacts) != 0 {
		t.Errorf("batch results: %s", rec.Body)
	}
	if r[1].Problem != nil && (len(r[1].Problem.Errors) == 0 || !strings.Contains(r[1].Problem.Errors[0].Field, "eligibility.x12_271")) {
		t.Errorf("batch item problem errors = %+v", r[1].Problem.Errors)
	}
}

// checkFHIR asserts a FHIR answer: its status, Content-Type
// application/fhir+json, the resource type, and validity against the FHIR
// R4 JSON schema.
func checkFHIR(t *testing.T, rec *httptest.ResponseRecorder, status int, resourceType string) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d\n%s", rec.Code, status, rec.Body)
	}
	if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != "application/fhir+json" {
		t.Errorf("Content-Type = %q, want application/fhir+json", rec.Header().Get("Content-Type"))
	}
	if err := fhirtest.ValidateJSON(rec.Body.Bytes()); err != nil {
		t.Errorf("answer does not validate against the FHIR R4 schema: %v\n%s", err, rec.Body)
	}
	v := map[string]any{}
	json.Unmarshal(rec.Body.Bytes(), &v)
	if v["resourceType"] != resourceType {
		t.Errorf("resourceType = %v, want %s\n%s", v["resourceType"], resourceType, rec.Body)
	}
	return v
}

func TestFHIRCoverage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	x := eligibilitytest.Samples(t)["ppo-gold.271"]
	fhirPost := func(body string) *httptest.ResponseRecorder {
		req := post(body).build()
		req.Header.Set("Accept", "application/fhir+json")
		return s.serve(req)
	}
	v := checkFHIR(t, fhirPost(coverageWith271(x)), 200, "CoverageEligibilityResponse")
	b, _ := json.Marshal(v)
	for _, want := range []string{`"inforce":true`, `"allowedUnsignedInt":30`, `"usedUnsignedInt":10`, `"usedMoney":{"currency":"USD","value":400}`, `"code":"64"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("response lacks %s:\n%s", want, b)
		}
	}
	checkFHIR(t, fhirPost(`{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","date":"2026-03-10"}`), 200, "CoverageEligibilityResponse")
	checkFHIR(t, fhirPost(`{"plan":"medicaid","state":"WY","condition":"neck_pain","date":"2026-03-10"}`), 200, "CoverageEligibilityResponse")
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"plan":"no-such-plan","state":"CA","condition":"neck_pain"}`, 404},
		{`{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","bogus":1}`, 400},
		{coverageWith271(eligibilitytest.Samples(t)["rejected.271"]), 422},
		{coverageWith271(strings.Repeat(x, 8)), 413},
	} {
		checkFHIR(t, fhirPost(tc.body), tc.status, "OperationOutcome")
	}
}

const fhirRequest = `{"resourceType":"CoverageEligibilityRequest","id":"q1","status":"active","purpose":["benefits"],
 "contained":[{"resourceType":"Patient","id":"p","address":[{"state":"CA"}]}],
 "patient":{"reference":"#p"},"created":"2026-12-04","insurer":{"identifier":{"system":"urn:acucover:plan","value":"example-ppo-gold"}},
 "servicedDate":"2026-12-04",
 "item":[{"productOrService":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"97810"}]},
  "diagnosis":[{"diagnosisCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"M54.50"}]}}]}]}`

func TestFHIREligibilityRequest(t *testing.T) {
	t.Parallel()
	if err := fhirtest.ValidateJSON([]byte(fhirRequest)); err != nil {
		t.Fatalf("the test's request is not valid FHIR: %v", err)
	}
	s := newTestServer(t, mustDefault(t))
	send := func(target, body, contentType string) *httptest.ResponseRecorder {
		return s.do(t, request{method: http.MethodPost, target: target, body: body, contentType: contentType})
	}
	const path = "/fhir/r4/CoverageEligibilityRequest"
	v := checkFHIR(t, send(path, fhirRequest, "application/fhir+json"), 200, "CoverageEligibilityResponse")
	b, _ := json.Marshal(v)
	for _, want := range []string{`"reference":"CoverageEligibilityRequest/q1"`, `"reference":"#p"`, `"outcome":"complete"`, `"value":"example-ppo-gold"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("response lacks %s:\n%s", want, b)
		}
	}
	noState := strings.Replace(fhirRequest, `"address":[{"state":"CA"}]`, `"address":[]`, 1)
	checkFHIR(t, send(path+"?state=CA", noState, "application/fhir+json"), 200, "CoverageEligibilityResponse")
	for _, tc := range []struct {
		name, target, body, contentType string
		status                          int
	}{
		{"not JSON", path, "{", "application/fhir+json", 400},
		{"wrong resource", path, `{"resourceType":"Patient"}`, "application/fhir+json", 400},
		{"no patient", path, strings.Replace(fhirRequest, `"patient":{"reference":"#p"},`, `"patient":{},`, 1), "application/fhir+json", 422},
		{"no state", path, noState, "application/fhir+json", 422},
		{"unknown plan", path, strings.Replace(fhirRequest, `"value":"example-ppo-gold"`, `"value":"no-such-plan"`, 1), "application/fhir+json", 404},
		{"not offered in the state", path + "?state=WY", noState, "application/fhir+json", 422},
		{"not JSON media type", path, fhirRequest, "text/plain", 415},
		{"too large", path, strings.Repeat(" ", testMaxBody) + fhirRequest, "application/fhir+json", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkFHIR(t, send(tc.target, tc.body, tc.contentType), tc.status, "OperationOutcome")
		})
	}
	rec := s.do(t, get("/fhir/r4/metadata"))
	v = checkFHIR(t, rec, 200, "CapabilityStatement")
	if v["fhirVersion"] != "4.0.1" {
		t.Errorf("fhirVersion = %v", v["fhirVersion"])
	}
}

// TestMangled271sNever5xx: 10,000 byte-level mutations of the valid sample
// 271s, through POST /v1/coverage (and every tenth through
// /v1/estimates and the FHIR form), answer 200 or a 4xx problem — never a
// 5xx, never a panic.
func TestMangled271sNever5xx(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	samples := eligibilitytest.Sorted(t)
	r := rand.New(rand.NewPCG(18, 271))
	counts := map[int]int{}
	for i := range 10000 {
		x := eligibilitytest.Mangle(r, samples[i%len(samples)])
		var req *http.Request
		switch {
		case i%10 == 3:
			req = request{method: http.MethodPost, target: "/v1/estimates", body: `{"plan":"example-ppo-gold","state":"CA","condition":"chronic_low_back_pain","start_date":"2026-12-01","course":{"visits":3},"eligibility":{"x12_271":` + quoteJSON(x) + `}}`}.build()
		case i%10 == 7:
			req = post(coverageWith271(x)).build()
			req.Header.Set("Accept", "application/fhir+json")
		default:
			req = post(coverageWith271(x)).build()
		}
		rec := s.serve(req)
		counts[rec.Code]++
		if rec.Code >= 500 {
			t.Fatalf("mangled 271 #%d answered %d:\n%q\n%s", i, rec.Code, x, rec.Body)
		}
	}
	if strings.Contains(s.logs.String(), "panic") || strings.Contains(s.logs.String(), "internal error") {
		t.Errorf("the log shows a panic or internal error:\n%.2000s", s.logs.String())
	}
	if counts[200] < 100 || counts[400] < 100 {
		t.Errorf("answers by status = %v: the mutations should leave some 271s readable and break others", counts)
	}
	t.Logf("answers by status: %v", counts)
}

// TestEligibilityConflictsMetricPassesPromtool: the conflicts metric, with
// every kind, is well-formed exposition by promtool's rules.
func TestEligibilityConflictsMetricPassesPromtool(t *testing.T) {
	t.Parallel()
	countConflicts(nil) // the kinds are exported from the start
	reg := prometheus.NewRegistry()
	reg.MustRegister(eligibilityCollector{})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	text := b.String()
	for _, k := range []string{"coverage", "visits", "deductible", "out_of_pocket", "copay", "coinsurance", "authorization", "usage"} {
		if !strings.Contains(text, fmt.Sprintf(`acucover_eligibility_conflicts_total{kind=%q}`, k)) {
			t.Errorf("exposition lacks kind %s:\n%s", k, text)
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is needed to check the metrics: apt-get install -y prometheus (.ci/deps installs it)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, text)
	}
}

func TestWantsFHIR(t *testing.T) { // not parallel: AllocsPerRun
	for accept, want := range map[string]bool{
		"":                                       false,
		"*/*":                                    false,
		"application/json":                       false,
		"application/fhir+json":                  true,
		"Application/FHIR+JSON; fhirVersion=4.0": true,
		"application/json, application/fhir+json;q=0.9": true,
		"application/fhir+jsonx":                        false,
	} {
		if got := wantsFHIR(accept); got != want {
			t.Errorf("wantsFHIR(%q) = %v, want %v", accept, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { wantsFHIR("application/json") }); n != 0 {
		t.Errorf("wantsFHIR allocates %v times for a plain Accept", n)
	}
}
