package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/google/go-cmp/cmp"
)

// clbp is a Medicare chronic low back pain question with extra JSON members
// spliced in, e.g. clbp(`"patient":{...}`).
func clbp(extra string) string {
	b := `{"plan":"medicare-part-b","state":"CA","condition":"chronic_low_back_pain","date":"2026-03-01"`
	if extra != "" {
		b += "," + extra
	}
	return b + "}"
}

const criteriaMet = `"pain_weeks":16,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false`

func met(b bool) *bool { return &b }

// TestScenarios asks the questions patients and clinics ask, through the
// API over the embedded default catalog.
func TestScenarios(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	for _, tc := range []struct {
		name   string
		req    request
		status int
		check  func(t *testing.T, d coverage.Decision, p problem)
	}{
		{"medicare neck pain is not covered, from the NCD", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.NotCovered)
				r := d.Reasons[0]
				if r.RuleID != "medicare-b-non-covered" || !strings.Contains(r.Text, "NCD 30.3.3") || !strings.Contains(r.Source.URL, "ncdid=373") {
					t.Errorf("reason = %+v, want the NCD 30.3.3/30.3 rule with its CMS source", r)
				}
			}},
		{"medicare cLBP without patient facts is conditional on the four criteria", post(clbp("")), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.Conditional)
				want := []coverage.Requirement{
					{ID: "pain_12_weeks", Description: "Has the low back pain lasted 12 weeks or longer?"},
					{ID: "nonspecific", Description: "Is the pain nonspecific, with no identifiable systemic cause (not metastatic, inflammatory or infectious disease)?"},
					{ID: "not_surgery_related", Description: "Is the pain unrelated to surgery?"},
					{ID: "not_pregnancy_related", Description: "Is the pain unrelated to pregnancy?"},
				}
				// And who treats (issue 13): asked last.
				if len(d.Requirements) == 5 && d.Requirements[4].ID == "provider" {
					d.Requirements = d.Requirements[:4]
				}
				if diff := cmp.Diff(want, d.Requirements); diff != "" {
					t.Errorf("requirements mismatch (-want +got):\n%s", diff)
				}
			}},
		{"medicare cLBP with every criterion met is covered", post(clbp(`"patient":{` + criteriaMet + `},"provider":{"type":"physician"}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.Covered)
				for _, r := range d.Requirements {
					if r.Met == nil || !*r.Met {
						t.Errorf("requirement %s met = %v, want true", r.ID, r.Met)
					}
				}
				if d.CostSharing == nil || d.CostSharing.DeductibleCents != 28300 || d.CostSharing.CoinsurancePercent != 20 || d.CostSharing.OOPMaxCents != nil {
					t.Errorf("cost sharing = %+v, want the 2026 Part B deductible 28300, 20%%, no OOP max", d.CostSharing)
				}
			}},
		{"8 weeks of pain fails the 12-week criterion", post(clbp(`"patient":{"pain_weeks":8,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.NotCovered)
				if want := "Not covered: NCD 30.3.3 covers only low back pain that has lasted 12 weeks or longer."; d.Reasons[0].Text != want {
					t.Errorf("first reason = %q, want %q", d.Reasons[0].Text, want)
				}
				if diff := cmp.Diff(coverage.Requirement{ID: "pain_12_weeks", Description: "Has the low back pain lasted 12 weeks or longer?", Met: met(false)}, d.Requirements[0]); diff != "" {
					t.Errorf("requirement mismatch (-want +got):\n%s", diff)
				}
			}},
		{"12 visits used, improvement unanswered: conditional", post(clbp(`"patient":{` + criteriaMet + `},"usage":{"visits_this_year":12,"visits_last_90_days":12}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.Conditional)
				wantRequirement(t, d, "extension_improving", nil)
			}},
		{"12 visits used and improving: covered, 8 left", post(clbp(`"patient":{` + criteriaMet + `,"improving":true},"usage":{"visits_this_year":12,"visits_last_90_days":12},"provider":{"type":"physician"}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.Covered)
				if d.VisitsRemaining == nil || *d.VisitsRemaining != 8 {
					t.Errorf("visits_remaining = %v, want 8", d.VisitsRemaining)
				}
				wantRequirement(t, d, "extension_improving", met(true))
			}},
		{"20 visits this year: limit reached", post(clbp(`"patient":{` + criteriaMet + `,"improving":true},"usage":{"visits_this_year":20}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.NotCovered)
				if !strings.HasPrefix(d.Reasons[0].Text, "Not covered: visit limit reached") {
					t.Errorf("first reason = %q, want the visit limit", d.Reasons[0].Text)
				}
				if d.VisitsRemaining == nil || *d.VisitsRemaining != 0 {
					t.Errorf("visits_remaining = %v, want 0", d.VisitsRemaining)
				}
			}},
		{"physical therapist is not covered (GY)", post(clbp(`"patient":{` + criteriaMet + `},"provider":{"type":"physical_therapist"}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.NotCovered)
				if r := d.Reasons[0].Text; !strings.Contains(r, "physical therapist cannot furnish") || !strings.Contains(r, "GY") {
					t.Errorf("first reason = %q, want the physical therapist exclusion with GY", r)
				}
			}},
		{"unsupervised licensed acupuncturist is not covered", post(clbp(`"patient":{` + criteriaMet + `},"provider":{"type":"licensed_acupuncturist","supervised":false}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.NotCovered)
				wantRequirement(t, d, "provider_supervised", met(false))
				if r := d.Reasons[0].Text; !strings.Contains(r, "only under supervision") {
					t.Errorf("first reason = %q, want the supervision rule", r)
				}
			}},
		{"pacemaker rules out electroacupuncture", post(clbp(`"patient":{` + criteriaMet + `,"flags":["pacemaker"]},"provider":{"type":"physician"}`)), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.Covered)
				if d.Electroacupuncture == nil || *d.Electroacupuncture {
					t.Errorf("electroacupuncture = %v, want false", d.Electroacupuncture)
				}
				want := []coverage.Safety{{Flag: "pacemaker", Level: "no_electroacupuncture", Text: "Pacemaker: no electroacupuncture (97813/97814); manual acupuncture is fine."}}
				if diff := cmp.Diff(want, d.Safety); diff != "" {
					t.Errorf("safety mismatch (-want +got):\n%s", diff)
				}
			}},
		{"before the NCD nothing was covered", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&date=2019-06-01"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.NotCovered)
				if d.Reasons[0].RuleID != "medicare-b-before-ncd-30-3-3" {
					t.Errorf("deciding rule = %q, want medicare-b-before-ncd-30-3-3", d.Reasons[0].RuleID)
				}
			}},
		{"M54.5 before its deletion resolves", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=M54.5&date=2021-09-30"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				if d.Condition.ID != "chronic_low_back_pain" || d.Condition.MatchedICD10 != "M54.5" {
					t.Errorf("condition = %+v, want chronic_low_back_pain matched from M54.5", d.Condition)
				}
				wantStatus(t, d, catalog.Conditional)
			}},
		{"M54.5 after its deletion names the replacements", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=M54.5&date=2022-01-01"), 422,
			func(t *testing.T, _ coverage.Decision, p problem) {
				if p.Type != "urn:acucover:problem:retired-code" || !strings.Contains(p.Detail, "M54.50, M54.51, M54.59") {
					t.Errorf("problem = %+v, want retired-code naming M54.50, M54.51, M54.59", p)
				}
			}},
		{"lower case code without a dot", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=m5450&date=2026-03-01"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				if d.Condition.ID != "chronic_low_back_pain" || d.Condition.MatchedICD10 != "M54.50" {
					t.Errorf("condition = %+v, want chronic_low_back_pain matched from M54.50", d.Condition)
				}
			}},
		{"M17.11 is knee osteoarthritis", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=M17.11"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				if d.Condition.ID != "knee_osteoarthritis" {
					t.Errorf("condition = %q, want knee_osteoarthritis", d.Condition.ID)
				}
				if d.Reasons[0].RuleID != "medicare-b-osteoarthritis" {
					t.Errorf("deciding rule = %q, want medicare-b-osteoarthritis", d.Reasons[0].RuleID)
				}
			}},
		{"M99.99 is not in the catalog", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=M99.99"), 404,
			wantProblem("unknown-condition", "M99.99")},
		{"X is malformed", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=X"), 400, wantProblem("malformed-code", `"X"`)},
		{"M5 is malformed", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=M5"), 400, wantProblem("malformed-code", `"M5"`)},
		{"medicaid in Texas is unknown", get("/v1/coverage?plan=medicaid&state=TX&condition=chronic_low_back_pain"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) { wantStatus(t, d, catalog.Unknown) }},
		{"medi-cal covers cLBP, 2 a calendar month", get("/v1/coverage?plan=medicaid&state=CA&condition=chronic_low_back_pain"), 200,
			func(t *testing.T, d coverage.Decision, _ problem) {
				wantStatus(t, d, catalog.Covered)
				if d.Limits == nil {
					t.Fatal("limits = null")
				}
				if diff := cmp.Diff([]coverage.Window{{Period: catalog.PerCalendarMonth, Visits: 2, Beyond: catalog.BeyondAuthorization, WaivedBy: "age_under_21"}}, d.Limits.Windows); diff != "" {
					t.Errorf("windows mismatch (-want +got):\n%s", diff)
				}
			}},
		{"HMO not offered in Texas names California", get("/v1/coverage?plan=example-hmo-copay&state=TX&condition=neck_pain"), 422,
			wantProblem("plan-not-offered", "offered in CA")},
		{"more visits this month than this year", post(clbp(`"usage":{"visits_this_year":2,"visits_this_month":3}`)), 422,
			wantProblem("contradictory-input", "usage.visits_this_month (3) exceeds usage.visits_this_year (2)")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req.build()
			rec := srv.serve(req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tc.status, rec.Body)
			}
			checkResponse(t, req, rec)
			var d coverage.Decision
			var p problem
			target := any(&d)
			if rec.Code != http.StatusOK {
				target = &p
			}
			if err := json.Unmarshal(rec.Body.Bytes(), target); err != nil {
				t.Fatalf("%v\n%s", err, rec.Body)
			}
			tc.check(t, d, p)
		})
	}
}

func wantStatus(t *testing.T, d coverage.Decision, want catalog.Status) {
	t.Helper()
	if d.Status != want {
		t.Errorf("status = %s, want %s (reasons: %+v)", d.Status, want, d.Reasons)
	}
}

func wantRequirement(t *testing.T, d coverage.Decision, id string, want *bool) {
	t.Helper()
	for _, r := range d.Requirements {
		if r.ID == id {
			if diff := cmp.Diff(want, r.Met); diff != "" {
				t.Errorf("requirement %s met mismatch (-want +got):\n%s", id, diff)
			}
			return
		}
	}
	t.Errorf("no requirement %s in %+v", id, d.Requirements)
}

func wantProblem(kind, detail string) func(*testing.T, coverage.Decision, problem) {
	return func(t *testing.T, _ coverage.Decision, p problem) {
		t.Helper()
		if p.Type != problemTypePrefix+kind || !strings.Contains(p.Detail, detail) {
			t.Errorf("problem = %+v, want type %s with detail containing %q", p, kind, detail)
		}
	}
}
