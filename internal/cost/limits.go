package cost

import (
	"fmt"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// This file mirrors, per visit, the status coverage.Decide gives for a date
// and usage. Calling Decide for every visit would cost about 14 µs each (it
// builds a whole Decision and parses criteria); the mirror evaluates the
// parts that do not depend on usage once per rule and the limits per visit.
// TestVisitsAgreeWithDecide holds the two in agreement.

// ruleCheck is the usage-independent part of a covering rule's verdict:
// criteria and provider.
type ruleCheck struct {
	rule    *catalog.Rule
	failed  string   // first failure, "" if none
	pending []string // questions still unanswered
}

func checkRule(r *catalog.Rule, p *coverage.Patient, prov *coverage.Provider) ruleCheck {
	rc := ruleCheck{rule: r}
	fail := func(s string) {
		if rc.failed == "" {
			rc.failed = s
		}
	}
	for _, c := range r.Criteria {
		t, _ := catalog.ParseTest(c.Test) // validated when the index was built
		switch met := testFact(t, p); {
		case met == nil:
			rc.pending = append(rc.pending, c.Question)
		case !*met:
			msg := c.Failure
			if msg == "" {
				msg = fmt.Sprintf("Not covered: the criterion %q (%s) is not met.", c.ID, c.Test)
			}
			fail(msg)
		}
	}
	if prov == nil || len(r.Providers) == 0 {
		return rc
	}
	var pr *catalog.ProviderRule
	for i := range r.Providers {
		if r.Providers[i].Type == prov.Type {
			pr = &r.Providers[i]
		}
	}
	who := strings.ReplaceAll(prov.Type, "_", " ")
	switch {
	case pr == nil:
		fail(fmt.Sprintf("Not covered: the plan does not cover acupuncture from a provider of type %q.", prov.Type))
	case !pr.Eligible:
		msg := fmt.Sprintf("Not covered: a provider of type %q cannot furnish covered acupuncture under this plan.", prov.Type)
		if pr.Note != "" {
			msg += " " + pr.Note
		}
		if pr.Modifier != "" {
			msg += " Bill with modifier " + pr.Modifier + "."
		}
		fail(msg)
	case pr.SupervisionRequired && prov.Supervised == nil:
		rc.pending = append(rc.pending, fmt.Sprintf("Is the %s supervised by an eligible practitioner (incident-to billing)?", who))
	case pr.SupervisionRequired && !*prov.Supervised:
		msg := fmt.Sprintf("Not covered: a %s is covered only under supervision, billed incident-to.", who)
		if pr.Note != "" {
			msg += " " + pr.Note
		}
		fail(msg)
	}
	return rc
}

// testFact evaluates t against the patient; nil if unanswered.
func testFact(t catalog.Test, p *coverage.Patient) *bool {
	if p == nil {
		return nil
	}
	if t.Fact == "pain_weeks" {
		if p.PainWeeks == nil {
			return nil
		}
		v := t.EvalInt(*p.PainWeeks)
		return &v
	}
	f := boolFact(p, t.Fact)
	if f == nil {
		return nil
	}
	v := t.EvalBool(*f)
	return &v
}

func boolFact(p *coverage.Patient, name string) *bool {
	if p == nil {
		return nil
	}
	switch name {
	case "systemic_cause":
		return p.SystemicCause
	case "surgery_related":
		return p.SurgeryRelated
	case "pregnancy_related":
		return p.PregnancyRelated
	case "improving":
		return p.Improving
	}
	return nil
}

// used is what counts against a visit's limits: covered visits before it in
// its benefit year, calendar month and rolling windows.
type used struct {
	year, month int
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

// verdict is one visit's coverage.
type verdict struct {
	status    catalog.Status
	reason    string
	modifiers []string
	priorAuth bool
}

// judge returns the visit's coverage under rc given what is used. It mirrors
// coverage.Decide: criteria and provider failures first, then limits, then
// "discontinue when not improving"; any failure makes the visit not covered,
// otherwise any unanswered question makes it conditional.
func judge(rc *ruleCheck, p *coverage.Patient, u used) verdict {
	r := rc.rule
	failed := rc.failed
	pending := rc.pending
	var mods []string

	if ws := r.Limits.Windows; len(ws) > 0 {
		bonus, pendingBonus := 0, 0
		var denied *catalog.Extension
		for i, x := range r.Limits.Extensions {
			switch f := boolFact(p, x.Requires); {
			case f == nil:
				pendingBonus += x.Visits
			case *f:
				bonus += x.Visits
			case denied == nil:
				denied = &r.Limits.Extensions[i]
			}
		}
		left, leftIfPending, beyondBase := -1, -1, false
		var binding catalog.Window
		for _, w := range ws {
			n := 0
			switch w.Period {
			case catalog.PerBenefitYear, catalog.PerCalendarYear:
				n = u.year
			case catalog.PerCalendarMonth:
				n = u.month
			case catalog.PerRollingDays:
				n = u.rolling(w.Days)
			}
			if l := max(w.Visits+bonus-n, 0); left < 0 || l < left {
				left, binding = l, w
			}
			if l := max(w.Visits+bonus+pendingBonus-n, 0); leftIfPending < 0 || l < leftIfPending {
				leftIfPending = l
			}
			beyondBase = beyondBase || n >= w.Visits
		}
		if left == 0 || bonus > 0 {
			for _, x := range r.Limits.Extensions {
				if boolFact(p, x.Requires) == nil {
					pending = append(pending[:len(pending):len(pending)], x.Question)
				}
			}
		}
		if left == 0 && leftIfPending == 0 && failed == "" {
			if denied != nil {
				failed = fmt.Sprintf("Not covered: the limit of %s is reached, and the %d more visits need %s, which is not the case.",
					windowText(binding), denied.Visits, strings.ReplaceAll(denied.Requires, "_", " "))
			} else {
				failed = fmt.Sprintf("Not covered: visit limit reached (%s).", windowText(binding))
			}
		}
		// A visit past a base cap is covered only by an extension: bill
		// the extension's modifier (KX for Medicare visits 13–20).
		if beyondBase && bonus > 0 {
			for _, x := range r.Limits.Extensions {
				if f := boolFact(p, x.Requires); f != nil && *f && x.Modifier != "" {
					mods = append(mods, x.Modifier)
				}
			}
		}
	}
	if failed == "" && r.DiscontinueWhenNotImproving && p != nil && p.Improving != nil && !*p.Improving &&
		(u.year > 0 || u.rolling(90) > 0) {
		failed = "Not covered: treatment must be discontinued when the patient is not improving or is regressing."
	}

	v := verdict{modifiers: mods}
	switch pa := r.PriorAuthorization; pa.When() {
	case catalog.AuthAlways:
		v.priorAuth = true
	case catalog.AuthAfterVisits:
		v.priorAuth = u.year >= pa.AfterVisits
	}
	switch {
	case failed != "":
		v.status, v.reason, v.modifiers, v.priorAuth = catalog.NotCovered, failed, nil, false
	case len(pending) > 0:
		v.status, v.modifiers = catalog.Conditional, nil
		v.reason = "Unknown until answered: " + strings.Join(pending, " ") +
			" Until then this visit is estimated as self-pay."
	default:
		v.status = catalog.Covered
	}
	return v
}

func windowText(w catalog.Window) string {
	switch w.Period {
	case catalog.PerRollingDays:
		return fmt.Sprintf("%d visits in %d days", w.Visits, w.Days)
	case catalog.PerCalendarMonth:
		return fmt.Sprintf("%d visits per calendar month", w.Visits)
	case catalog.PerCalendarYear:
		return fmt.Sprintf("%d visits per calendar year", w.Visits)
	}
	return fmt.Sprintf("%d visits per benefit year", w.Visits)
}
