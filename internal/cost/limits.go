package cost

import (
	"slices"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
)

// used is what counts against a visit's limits: covered visits before it in
// its benefit year, calendar month and rolling windows.
type used struct {
	year, month int
	// pyear counts the patient's year (months_from_first_visit); units are
	// the billed units of the year, patient year and month, and perVisit
	// those of one visit (for rolling unit windows).
	pyear                 int
	yearU, pyearU, monthU int
	perVisit              int
	// covered are the day offsets of the course's covered visits before
	// this one (ascending), off is this visit's; prior90 are the caller's
	// visits_last_90_days.
	covered      []int
	off, prior90 int
}

// rolling counts covered visits in the days-long window ending on this
// visit's day. The caller's earlier visits have unknown dates, so they are
// counted conservatively: inside every window until start_date + days.
func (u used) rolling(days int) int {
	n := 0
	for j := len(u.covered) - 1; j >= 0 && u.off-u.covered[j] < days; j-- {
		n++
	}
	if u.off < days {
		n += u.prior90
	}
	return n
}

// count is a coverage.Used: within a course every window's usage is known,
// rolling windows of any length included.
func (u used) count(w catalog.Window) (int, bool) {
	if w.Units() {
		switch w.Period {
		case catalog.PerCalendarMonth:
			return u.monthU, true
		case catalog.PerRollingDays:
			return u.rolling(w.Days) * u.perVisit, true
		case catalog.PerPatientYear:
			return u.pyearU, true
		}
		return u.yearU, true
	}
	switch w.Period {
	case catalog.PerCalendarMonth:
		return u.month, true
	case catalog.PerRollingDays:
		return u.rolling(w.Days), true
	case catalog.PerPatientYear:
		return u.pyear, true
	}
	return u.year, true
}

// verdict is one visit's coverage.
type verdict struct {
	status    catalog.Status
	reason    string
	modifiers []string
	priorAuth bool
	// criteriaFailed: the rule's own criteria failed (its falls_back_to
	// rule may cover).
	criteriaFailed bool
}

// judge returns the coverage of a visit under the covering rule r: the same
// coverage.Check that Decide uses, with the usage the course implies.
func (e *estimator) judge(r *catalog.Rule, u used) verdict {
	e.checker.CheckInto(&e.check, r, e.payerCount(u))
	v := &e.check
	out := verdict{status: v.Status, criteriaFailed: v.CriteriaFailed}
	if len(v.Modifiers) > 0 {
		out.modifiers = slices.Clone(v.Modifiers) // e.check's storage is reused next visit
	}
	switch v.Status {
	case catalog.NotCovered:
		out.reason = v.Failures[0].Text
		if r.Billing.DeniedNote != "" && len(out.modifiers) > 0 && slices.Equal(out.modifiers, r.Billing.DeniedModifiers) {
			out.reason += " " + r.Billing.DeniedNote
		}
	case catalog.Conditional:
		out.priorAuth = v.AuthNow
		var qs []string
		for _, r := range v.Requirements {
			if r.Met == nil {
				qs = append(qs, r.Description)
			}
		}
		out.reason = "Unknown until answered: " + strings.Join(qs, " ") + " Until then this visit is estimated as self-pay."
	default:
		out.priorAuth = v.PriorAuthNow != nil && *v.PriorAuthNow
	}
	return out
}
