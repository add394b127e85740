package coverage

import (
	"errors"
	"fmt"
	"slices"

	"github.com/acucover/acucover/internal/suggest"
)

// InputErrors are every field error of one request, in the order the
// fields are checked. errors.Is and errors.As see each of them.
type InputErrors []*InputError

func (e InputErrors) Error() string {
	msgs := make([]error, len(e))
	for i, ie := range e {
		msgs[i] = ie
	}
	return errors.Join(msgs...).Error()
}

func (e InputErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, ie := range e {
		out[i] = ie
	}
	return out
}

// Err returns e as an error: nil when it is empty, its only error when it
// holds one (a plain *InputError, as before), else e.
func (e InputErrors) Err() error {
	switch len(e) {
	case 0:
		return nil
	case 1:
		return e[0]
	}
	return e
}

// Validate checks the question's own values — date, patient, usage and
// provider — and returns every problem, each an *InputError naming its
// JSON path. The catalog lookups (plan, state, condition) are Decide's.
func (q *Query) Validate() InputErrors {
	var errs InputErrors
	if q.Date.IsZero() {
		errs = append(errs, Invalid("date", "date is required"))
	}
	if p := q.Patient; p != nil {
		if p.PainWeeks != nil && (*p.PainWeeks < 0 || *p.PainWeeks > 5200) {
			errs = append(errs, Invalid("patient.pain_weeks", "patient.pain_weeks must be between 0 and 5200"))
		}
		for _, f := range p.Flags {
			if _, ok := safetyTable[f]; !ok {
				errs = append(errs, Invalid("patient.flags", fmt.Sprintf("patient.flags: %q is not one of %v%s", f, SafetyFlags, suggest.DidYouMean(f, SafetyFlags))))
				break
			}
		}
	}
	if u := q.Usage; u != nil {
		errs = append(errs, u.Validate("usage.")...)
		if u.UnitsThisYear != nil && (*u.UnitsThisYear < 0 || *u.UnitsThisYear > 8000) {
			errs = append(errs, Invalid("usage.units_this_year", "usage.units_this_year must be between 0 and 8000"))
		}
		if u.FirstVisitDate != nil && !q.Date.IsZero() && q.Date.Before(*u.FirstVisitDate) {
			errs = append(errs, Contradictory("usage.first_visit_date", fmt.Sprintf("usage.first_visit_date %s is after the date asked about, %s", *u.FirstVisitDate, q.Date)))
		}
	}
	return append(errs, q.Provider.Validate()...)
}

// MaxVisitCount bounds each visit count of a Usage.
const MaxVisitCount = 1000

// Validate checks the visit counts: each between 0 and MaxVisitCount, and
// this month's within both this year's and the last 90 days'. prefix is
// where the counts sit in the request ("usage." in a coverage question,
// "accumulators." in an estimate); every error's path and message use it.
func (u *Usage) Validate(prefix string) InputErrors {
	var errs InputErrors
	for _, f := range []struct {
		name string
		v    *int
	}{{"visits_this_year", u.VisitsThisYear}, {"visits_last_90_days", u.VisitsLast90Days}, {"visits_this_month", u.VisitsThisMonth}} {
		if f.v != nil && (*f.v < 0 || *f.v > MaxVisitCount) {
			errs = append(errs, Invalid(prefix+f.name, fmt.Sprintf("%s%s must be between 0 and %d", prefix, f.name, MaxVisitCount)))
		}
	}
	if len(errs) > 0 {
		return errs // a contradiction between values out of range says nothing more
	}
	// This month lies inside both this year and the last 90 days.
	if u.VisitsThisMonth != nil && u.VisitsThisYear != nil && *u.VisitsThisMonth > *u.VisitsThisYear {
		errs = append(errs, Contradictory(prefix+"visits_this_month", fmt.Sprintf("%svisits_this_month (%d) exceeds %svisits_this_year (%d)", prefix, *u.VisitsThisMonth, prefix, *u.VisitsThisYear)))
	}
	if u.VisitsThisMonth != nil && u.VisitsLast90Days != nil && *u.VisitsThisMonth > *u.VisitsLast90Days {
		errs = append(errs, Contradictory(prefix+"visits_this_month", fmt.Sprintf("%svisits_this_month (%d) exceeds %svisits_last_90_days (%d)", prefix, *u.VisitsThisMonth, prefix, *u.VisitsLast90Days)))
	}
	return errs
}

// Validate checks a provider; nil is valid.
func (p *Provider) Validate() InputErrors {
	if p == nil {
		return nil
	}
	var errs InputErrors
	if p.Type == "" && p.MedicareParticipation == "" {
		errs = append(errs, Invalid("provider.type", fmt.Sprintf("provider.type is required (one of %v) unless provider.medicare_participation is given", ProviderTypes)))
	}
	if p.Type != "" && !slices.Contains(ProviderTypes, p.Type) {
		errs = append(errs, Invalid("provider.type", fmt.Sprintf("provider.type %q is not one of %v%s", p.Type, ProviderTypes, suggest.DidYouMean(p.Type, ProviderTypes))))
	}
	if p.MedicareParticipation != "" && !slices.Contains(Participations, p.MedicareParticipation) {
		errs = append(errs, Invalid("provider.medicare_participation", fmt.Sprintf("provider.medicare_participation %q is not one of %v%s", p.MedicareParticipation, Participations, suggest.DidYouMean(p.MedicareParticipation, Participations))))
	}
	return errs
}
