package cost

import (
	"fmt"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/suggest"
)

// Input limits. maxCents ($100 million) keeps every sum far from int64
// overflow while allowing any real accumulator or charge.
const (
	defaultMinutes       = 30
	defaultVisitsPerWeek = 2
	maxCents             = 10_000_000_000
	maxVisitCount        = 1000 // as coverage.Usage allows
)

// plan is a validated course: how many visits, how they are spaced, how long.
type plan struct {
	visits, perWeek, minutes int
}

// check validates r and returns the course layout. Errors wrap
// coverage.ErrInvalidInput (a value out of range or a missing field) or
// coverage.ErrContradictory (values that cannot all be true); they are
// *coverage.InputError and name the field. Patient and provider are
// validated by coverage.Decide.
func (r *Request) check() (plan, error) {
	switch {
	case r.Plan == "":
		return plan{}, coverage.Invalid("plan", "plan is required")
	case r.State == "":
		return plan{}, coverage.Invalid("state", "state is required")
	case r.Condition == "":
		return plan{}, coverage.Invalid("condition", "condition is required (a condition id or an ICD-10-CM code)")
	case r.StartDate.IsZero():
		return plan{}, coverage.Invalid("start_date", "start_date is required (YYYY-MM-DD)")
	case r.Network != "" && r.Network != catalog.InNetwork && r.Network != catalog.OutNetwork:
		return plan{}, coverage.Invalid("network", fmt.Sprintf("network %q must be \"in\" or \"out\"%s", r.Network, suggest.DidYouMean(string(r.Network), []string{string(catalog.InNetwork), string(catalog.OutNetwork)})))
	}
	p, err := r.Course.check()
	if err != nil {
		return plan{}, err
	}
	a := r.Accumulators
	for _, f := range []struct {
		name string
		v    int64
		max  int64
	}{
		{"deductible_met_cents", a.DeductibleMetCents, maxCents},
		{"oop_met_cents", a.OOPMetCents, maxCents},
		{"visits_this_year", int64(a.VisitsThisYear), maxVisitCount},
		{"visits_last_90_days", int64(a.VisitsLast90Days), maxVisitCount},
		{"visits_this_month", int64(a.VisitsThisMonth), maxVisitCount},
	} {
		if f.v < 0 || f.v > f.max {
			return plan{}, coverage.Invalid("accumulators."+f.name, fmt.Sprintf("accumulators.%s must be between 0 and %d", f.name, f.max))
		}
	}
	// This month lies inside both the benefit year and the last 90 days.
	if a.VisitsThisMonth > a.VisitsThisYear {
		return plan{}, coverage.Contradictory("accumulators.visits_this_month", fmt.Sprintf("accumulators.visits_this_month (%d) exceeds accumulators.visits_this_year (%d)", a.VisitsThisMonth, a.VisitsThisYear))
	}
	if a.VisitsThisMonth > a.VisitsLast90Days {
		return plan{}, coverage.Contradictory("accumulators.visits_this_month", fmt.Sprintf("accumulators.visits_this_month (%d) exceeds accumulators.visits_last_90_days (%d)", a.VisitsThisMonth, a.VisitsLast90Days))
	}
	if c := r.ChargeCents; c != nil && (*c < 0 || *c > maxCents) {
		return plan{}, coverage.Invalid("charge_cents", fmt.Sprintf("charge_cents must be between 0 and %d", int64(maxCents)))
	}
	return p, nil
}

func (c *Course) check() (plan, error) {
	p := plan{perWeek: defaultVisitsPerWeek, minutes: defaultMinutes}
	if c.MinutesPerVisit != nil {
		m := *c.MinutesPerVisit
		if m < 15 || m > 60 || m%15 != 0 {
			return plan{}, coverage.Invalid("course.minutes_per_visit", "course.minutes_per_visit must be 15, 30, 45 or 60")
		}
		p.minutes = m
	}
	if o := c.OneOnOneMinutes; o != nil {
		if *o < 8 || *o > 120 {
			return plan{}, coverage.Invalid("course.one_on_one_minutes", "course.one_on_one_minutes must be between 8 and 120 (fewer than 8 minutes of one-on-one contact bills no unit)")
		}
		if c.MinutesPerVisit != nil && *o > *c.MinutesPerVisit {
			return plan{}, coverage.Contradictory("course.one_on_one_minutes", fmt.Sprintf("course.one_on_one_minutes (%d) exceeds course.minutes_per_visit (%d): contact time is part of the visit", *o, *c.MinutesPerVisit))
		}
	}
	if c.VisitsPerWeek != nil {
		if v := *c.VisitsPerWeek; v < 1 || v > 7 {
			return plan{}, coverage.Invalid("course.visits_per_week", "course.visits_per_week must be between 1 and 7")
		}
		p.perWeek = *c.VisitsPerWeek
	}
	switch {
	case c.Visits != nil && c.Weeks != nil:
		return plan{}, coverage.Invalid("course", "course: give either course.visits_per_week with course.weeks, or course.visits, not both course.weeks and course.visits")
	case c.Visits != nil:
		if v := *c.Visits; v < 1 || v > 365 {
			return plan{}, coverage.Invalid("course.visits", "course.visits must be between 1 and 365")
		}
		p.visits = *c.Visits
	case c.Weeks != nil:
		if c.VisitsPerWeek == nil {
			return plan{}, coverage.Invalid("course.visits_per_week", "course.visits_per_week is required with course.weeks")
		}
		if w := *c.Weeks; w < 1 || w > 52 {
			return plan{}, coverage.Invalid("course.weeks", "course.weeks must be between 1 and 52")
		}
		p.visits = p.perWeek * *c.Weeks
	default:
		return plan{}, coverage.Invalid("course", "course: give course.visits_per_week with course.weeks, or course.visits")
	}
	return p, nil
}

// dayOffset is the day (from start_date) of visit i (0-based): week i/perWeek,
// day floor(k×7/perWeek) of that week for the week's k-th visit.
func (p plan) dayOffset(i int) int {
	k := i % p.perWeek
	return (i/p.perWeek)*7 + k*7/p.perWeek
}
