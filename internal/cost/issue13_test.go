package cost

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// statusRun lists each visit's status, reason marker and modifiers, e.g.
// "covered|KX".
func statusRun(b Breakdown) []string {
	out := make([]string, len(b.Visits))
	for i, v := range b.Visits {
		out[i] = string(v.Status) + "|" + strings.Join(v.Modifiers, ",")
	}
	return out
}

func repeat(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func assumed(b Breakdown, sub string) bool {
	return strings.Contains(strings.Join(b.Assumptions, "\n"), sub)
}

// A Medicare forecast from zero visits for a patient reported as not
// improving covers the initial 12 visits (improvement is judged at
// reassessment) and denies visits 13–24 with GA advice; the summary says
// the course is only partly covered.
func TestEstimateNotImprovingJudgedAtReassessment(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	got, err := Estimate(ix, Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
		StartDate: date("2026-03-02"), Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(12)}, Patient: clbp(ptr(false))})
	if err != nil {
		t.Fatal(err)
	}
	want := append(repeat(12, "covered|"), repeat(12, "not_covered|GA")...)
	if diff := cmp.Diff(want, statusRun(got)); diff != "" {
		t.Errorf("visits mismatch (-want +got):\n%s", diff)
	}
	v13 := got.Visits[12]
	for _, sub := range []string{"12 visits", "documented improvement", "not improving", "ABN", "GA", "Never KX"} {
		if !strings.Contains(v13.Reason, sub) {
			t.Errorf("visit 13 reason %q lacks %q", v13.Reason, sub)
		}
	}
	// Visits 1–12 as in the improving course: deductible $283 then 20% of
	// 6550; the patient pays 38360 for them, then 12 × $80 self-pay.
	if got.Totals.PatientCents != 38360+12*8000 || got.Totals.PlanCents != 12*6550-38360 {
		t.Errorf("totals = %+v, want patient %d, plan %d", got.Totals, 38360+12*8000, 12*6550-38360)
	}
	wantSum := Summary{Status: "partial", CoveredVisits: 12, NotCoveredVisits: 12, PartiallyCovered: true,
		Text: "12 of 24 visits covered: visits 1–12 covered; visits 13–24 not covered (self-pay)."}
	if diff := cmp.Diff(wantSum, got.Summary); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if !assumed(got, "judged at reassessment") {
		t.Errorf("assumptions do not explain the reassessment: %q", got.Assumptions)
	}

	// improving omitted: visits 13–20 are conditional on improvement, 21–24
	// beyond 20 a year are not covered, and the assumptions say so.
	got, err = Estimate(ix, Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
		StartDate: date("2026-03-02"), Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(12)}, Patient: clbp(nil)})
	if err != nil {
		t.Fatal(err)
	}
	want = append(append(repeat(12, "covered|"), repeat(8, "conditional|")...), repeat(4, "not_covered|GA")...)
	if diff := cmp.Diff(want, statusRun(got)); diff != "" {
		t.Errorf("improving omitted: visits mismatch (-want +got):\n%s", diff)
	}
	if !assumed(got, "shown as conditional on documented improvement") {
		t.Errorf("assumptions do not say visits 13–20 are conditional on improvement: %q", got.Assumptions)
	}
	if got.Summary.Status != "partial" || got.Summary.ConditionalVisits != 8 || got.Summary.NotCoveredVisits != 4 {
		t.Errorf("summary = %+v", got.Summary)
	}
}

