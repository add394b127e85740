package cost

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

func ptr[T any](v T) *T { return &v }

// phys is a physician, who furnishes Medicare acupuncture without further
// questions.
var phys = &coverage.Provider{Type: "physician"}

func mustDefault(tb testing.TB) *catalog.Index {
	tb.Helper()
	ix, err := catalog.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

func date(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// clbp answers every NCD 30.3.3 criterion so the patient qualifies.
func clbp(improving *bool) *coverage.Patient {
	return &coverage.Patient{PainWeeks: ptr(20), SystemicCause: ptr(false), SurgeryRelated: ptr(false),
		PregnancyRelated: ptr(false), Improving: improving}
}

// row is the money of one visit, written out by hand in the tests.
type row struct {
	Date                                                string
	Covered                                             bool
	Billed, Allowed, Ded, Copay, Coins, Over, Bal, Plan int64
	Patient                                             int64
	Mods                                                string
	PA                                                  bool
}

func rows(b Breakdown) []row {
	out := make([]row, len(b.Visits))
	for i, v := range b.Visits {
		out[i] = row{v.Date.String(), v.Covered, v.BilledCents, v.AllowedCents, v.DeductibleCents, v.CopayCents,
			v.CoinsuranceCents, v.OverCapCents, v.BalanceBilledCents, v.PlanCents, v.PatientCents,
			strings.Join(v.Modifiers, ","), v.PriorAuthorizationRequired}
	}
	return out
}

// self is a visit that is not covered: the patient pays the billed amount.
func self(d string, billed int64) row { return row{Date: d, Billed: billed, Patient: billed} }

// tar is a visit beyond a limit that authorization lifts: self-pay until
// the authorization is approved.
func tar(d string, billed int64) row { return row{Date: d, Billed: billed, Patient: billed, PA: true} }

func TestEstimateHandComputed(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	tests := []struct {
		name   string
		req    Request
		want   []row
		totals Totals
		after  Accumulators
		// wantAssume are substrings that must appear among the assumptions.
		wantAssume []string
	}{
		{
			// Medicare 2026: allowed = 97810 $37.03 + 97811 $28.47 = 6550 (2020 national
			// amounts). Deductible $283 = 28300: visits 1–4 pay 4 × 6550 = 26200 of it;
			// visit 5 pays the last 2100, then 20% of 6550 − 2100 = 4450 → 890; plan
			// 6550 − 2990 = 3560. Visits 6–12: 20% × 6550 = 1310, plan 5240.
			// Billed: cash price $112 first visit, $80 follow-ups.
			name: "medicare 2026 twelve 30-minute manual visits",
			req: Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain",
				StartDate: date("2026-03-02"), Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)},
				Patient: clbp(ptr(true))},
			want: []row{
				{Date: "2026-03-02", Covered: true, Billed: 11200, Allowed: 6550, Ded: 6550, Patient: 6550},
				{Date: "2026-03-05", Covered: true, Billed: 8000, Allowed: 6550, Ded: 6550, Patient: 6550},
				{Date: "2026-03-09", Covered: true, Billed: 8000, Allowed: 6550, Ded: 6550, Patient: 6550},
				{Date: "2026-03-12", Covered: true, Billed: 8000, Allowed: 6550, Ded: 6550, Patient: 6550},
				{Date: "2026-03-16", Covered: true, Billed: 8000, Allowed: 6550, Ded: 2100, Coins: 890, Plan: 3560, Patient: 2990},
				{Date: "2026-03-19", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2026-03-23", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2026-03-26", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2026-03-30", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2026-04-02", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2026-04-06", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2026-04-09", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
			},
			// billed 11200 + 11×8000; coinsurance 890 + 7×1310; plan 3560 + 7×5240.
			totals: Totals{Visits: 12, CoveredVisits: 12, BilledCents: 99200, AllowedCents: 78600, PlanCents: 40240,
				PatientCents: 38360, DeductibleCents: 28300, CoinsuranceCents: 10060},
			after: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 38360, VisitsThisYear: 12, VisitsLast90Days: 12, VisitsThisMonth: 3,
				FirstVisitDate: ptr(date("2026-03-02"))},
			wantAssume: []string{"medicare-pfs-national-2020, in force from 2020-01-01", "$112.00 for the first visit", "not a guarantee of payment"},
		},
		{
			// The clinic charges $50, below Medicare's $65.50: the allowed amount is
			// the lesser, 5000. Deductible met: 20% = 1000, plan 4000.
			name: "charge below the fee schedule is the allowed amount",
			req: Request{Provider: phys, Plan: "medicare-part-b", State: "TX", Condition: "chronic_low_back_pain", StartDate: date("2026-05-04"),
				Course: Course{Visits: ptr(2)}, ChargeCents: ptr[int64](5000), Patient: clbp(nil),
				Accumulators: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 28300}},
			want: []row{
				{Date: "2026-05-04", Covered: true, Billed: 5000, Allowed: 5000, Coins: 1000, Plan: 4000, Patient: 1000},
				{Date: "2026-05-07", Covered: true, Billed: 5000, Allowed: 5000, Coins: 1000, Plan: 4000, Patient: 1000},
			},
			totals: Totals{Visits: 2, CoveredVisits: 2, BilledCents: 10000, AllowedCents: 10000, PlanCents: 8000, PatientCents: 2000, CoinsuranceCents: 2000},
			after: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 30300, VisitsThisYear: 2, VisitsLast90Days: 2, VisitsThisMonth: 2,
				FirstVisitDate: ptr(date("2026-05-04"))},
			wantAssume: []string{"payers allow the lesser of the two"},
		},
		{
			// HMO: allowed 4000 + 2500 = 6500, no deductible or coinsurance. 9 visits
			// already this year, so the course's visits are the year's 10th–13th: copay
			// $25 for the 10th, $40 from the 11th (copay step after 10 visits).
			// Electroacupuncture is not covered by this plan: manual codes.
			name: "hmo copay steps up after 10 visits",
			req: Request{Plan: "example-hmo-copay", State: "CA", Condition: "neck_pain", StartDate: date("2026-02-02"),
				Course:       Course{Visits: ptr(4), Electroacupuncture: true},
				Accumulators: Accumulators{VisitsThisYear: 9, VisitsLast90Days: 4}},
			want: []row{
				{Date: "2026-02-02", Covered: true, Billed: 11200, Allowed: 6500, Copay: 2500, Plan: 4000, Patient: 2500},
				{Date: "2026-02-05", Covered: true, Billed: 8000, Allowed: 6500, Copay: 4000, Plan: 2500, Patient: 4000},
				{Date: "2026-02-09", Covered: true, Billed: 8000, Allowed: 6500, Copay: 4000, Plan: 2500, Patient: 4000},
				{Date: "2026-02-12", Covered: true, Billed: 8000, Allowed: 6500, Copay: 4000, Plan: 2500, Patient: 4000},
			},
			totals: Totals{Visits: 4, CoveredVisits: 4, BilledCents: 35200, AllowedCents: 26000, PlanCents: 11500,
				PatientCents: 14500, CopayCents: 14500},
			after:      Accumulators{OOPMetCents: 14500, VisitsThisYear: 13, VisitsLast90Days: 8, VisitsThisMonth: 4},
			wantAssume: []string{"estimated as manual acupuncture", "visits_last_90_days are counted as still inside"},
		},
		{
			// PPO in network: allowed 4500 + 2500 = 7000; deductible met; 20% = 1400.
			// OOP max 500000 with 497000 met leaves 3000: visits 1 and 2 pay 1400
			// (room 200 left), visit 3 is cut from 1400 to 200, then the plan pays
			// everything.
			name: "ppo out-of-pocket maximum reached mid-course",
			req: Request{Plan: "example-ppo-gold", State: "CA", Condition: "M54.50", StartDate: date("2026-06-01"),
				Course: Course{Visits: ptr(4)}, ChargeCents: ptr[int64](15000),
				Accumulators: Accumulators{DeductibleMetCents: 150000, OOPMetCents: 497000, VisitsThisYear: 5, VisitsLast90Days: 5}},
			want: []row{
				{Date: "2026-06-01", Covered: true, Billed: 15000, Allowed: 7000, Coins: 1400, Plan: 5600, Patient: 1400},
				{Date: "2026-06-04", Covered: true, Billed: 15000, Allowed: 7000, Coins: 1400, Plan: 5600, Patient: 1400},
				{Date: "2026-06-08", Covered: true, Billed: 15000, Allowed: 7000, Coins: 200, Plan: 6800, Patient: 200},
				{Date: "2026-06-11", Covered: true, Billed: 15000, Allowed: 7000, Plan: 7000},
			},
			totals: Totals{Visits: 4, CoveredVisits: 4, BilledCents: 60000, AllowedCents: 28000, PlanCents: 25000,
				PatientCents: 3000, CoinsuranceCents: 3000},
			after:      Accumulators{DeductibleMetCents: 150000, OOPMetCents: 500000, VisitsThisYear: 9, VisitsLast90Days: 9, VisitsThisMonth: 4},
			wantAssume: []string{"the clinic's charge of $150.00 per visit"},
		},
		{
			// Medi-Cal: 2 covered visits per calendar month, $0 cost sharing, no fee
			// schedule in the catalog (allowed = billed). March 30 and April 9–16 are
			// the 3rd+ visits of their month: self-pay at the $80 follow-up price.
			name: "medi-cal two visits per calendar month",
			req: Request{Plan: "medicaid", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-23"),
				Course:   Course{VisitsPerWeek: ptr(2), Weeks: ptr(4)},
				Provider: &coverage.Provider{Type: "licensed_acupuncturist"}},
			want: []row{
				{Date: "2026-03-23", Covered: true, Billed: 11200, Allowed: 11200, Plan: 11200},
				{Date: "2026-03-26", Covered: true, Billed: 8000, Allowed: 8000, Plan: 8000},
				// A third service in a month needs a TAR: conditional on it, self-pay
				// until approved, with prior authorization required.
				tar("2026-03-30", 8000),
				{Date: "2026-04-02", Covered: true, Billed: 8000, Allowed: 8000, Plan: 8000},
				{Date: "2026-04-06", Covered: true, Billed: 8000, Allowed: 8000, Plan: 8000},
				tar("2026-04-09", 8000),
				tar("2026-04-13", 8000),
				tar("2026-04-16", 8000),
			},
			totals:     Totals{Visits: 8, CoveredVisits: 4, BilledCents: 67200, AllowedCents: 35200, PlanCents: 35200, PatientCents: 32000},
			after:      Accumulators{VisitsThisYear: 4, VisitsLast90Days: 4, VisitsThisMonth: 2},
			wantAssume: []string{"no in-network fee schedule for Medicaid (state programs)", "billed amount is used as the allowed amount"},
		},
		{
			// Medicare across Jan 1 2026: the 2025 deductible ($257) is met, so 2025
			// visits pay 20% × 6550 = 1310. With 10 visits already this year, the year's
			// 13th and 14th visits (Dec 22–29) carry KX. On 2026-01-01 the year resets:
			// $283 deductible, so the visit's 6550 all goes to it. The rolling 90 days
			// still hold 10 + 5 earlier visits, beyond 12: KX again.
			name: "medicare course crossing january 1",
			req: Request{Provider: phys, Plan: "medicare-part-b", State: "NY", Condition: "chronic_low_back_pain", StartDate: date("2025-12-15"),
				Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(3)}, Patient: clbp(ptr(true)),
				Accumulators: Accumulators{DeductibleMetCents: 25700, OOPMetCents: 40000, VisitsThisYear: 10, VisitsLast90Days: 10, VisitsThisMonth: 2}},
			want: []row{
				{Date: "2025-12-15", Covered: true, Billed: 11200, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2025-12-18", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
				{Date: "2025-12-22", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310, Mods: "KX"},
				{Date: "2025-12-25", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310, Mods: "KX"},
				{Date: "2025-12-29", Covered: true, Billed: 8000, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310, Mods: "KX"},
				{Date: "2026-01-01", Covered: true, Billed: 8000, Allowed: 6550, Ded: 6550, Patient: 6550, Mods: "KX"},
			},
			totals: Totals{Visits: 6, CoveredVisits: 6, BilledCents: 51200, AllowedCents: 39300, PlanCents: 26200,
				PatientCents: 13100, DeductibleCents: 6550, CoinsuranceCents: 6550},
			// Medicare's visit count is the patient's year, not the calendar year: the 10
			// earlier visits (first_visit_date unknown) and the 6 of the course stay in it.
			after: Accumulators{DeductibleMetCents: 6550, OOPMetCents: 6550, VisitsThisYear: 16, VisitsLast90Days: 16, VisitsThisMonth: 1,
				UnitsThisYear: 2, FirstVisitDate: ptr(date("2025-12-15"))},
			wantAssume: []string{"new benefit year on 2026-01-01"},
		},
		{
			// PPO out of network: allowed 3500 + 2000 = 5500, charge 12000, so the
			// balance bill is 6500 a visit. Deductible $3,000 with 2990.00 met: visit 1
			// pays the last 1000, then 40% of 4500 = 1800, plan 2700; later visits
			// 40% × 5500 = 2200, plan 3300. The balance is not counted to OOP.
			name: "ppo out of network with balance billing",
			req: Request{Plan: "example-ppo-gold", State: "WA", Condition: "migraine", StartDate: date("2026-04-06"),
				Network: catalog.OutNetwork, Course: Course{Visits: ptr(3)}, ChargeCents: ptr[int64](12000),
				Accumulators: Accumulators{DeductibleMetCents: 299000, OOPMetCents: 299000}},
			want: []row{
				{Date: "2026-04-06", Covered: true, Billed: 12000, Allowed: 5500, Ded: 1000, Coins: 1800, Bal: 6500, Plan: 2700, Patient: 9300},
				{Date: "2026-04-09", Covered: true, Billed: 12000, Allowed: 5500, Coins: 2200, Bal: 6500, Plan: 3300, Patient: 8700},
				{Date: "2026-04-13", Covered: true, Billed: 12000, Allowed: 5500, Coins: 2200, Bal: 6500, Plan: 3300, Patient: 8700},
			},
			totals: Totals{Visits: 3, CoveredVisits: 3, BilledCents: 36000, AllowedCents: 16500, PlanCents: 9300,
				PatientCents: 26700, DeductibleCents: 1000, CoinsuranceCents: 6200, BalanceBilledCents: 19500},
			// OOP: 299000 + 1000 + 1800 + 2200 + 2200.
			after:      Accumulators{DeductibleMetCents: 300000, OOPMetCents: 306200, VisitsThisYear: 3, VisitsLast90Days: 3, VisitsThisMonth: 3},
			wantAssume: []string{"balance billing"},
		},
		{
			// EPO (plan year from July), 60-minute visits: allowed 4200 + 3 × 2800
			// = 12600, deductible met, $30 copay, plan pays 9600 a visit up to
			// $1,000 a plan year. 10 visits use 96000; visit 11 gets the last 4000
			// (5600 over the cap), visit 12 none (9600 over). Prior authorization
			// from the 7th visit of the plan year.
			name: "epo plan dollar cap reached",
			req: Request{Plan: "example-epo-capped", State: "FL", Condition: "neck_pain", StartDate: date("2026-08-03"),
				Course: Course{Visits: ptr(12), MinutesPerVisit: ptr(60)}, ChargeCents: ptr[int64](15000),
				Accumulators: Accumulators{DeductibleMetCents: 50000, OOPMetCents: 50000}},
			want: []row{
				{Date: "2026-08-03", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000},
				{Date: "2026-08-06", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000},
				{Date: "2026-08-10", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000},
				{Date: "2026-08-13", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000},
				{Date: "2026-08-17", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000},
				{Date: "2026-08-20", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000},
				{Date: "2026-08-24", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000, PA: true},
				{Date: "2026-08-27", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000, PA: true},
				{Date: "2026-08-31", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000, PA: true},
				{Date: "2026-09-03", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Plan: 9600, Patient: 3000, PA: true},
				{Date: "2026-09-07", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Over: 5600, Plan: 4000, Patient: 8600, PA: true},
				{Date: "2026-09-10", Covered: true, Billed: 15000, Allowed: 12600, Copay: 3000, Over: 9600, Plan: 0, Patient: 12600, PA: true},
			},
			totals: Totals{Visits: 12, CoveredVisits: 12, BilledCents: 180000, AllowedCents: 151200, PlanCents: 100000,
				PatientCents: 51200, CopayCents: 36000, OverCapCents: 15200},
			after:      Accumulators{DeductibleMetCents: 50000, OOPMetCents: 86000, VisitsThisYear: 12, VisitsLast90Days: 12, VisitsThisMonth: 3},
			wantAssume: []string{"at most $1,000.00 a benefit year"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Estimate(ix, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rows(got)); diff != "" {
				t.Errorf("visits mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.totals, got.Totals); diff != "" {
				t.Errorf("totals mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.after, got.AccumulatorsAfter, cmpopts.IgnoreFields(Accumulators{}, "UnitsThisYear"), cmpopts.EquateComparable(catalog.Date{})); diff != "" {
				t.Errorf("accumulators_after mismatch (-want +got):\n%s", diff)
			}
			all := strings.Join(got.Assumptions, "\n")
			for _, s := range tc.wantAssume {
				if !strings.Contains(all, s) {
					t.Errorf("assumptions lack %q:\n%s", s, all)
				}
			}
			for _, v := range got.Visits {
				if !v.Covered && v.Reason == "" {
					t.Errorf("visit %d is not covered but has no reason", v.N)
				}
			}
		})
	}
}

