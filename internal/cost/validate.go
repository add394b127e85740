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
)

// plan is a validated course: how many visits, how they are spaced, how long.
type plan struct {
	visits, perWeek, minutes int
}

// check validates r and returns the course layout. It reports every
// problem (coverage.InputErrors; a single one is a plain
// *coverage.InputError), each naming its field: coverage.ErrInvalidInput (a
// value out of range or a missing field) or coverage.ErrContradictory
// (values that cannot all be true). Within course, the first problem only:
// its values depend on each other. Patient and provider are validated by
// coverage.Decide.
func (r *Request) check() (plan, error) {
	var errs coverage.InputErrors
	if r.Plan == "" {
		errs = append(errs, coverage.Invalid("plan", "plan is required"))
	}
	if r.State == "" {
		errs = append(errs, coverage.Invalid("state", "state is required"))
	}
	if r.Condition == "" {
		errs = append(errs, coverage.Invalid("condition", "condition is required (a condition id or an ICD-10-CM code)"))
	}
	if r.StartDate.IsZero() {
		errs = append(errs, coverage.Invalid("start_date", "start_date is required (YYYY-MM-DD)"))
	}
	if r.Network != "" && r.Network != catalog.InNetwork && r.Network != catalog.OutNetwork {
		errs = append(errs, coverage.Invalid("network", fmt.Sprintf("network %q must be \"in\" or \"out\"%s", r.Network, suggest.DidYouMean(string(r.Network), []string{string(catalog.InNetwork), string(catalog.OutNetwork)}))))
	}
	p, err := r.Course.check()
	if err != nil {
		errs = append(errs, err)
	}
	a := r.Accumulators
	for _, f := range []struct {
		name string
		v    int64
	}{{"deductible_met_cents", a.DeductibleMetCents}, {"oop_met_cents", a.OOPMetCents}} {
		if f.v < 0 || f.v > maxCents {
			errs = append(errs, coverage.Invalid("accumulators."+f.name, fmt.Sprintf("accumulators.%s must be between 0 and %d", f.name, int64(maxCents))))
		}
	}
	// The visit counts are a coverage.Usage, checked by its rules (ranges,
	// then this month within this year and the last 90 days) at their own
	// path.
	u := coverage.Usage{VisitsThisYear: &a.VisitsThisYear, VisitsLast90Days: &a.VisitsLast90Days, VisitsThisMonth: &a.VisitsThisMonth}
	errs = append(errs, u.Validate("accumulators.")...)
	if c := r.ChargeCents; c != nil && (*c < 0 || *c > maxCents) {
		errs = append(errs, coverage.Invalid("charge_cents", fmt.Sprintf("charge_cents must be between 0 and %d", int64(maxCents))))
	}
	if err := errs.Err(); err != nil {
		return plan{}, err
	}
	return p, nil
}

func (c *Course) check() (plan, *coverage.InputError) {
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
