package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestDidYouMean: a mistyped field, parameter, id or enum value is answered
// with the closest valid name, in the detail and in the field's error.
func TestDidYouMean(t *testing.T) {
	s := newTestServer(t, mustDefault(t))
	const base = `"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain"`
	for _, tc := range []struct {
		name  string
		req   request
		field string
		want  string
	}{
		{"body field", post(`{` + base + `,"patient":{"pain_week":20}}`), "patient.pain_week", `did you mean "pain_weeks"?`},
		{"top-level field", post(`{` + base + `,"dat":"2026-01-01"}`), "dat", `did you mean "date"?`},
		{"query parameter", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain&dat=2026-01-01"), "dat", `did you mean "date"?`},
		{"list parameter", get("/v1/plans?stat=CA"), "stat", `did you mean "state"?`},
		{"plan id", get("/v1/coverage?plan=medicare-partb&state=CA&condition=neck_pain"), "plan", `did you mean "medicare-part-b"?`},
		{"condition slug", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=back_pain"), "condition", `did you mean "chronic_low_back_pain"?`},
		{"provider type", post(`{` + base + `,"provider":{"type":"licensed_acupunturist"}}`), "provider.type", `did you mean "licensed_acupuncturist"?`},
		{"participation", post(`{` + base + `,"provider":{"medicare_participation":"participatin"}}`), "provider.medicare_participation", `did you mean "participating"?`},
		{"flag", post(`{` + base + `,"patient":{"flags":["pregnany"]}}`), "patient.flags", `did you mean "pregnant"?`},
		{"plan type", get("/v1/plans?type=comercial"), "type", `did you mean "commercial"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, tc.req)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("status %d, want a 4xx: %s", rec.Code, rec.Body)
			}
			p := decode(t, rec)
			if d, _ := p["detail"].(string); !strings.Contains(d, tc.want) {
				t.Errorf("detail %q does not say %q", d, tc.want)
			}
			errs, _ := p["errors"].([]any)
			found := false
			for _, e := range errs {
				m, _ := e.(map[string]any)
				if m["field"] == tc.field && strings.Contains(m["message"].(string), tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("errors %v: no error for %s saying %q", errs, tc.field, tc.want)
			}
		})
	}
}

// TestCacheBusterIgnored: the "_" a cache-busting client appends is ignored;
// every other unknown parameter is still refused.
func TestCacheBusterIgnored(t *testing.T) {
	s := newTestServer(t, mustDefault(t))
	for _, target := range []string{
		"/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain&_=1733350000000",
		"/v1/plans?state=CA&_=1",
		"/v1/conditions?_=1",
	} {
		if rec := s.do(t, get(target)); rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200: %s", target, rec.Code, rec.Body)
		}
	}
	for _, target := range []string{
		"/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain&__=1",
	} {
		if rec := s.do(t, get(target)); rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", target, rec.Code)
		}
	}
}