func TestEstimateStatuses(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	statuses := func(b Breakdown) []catalog.Status {
		var out []catalog.Status
		for _, v := range b.Visits {
			out = append(out, v.Status)
		}
		return out
	}
	rep := func(n int, s catalog.Status) []catalog.Status {
		out := make([]catalog.Status, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	C, X, Q := catalog.Covered, catalog.NotCovered, catalog.Conditional
	tests := []struct {
		name string
		req  Request
		want []catalog.Status
	}{
		{
			"medicare criteria unanswered: every visit conditional",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"), Course: Course{Visits: ptr(3)}},
			rep(3, Q),
		},
		{
			"medicare improvement unanswered: visits 13-20 conditional, none beyond 20",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(22), VisitsPerWeek: ptr(1)}, Patient: clbp(nil)},
			// Visits 21 and 22 are beyond 20 a year whether or not 13–20 turn out covered.
			append(append(rep(12, C), rep(8, Q)...), X, X),
		},
		{
			"medicare not improving: 12 in 90 days, then nothing",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(3)}, Patient: clbp(ptr(false)), Accumulators: Accumulators{VisitsThisYear: 11, VisitsLast90Days: 11}},
			// Improvement is judged at reassessment: visit 12 is still one of the
			// initial 12; visits 13 and 14 need improvement, which is not the case.
			[]catalog.Status{C, X, X},
		},
		{
			"medicare improving: 12 in 90 days at 3 a week, then KX visits to 20",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(22), VisitsPerWeek: ptr(3)}, Patient: clbp(ptr(true))},
			append(rep(20, C), X, X),
		},
		{
			"medicare osteoarthritis never covered",
			Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "M17.11", StartDate: date("2026-03-02"), Course: Course{Visits: ptr(2)}},
			rep(2, X),
		},
		{
			"hmo out of network: no out-of-network terms",
			Request{Plan: "example-hmo-copay", State: "CA", Condition: "neck_pain", StartDate: date("2026-03-02"), Course: Course{Visits: ptr(2)}, Network: catalog.OutNetwork},
			rep(2, X),
		},
		{
			"epo washington: 8 visits per rolling 30 days from the course's own visits",
			Request{Plan: "example-epo-capped", State: "WA", Condition: "chronic_low_back_pain", StartDate: date("2026-08-03"),
				Course: Course{Visits: ptr(10), VisitsPerWeek: ptr(3)}, Patient: &coverage.Patient{PainWeeks: ptr(8)}},
			// days 0,2,4,7,9,11,14,16,18,21: the 9th (day 18) has 8 visits in the 30 days before it.
			append(rep(8, C), X, X),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Estimate(ix, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, statuses(got)); diff != "" {
				t.Errorf("statuses mismatch (-want +got):\n%s", diff)
			}
			for _, v := range got.Visits {
				if !v.Covered && (v.PatientCents != v.BilledCents || v.PlanCents != 0 || v.AllowedCents != 0) {
					t.Errorf("visit %d not covered but priced %+v", v.N, v)
				}
			}
		})
	}
}

