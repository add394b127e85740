package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func estimate(body string) request {
	return request{method: http.MethodPost, target: "/v1/estimates", body: body}
}

const medicareCourse = `{"plan":"medicare-part-b","state":"ca","condition":"M54.50","start_date":"2026-03-02",
 "course":{"visits_per_week":2,"weeks":6,"minutes_per_visit":30},
 "patient":{"pain_weeks":20,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true},
 "provider":{"type":"physician"}}`

func TestEstimates(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	tests := []struct {
		name   string
		body   string
		status int
		check  func(*testing.T, map[string]any)
	}{
		// Medicare 2026, 12 × 30-minute manual visits: allowed $37.03 + $28.47
		// = $65.50 each; $283 deductible over visits 1–5 (4 × 6550 + 2100),
		// then 20%: visit 5 pays 20% of 4450 = 890, visits 6–12 1310 each.
		// Patient 28300 + 890 + 7×1310 = 38360; plan 78600 − 38360 = 40240.
		{"medicare 2026", medicareCourse, 200, func(t *testing.T, v map[string]any) {
			tot := v["totals"].(map[string]any)
			if tot["patient_cents"] != 38360.0 || tot["plan_cents"] != 40240.0 || tot["allowed_cents"] != 78600.0 || tot["covered_visits"] != 12.0 {
				t.Errorf("totals = %v", tot)
			}
			if v["coverage"].(map[string]any)["status"] != "covered" || len(v["visits"].([]any)) != 12 {
				t.Errorf("coverage/visits wrong: %v", v["coverage"].(map[string]any)["status"])
			}
		}},
		{"commercial example with its total", `{"plan":"example-ppo-gold","state":"NY","condition":"neck_pain","start_date":"2026-03-02","course":{"visits_per_week":2,"weeks":6}}`, 200,
			func(t *testing.T, v map[string]any) {
				if tot := v["totals"].(map[string]any); tot["patient_cents"].(float64) <= 0 || tot["visits"] != 12.0 {
					t.Errorf("totals = %v", tot)
				}
			}},
		{"missing plan", `{"state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3}}`, 400, problemField("plan")},
		{"missing start_date", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","course":{"visits":3}}`, 400, problemField("start_date")},
		{"impossible start_date", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-30","course":{"visits":3}}`, 400, problemField("start_date")},
		{"unknown course field", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3,"hours":1}}`, 400, problemField("course.hours")},
		{"wrong type", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":"three"}}`, 400, problemField("course.visits")},
		{"both course forms", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3,"weeks":2,"visits_per_week":2}}`, 400, nil},
		{"minutes not in 15s", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3,"minutes_per_visit":20}}`, 400, nil},
		{"bad state", `{"plan":"medicare-part-b","state":"ZZ","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3}}`, 400, problemField("state")},
		{"neither a condition id nor a code, as in /v1/coverage", `{"plan":"medicare-part-b","state":"CA","condition":"Neck Pain","start_date":"2026-02-03","course":{"visits":3}}`, 400, problemField("condition")},
		{"unknown plan", `{"plan":"acme","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3}}`, 404, problemField("plan")},
		{"not offered", `{"plan":"example-hmo-copay","state":"tx","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3}}`, 422, problemField("plan")},
		{"contradictory accumulators", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3},"accumulators":{"visits_this_year":1,"visits_this_month":2}}`, 422, nil},
		{"negative charge", `{"plan":"medicare-part-b","state":"CA","condition":"neck_pain","start_date":"2026-02-03","course":{"visits":3},"charge_cents":-5}`, 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := estimate(tc.body).build()
			rec := s.serve(req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tc.status, rec.Body)
			}
			checkResponse(t, estimate(tc.body).build(), rec)
			if rec.Code == 200 && rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", rec.Header().Get("Cache-Control"))
			}
			if tc.check != nil {
				tc.check(t, decode(t, rec))
			}
		})
	}
}

func TestEstimatesRejectEveryMalformedBody(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, mustDefault(t))
	good := `{"plan":"medicare-part-b","state":"CA","condition":"M54.50","start_date":"2026-03-02","course":{"visits_per_week":2,"weeks":6}}`
	var bodies []string
	for _, field := range []string{"plan", "state", "condition", "start_date", "course", "network", "accumulators", "charge_cents", "patient", "provider"} {
		for _, v := range []string{`null`, `7`, `-1`, `"x"`, `""`, `[]`, `{}`, `true`, `1e400`, `"2026-13-01"`, `{"zz":1}`, `"\u0000"`, `99999999999999999999`} {
			bodies = append(bodies, strings.Replace(good, `{"plan"`, fmt.Sprintf(`{%q:%s,"plan"`, field, v), 1))
		}
	}
	bodies = append(bodies, "", "{", "[]", `"x"`, good+good, good[:40], "\xff\xfe", strings.Repeat(" ", 10))
	fives := 0
	for _, b := range bodies {
		rec := s.do(t, estimate(b))
		if rec.Code >= 500 {
			fives++
			t.Errorf("body %q: %d\n%s", b, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			checkProblem(t, rec)
		}
	}
	if fives > 0 {
		t.Errorf("%d of %d malformed bodies answered 5xx", fives, len(bodies))
	}
}