// The 20-a-year cap counts the patient's year (from the month of the first
// visit), not the calendar year: a course from 2025-11-03, 2 a week for 14
// weeks, covers 20 visits, KX on the 13th–20th, and never restarts on
// 1 January. The Part B deductible still restarts on 1 January.
func TestEstimatePatientYearNotCalendarYear(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	got, err := Estimate(ix, Request{Provider: phys, Plan: "medicare-part-b", State: "NY", Condition: "chronic_low_back_pain",
		StartDate: date("2025-11-03"), Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(14)}, Patient: clbp(ptr(true))})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(repeat(12, "covered|"), repeat(8, "covered|KX")...), repeat(8, "not_covered|GA")...)
	if diff := cmp.Diff(want, statusRun(got)); diff != "" {
		t.Errorf("visits mismatch (-want +got):\n%s", diff)
	}
	if r := got.Visits[20].Reason; !strings.Contains(r, "20 visits a year") || strings.Contains(r, "in 90 days") {
		t.Errorf("visit 21 reason = %q, want the 20-a-year limit", r)
	}
	// 2025 (visits 1–17): $257 deductible over visits 1–4 (3 × 6550 + 6050),
	// visit 4 then 20% of 500 = 100; visits 5–17 pay 1310 each. 2026 (visits
	// 18–20, from 2026-01-01): the $283 deductible takes all 3 × 6550.
	rs := rows(got)
	wantPatient := []int64{6550, 6550, 6550, 6150}
	for i := 4; i < 17; i++ {
		wantPatient = append(wantPatient, 1310)
	}
	wantPatient = append(wantPatient, 6550, 6550, 6550)
	for i := 20; i < 28; i++ {
		wantPatient = append(wantPatient, 8000)
	}
	var gotPatient []int64
	for _, r := range rs {
		gotPatient = append(gotPatient, r.Patient)
	}
	if diff := cmp.Diff(wantPatient, gotPatient); diff != "" {
		t.Errorf("patient cents mismatch (-want +got):\n%s", diff)
	}
	if got.Visits[17].Date.String() != "2026-01-01" || got.Visits[17].DeductibleCents != 6550 {
		t.Errorf("visit 18 = %+v, want 2026-01-01 all to the 2026 deductible", got.Visits[17])
	}
	if got.Totals.PatientCents != 126480 {
		t.Errorf("patient total = %d, want 126480", got.Totals.PatientCents)
	}
	a := got.AccumulatorsAfter
	if a.VisitsThisYear != 20 || a.FirstVisitDate == nil || a.FirstVisitDate.String() != "2025-11-03" {
		t.Errorf("accumulators_after = %+v, want 20 visits in the patient's year from 2025-11-03", a)
	}

	// Accumulators can say where the patient's year started: 20 visits since
	// 2025-03-10 leave nothing before 2026-03-01, then a new year starts.
	got, err = Estimate(ix, Request{Provider: phys, Plan: "medicare-part-b", State: "NY", Condition: "chronic_low_back_pain",
		StartDate: date("2026-02-16"), Course: Course{VisitsPerWeek: ptr(1), Weeks: ptr(4)}, Patient: clbp(ptr(true)),
		Accumulators: Accumulators{VisitsThisYear: 20, FirstVisitDate: ptr(date("2025-03-10")), DeductibleMetCents: 28300, OOPMetCents: 28300}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"not_covered|GA", "not_covered|GA", "covered|", "covered|"}, statusRun(got)); diff != "" {
		t.Errorf("year boundary: visits mismatch (-want +got):\n%s", diff)
	}
}