func TestEstimateKXAndElectro(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	req := Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
		Course:  Course{Visits: ptr(14), VisitsPerWeek: ptr(1), MinutesPerVisit: ptr(45), Electroacupuncture: true},
		Patient: clbp(ptr(true))}
	got, err := Estimate(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	// 45 minutes with e-stim: 97813 + 2 × 97814 = 4115 + 2 × 3391 = 10897.
	if diff := cmp.Diff([]string{"97813", "97814", "97814"}, got.Visits[0].Codes); diff != "" {
		t.Errorf("codes mismatch (-want +got):\n%s", diff)
	}
	if got.Visits[0].AllowedCents != 10897 {
		t.Errorf("allowed = %d, want 10897", got.Visits[0].AllowedCents)
	}
	var mods []string
	for _, v := range got.Visits {
		mods = append(mods, strings.Join(v.Modifiers, ","))
	}
	want := []string{"", "", "", "", "", "", "", "", "", "", "", "", "KX", "KX"}
	if diff := cmp.Diff(want, mods); diff != "" {
		t.Errorf("modifiers mismatch (-want +got):\n%s", diff)
	}

	// A pacemaker rules electroacupuncture out: manual codes, and say so.
	req.Patient.Flags = []string{"pacemaker"}
	got, err = Estimate(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"97810", "97811", "97811"}, got.Visits[0].Codes); diff != "" {
		t.Errorf("codes mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(got.Assumptions, " "), "safety flag") {
		t.Errorf("assumptions do not say why manual codes were used: %q", got.Assumptions)
	}
}

func TestVisitDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		perWeek int
		want    []int
	}{
		{1, []int{0, 7, 14}},
		{2, []int{0, 3, 7, 10, 14}},
		{3, []int{0, 2, 4, 7, 9, 11}},
		{5, []int{0, 1, 2, 4, 5, 7}},
		{7, []int{0, 1, 2, 3, 4, 5, 6, 7}},
	}
	for _, tc := range tests {
		p := plan{perWeek: tc.perWeek, visits: len(tc.want)}
		var got []int
		for i := range p.visits {
			got = append(got, p.dayOffset(i))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%d a week: mismatch (-want +got):\n%s", tc.perWeek, diff)
		}
	}
}

func TestEstimateValidation(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	ok := func() Request {
		return Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
			Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}}
	}
	tests := []struct {
		name   string
		edit   func(*Request)
		target error
		field  string
	}{
		{"no plan", func(r *Request) { r.Plan = "" }, coverage.ErrInvalidInput, "plan"},
		{"no state", func(r *Request) { r.State = "" }, coverage.ErrInvalidInput, "state"},
		{"no condition", func(r *Request) { r.Condition = "" }, coverage.ErrInvalidInput, "condition"},
		{"no start date", func(r *Request) { r.StartDate = catalog.Date{} }, coverage.ErrInvalidInput, "start_date"},
		{"bad network", func(r *Request) { r.Network = "maybe" }, coverage.ErrInvalidInput, "network"},
		{"both forms", func(r *Request) { r.Course.Visits = ptr(3) }, coverage.ErrInvalidInput, "course.visits"},
		{"no form", func(r *Request) { r.Course = Course{} }, coverage.ErrInvalidInput, "course.visits"},
		{"weeks without per-week", func(r *Request) { r.Course.VisitsPerWeek = nil }, coverage.ErrInvalidInput, "course.visits_per_week"},
		{"per-week 0", func(r *Request) { r.Course.VisitsPerWeek = ptr(0) }, coverage.ErrInvalidInput, "course.visits_per_week"},
		{"per-week 8", func(r *Request) { r.Course.VisitsPerWeek = ptr(8) }, coverage.ErrInvalidInput, "course.visits_per_week"},
		{"weeks 53", func(r *Request) { r.Course.Weeks = ptr(53) }, coverage.ErrInvalidInput, "course.weeks"},
		{"visits 366", func(r *Request) { r.Course = Course{Visits: ptr(366)} }, coverage.ErrInvalidInput, "course.visits"},
		{"visits 0", func(r *Request) { r.Course = Course{Visits: ptr(0)} }, coverage.ErrInvalidInput, "course.visits"},
		{"minutes 20", func(r *Request) { r.Course.MinutesPerVisit = ptr(20) }, coverage.ErrInvalidInput, "course.minutes_per_visit"},
		{"minutes 75", func(r *Request) { r.Course.MinutesPerVisit = ptr(75) }, coverage.ErrInvalidInput, "course.minutes_per_visit"},
		{"negative deductible met", func(r *Request) { r.Accumulators.DeductibleMetCents = -1 }, coverage.ErrInvalidInput, "accumulators.deductible_met_cents"},
		{"negative oop met", func(r *Request) { r.Accumulators.OOPMetCents = -1 }, coverage.ErrInvalidInput, "accumulators.oop_met_cents"},
		{"negative visits", func(r *Request) { r.Accumulators.VisitsThisYear = -1 }, coverage.ErrInvalidInput, "accumulators.visits_this_year"},
		{"month over year", func(r *Request) {
			r.Accumulators = Accumulators{VisitsThisYear: 1, VisitsLast90Days: 3, VisitsThisMonth: 2}
		}, coverage.ErrContradictory, "accumulators.visits_this_month"},
		{"month over 90 days", func(r *Request) {
			r.Accumulators = Accumulators{VisitsThisYear: 3, VisitsLast90Days: 1, VisitsThisMonth: 2}
		}, coverage.ErrContradictory, "accumulators.visits_last_90_days"},
		{"negative charge", func(r *Request) { r.ChargeCents = ptr[int64](-5) }, coverage.ErrInvalidInput, "charge_cents"},
		{"bad safety flag", func(r *Request) { r.Patient = &coverage.Patient{Flags: []string{"zombie"}} }, coverage.ErrInvalidInput, "patient.flags"},
		{"bad provider", func(r *Request) { r.Provider = &coverage.Provider{Type: "wizard"} }, coverage.ErrInvalidInput, "provider.type"},
		{"unknown plan", func(r *Request) { r.Plan = "nope" }, catalog.ErrUnknownPlan, "nope"},
		{"plan not offered", func(r *Request) { r.Plan = "example-hmo-copay"; r.State = "TX" }, catalog.ErrPlanNotOffered, "TX"},
		{"retired code", func(r *Request) { r.Condition = "M54.5" }, catalog.ErrRetiredCode, "M54.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ok()
			tc.edit(&r)
			_, err := Estimate(ix, r)
			if !errors.Is(err, tc.target) {
				t.Fatalf("Estimate error = %v, want %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %q", err, tc.field)
			}
		})
	}
	if _, err := Estimate(ix, ok()); err != nil {
		t.Fatalf("the valid base request failed: %v", err)
	}
}

