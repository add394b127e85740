package cost

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// randomRequest draws a request over the default catalog's plans, states and
// conditions. Some draws are invalid on purpose (plan not offered in state).
func randomRequest(r *rand.Rand) Request {
	plans := []string{"medicare-part-b", "medicaid", "example-ma-ppo", "example-ppo-gold", "example-hmo-copay", "example-epo-capped"}
	states := []string{"CA", "NY", "WA", "FL", "TX", "MN", "OH", "AZ"}
	conds := []string{"chronic_low_back_pain", "M54.59", "neck_pain", "M17.11", "migraine", "fibromyalgia", "depression", "nausea"}
	boolp := func() *bool {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return ptr(true)
		}
		return ptr(false)
	}
	req := Request{
		Plan: plans[r.IntN(len(plans))], State: states[r.IntN(len(states))], Condition: conds[r.IntN(len(conds))],
		StartDate: catalog.NewDate(2025, 1, 1).AddDays(r.IntN(730)),
	}
	if r.IntN(2) == 0 {
		req.Course = Course{VisitsPerWeek: ptr(1 + r.IntN(7)), Weeks: ptr(1 + r.IntN(12))}
	} else {
		req.Course = Course{Visits: ptr(1 + r.IntN(40))}
		if r.IntN(2) == 0 {
			req.Course.VisitsPerWeek = ptr(1 + r.IntN(7))
		}
	}
	if r.IntN(2) == 0 {
		req.Course.MinutesPerVisit = ptr(15 * (1 + r.IntN(4)))
	}
	req.Course.Electroacupuncture = r.IntN(3) == 0
	if r.IntN(3) == 0 && req.Plan != "medicare-part-b" { // Original Medicare has no network
		req.Network = catalog.OutNetwork
	}
	if r.IntN(2) == 0 {
		m := r.IntN(3)
		n90 := m + r.IntN(12)
		req.Accumulators = Accumulators{
			DeductibleMetCents: int64(r.IntN(320000)), OOPMetCents: int64(r.IntN(1100000)),
			VisitsThisYear: m + r.IntN(22), VisitsLast90Days: n90, VisitsThisMonth: m,
		}
	}
	if r.IntN(2) == 0 {
		req.ChargeCents = ptr(int64(2000 + r.IntN(20000)))
	}
	if r.IntN(4) != 0 {
		p := &coverage.Patient{SystemicCause: boolp(), SurgeryRelated: boolp(), PregnancyRelated: boolp(), Improving: boolp()}
		if r.IntN(4) != 0 {
			p.PainWeeks = ptr(r.IntN(30))
		}
		if r.IntN(5) == 0 {
			p.Flags = []string{"pacemaker"}
		}
		req.Patient = p
	}
	if r.IntN(3) == 0 {
		types := []string{"physician", "licensed_acupuncturist", "np", "chiropractor"}
		req.Provider = &coverage.Provider{Type: types[r.IntN(len(types))], Supervised: boolp()}
	}
	return req
}