// Original Medicare has no network: participation decides the money.
func TestEstimateMedicareParticipation(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	base := func(p *coverage.Provider, n catalog.Network) Request {
		return Request{Provider: p, Network: n, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
			StartDate: date("2026-03-02"), Course: Course{Visits: ptr(2)}, Patient: clbp(ptr(true)),
			Accumulators: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 28300}}
	}
	// Non-participating: 95% per code, 3518 + 2705 = 6223 approved; the
	// limiting charge 115% of that per code, 4046 + 3111 = 7157, caps the
	// charge. Coinsurance 20% × 6223 = 1244.6 → 1245, plan 4978, balance
	// 7157 − 6223 = 934.
	got, err := Estimate(ix, base(&coverage.Provider{Type: "physician", MedicareParticipation: "non_participating"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	v := row{Covered: true, Billed: 7157, Allowed: 6223, Coins: 1245, Bal: 934, Plan: 4978, Patient: 2179}
	want := []row{v, v}
	want[0].Date, want[1].Date = "2026-03-02", "2026-03-05"
	if diff := cmp.Diff(want, rows(got)); diff != "" {
		t.Errorf("non-participating mismatch (-want +got):\n%s", diff)
	}
	if !assumed(got, "115%") {
		t.Errorf("assumptions do not explain the limiting charge: %q", got.Assumptions)
	}

	// Participating (the default): the fee schedule, no balance.
	got, err = Estimate(ix, base(phys, ""))
	if err != nil {
		t.Fatal(err)
	}
	if r := rows(got)[0]; r.Allowed != 6550 || r.Bal != 0 || r.Patient != 1310 {
		t.Errorf("participating = %+v", r)
	}

	// Opted out: a private contract, Medicare pays nothing.
	got, err = Estimate(ix, base(&coverage.Provider{Type: "physician", MedicareParticipation: "opted_out"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"not_covered|", "not_covered|"}, statusRun(got)); diff != "" {
		t.Errorf("opted out mismatch (-want +got):\n%s", diff)
	}
	if got.Totals.PatientCents != 11200+8000 || !strings.Contains(got.Visits[0].Reason, "private contract") {
		t.Errorf("opted out: patient %d, reason %q", got.Totals.PatientCents, got.Visits[0].Reason)
	}

	// Contradictions are 422s that say why.
	for _, tc := range []struct {
		name string
		req  Request
		msg  string
	}{
		{"out of network", base(phys, catalog.OutNetwork), "has no network"},
		{"in network but non-participating", base(&coverage.Provider{Type: "physician", MedicareParticipation: "non_participating"}, catalog.InNetwork), "contradicts"},
		{"participation on a plan with networks", func() Request {
			r := base(&coverage.Provider{Type: "physician", MedicareParticipation: "participating"}, "")
			r.Plan, r.Condition = "example-ppo-gold", "neck_pain"
			return r
		}(), "has networks"},
	} {
		_, err := Estimate(ix, tc.req)
		if !errors.Is(err, coverage.ErrContradictory) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want a contradiction saying %q", tc.name, err, tc.msg)
		}
	}
}

// 45- and 60-minute visits are allowed the fee schedule's sum of units; the
// catalog's per-visit cash price is not a charge for those codes, so it does
// not cap them. A charge the caller gives is compared, like with like.
func TestEstimateLongVisitsAllowedPerCode(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	req := Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
		StartDate: date("2026-03-02"), Course: Course{Visits: ptr(1), MinutesPerVisit: ptr(60)}, Patient: clbp(ptr(true)),
		Accumulators: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 28300}}
	got, err := Estimate(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	// 97810 + 3 × 97811 = 3703 + 3 × 2847 = 12244; 20% = 2448.8 → 2449.
	want := []row{{Date: "2026-03-02", Covered: true, Billed: 11200, Allowed: 12244, Coins: 2449, Plan: 9795, Patient: 2449}}
	if diff := cmp.Diff(want, rows(got)); diff != "" {
		t.Errorf("60 minutes mismatch (-want +got):\n%s", diff)
	}
	if !assumed(got, "not compared with the fee schedule") {
		t.Errorf("assumptions do not say the cash price is not compared: %q", got.Assumptions)
	}
	req.Course.MinutesPerVisit = ptr(45)
	if got, _ = Estimate(ix, req); got.Visits[0].AllowedCents != 9397 {
		t.Errorf("45 minutes allowed = %d, want 3703 + 2 × 2847 = 9397", got.Visits[0].AllowedCents)
	}
	// The clinic's own charge of $100 for the 60-minute visit's codes is
	// below 12244: the lesser is allowed.
	req.Course.MinutesPerVisit, req.ChargeCents = ptr(60), ptr[int64](10000)
	got, _ = Estimate(ix, req)
	want = []row{{Date: "2026-03-02", Covered: true, Billed: 10000, Allowed: 10000, Coins: 2000, Plan: 8000, Patient: 2000}}
	if diff := cmp.Diff(want, rows(got)); diff != "" {
		t.Errorf("charge_cents mismatch (-want +got):\n%s", diff)
	}
}

// 2024 has its dated deductible; a year after the catalog's last terms
// carries them forward visibly instead of turning self-pay.
func TestEstimateDatedAndCarriedTerms(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	got, err := Estimate(ix, Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
		StartDate: date("2024-06-03"), Course: Course{Visits: ptr(5)}, Patient: clbp(ptr(true))})
	if err != nil {
		t.Fatal(err)
	}
	// $240: 3 × 6550 = 19650, then 4350 of visit 4 (20% of 2200 = 440), then 1310.
	var ded, patient []int64
	for _, r := range rows(got) {
		ded, patient = append(ded, r.Ded), append(patient, r.Patient)
	}
	if diff := cmp.Diff([]int64{6550, 6550, 6550, 4350, 0}, ded); diff != "" {
		t.Errorf("2024 deductible mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{6550, 6550, 6550, 4790, 1310}, patient); diff != "" {
		t.Errorf("2024 patient mismatch (-want +got):\n%s", diff)
	}

	got, err = Estimate(ix, Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
		StartDate: date("2026-12-28"), Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(2)}, Patient: clbp(ptr(true)),
		Accumulators: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 28300}})
	if err != nil {
		t.Fatal(err)
	}
	// 2026: 20% of 6550; 2027 on 2026's terms carried forward: a new $283.
	if diff := cmp.Diff([]int64{1310, 1310, 6550, 6550}, func() (o []int64) {
		for _, r := range rows(got) {
			o = append(o, r.Patient)
		}
		return o
	}()); diff != "" {
		t.Errorf("carried terms mismatch (-want +got):\n%s", diff)
	}
	if got.Summary.Status != "covered" || !assumed(got, "carried forward") {
		t.Errorf("summary %+v; assumptions %q", got.Summary, got.Assumptions)
	}
}