func TestSplitVisitRounding(t *testing.T) {
	t.Parallel()
	twenty := &catalog.CostSharing{CoinsurancePercent: 20}
	tests := []struct {
		name    string
		cs      *catalog.CostSharing
		allowed int64
		want    Split
	}{
		// 3703 × 20% = 740.6 → 741 (up).
		{"97810 alone", twenty, 3703, Split{Coinsurance: 741, Plan: 2962, Patient: 741}},
		// 2847 × 20% = 569.4 → 569 (down).
		{"97811 alone", twenty, 2847, Split{Coinsurance: 569, Plan: 2278, Patient: 569}},
		// 2 × 25% = 0.5 → 1 (half rounds up).
		{"half a cent", &catalog.CostSharing{CoinsurancePercent: 25}, 2, Split{Coinsurance: 1, Plan: 1, Patient: 1}},
		// 6 × 25% = 1.5 → 2.
		{"one and a half cents", &catalog.CostSharing{CoinsurancePercent: 25}, 6, Split{Coinsurance: 2, Plan: 4, Patient: 2}},
		// 1 × 49% = 0.49 → 0.
		{"just under half", &catalog.CostSharing{CoinsurancePercent: 49}, 1, Split{Coinsurance: 0, Plan: 1}},
		// Deductible 1000 left, copay 500, then 20% of 3703 − 1500 = 2203 → 440.6 → 441.
		{"after deductible and copay", &catalog.CostSharing{DeductibleCents: 1000, DeductibleApplies: true, CopayCents: 500, CoinsurancePercent: 20},
			3703, Split{Deductible: 1000, Copay: 500, Coinsurance: 441, Plan: 1762, Patient: 1941}},
		// Copay larger than what is left: capped at the allowed amount.
		{"copay above allowed", &catalog.CostSharing{CopayCents: 5000}, 3000, Split{Copay: 3000, Patient: 3000}},
		{"100 percent", &catalog.CostSharing{CoinsurancePercent: 100}, 3703, Split{Coinsurance: 3703, Patient: 3703}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitVisit(tc.cs, tc.allowed, tc.allowed, YearToDate{}, nil)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDollars(t *testing.T) {
	t.Parallel()
	for c, want := range map[int64]string{0: "$0.00", 5: "$0.05", 11200: "$112.00", 100000: "$1,000.00", 123456789: "$1,234,567.89", -250: "-$2.50"} {
		if got := dollars(c); got != want {
			t.Errorf("dollars(%d) = %q, want %q", c, got, want)
		}
	}
}

// TestEstimateValidationReportsEveryField: an estimate with several bad
// values gets every one back at its path, the visit counts checked by
// coverage's usage rules under accumulators.
func TestEstimateValidationReportsEveryField(t *testing.T) {
	t.Parallel()
	r := Request{Provider: phys, State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
		Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}, ChargeCents: ptr[int64](-5),
		Accumulators: Accumulators{VisitsThisYear: 1, VisitsLast90Days: 3, VisitsThisMonth: 2}}
	_, err := Estimate(mustDefault(t), r)
	var errs coverage.InputErrors
	if !errors.As(err, &errs) {
		t.Fatalf("Estimate error = %v, want every field's", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Field)
	}
	want := []string{"plan", "accumulators.visits_this_month", "charge_cents"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("errors at %v, want %v", got, want)
	}
}
