package coverage

import (
	"fmt"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
)

// Decide answers q from the catalog ix. Errors wrap catalog.ErrUnknownPlan,
// catalog.ErrUnknownState, catalog.ErrPlanNotOffered,
// catalog.ErrUnknownCondition, catalog.ErrMalformedCode,
// catalog.ErrRetiredCode, ErrInvalidInput or ErrContradictory; every other
// outcome, including "the catalog does not know", is a Decision.
func Decide(ix *catalog.Index, q Query) (Decision, error) {
	if err := q.check(); err != nil {
		return Decision{}, err
	}
	plan, err := ix.PlanIn(q.Plan, q.State)
	if err != nil {
		return Decision{}, err
	}
	cond, err := ix.ResolveCondition(q.Condition, q.Date)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{
		Plan:  PlanRef{plan.ID, plan.Name, plan.Payer, plan.Type},
		State: q.State,
		Condition: ConditionRef{
			ID: cond.ID, Name: cond.Name,
			ICD10: orEmpty(cond.ICD10), ICD10Families: orEmpty(cond.ICD10Families),
		},
		Date:                 q.Date,
		Requirements:         []Requirement{},
		ProviderRequirements: []ProviderRequirement{},
		Billing:              Billing{CPT: []string{}, X12ServiceType: X12Acupuncture, Modifiers: []catalog.Modifier{}, Notes: []string{}},
		Reasons:              []Reason{},
		Notes:                []string{},
		CatalogRevision:      ix.Revision(),
	}
	if cond.ID != q.Condition {
		d.Condition.MatchedICD10, _ = catalog.NormalizeICD10(q.Condition)
	}
	var flags []string
	if q.Patient != nil {
		flags = q.Patient.Flags
	}
	var noElectro bool
	d.Safety, noElectro = safety(flags)

	rule := ix.Rule(plan.ID, q.State, cond.ID, q.Date)
	if rule == nil {
		d.Status = catalog.Unknown
		d.Reasons = append(d.Reasons, Reason{Text: fmt.Sprintf(
			"The catalog has no rule for %s in %s for %s on %s, so acucover cannot say; ask the payer.",
			plan.Name, q.State, cond.Name, q.Date)})
		return d, nil
	}
	d.Billing.CPT = orEmpty(rule.Billing.CPT)
	d.Billing.Modifiers = append(d.Billing.Modifiers, rule.Billing.Modifiers...)
	d.Billing.Notes = append(d.Billing.Notes, rule.Billing.Notes...)
	d.Notes = append(d.Notes, rule.Notes...)
	summary := reason(rule, rule.Summary)
	if rule.Status == catalog.NotCovered || rule.Status == catalog.Unknown {
		d.Status = rule.Status
		d.Reasons = append(d.Reasons, summary)
		return d, nil
	}

	// The rule covers, possibly subject to criteria, provider, limits.
	e := evaluation{q: &q, rule: rule, tests: ix.Tests(rule)}
	d.Limits = limitsView(rule)
	if cs := ix.CostSharing(plan, catalog.InNetwork, q.Date); cs != nil {
		d.CostSharing = &CostSharing{
			Network: cs.Network, DeductibleCents: cs.DeductibleCents, DeductibleApplies: cs.DeductibleApplies,
			CopayCents: cs.CopayCents, CopaySteps: cs.CopaySteps,
			CoinsurancePercent: cs.CoinsurancePercent, OOPMaxCents: cs.OOPMaxCents,
		}
	} else {
		d.Notes = append(d.Notes, "The catalog has no in-network cost sharing for this plan on this date.")
	}
	d.ReferralRequired = rule.ReferralRequired
	electro := rule.ElectroacupunctureAllowed() && !noElectro
	d.Electroacupuncture = &electro
	if rule.ElectroacupunctureAllowed() && noElectro {
		d.Notes = append(d.Notes, "Electroacupuncture (97813/97814) is ruled out by a safety flag; manual acupuncture (97810/97811) only.")
	}

	e.criteria()
	e.provider(&d)
	d.VisitsRemaining = e.limits()
	e.discontinue()
	d.PriorAuthorization = e.priorAuth()
	if pa := d.PriorAuthorization; pa.Required == catalog.AuthAfterVisits && pa.RequiredNow != nil && *pa.RequiredNow {
		d.Notes = append(d.Notes, fmt.Sprintf("Prior authorization is required before further visits: %d visits this year reach the plan's threshold of %d.",
			*e.q.Usage.VisitsThisYear, *pa.AfterVisits))
	}
	d.Requirements = append(d.Requirements, e.reqs...)

	switch {
	case len(e.failed) > 0:
		d.Status = catalog.NotCovered
		d.Reasons = append(d.Reasons, e.failed...)
		d.Reasons = append(d.Reasons, summary)
	case e.pending:
		d.Status = catalog.Conditional
		d.Reasons = append(d.Reasons, reason(rule, rule.Summary+" "+pendingText(d.Requirements)))
	default:
		d.Status = catalog.Covered
		d.Reasons = append(d.Reasons, summary)
	}
	return d, nil
}

