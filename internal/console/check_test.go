package console_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
)

// checkCase is one form submission and the estimate request it stands for.
type checkCase struct {
	name string
	form url.Values
	req  cost.Request
}

func ptr[T any](v T) *T { return &v }

func checkCases() []checkCase {
	date := catalog.NewDate(2026, 3, 2)
	return []checkCase{
		{
			name: "medicare_clbp_answered",
			form: url.Values{"plan": {"medicare-part-b"}, "state": {"CA"}, "condition": {"M54.50"}, "date": {"2026-03-02"},
				"pain_weeks": {"16"}, "fact_systemic_cause": {"no"}, "fact_surgery_related": {"no"}, "fact_pregnancy_related": {"no"},
				"fact_improving": {"yes"}, "provider": {"physician"}, "visits_year": {"10"}, "visits_90": {"10"}, "visits_month": {"2"},
				"visits_per_week": {"2"}, "weeks": {"6"}, "minutes": {"30"}, "network": {"in"}, "deductible_met": {"100"}},
			req: cost.Request{Plan: "medicare-part-b", State: "CA", Condition: "M54.50", StartDate: date,
				Patient:      &coverage.Patient{PainWeeks: ptr(16), SystemicCause: ptr(false), SurgeryRelated: ptr(false), PregnancyRelated: ptr(false), Improving: ptr(true)},
				Provider:     &coverage.Provider{Type: "physician"},
				Accumulators: cost.Accumulators{VisitsThisYear: 10, VisitsLast90Days: 10, VisitsThisMonth: 2, DeductibleMetCents: 10000},
				Course:       cost.Course{VisitsPerWeek: ptr(2), Weeks: ptr(6), MinutesPerVisit: ptr(30)}, Network: "in"},
		},
		{
			name: "commercial_neck_pain_with_price",
			form: url.Values{"plan": {"example-ppo-gold"}, "state": {"NY"}, "condition": {"neck_pain"}, "date": {"2026-03-02"},
				"visits_per_week": {"1"}, "weeks": {"8"}, "minutes": {"45"}, "electro": {"yes"}, "network": {"out"},
				"charge": {"$120.50"}, "oop_met": {"250"}, "flags": {"anticoagulants"}},
			req: cost.Request{Plan: "example-ppo-gold", State: "NY", Condition: "neck_pain", StartDate: date,
				Patient:      &coverage.Patient{Flags: []string{"anticoagulants"}},
				Accumulators: cost.Accumulators{OOPMetCents: 25000}, ChargeCents: ptr(int64(12050)),
				Course: cost.Course{VisitsPerWeek: ptr(1), Weeks: ptr(8), MinutesPerVisit: ptr(45), Electroacupuncture: true}, Network: "out"},
		},
	}
}

var (
	totalPatientRE = regexp.MustCompile(`id="total-patient">([^<]+)<`)
	totalPlanRE    = regexp.MustCompile(`id="total-plan">([^<]+)<`)
	rowRE          = regexp.MustCompile(`<tr><th scope="row">(\d+)</th>`)
)

func TestCheckMatchesEstimate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	b.signIn(e.keys.add(t, "anna", access.Reader))
	for _, tc := range checkCases() {
		t.Run(tc.name, func(t *testing.T) {
			want, err := cost.Estimate(e.ix, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			f := url.Values{"csrf": {b.csrf("/console/check")}}
			for k, v := range tc.form {
				f[k] = v
			}
			res := b.post("/console/check", f)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("check = %d\n%s", res.StatusCode, res.body)
			}
			for _, c := range []struct {
				re    *regexp.Regexp
				cents int64
			}{{totalPatientRE, want.Totals.PatientCents}, {totalPlanRE, want.Totals.PlanCents}} {
				m := c.re.FindStringSubmatch(res.body)
				if m == nil || m[1] != dollarsOf(c.cents) {
					t.Errorf("%s shows %v, want %s", c.re, m, dollarsOf(c.cents))
				}
			}
			if n := len(rowRE.FindAllString(res.body, -1)); n != len(want.Visits) {
				t.Errorf("the table has %d visit rows, want %d", n, len(want.Visits))
			}
			status := map[catalog.Status]string{catalog.Covered: "Covered", catalog.NotCovered: "Not covered",
				catalog.Conditional: "Depends on answers still missing", catalog.Unknown: "Unknown: the catalog does not know"}
			if !strings.Contains(res.body, `id="status">`+status[want.Coverage.Status]+"<") {
				t.Errorf("status %s not shown", want.Coverage.Status)
			}
			for _, a := range want.Assumptions {
				if !strings.Contains(html.UnescapeString(res.body), a) {
					t.Errorf("assumption %q not shown", a)
				}
			}
		})
	}
}

