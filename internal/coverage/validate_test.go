package coverage

import (
	"errors"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestValidateReportsEveryField: a question with several bad values gets
// every one back, each at its JSON path; usage's rules carry the prefix
// they are asked with.
func TestValidateReportsEveryField(t *testing.T) {
	t.Parallel()
	weeks, month, year := -1, 5, 2
	q := Query{Date: catalog.NewDate(2026, 3, 10), Patient: &Patient{PainWeeks: &weeks},
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
	if (&Query{Date: catalog.NewDate(2026, 3, 10)}).Validate().Err() != nil {
		t.Error("a question with only a date is invalid")
	}
}
