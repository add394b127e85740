package coverage

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestValidateReportsEveryField: a question with several bad values gets
// every one back, each at its JSON path; usage's rules carry the prefix
// they are asked with.
func TestValidateReportsEveryField(t *testing.T) {
	t.Parallel()
	weeks, month, year := -1, 5, 2
	q := Query{Plan: "medicaid", State: "ca", Condition: "M54.50", Date: catalog.NewDate(2026, 3, 10), Patient: &Patient{PainWeeks: &weeks},
		Usage:    &Usage{VisitsThisMonth: &month, VisitsThisYear: &year},
		Provider: &Provider{Type: "shaman"}}
	errs := q.Validate()
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Field)
	}
	want := []string{"patient.pain_weeks", "usage.visits_this_month", "provider.type"}
	if len(paths) != len(want) {
		t.Fatalf("Validate = %v, want errors at %v", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Errorf("error %d at %q, want %q", i, paths[i], want[i])
		}
	}
	err := errs.Err()
	if !errors.Is(err, ErrInvalidInput) || !errors.Is(err, ErrContradictory) {
		t.Errorf("errors.Is does not see every kind in %v", err)
	}
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "patient.pain_weeks" {
		t.Errorf("errors.As finds %v, want the first error", ie)
	}
	if got := (&Usage{VisitsThisMonth: &month, VisitsThisYear: &year}).Validate("accumulators."); len(got) != 1 ||
		got[0].Field != "accumulators.visits_this_month" || got[0].Msg != "accumulators.visits_this_month (5) exceeds accumulators.visits_this_year (2)" {
		t.Errorf("Usage.Validate with a prefix = %v", got)
	}
	if err := (&Query{Plan: "p", State: "dc", Condition: "c", Date: catalog.NewDate(2026, 3, 10)}).Validate().Err(); err != nil {
		t.Errorf("a question with only plan, state, condition and date: %v", err)
	}
}

// TestValidateNames: plan, state, condition and date are checked by one
// set of rules, each problem with its own kind, and at the paths the
// request gives them (an estimate's start_date and accumulators).
func TestValidateNames(t *testing.T) {
	t.Parallel()
	type want struct {
		field, msg string
		kind       error
	}
	long := strings.Repeat("x", MaxIDLength+1)
	units, month, year := -1, 3, 2
	first := catalog.NewDate(2026, 4, 1)
	for _, tc := range []struct {
		name string
		q    Query
		at   Paths
		want []want
	}{
		{"all missing", Query{}, QueryPaths, []want{
			{"plan", "plan is required", ErrInvalidInput},
			{"state", "state is required", ErrInvalidInput},
			{"condition", "condition is required (a condition id or an ICD-10-CM code)", ErrInvalidInput},
			{"date", "date is required (YYYY-MM-DD)", ErrInvalidInput},
		}},
		{"too long, not a state, neither id nor code", Query{Plan: long, State: "XX", Condition: "Neck Pain", Date: first}, QueryPaths, []want{
			{"plan", "plan must be at most 128 characters", ErrInvalidInput},
			{"state", `"XX" is not a US state code (two letters, e.g. CA; DC is included)`, catalog.ErrUnknownState},
			{"condition", `"Neck Pain" is neither a condition id (e.g. chronic_low_back_pain) nor an ICD-10-CM code (e.g. M54.50)`, catalog.ErrMalformedCode},
		}},
		{"an estimate's paths", Query{Plan: "p", State: "CA", Condition: long,
			Usage: &Usage{UnitsThisYear: &units, VisitsThisMonth: &month, VisitsThisYear: &year, FirstVisitDate: &first}},
			Paths{Date: "start_date", Usage: "accumulators."}, []want{
				{"condition", "condition must be at most 128 characters", ErrInvalidInput},
				{"start_date", "start_date is required (YYYY-MM-DD)", ErrInvalidInput},
				{"accumulators.visits_this_month", "accumulators.visits_this_month (3) exceeds accumulators.visits_this_year (2)", ErrContradictory},
				{"accumulators.units_this_year", "accumulators.units_this_year must be between 0 and 8000", ErrInvalidInput},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := tc.q.ValidateAt(tc.at)
			got := make([]want, len(errs))
			for i, e := range errs {
				got[i] = want{e.Field, e.Msg, e.Kind}
			}
			if !slices.EqualFunc(got, tc.want, func(a, b want) bool { return a.field == b.field && a.msg == b.msg && a.kind == b.kind }) {
				t.Errorf("ValidateAt =\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}