// evaluation collects the outcome of each check of a covering rule.
type evaluation struct {
	q       *Query
	rule    *catalog.Rule
	tests   []catalog.Test
	reqs    []Requirement
	failed  []Reason
	pending bool
}

func (e *evaluation) fail(text string) { e.failed = append(e.failed, reason(e.rule, text)) }

func (e *evaluation) require(id, desc string, met *bool) {
	e.reqs = append(e.reqs, Requirement{ID: id, Description: desc, Met: met})
	if met == nil {
		e.pending = true
	}
}

func (e *evaluation) criteria() {
	for i, c := range e.rule.Criteria {
		met := e.test(e.tests[i])
		e.require(c.ID, c.Question, met)
		if met != nil && !*met {
			msg := c.Failure
			if msg == "" {
				msg = fmt.Sprintf("Not covered: the criterion %q (%s) is not met.", c.ID, c.Test)
			}
			e.fail(msg)
		}
	}
}

// test evaluates t against the patient facts; nil if unanswered.
func (e *evaluation) test(t catalog.Test) *bool {
	p := e.q.Patient
	if p == nil {
		return nil
	}
	if t.Fact == "pain_weeks" {
		if p.PainWeeks == nil {
			return nil
		}
		return ptr(t.EvalInt(*p.PainWeeks))
	}
	v := e.fact(t.Fact)
	if v == nil {
		return nil
	}
	return ptr(t.EvalBool(*v))
}

