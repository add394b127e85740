package coverage

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
)

func defaultIndex(t testing.TB) *catalog.Index {
	t.Helper()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func day(t testing.TB, s string) catalog.Date {
	t.Helper()
	d, err := catalog.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// clbp returns a Patient meeting every NCD 30.3.3 criterion.
func clbp() *Patient {
	return &Patient{PainWeeks: ptr(16), SystemicCause: ptr(false), SurgeryRelated: ptr(false), PregnancyRelated: ptr(false)}
}

func with(p *Patient, f func(*Patient)) *Patient { f(p); return p }

func usage(year, ninety, month int) *Usage {
	return &Usage{VisitsThisYear: ptr(year), VisitsLast90Days: ptr(ninety), VisitsThisMonth: ptr(month)}
}

func TestDecideMedicare(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	type want struct {
		status    catalog.Status
		remaining *int
		reason    string // substring of the first reason
		pending   []string
	}
	tests := []struct {
		name string
		q    Query
		want want
	}{
		{"nothing answered", Query{Condition: "chronic_low_back_pain"},
			want{catalog.Conditional, nil, "Covered only if", []string{"pain_12_weeks", "nonspecific", "not_surgery_related", "not_pregnancy_related"}}},
		{"all criteria met", Query{Condition: "chronic_low_back_pain", Patient: clbp()},
			want{catalog.Covered, nil, "NCD 30.3.3", nil}},
		{"ICD code input", Query{Condition: "M54.51", Patient: clbp()},
			want{catalog.Covered, nil, "NCD 30.3.3", nil}},
		{"pain 11 weeks", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.PainWeeks = ptr(11) })},
			want{catalog.NotCovered, nil, "12 weeks or longer", nil}},
		{"pain exactly 12 weeks", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.PainWeeks = ptr(12) })},
			want{catalog.Covered, nil, "", nil}},
		{"systemic cause", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.SystemicCause = ptr(true) })},
			want{catalog.NotCovered, nil, "systemic cause", nil}},
		{"surgery related", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.SurgeryRelated = ptr(true) })},
			want{catalog.NotCovered, nil, "associated with surgery", nil}},
		{"pregnancy related", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.PregnancyRelated = ptr(true) })},
			want{catalog.NotCovered, nil, "associated with pregnancy", nil}},
		{"one criterion left", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.SurgeryRelated = nil })},
			want{catalog.Conditional, nil, "unrelated to surgery", []string{"not_surgery_related"}}},
		{"a failed criterion beats an unanswered one", Query{Condition: "chronic_low_back_pain", Patient: &Patient{PainWeeks: ptr(3)}},
			want{catalog.NotCovered, nil, "12 weeks", nil}},
		{"first visit", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(0, 0, 0)},
			want{catalog.Covered, ptr(12), "", nil}},
		{"11 used", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(11, 11, 3)},
			want{catalog.Covered, ptr(1), "", nil}},
		{"12 used, improvement unanswered", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(12, 12, 4)},
			want{catalog.Conditional, ptr(0), "improving", []string{"extension_improving"}}},
		{"12 used, improving", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.Improving = ptr(true) }), Usage: usage(12, 12, 4)},
			want{catalog.Covered, ptr(8), "", nil}},
		{"12 used, not improving", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.Improving = ptr(false) }), Usage: usage(12, 12, 4)},
			want{catalog.NotCovered, ptr(0), "need documented improvement", nil}},
		// Improvement is judged at reassessment (visits 13–20): within the initial
		// 12 the visit stays payable, with 7 left, and a note says to reassess.
		{"5 used, not improving: covered to 12, not beyond", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.Improving = ptr(false) }), Usage: usage(5, 5, 2)},
			want{catalog.Covered, ptr(7), "NCD 30.3.3", nil}},
		{"not improving before any visit is moot", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.Improving = ptr(false) }), Usage: usage(0, 0, 0)},
			want{catalog.Covered, ptr(12), "", nil}},
		{"19 used, improving", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.Improving = ptr(true) }), Usage: usage(19, 10, 2)},
			want{catalog.Covered, ptr(1), "", nil}},
		{"20 used, improving: annual cap", Query{Condition: "chronic_low_back_pain", Patient: with(clbp(), func(p *Patient) { p.Improving = ptr(true) }), Usage: usage(20, 8, 2)},
			want{catalog.NotCovered, ptr(0), "limit reached (20 visits a year, the patient's year", nil}},
		{"20 used, improvement unanswered: still capped", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(20, 8, 2)},
			want{catalog.NotCovered, ptr(0), "limit reached (20 visits a year, the patient's year", nil}},
		{"12 in 90 days but 3 this year (December visits)", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(3, 12, 3)},
			want{catalog.Conditional, ptr(0), "improving", []string{"extension_improving"}}},
		{"only the year is known", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Usage: &Usage{VisitsThisYear: ptr(4)}},
			want{catalog.Covered, ptr(8), "", nil}},
		{"physician", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "physician"}},
			want{catalog.Covered, nil, "", nil}},
		{"physical therapist", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "physical_therapist"}},
			want{catalog.NotCovered, nil, "physical therapist cannot", nil}},
		{"chiropractor", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "chiropractor"}},
			want{catalog.NotCovered, nil, "chiropractor cannot", nil}},
		{"dentist is not listed", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "dentist"}},
			want{catalog.NotCovered, nil, "not among the providers", nil}},
		{"LAc, supervision unanswered", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "licensed_acupuncturist"}},
			want{catalog.Conditional, nil, "credentials", []string{"provider_credentials", "provider_supervised"}}},
		{"LAc unsupervised", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "licensed_acupuncturist", Supervised: ptr(false)}},
			want{catalog.NotCovered, nil, "cannot bill Medicare directly", nil}},
		{"LAc supervised", Query{Condition: "chronic_low_back_pain", Patient: clbp(), Provider: &Provider{Type: "licensed_acupuncturist", Supervised: ptr(true), CredentialsMet: ptr(true)}},
			want{catalog.Covered, nil, "", nil}},
		{"neck pain", Query{Condition: "neck_pain", Patient: clbp()},
			want{catalog.NotCovered, nil, "only for chronic low back pain", nil}},
		{"knee OA", Query{Condition: "M17.11"},
			want{catalog.NotCovered, nil, "NCD 30.3.2", nil}},
		{"fibromyalgia", Query{Condition: "fibromyalgia"},
			want{catalog.NotCovered, nil, "NCD 30.3.1", nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := tc.q
			q.Plan, q.State, q.Date = "medicare-part-b", "FL", day(t, "2026-03-10")
			if q.Provider == nil {
				q.Provider = &Provider{Type: "physician"} // who treats is asked otherwise
			}
			d, err := Decide(ix, q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.want.status {
				t.Errorf("status = %s, want %s; reasons %+v", d.Status, tc.want.status, d.Reasons)
			}
			if diff := cmp.Diff(tc.want.remaining, d.VisitsRemaining); diff != "" {
				t.Errorf("visits_remaining mismatch (-want +got):\n%s", diff)
			}
			if len(d.Reasons) == 0 || !strings.Contains(d.Reasons[0].Text, tc.want.reason) {
				t.Errorf("first reason = %+v, want it to contain %q", d.Reasons, tc.want.reason)
			}
			if d.Reasons[0].RuleID == "" || d.Reasons[0].Source.URL == "" {
				t.Errorf("first reason lacks rule or source: %+v", d.Reasons[0])
			}
			var pending []string
			for _, r := range d.Requirements {
				if r.Met == nil {
					pending = append(pending, r.ID)
				}
			}
			if d.Status != catalog.NotCovered {
				if diff := cmp.Diff(tc.want.pending, pending); diff != "" {
					t.Errorf("unanswered requirements mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestDecideMedicareDates(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	for _, tc := range []struct {
		date   string
		status catalog.Status
		deduct int64
	}{
		{"2019-12-31", catalog.NotCovered, 0},
		{"2020-01-20", catalog.NotCovered, 0},
		{"2020-01-21", catalog.Covered, -1}, // no cost sharing in the catalog before 2025
		{"2025-12-31", catalog.Covered, 25700},
		{"2026-01-01", catalog.Covered, 28300},
		{"2026-12-31", catalog.Covered, 28300},
	} {
		t.Run(tc.date, func(t *testing.T) {
			d, err := Decide(ix, Query{Plan: "medicare-part-b", State: "OR", Condition: "chronic_low_back_pain", Date: day(t, tc.date), Patient: clbp(),
				Provider: &Provider{Type: "physician"}})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.status {
				t.Fatalf("status = %s, want %s (%+v)", d.Status, tc.status, d.Reasons)
			}
			switch {
			case tc.deduct > 0:
				if d.CostSharing == nil || d.CostSharing.DeductibleCents != tc.deduct || d.CostSharing.CoinsurancePercent != 20 || d.CostSharing.OOPMaxCents != nil {
					t.Errorf("cost sharing = %+v, want deductible %d, 20%%, no OOP max", d.CostSharing, tc.deduct)
				}
			case tc.deduct < 0:
				if d.CostSharing != nil {
					t.Errorf("cost sharing = %+v, want none", d.CostSharing)
				}
			}
		})
	}
}

func TestDecideMedicaidAndCommercial(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	tests := []struct {
		name      string
		q         Query
		status    catalog.Status
		remaining *int
		reason    string
	}{
		{"Medi-Cal chronic pain", Query{Plan: "medicaid", State: "CA", Condition: "M54.50"}, catalog.Covered, nil, "2 services per calendar month"},
		{"Medi-Cal second visit of the month", Query{Plan: "medicaid", State: "CA", Condition: "neck_pain", Usage: usage(5, 5, 1)}, catalog.Covered, ptr(1), ""},
		// A third service in the month needs a TAR: conditional, not "limit reached".
		{"Medi-Cal month used up", Query{Plan: "medicaid", State: "CA", Condition: "neck_pain", Usage: usage(5, 5, 2)}, catalog.Conditional, ptr(0), "Treatment Authorization Request"},
		{"Medi-Cal under 21: EPSDT, no monthly cap", Query{Plan: "medicaid", State: "CA", Condition: "neck_pain", Usage: usage(5, 5, 2), Patient: &Patient{AgeUnder21: ptr(true)}}, catalog.Covered, nil, ""},
		{"Medi-Cal NP", Query{Plan: "medicaid", State: "CA", Condition: "neck_pain", Provider: &Provider{Type: "np"}}, catalog.NotCovered, nil, "nurse practitioner"},
		{"Medi-Cal depression", Query{Plan: "medicaid", State: "CA", Condition: "depression"}, catalog.NotCovered, nil, "only for severe, persistent chronic pain"},
		{"Minnesota", Query{Plan: "medicaid", State: "MN", Condition: "chronic_low_back_pain"}, catalog.Covered, nil, "20 units"},
		{"Ohio migraine", Query{Plan: "medicaid", State: "OH", Condition: "G43.909"}, catalog.Covered, nil, "OAC 5160-8-51"},
		{"Ohio neck", Query{Plan: "medicaid", State: "OH", Condition: "neck_pain"}, catalog.Covered, nil, "neck pain"},
		{"Ohio hip osteoarthritis", Query{Plan: "medicaid", State: "OH", Condition: "M16.11"}, catalog.Covered, nil, "hip"},
		{"Ohio post-operative pain", Query{Plan: "medicaid", State: "OH", Condition: "G89.18"}, catalog.Covered, nil, "post-operative"},
		{"Ohio depression", Query{Plan: "medicaid", State: "OH", Condition: "depression"}, catalog.NotCovered, nil, "only for low back pain"},
		{"Texas unknown", Query{Plan: "medicaid", State: "TX", Condition: "chronic_low_back_pain"}, catalog.Unknown, nil, "could not confirm whether Texas Medicaid"},
		{"HMO electro not covered", Query{Plan: "example-hmo-copay", State: "CA", Condition: "nausea"}, catalog.Covered, nil, "referral"},
		{"PPO out of scope", Query{Plan: "example-ppo-gold", State: "NY", Condition: "depression"}, catalog.NotCovered, nil, "only for chronic pain"},
		{"EPO WA criterion", Query{Plan: "example-epo-capped", State: "WA", Condition: "chronic_low_back_pain", Patient: &Patient{PainWeeks: ptr(7)}}, catalog.Covered, nil, "Washington"},
		{"MA routine", Query{Plan: "example-ma-ppo", State: "AZ", Condition: "depression"}, catalog.Covered, nil, "supplemental"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := tc.q
			q.Date = day(t, "2026-04-15")
			d, err := Decide(ix, q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.status {
				t.Errorf("status = %s, want %s (%+v)", d.Status, tc.status, d.Reasons)
			}
			if diff := cmp.Diff(tc.remaining, d.VisitsRemaining); diff != "" {
				t.Errorf("visits_remaining mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(d.Reasons[0].Text, tc.reason) {
				t.Errorf("first reason %q does not contain %q", d.Reasons[0].Text, tc.reason)
			}
		})
	}
}

// Minnesota counts units: past 20 a year, authorization is needed now (the
// answer is conditional on it), not a denial.
func TestDecidePriorAuthorization(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	for _, tc := range []struct {
		units  int
		now    bool
		status catalog.Status
	}{{19, false, catalog.Covered}, {20, true, catalog.Conditional}, {25, true, catalog.Conditional}} {
		d, err := Decide(ix, Query{Plan: "medicaid", State: "MN", Condition: "neck_pain", Date: day(t, "2026-06-01"), Usage: &Usage{UnitsThisYear: ptr(tc.units)}})
		if err != nil {
			t.Fatal(err)
		}
		pa := d.PriorAuthorization
		if pa == nil || pa.RequiredNow == nil || *pa.RequiredNow != tc.now || d.Status != tc.status {
			t.Errorf("%d units used: status %s, prior_authorization = %+v; want %s, required_now %v", tc.units, d.Status, pa, tc.status, tc.now)
		}
		if tc.now && !slices.Equal(pending(d), []string{"prior_authorization"}) {
			t.Errorf("%d units used: pending %v, want the authorization", tc.units, pending(d))
		}
		if want := 20 - tc.units; !tc.now && (d.VisitsRemaining == nil || *d.VisitsRemaining != want) {
			t.Errorf("%d units used: remaining %v, want %d units", tc.units, d.VisitsRemaining, want)
		}
	}
}

func TestDecideSafetyAndDetails(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	d, err := Decide(ix, Query{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Date: day(t, "2026-02-01"),
		Patient: with(clbp(), func(p *Patient) { p.Flags = []string{"sudden_severe_pain", "pacemaker", "pacemaker"} }), Provider: &Provider{Type: "physician"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != catalog.Covered {
		t.Errorf("safety flags must not change status, got %s", d.Status)
	}
	if d.Electroacupuncture == nil || *d.Electroacupuncture {
		t.Errorf("electroacupuncture = %v, want false with a pacemaker", d.Electroacupuncture)
	}
	var flags []string
	for _, s := range d.Safety {
		flags = append(flags, s.Flag)
	}
	if diff := cmp.Diff([]string{"pacemaker", "sudden_severe_pain"}, flags); diff != "" {
		t.Errorf("safety flags mismatch (-want +got):\n%s", diff)
	}
	if d.Limits == nil || d.Limits.VisitsPerYear == nil || *d.Limits.VisitsPerYear != 20 {
		t.Errorf("visits_per_year = %v, want 20", d.Limits)
	}
	if d.Billing.X12ServiceType != "64" || len(d.Billing.Modifiers) == 0 {
		t.Errorf("billing = %+v", d.Billing)
	}
	// The rule's 7 provider types and the state's licensure.
	if len(d.ProviderRequirements) != 8 || d.ProviderRequirements[7].Type != "state_licensure" {
		t.Errorf("provider requirements = %+v, want 7 types and the state licensure", d.ProviderRequirements)
	}
}

func TestDecideInputErrors(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	base := Query{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Date: day(t, "2026-01-05")}
	tests := []struct {
		name string
		edit func(*Query)
		err  error
	}{
		{"unknown plan", func(q *Query) { q.Plan = "acme" }, catalog.ErrUnknownPlan},
		{"unknown state", func(q *Query) { q.State = "XX" }, catalog.ErrUnknownState},
		{"plan not offered", func(q *Query) { q.Plan = "example-hmo-copay"; q.State = "NY" }, catalog.ErrPlanNotOffered},
		{"unknown condition", func(q *Query) { q.Condition = "gout" }, catalog.ErrUnknownCondition},
		{"malformed code", func(q *Query) { q.Condition = "M5!" }, catalog.ErrMalformedCode},
		{"retired code", func(q *Query) { q.Condition = "M54.5" }, catalog.ErrRetiredCode},
		{"no date", func(q *Query) { q.Date = catalog.Date{} }, ErrInvalidInput},
		{"negative pain", func(q *Query) { q.Patient = &Patient{PainWeeks: ptr(-1)} }, ErrInvalidInput},
		{"unknown flag", func(q *Query) { q.Patient = &Patient{Flags: []string{"diabetes"}} }, ErrInvalidInput},
		{"negative usage", func(q *Query) { q.Usage = &Usage{VisitsThisYear: ptr(-2)} }, ErrInvalidInput},
		{"unknown provider", func(q *Query) { q.Provider = &Provider{Type: "nurse"} }, ErrInvalidInput},
		{"month above year", func(q *Query) { q.Usage = usage(2, 5, 3) }, ErrContradictory},
		{"month above 90 days", func(q *Query) { q.Usage = usage(9, 2, 3) }, ErrContradictory},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := base
			tc.edit(&q)
			_, err := Decide(ix, q)
			if !errors.Is(err, tc.err) {
				t.Errorf("Decide error = %v, want %v", err, tc.err)
			}
			// Input errors name the request field they are about.
			var ie *InputError
			if (tc.err == ErrInvalidInput || tc.err == ErrContradictory) && (!errors.As(err, &ie) || ie.Field == "" || !strings.HasPrefix(ie.Msg, ie.Field)) {
				t.Errorf("Decide error %v is not an InputError naming its field", err)
			}
		})
	}
}