// A Medicare Advantage plan's routine benefit is not hidden when the
// condition-specific rule's criteria fail.
func TestEstimateFallsBackToRoutineBenefit(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	got, err := Estimate(ix, Request{Plan: "example-ma-ppo", State: "CA", Condition: "M54.50", StartDate: date("2026-03-02"),
		Course: Course{Visits: ptr(14)}, Patient: &coverage.Patient{PainWeeks: ptr(6)}})
	if err != nil {
		t.Fatal(err)
	}
	want := append(repeat(12, "covered|"), repeat(2, "not_covered|")...)
	if diff := cmp.Diff(want, statusRun(got)); diff != "" {
		t.Errorf("visits mismatch (-want +got):\n%s", diff)
	}
	// $20 copay on the plan's allowed 4000 + 2800 = 6800.
	if r := rows(got)[0]; r.Allowed != 6800 || r.Copay != 2000 || r.Plan != 4800 {
		t.Errorf("visit 1 = %+v", r)
	}
	if !assumed(got, "example-ma-routine") {
		t.Errorf("assumptions do not name the routine benefit: %q", got.Assumptions)
	}
}

// CPT time rules: one-on-one minutes decide the units; Medi-Cal caps a visit
// at 97810 + 2 × 97811; the assumptions say which rule applied.
func TestEstimateTimeUnits(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	for _, tc := range []struct {
		name    string
		req     Request
		codes   []string
		allowed int64
		assume  string
	}{
		{"30 minutes, 12 of them one-on-one: 97810 only",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(1), MinutesPerVisit: ptr(30), OneOnOneMinutes: ptr(12)}, Patient: clbp(ptr(true))},
			[]string{"97810"}, 3703, "CPT time-unit rule"},
		{"40 minutes one-on-one: 3 units",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(1), OneOnOneMinutes: ptr(40)}, Patient: clbp(ptr(true))},
			[]string{"97810", "97811", "97811"}, 3703 + 2*2847, "23–37 2"},
		{"minutes_per_visit only: taken as contact time, said so",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(1)}, Patient: clbp(ptr(true))},
			[]string{"97810", "97811"}, 6550, "Needle retention without contact is not billable"},
		{"Medi-Cal 60 minutes: at most 97810 + 2 × 97811",
			Request{Provider: &coverage.Provider{Type: "licensed_acupuncturist"}, Plan: "medicaid", State: "CA", Condition: "neck_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(1), MinutesPerVisit: ptr(60)}, ChargeCents: ptr[int64](9000)},
			[]string{"97810", "97811", "97811"}, 9000, "Units capped at 3"},
	} {
		got, err := Estimate(ix, tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.codes, got.Visits[0].Codes); diff != "" {
			t.Errorf("%s: codes mismatch (-want +got):\n%s", tc.name, diff)
		}
		if got.Visits[0].AllowedCents != tc.allowed {
			t.Errorf("%s: allowed %d, want %d", tc.name, got.Visits[0].AllowedCents, tc.allowed)
		}
		if !assumed(got, tc.assume) {
			t.Errorf("%s: assumptions lack %q: %q", tc.name, tc.assume, got.Assumptions)
		}
	}
	_, err := Estimate(ix, Request{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
		Course: Course{Visits: ptr(1), MinutesPerVisit: ptr(30), OneOnOneMinutes: ptr(40)}})
	if !errors.Is(err, coverage.ErrContradictory) {
		t.Errorf("one-on-one longer than the visit: err = %v, want a contradiction", err)
	}
}