// fact returns a boolean patient fact, nil if unanswered.
func (e *evaluation) fact(name string) *bool {
	p := e.q.Patient
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

func (e *evaluation) provider(d *Decision) {
	for _, p := range e.rule.Providers {
		d.ProviderRequirements = append(d.ProviderRequirements, ProviderRequirement{
			Type: p.Type, Eligible: p.Eligible, SupervisionRequired: p.SupervisionRequired,
			Credentials: orEmpty(p.Credentials), Note: p.Note,
		})
	}
	q := e.q.Provider
	if q == nil || len(e.rule.Providers) == 0 {
		return
	}
	var pr *catalog.ProviderRule
	for i := range e.rule.Providers {
		if e.rule.Providers[i].Type == q.Type {
			pr = &e.rule.Providers[i]
		}
	}
	switch {
	case pr == nil:
		e.fail(fmt.Sprintf("Not covered: a %s is not among the providers this plan covers acupuncture from (%s).",
			providerName(q.Type), strings.Join(eligibleTypes(e.rule), ", ")))
	case !pr.Eligible:
		msg := fmt.Sprintf("Not covered: a %s cannot furnish covered acupuncture under this plan.", providerName(q.Type))
		if pr.Note != "" {
			msg += " " + pr.Note
		}
		if pr.Modifier != "" {
			msg += " Bill with modifier " + pr.Modifier + "."
		}
		e.fail(msg)
	case pr.SupervisionRequired:
		desc := fmt.Sprintf("Is the %s supervised by an eligible practitioner (incident-to billing)?", providerName(q.Type))
		e.require("provider_supervised", desc, q.Supervised)
		if q.Supervised != nil && !*q.Supervised {
			msg := fmt.Sprintf("Not covered: a %s is covered only under supervision, billed incident-to.", providerName(q.Type))
			if pr.Note != "" {
				msg += " " + pr.Note
			}
			e.fail(msg)
		}
	}
}

// discontinue applies "treatment must be discontinued if the patient is not
// improving" once treatment has started (it is moot before the first visit).
func (e *evaluation) discontinue() {
	p := e.q.Patient
	if !e.rule.DiscontinueWhenNotImproving || p == nil || p.Improving == nil || *p.Improving {
		return
	}
	if u := e.q.Usage; u != nil && zeroOrNil(u.VisitsThisYear) && zeroOrNil(u.VisitsLast90Days) {
		return
	}
	e.fail("Not covered: treatment must be discontinued when the patient is not improving or is regressing.")
}

// limits checks the visit windows against usage and returns the visits left,
// nil when usage was not given or no window applies.
func (e *evaluation) limits() *int {
	l := e.rule.Limits
	u := e.q.Usage
	if len(l.Windows) == 0 || u == nil {
		return nil
	}
	bonus, pendingBonus := 0, 0
	var pendingExt, deniedExt []catalog.Extension
	for _, x := range l.Extensions {
		switch v := e.fact(x.Requires); {
		case v == nil:
			pendingBonus += x.Visits
			pendingExt = append(pendingExt, x)
		case *v:
			bonus += x.Visits
		default:
			deniedExt = append(deniedExt, x)
		}
	}
	left, leftIfPending := -1, -1
	var binding catalog.Window
	for _, w := range l.Windows {
		used, ok := usedIn(w, u)
		if !ok {
			continue
		}
		n := max(w.Visits+bonus-used, 0)
		if left < 0 || n < left {
			left, binding = n, w
		}
		if m := max(w.Visits+bonus+pendingBonus-used, 0); leftIfPending < 0 || m < leftIfPending {
			leftIfPending = m
		}
	}
	if left < 0 {
		return nil
	}
	// Extensions in play: the base caps are used up (or would be without the
	// extension); ask or report their facts.
	if left == 0 || bonus > 0 {
		for _, x := range l.Extensions {
			e.require("extension_"+x.Requires, x.Question, e.fact(x.Requires))
		}
	}
	if left == 0 {
		switch {
		case leftIfPending > 0:
			// Waiting for the extension's fact; require() marked it pending.
		case len(deniedExt) > 0:
			e.fail(fmt.Sprintf("Not covered: the limit of %s is reached, and the %d more visits need %s, which is not the case.",
				windowText(binding), deniedExt[0].Visits, factText(deniedExt[0].Requires)))
		default:
			e.fail(fmt.Sprintf("Not covered: visit limit reached (%s).", windowText(binding)))
		}
	}
	return &left
}

func (e *evaluation) priorAuth() *PriorAuthorization {
	pa := e.rule.PriorAuthorization
	out := &PriorAuthorization{Required: pa.When(), Note: pa.Note}
	switch pa.When() {
	case catalog.AuthAlways:
		out.RequiredNow = ptr(true)
	case catalog.AuthNever:
		out.RequiredNow = ptr(false)
	case catalog.AuthAfterVisits:
		out.AfterVisits = ptr(pa.AfterVisits)
		if u := e.q.Usage; u != nil && u.VisitsThisYear != nil {
			out.RequiredNow = ptr(*u.VisitsThisYear >= pa.AfterVisits)
		}
	}
	return out
}

// usedIn returns the visits usage reports for w's period.
func usedIn(w catalog.Window, u *Usage) (int, bool) {
	var v *int
	switch w.Period {
	case catalog.PerBenefitYear, catalog.PerCalendarYear:
		v = u.VisitsThisYear
	case catalog.PerCalendarMonth:
		v = u.VisitsThisMonth
	case catalog.PerRollingDays:
		if w.Days == 90 {
			v = u.VisitsLast90Days
		}
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}

func limitsView(r *catalog.Rule) *Limits {
	l := &Limits{
		Windows:        orEmpty(r.Limits.Windows),
		Extensions:     orEmpty(r.Limits.Extensions),
		DollarCapCents: r.Limits.DollarCapCents,
	}
	ext := 0
	for _, x := range r.Limits.Extensions {
		ext += x.Visits
	}
	for _, w := range r.Limits.Windows {
		if w.Period == catalog.PerBenefitYear || w.Period == catalog.PerCalendarYear {
			l.VisitsPerYear = ptr(w.Visits + ext)
		}
	}
	return l
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

func factText(f string) string {
	if f == "improving" {
		return "documented improvement"
	}
	return strings.ReplaceAll(f, "_", " ")
}

func pendingText(reqs []Requirement) string {
	var qs []string
	for _, r := range reqs {
		if r.Met == nil {
			qs = append(qs, r.Description)
		}
	}
	return "Covered only if: " + strings.Join(qs, " ")
}

var providerNames = map[string]string{
	"physician": "physician", "pa": "physician assistant", "np": "nurse practitioner",
	"cns": "clinical nurse specialist", "licensed_acupuncturist": "licensed acupuncturist",
	"physical_therapist": "physical therapist", "chiropractor": "chiropractor",
	"dentist": "dentist", "podiatrist": "podiatrist",
}

func providerName(t string) string { return providerNames[t] }

func eligibleTypes(r *catalog.Rule) []string {
	var out []string
	for _, p := range r.Providers {
		if p.Eligible {
			out = append(out, providerName(p.Type))
		}
	}
	return out
}

func reason(r *catalog.Rule, text string) Reason {
	out := Reason{RuleID: r.ID, Text: text}
	if len(r.Sources) > 0 {
		out.Source = SourceRef{Title: r.Sources[0].Title, URL: r.Sources[0].URL}
	}
	return out
}

func zeroOrNil(p *int) bool { return p == nil || *p == 0 }

func ptr[T any](v T) *T { return &v }

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