// template escapes s as html/template does in text.
func template(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func dollarsOf(c int64) string {
	s := fmt.Sprintf("%d", c/100)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("$%s.%02d", s, c%100)
}

func TestCheckShowsWhatIsWrong(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	b.signIn(e.keys.add(t, "anna", access.Reader))
	base := url.Values{"plan": {"medicare-part-b"}, "state": {"CA"}, "condition": {"chronic_low_back_pain"}, "date": {"2026-03-02"},
		"visits_per_week": {"2"}, "weeks": {"6"}, "minutes": {"30"}, "network": {"in"}}
	for _, tc := range []struct {
		name, field, value, wantField, wantText string
	}{
		{"weeks not a number", "weeks", "six", "weeks", "Enter a whole number from 1 to 52"},
		{"bad money", "deductible_met", "12.345", "deductible_met", "Enter an amount in dollars"},
		{"unknown plan", "plan", "no-such-plan", "plan", "No plan &#34;no-such-plan&#34; in the catalog"},
		{"retired code", "condition", "M54.5", "condition", "was deleted from ICD-10-CM on 2021-10-01"},
		{"missing date", "date", "", "date", "Enter the date of service"},
		{"contradictory usage", "visits_month", "9", "visits_month", "exceeds"},
		{"minutes off the grid", "minutes", "20", "minutes", "minutes_per_visit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{"csrf": {b.csrf("/console/check")}}
			for k, v := range base {
				f[k] = v
			}
			f.Set(tc.field, tc.value)
			if tc.field == "visits_month" {
				f.Set("visits_year", "3")
				f.Set("visits_90", "3")
			}
			res := b.post("/console/check", f)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", res.StatusCode)
			}
			errP := regexp.MustCompile(`<p class="field-error" id="` + tc.wantField + `-error">([^<]*)</p>`).FindStringSubmatch(res.body)
			if errP == nil || !strings.Contains(errP[1], tc.wantText) {
				t.Errorf("field %s error = %v, want it to contain %q\n%s", tc.wantField, errP, tc.wantText, res.body)
			}
			if !strings.Contains(res.body, `aria-describedby="`+tc.wantField+`-error"`) && !strings.Contains(res.body, ` `+tc.wantField+`-error"`) {
				t.Errorf("field %s is not described by its error", tc.wantField)
			}
			if errP != nil && !regexp.MustCompile(`<li><a href="#[a-z_-]+">[^<]+</a>: `+regexp.QuoteMeta(errP[1])).MatchString(res.body) {
				t.Errorf("the error summary does not link to the %s error", tc.wantField)
			}
			if strings.Contains(res.body, `id="result"`) && tc.wantField != "minutes" {
				t.Error("an answer is shown for a form with errors")
			}
			if tc.value != "" && !strings.Contains(res.body, `value="`+template(tc.value)+`"`) && tc.field != "plan" {
				t.Errorf("the typed value %q is not kept in the form", tc.value)
			}
		})
	}
}

func TestCatalogBrowse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	b.signIn(e.keys.add(t, "anna", access.Reader))
	all := b.get("/console/catalog")
	if n := strings.Count(all.body, `<a href="/console/catalog/plans/`); n != len(e.ix.Plans()) {
		t.Errorf("catalog lists %d plans, want %d", n, len(e.ix.Plans()))
	}
	res := b.get("/console/catalog?q=" + url.QueryEscape("PPO gold"))
	if !strings.Contains(res.body, `/console/catalog/plans/example-ppo-gold"`) || strings.Contains(res.body, `/console/catalog/plans/medicare-part-b"`) {
		t.Errorf("search “PPO gold” should find example-ppo-gold and not Medicare\n%s", res.body)
	}
	if res := b.get("/console/catalog?q=zzzz-nothing"); !strings.Contains(res.body, "0 of") {
		t.Errorf("a search matching nothing should say 0 of N")
	}
	if res := b.get("/console/catalog?q=" + url.QueryEscape("medicare advantage")); !strings.Contains(res.body, `/console/catalog/plans/example-ma-ppo"`) {
		t.Errorf("search “medicare advantage” does not find the example MA plan")
	}
	if res := b.get("/console/catalog/plans/medicaid"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "medicaid-oh-covered-conditions") {
		t.Errorf("Medicaid plan page = %d, want its rules listed", res.StatusCode)
	}
	plan := b.get("/console/catalog/plans/medicare-part-b")
	for _, want := range []string{"medicare-b-clbp", "12 visits in 90 days", "KX", "97810", "Fee schedules", "Cost sharing"} {
		if !strings.Contains(plan.body, want) {
			t.Errorf("Medicare plan page lacks %q", want)
		}
	}
}