// Medi-Cal: a third service in a month is conditional on a TAR (prior
// authorization required), under 21 is not capped; the benefit is dated.
func TestEstimateMediCal(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	req := Request{Provider: &coverage.Provider{Type: "licensed_acupuncturist"}, Plan: "medicaid", State: "CA", Condition: "neck_pain",
		StartDate: date("2026-03-02"), Course: Course{Visits: ptr(3), VisitsPerWeek: ptr(3)}}
	got, err := Estimate(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"covered|", "covered|", "conditional|"}, statusRun(got)); diff != "" {
		t.Errorf("visits mismatch (-want +got):\n%s", diff)
	}
	if v := got.Visits[2]; !v.PriorAuthorizationRequired || !strings.Contains(v.Reason, "Treatment Authorization Request") {
		t.Errorf("visit 3 = %+v, want a TAR required now", v)
	}
	req.Patient = &coverage.Patient{AgeUnder21: ptr(true)}
	if got, _ = Estimate(ix, req); got.Summary.CoveredVisits != 3 {
		t.Errorf("under 21: %v, want all 3 covered (EPSDT)", statusRun(got))
	}
	// 2012: eliminated for adults.
	req.Patient, req.StartDate = &coverage.Patient{AgeUnder21: ptr(false)}, date("2012-03-05")
	got, _ = Estimate(ix, req)
	if got.Summary.Status != "not_covered" || !strings.Contains(got.Visits[0].Reason, "2016-07-01") {
		t.Errorf("2012 adult: %+v / %q, want not covered until 2016-07-01", got.Summary, got.Visits[0].Reason)
	}
}

// Minnesota counts units: 30-minute visits (2 units) reach 20 units after 10
// visits, so authorization is needed from the 11th.
func TestEstimateMinnesotaUnits(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	got, err := Estimate(ix, Request{Provider: &coverage.Provider{Type: "licensed_acupuncturist"}, Plan: "medicaid", State: "MN",
		Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"), Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}})
	if err != nil {
		t.Fatal(err)
	}
	want := append(repeat(10, "covered|"), repeat(2, "conditional|")...)
	if diff := cmp.Diff(want, statusRun(got)); diff != "" {
		t.Errorf("visits mismatch (-want +got):\n%s", diff)
	}
	if !got.Visits[10].PriorAuthorizationRequired || !strings.Contains(got.Visits[10].Reason, "20 units per calendar year") {
		t.Errorf("visit 11 = %+v, want authorization past 20 units", got.Visits[10])
	}
	if got.AccumulatorsAfter.UnitsThisYear != 20 {
		t.Errorf("units after = %d, want 20", got.AccumulatorsAfter.UnitsThisYear)
	}
}
