package coverage

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
)

func pending(d Decision) []string {
	var out []string
	for _, r := range d.Requirements {
		if r.Met == nil {
			out = append(out, r.ID)
		}
	}
	return out
}

func hasNote(d Decision, sub string) bool {
	return slices.ContainsFunc(d.Notes, func(n string) bool { return strings.Contains(n, sub) })
}

// Point-in-time Medicare answers a billing office would sign.
func TestDecideMedicareBillingOffice(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	phys := &Provider{Type: "physician"}
	improving := func(b bool) *Patient { return with(clbp(), func(p *Patient) { p.Improving = ptr(b) }) }
	type want struct {
		status    catalog.Status
		remaining *int
		reason    string   // substring of the first reason
		pending   []string // unanswered requirement ids
		note      string   // substring of a note
	}
	tests := []struct {
		name string
		q    Query
		want want
	}{
		// Item 1: not improving within the initial 12 is covered (judged at
		// reassessment), self-consistent with the visits left.
		{"not improving after 5 visits", Query{Patient: improving(false), Provider: phys, Usage: usage(5, 5, 2)},
			want{catalog.Covered, ptr(7), "NCD 30.3.3", nil, "judged at reassessment"}},
		{"not improving after 12 visits", Query{Patient: improving(false), Provider: phys, Usage: usage(12, 12, 4)},
			want{catalog.NotCovered, ptr(0), "not improving", nil, "bill GA"}},
		// Item 3: the patient's year from the first visit's month, not 1 January.
		{"20 since 2025-11-03, asked 2026-01-12", Query{Date: mustDate("2026-01-12"), Patient: improving(true), Provider: phys,
			Usage: &Usage{VisitsThisYear: ptr(20), FirstVisitDate: ptr(mustDate("2025-11-03"))}},
			want{catalog.NotCovered, ptr(0), "20 visits a year", nil, "ABN"}},
		{"the patient's year ended on 2026-10-31", Query{Date: mustDate("2026-11-02"), Patient: improving(true), Provider: phys,
			Usage: &Usage{VisitsThisYear: ptr(20), FirstVisitDate: ptr(mustDate("2025-11-03"))}},
			want{catalog.Covered, ptr(20), "NCD 30.3.3", nil, ""}},
		// Item 4: the 21st visit's reason says 20 a year, even with 20 in 90 days.
		{"21st visit", Query{Patient: improving(true), Provider: phys, Usage: usage(20, 20, 8)},
			want{catalog.NotCovered, ptr(0), "limit reached (20 visits a year", nil, "bill GA"}},
		// Item 8: who treats, and the NCD's credentials.
		{"no provider: conditional on who treats", Query{Patient: improving(true)},
			want{catalog.Conditional, nil, "Who will furnish", []string{"provider"}, ""}},
		{"NP, credentials not answered", Query{Patient: clbp(), Provider: &Provider{Type: "np"}},
			want{catalog.Conditional, nil, "ACAOM", []string{"provider_credentials"}, ""}},
		{"NP without the credentials", Query{Patient: clbp(), Provider: &Provider{Type: "np", CredentialsMet: ptr(false)}},
			want{catalog.NotCovered, nil, "nurse practitioner furnishes covered acupuncture only with", nil, ""}},
		{"PA with the credentials", Query{Patient: clbp(), Provider: &Provider{Type: "pa", CredentialsMet: ptr(true)}},
			want{catalog.Covered, nil, "NCD 30.3.3", nil, ""}},
		// Item 5: an opted-out provider is a private contract.
		{"opted out", Query{Patient: clbp(), Provider: &Provider{Type: "physician", MedicareParticipation: OptedOut}},
			want{catalog.NotCovered, nil, "private contract", nil, ""}},
		{"participation without a type", Query{Patient: clbp(), Provider: &Provider{MedicareParticipation: NonParticipating}},
			want{catalog.Conditional, nil, "Who will furnish", []string{"provider"}, ""}},
		// Item 7: a date after the catalog's last terms carries them forward, visibly.
		{"2027 carries 2026's terms", Query{Date: mustDate("2027-02-01"), Patient: clbp(), Provider: phys},
			want{catalog.Covered, nil, "NCD 30.3.3", nil, "carried forward"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := tc.q
			q.Plan, q.State, q.Condition = "medicare-part-b", "FL", "chronic_low_back_pain"
			if q.Date.IsZero() {
				q.Date = day(t, "2026-03-10")
			}
			d, err := Decide(ix, Query{Plan: q.Plan, State: q.State, Condition: q.Condition, Date: q.Date, Patient: q.Patient, Usage: q.Usage, Provider: q.Provider})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.want.status {
				t.Errorf("status = %s, want %s; reasons %+v", d.Status, tc.want.status, d.Reasons)
			}
			if diff := cmp.Diff(tc.want.remaining, d.VisitsRemaining); diff != "" {
				t.Errorf("visits_remaining mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(d.Reasons[0].Text, tc.want.reason) {
				t.Errorf("first reason %q lacks %q", d.Reasons[0].Text, tc.want.reason)
			}
			if d.Status != catalog.NotCovered {
				if diff := cmp.Diff(tc.want.pending, pending(d)); diff != "" {
					t.Errorf("pending mismatch (-want +got):\n%s", diff)
				}
			}
			if tc.want.note != "" && !hasNote(d, tc.want.note) {
				t.Errorf("notes %q lack %q", d.Notes, tc.want.note)
			}
			if d.Status == catalog.Covered && d.CostSharing == nil {
				t.Errorf("covered without cost sharing")
			}
		})
	}
}

func mustDate(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Item 5: Medicare participation on a plan with networks is a
// contradiction.
func TestDecideParticipationNeedsMedicare(t *testing.T) {
	t.Parallel()
	_, err := Decide(defaultIndex(t), Query{Plan: "example-ppo-gold", State: "CA", Condition: "neck_pain", Date: day(t, "2026-03-10"),
		Provider: &Provider{Type: "physician", MedicareParticipation: Participating}})
	var ie *InputError
	if !errors.As(err, &ie) || !errors.Is(err, ErrContradictory) || ie.Field != "provider.medicare_participation" || !strings.Contains(ie.Msg, "has networks") {
		t.Fatalf("err = %v, want a contradiction on provider.medicare_participation", err)
	}
}

// Item 9: an ICD-10-CM code outside its validity names the code valid on
// that date, both ways.
func TestDecideCodeValidityBothWays(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	for _, tc := range []struct{ code, date, names string }{
		{"M54.50", "2021-09-30", "on 2021-09-30 use M54.5"},
		{"M54.59", "2020-06-01", "use M54.5"},
		{"M54.5", "2021-10-01", "use M54.50, M54.51, M54.59"},
	} {
		_, err := Decide(ix, Query{Plan: "medicare-part-b", State: "CA", Condition: tc.code, Date: day(t, tc.date)})
		if !errors.Is(err, catalog.ErrRetiredCode) || !strings.Contains(err.Error(), tc.names) {
			t.Errorf("%s on %s: err = %v, want a retired-code error naming %q", tc.code, tc.date, err, tc.names)
		}
	}
	for _, tc := range []struct{ code, date string }{{"M54.5", "2021-09-30"}, {"M54.50", "2021-10-01"}} {
		if _, err := Decide(ix, Query{Plan: "medicare-part-b", State: "CA", Condition: tc.code, Date: day(t, tc.date)}); err != nil {
			t.Errorf("%s on %s: %v, want it valid", tc.code, tc.date, err)
		}
	}
}

// Item 14: a plan's routine benefit decides when the condition-specific
// rule's criteria fail.
func TestDecideFallsBackToRoutineBenefit(t *testing.T) {
	t.Parallel()
	d, err := Decide(defaultIndex(t), Query{Plan: "example-ma-ppo", State: "CA", Condition: "M54.50", Date: day(t, "2026-03-10"),
		Patient: &Patient{PainWeeks: ptr(6)}, Usage: usage(0, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != catalog.Covered || d.VisitsRemaining == nil || *d.VisitsRemaining != 12 {
		t.Fatalf("status %s, remaining %v; want covered with 12 left (%+v)", d.Status, d.VisitsRemaining, d.Reasons)
	}
	if d.Reasons[0].RuleID != "example-ma-routine" || len(d.Reasons) < 2 || !strings.Contains(d.Reasons[1].Text, "does not apply") {
		t.Errorf("reasons = %+v, want the routine benefit first and why the cLBP benefit does not apply", d.Reasons)
	}
}

// Item 15: every covering answer shows the state's licensure; the general
// "no improvement after a few weeks" advice appears where no payer rule says
// when to stop.
func TestDecideShowsStateLicensure(t *testing.T) {
	t.Parallel()
	s, err := catalog.DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	s.Licensure = append(s.Licensure[:0:0],
		catalog.Licensure{State: "OK", Status: catalog.NotLicensed, Sources: []catalog.Source{{Title: "fixture", URL: "https://example.org/ok"}}},
		catalog.Licensure{State: "NY", Status: catalog.Licensed, Title: "Licensed Acupuncturist (L.Ac.)", Requirements: []string{"NCCAOM examination"},
			Sources: []catalog.Source{{Title: "fixture", URL: "https://example.org/ny"}}},
	)
	ix, err := catalog.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ state, note string }{
		{"NY", "Licensed Acupuncturist (L.Ac.)"},
		{"TX", "not in the catalog"},
	} {
		for _, q := range []Query{
			{Plan: "example-ppo-gold", State: tc.state, Condition: "neck_pain", Date: day(t, "2026-03-10")},
			{Plan: "example-ppo-gold", State: tc.state, Condition: "neck_pain", Date: day(t, "2026-03-10"), Usage: usage(0, 0, 0)},
		} {
			if q.State == "TX" {
				q.Plan = "example-epo-capped"
			}
			d, err := Decide(ix, q)
			if err != nil {
				t.Fatal(err)
			}
			last := d.ProviderRequirements[len(d.ProviderRequirements)-1]
			if last.Type != "state_licensure" || !strings.Contains(last.Note, tc.note) {
				t.Errorf("%s: licensure %+v, want a note with %q", tc.state, last, tc.note)
			}
			if !hasNote(d, "no improvement after a few weeks") {
				t.Errorf("%s: notes %q lack the general improvement advice", tc.state, d.Notes)
			}
		}
	}
	if ix.Licensure("OK") == nil || ix.Licensure("OK").Status != catalog.NotLicensed {
		t.Errorf("Licensure(OK) = %+v", ix.Licensure("OK"))
	}
}