// lookupErr reports whether err is one of the documented lookup errors a
// random draw may hit.
func lookupErr(err error) bool {
	for _, e := range []error{catalog.ErrPlanNotOffered, catalog.ErrUnknownCondition} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func TestEstimateProperties(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	r := rand.New(rand.NewPCG(2026, 1))
	estimated := 0
	for i := range 3000 {
		req := randomRequest(r)
		got, err := Estimate(ix, req)
		if err != nil {
			if !lookupErr(err) {
				t.Fatalf("case %d: %v\nrequest %s", i, err, js(req))
			}
			continue
		}
		estimated++
		plan, _ := ix.Plan(req.Plan)
		network := got.Network
		checkVisits(t, i, ix, plan, network, req, got)

		// One more visit never lowers the patient's total, and leaves the
		// earlier visits as they were.
		more := req
		cp, _ := req.check()
		more.Course = Course{Visits: ptr(cp.visits + 1), VisitsPerWeek: ptr(cp.perWeek), MinutesPerVisit: req.Course.MinutesPerVisit, Electroacupuncture: req.Course.Electroacupuncture}
		got2, err := Estimate(ix, more)
		if err != nil {
			t.Fatalf("case %d plus one visit: %v", i, err)
		}
		if got2.Totals.PatientCents < got.Totals.PatientCents {
			t.Errorf("case %d: one more visit lowered the patient total from %d to %d\nrequest %s", i, got.Totals.PatientCents, got2.Totals.PatientCents, js(req))
		}
		if diff := cmp.Diff(got.Visits, got2.Visits[:len(got.Visits)], dateEqual); diff != "" {
			t.Errorf("case %d: one more visit changed earlier visits (-want +got):\n%s", i, diff)
		}
	}
	if estimated < 1000 {
		t.Errorf("only %d of 3000 random requests were estimable; the generator is off", estimated)
	}
}

func checkVisits(t *testing.T, i int, ix *catalog.Index, plan *catalog.Plan, network catalog.Network, req Request, got Breakdown) {
	t.Helper()
	var sum Totals
	oop := map[string]int64{}
	startYear := plan.BenefitYearStart(req.StartDate).String()
	for _, v := range got.Visits {
		sum.add(&v)
		fail := func(msg string) { t.Errorf("case %d visit %d: %s: %+v\nrequest %s", i, v.N, msg, v, js(req)) }
		for _, c := range []int64{v.BilledCents, v.AllowedCents, v.DeductibleCents, v.CopayCents, v.CoinsuranceCents, v.OverCapCents, v.BalanceBilledCents, v.PlanCents, v.PatientCents} {
			if c < 0 {
				fail("negative cents")
			}
		}
		if v.Covered != (v.Status == catalog.Covered) {
			fail("covered disagrees with status")
		}
		if !v.Covered {
			if v.PatientCents != v.BilledCents || v.PlanCents != 0 || v.AllowedCents != 0 || v.Reason == "" {
				fail("a visit that is not covered must be self-pay with a reason")
			}
			continue
		}
		if v.PlanCents+v.PatientCents != v.AllowedCents+v.BalanceBilledCents {
			fail("plan + patient != allowed + balance")
		}
		if network == catalog.InNetwork && v.BalanceBilledCents != 0 {
			fail("balance billing in network")
		}
		if v.PatientCents != v.DeductibleCents+v.CopayCents+v.CoinsuranceCents+v.OverCapCents+v.BalanceBilledCents {
			fail("patient is not the sum of its shares")
		}
		if v.BilledCents >= v.AllowedCents && v.PatientCents > v.BilledCents {
			fail("patient pays more than billed")
		}
		cs := ix.CostSharing(plan, network, v.Date)
		by := plan.BenefitYearStart(v.Date).String()
		if _, ok := oop[by]; !ok && by == startYear {
			oop[by] = req.Accumulators.OOPMetCents
		}
		oop[by] += v.DeductibleCents + v.CopayCents + v.CoinsuranceCents
		if cs.OOPMaxCents != nil && oop[by] > max(*cs.OOPMaxCents, req.Accumulators.OOPMetCents) {
			fail("out-of-pocket maximum exceeded")
		}
	}
	if diff := cmp.Diff(sum, got.Totals); diff != "" {
		t.Errorf("case %d: totals are not the sum of the visits (-sum +totals):\n%s", i, diff)
	}
}

// TestVisitsAgreeWithDecide replays each visit of random courses through
// coverage.Decide with the usage the course implies (accumulators plus the
// course's earlier covered visits) and requires the same status and prior
// authorization. The estimator may only be stricter where Decide cannot see:
// rolling windows other than 90 days, and visits with no cost-sharing terms.
func TestVisitsAgreeWithDecide(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	r := rand.New(rand.NewPCG(7, 30))
	compared := 0
	for i := range 2000 {
		req := randomRequest(r)
		got, err := Estimate(ix, req)
		if err != nil {
			continue
		}
		plan, _ := ix.Plan(req.Plan)
		acc := req.Accumulators
		startYear, startMonth := plan.BenefitYearStart(req.StartDate).String(), monthKey(req.StartDate)
		// The patient's year (months_from_first_visit) starts with the first
		// visit that counts, or at start_date for earlier visits of unknown date.
		var pyStart *catalog.Date
		if acc.VisitsThisYear > 0 {
			pyStart = &req.StartDate
		}
		py := acc.VisitsThisYear
		for k, v := range got.Visits {
			year, month, n90, units := 0, 0, 0, 0
			if plan.BenefitYearStart(v.Date).String() == startYear {
				year, units = acc.VisitsThisYear, acc.UnitsThisYear
			}
			if pyStart != nil && !v.Date.Before(coverage.PatientYearEnd(*pyStart, 12)) {
				pyStart, py = nil, 0
			}
			if monthKey(v.Date) == startMonth {
				month = acc.VisitsThisMonth
			}
			if v.Date.DaysSince(req.StartDate) < 90 {
				n90 = acc.VisitsLast90Days
			}
			for _, e := range got.Visits[:k] {
				// Conditional visits count too: if they turn out not
				// covered, nothing later is.
				if !e.Covered && e.Status != catalog.Conditional {
					continue
				}
				if plan.BenefitYearStart(e.Date).String() == plan.BenefitYearStart(v.Date).String() {
					year++
					units += len(e.Codes)
				}
				if monthKey(e.Date) == monthKey(v.Date) {
					month++
				}
				if v.Date.DaysSince(e.Date) < 90 {
					n90++
				}
			}
			if patientYear(ix.Rule(req.Plan, req.State, got.Coverage.Condition.ID, v.Date)) {
				year = py
			}
			dec, err := coverage.Decide(ix, coverage.Query{Plan: req.Plan, State: req.State, Condition: got.Coverage.Condition.ID,
				Date: v.Date, Patient: req.Patient, Provider: req.Provider,
				Usage: &coverage.Usage{VisitsThisYear: &year, VisitsThisMonth: &month, VisitsLast90Days: &n90, UnitsThisYear: &units}})
			if v.Covered || v.Status == catalog.Conditional {
				if pyStart == nil {
					pyStart = &got.Visits[k].Date
				}
				py++
			}
			if err != nil {
				t.Fatalf("case %d visit %d: Decide: %v", i, v.N, err)
			}
			compared++
			if k == 0 && dec.Status != got.Coverage.Status && v.Status != catalog.NotCovered {
				t.Errorf("case %d: first visit decision %s differs from coverage %s", i, dec.Status, got.Coverage.Status)
			}
			if dec.Status == v.Status {
				if v.Covered && dec.PriorAuthorization != nil && dec.PriorAuthorization.RequiredNow != nil &&
					*dec.PriorAuthorization.RequiredNow != v.PriorAuthorizationRequired {
					t.Errorf("case %d visit %d: prior authorization %v, Decide says %v", i, v.N, v.PriorAuthorizationRequired, *dec.PriorAuthorization.RequiredNow)
				}
				continue
			}
			stricter := (dec.Status == catalog.Covered || dec.Status == catalog.Conditional) &&
				(ix.CostSharing(plan, got.Network, v.Date) == nil || hasOtherRolling(ix.Rule(req.Plan, req.State, got.Coverage.Condition.ID, v.Date)))
			if !stricter {
				t.Errorf("case %d visit %d on %s: estimate says %s (%s), Decide says %s (%v) with usage year=%d month=%d 90d=%d\nrequest %s",
					i, v.N, v.Date, v.Status, v.Reason, dec.Status, dec.Reasons, year, month, n90, js(req))
			}
		}
	}
	if compared < 10000 {
		t.Errorf("only %d visits compared; the generator is off", compared)
	}
}

// dateEqual compares civil dates by value (catalog.Date hides a time.Time).
var dateEqual = cmp.Comparer(func(a, b catalog.Date) bool { return a.String() == b.String() })

func patientYear(r *catalog.Rule) bool {
	if r == nil {
		return false
	}
	for _, w := range r.Limits.Windows {
		if w.Period == catalog.PerPatientYear {
			return true
		}
	}
	return false
}

func hasOtherRolling(r *catalog.Rule) bool {
	for _, w := range r.Limits.Windows {
		if w.Period == catalog.PerRollingDays && w.Days != 90 {
			return true
		}
	}
	return false
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzEstimateRequest feeds arbitrary JSON through the wire format: Estimate
// must never panic, and every error must be one of the documented ones.
func FuzzEstimateRequest(f *testing.F) {
	ix := mustDefault(f)
	for _, s := range []string{
		`{"plan":"medicare-part-b","state":"CA","condition":"M54.50","start_date":"2026-03-02","course":{"visits_per_week":2,"weeks":6},"patient":{"pain_weeks":20,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`,
		`{"plan":"example-ppo-gold","state":"WA","condition":"migraine","start_date":"2026-12-20","network":"out","course":{"visits":30,"minutes_per_visit":60,"electroacupuncture":true},"charge_cents":12000,"accumulators":{"deductible_met_cents":5,"oop_met_cents":999999,"visits_this_year":3,"visits_last_90_days":3,"visits_this_month":1}}`,
		`{"plan":"medicaid","state":"CA","condition":"neck_pain","start_date":"2026-01-31","course":{"visits":365,"visits_per_week":7}}`,
		`{"plan":"example-epo-capped","state":"WA","condition":"chronic_low_back_pain","start_date":"2026-06-30","course":{"visits_per_week":7,"weeks":52},"provider":{"type":"physician"}}`,
		`{"course":{"visits":-1,"weeks":0}}`,
	} {
		f.Add([]byte(s))
	}
	known := []error{coverage.ErrInvalidInput, coverage.ErrContradictory, catalog.ErrUnknownPlan, catalog.ErrUnknownState,
		catalog.ErrPlanNotOffered, catalog.ErrUnknownCondition, catalog.ErrMalformedCode, catalog.ErrRetiredCode}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req Request
		if json.Unmarshal(data, &req) != nil {
			return
		}
		got, err := Estimate(ix, req)
		if err != nil {
			for _, k := range known {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("undocumented error %v", err)
		}
		if len(got.Visits) != got.Totals.Visits || got.Totals.Visits == 0 {
			t.Fatalf("%d visits, totals say %d", len(got.Visits), got.Totals.Visits)
		}
	})
}

func BenchmarkEstimate12Visits(b *testing.B) {
	ix := mustDefault(b)
	req := Request{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
		Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}, Patient: clbp(ptr(true))}
	for b.Loop() {
		if _, err := Estimate(ix, req); err != nil {
			b.Fatal(err)
		}
	}
}
