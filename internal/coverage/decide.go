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
//
// A Decision shares memory with the catalog and with other decisions (a
// question without patient facts, usage or provider is answered from a
// decision precomputed per rule): treat it as read-only. Appending to its
// lists is safe; writing through its pointers or into its lists is not.
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
	rule := ix.Rule(plan.ID, q.State, cond.ID, q.Date)
	if rule != nil && q.Patient == nil && q.Usage == nil && q.Provider == nil {
		return static(ix, q, plan, cond, rule), nil
	}
	return decide(ix, q, plan, cond, rule), nil
}

// decide is Decide once the plan, condition and rule are resolved.
func decide(ix *catalog.Index, q Query, plan *catalog.Plan, cond *catalog.Condition, rule *catalog.Rule) Decision {
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

	if rule == nil {
		d.Status = catalog.Unknown
		d.Reasons = append(d.Reasons, Reason{Text: fmt.Sprintf(
			"The catalog has no rule for %s in %s for %s on %s, so acucover cannot say; ask the payer.",
			plan.Name, q.State, cond.Name, q.Date)})
		return d
	}
	d.Billing.CPT = orEmpty(rule.Billing.CPT)
	d.Billing.Modifiers = append(d.Billing.Modifiers, rule.Billing.Modifiers...)
	d.Billing.Notes = append(d.Billing.Notes, rule.Billing.Notes...)
	d.Notes = append(d.Notes, rule.Notes...)
	summary := reason(rule, rule.Summary)
	if rule.Status == catalog.NotCovered || rule.Status == catalog.Unknown {
		d.Status = rule.Status
		d.Reasons = append(d.Reasons, summary)
		return d
	}

	// The rule covers, possibly subject to criteria, provider, limits.
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
	for _, p := range rule.Providers {
		d.ProviderRequirements = append(d.ProviderRequirements, ProviderRequirement{
			Type: p.Type, Eligible: p.Eligible, SupervisionRequired: p.SupervisionRequired,
			Credentials: orEmpty(p.Credentials), Note: p.Note,
		})
	}

	v := Check(ix, rule, q.Patient, q.Provider, q.Usage.used, q.Usage.started())
	if v.Limited {
		d.VisitsRemaining = ptr(v.Remaining)
	}
	d.Requirements = append(d.Requirements, v.Requirements...)
	pa := rule.PriorAuthorization
	d.PriorAuthorization = &PriorAuthorization{Required: pa.When(), Note: pa.Note, RequiredNow: v.PriorAuthNow}
	if pa.When() == catalog.AuthAfterVisits {
		d.PriorAuthorization.AfterVisits = ptr(pa.AfterVisits)
		if v.PriorAuthNow != nil && *v.PriorAuthNow {
			d.Notes = append(d.Notes, fmt.Sprintf("Prior authorization is required before further visits: %d visits this year reach the plan's threshold of %d.",
				*q.Usage.VisitsThisYear, pa.AfterVisits))
		}
	}

	switch v.Status {
	case catalog.NotCovered:
		d.Reasons = append(d.Reasons, v.Failures...)
		d.Reasons = append(d.Reasons, summary)
	case catalog.Conditional:
		d.Reasons = append(d.Reasons, reason(rule, rule.Summary+" "+pendingText(d.Requirements)))
	default:
		d.Reasons = append(d.Reasons, summary)
	}
	d.Status = v.Status
	return d
}

// Used reports how many covered visits already count against window w, and
// whether that is known. Check asks it for each limit window, and for a
// benefit_year window to decide prior authorization after N visits.
type Used func(w catalog.Window) (n int, known bool)

// Verdict is the outcome of checking a covering rule for one patient,
// provider and usage.
type Verdict struct {
	// Status is covered, not_covered or conditional.
	Status catalog.Status
	// Failures say why the visit is not covered, the deciding one first.
	Failures []Reason
	// Requirements are the questions the verdict depends on, with Met nil
	// while unanswered.
	Requirements []Requirement
	// Remaining is the number of visits left under the tightest window
	// whose usage is known; Limited is false (and Remaining 0) when none is.
	Remaining int
	Limited   bool
	// Modifiers are billed on the next visit when it is covered only by an
	// extension (KX for Medicare visits 13–20).
	Modifiers []string
	// PriorAuthNow says whether the next visit needs prior authorization;
	// nil when that depends on a visit count that is not known.
	PriorAuthNow *bool
}

// Check evaluates the covering (covered or conditional) rule r of ix: its
// criteria against the patient's facts, the provider, the visit limits against
// used, and — once treatment has started — "discontinue when not improving".
// Any failure makes the verdict not_covered; otherwise an unanswered question
// makes it conditional. It builds no Decision, so the estimator can call it
// for every visit of a course; Decide is Check plus the rest of the answer.
func Check(ix *catalog.Index, r *catalog.Rule, p *Patient, prov *Provider, used Used, started bool) Verdict {
	var v Verdict
	CheckInto(&v, ix, r, p, prov, used, started)
	return v
}

// CheckInto is Check writing its verdict into v, reusing the storage of v's
// slices, for callers that check visit after visit (the estimator). What v
// held before is overwritten; copy any slice that must outlive the next call.
func CheckInto(v *Verdict, ix *catalog.Index, r *catalog.Rule, p *Patient, prov *Provider, used Used, started bool) {
	*v = Verdict{Failures: v.Failures[:0], Requirements: v.Requirements[:0], Modifiers: v.Modifiers[:0]}
	e := evaluation{rule: r, patient: p, v: v}
	e.criteria(ix.Tests(r))
	e.provider(prov)
	e.finish(used, started)
}

// finish runs the checks that depend on the visit — limits, discontinuing,
// prior authorization — after the criteria and provider checks, and sets
// the status.
func (e *evaluation) finish(used Used, started bool) {
	e.v.Remaining, e.v.Limited = e.limits(used)
	e.discontinue(started)
	e.v.PriorAuthNow = priorAuthNow(e.rule.PriorAuthorization, used)
	switch {
	case len(e.v.Failures) > 0:
		e.v.Status, e.v.Modifiers = catalog.NotCovered, e.v.Modifiers[:0]
	case e.pending:
		e.v.Status, e.v.Modifiers = catalog.Conditional, e.v.Modifiers[:0]
	default:
		e.v.Status = catalog.Covered
	}
}

// Checker is CheckInto for one patient and provider, visit after visit (the
// estimator): the criteria and provider checks, which depend on neither the
// visit nor the usage, run once per rule, not once per visit. Make one with
// NewChecker.
type Checker struct {
	ix   *catalog.Index
	p    *Patient
	prov *Provider

	rule    *catalog.Rule // the rule base was made for
	base    Verdict       // Failures and Requirements of the criteria and provider
	pending bool
}

// NewChecker returns a Checker for patient p and provider prov under ix.
func NewChecker(ix *catalog.Index, p *Patient, prov *Provider) Checker {
	return Checker{ix: ix, p: p, prov: prov}
}

// CheckInto is CheckInto(v, ix, r, p, prov, used, started) for the
// Checker's index, patient and provider (TestCheckerAgreesWithCheckInto).
func (c *Checker) CheckInto(v *Verdict, r *catalog.Rule, used Used, started bool) {
	if r != c.rule {
		c.base = Verdict{}
		e := evaluation{rule: r, patient: c.p, v: &c.base}
		e.criteria(c.ix.Tests(r))
		e.provider(c.prov)
		c.rule, c.pending = r, e.pending
	}
	*v = Verdict{
		Failures:     append(v.Failures[:0], c.base.Failures...),
		Requirements: append(v.Requirements[:0], c.base.Requirements...),
		Modifiers:    v.Modifiers[:0],
	}
	e := evaluation{rule: r, patient: c.p, v: v, pending: c.pending}
	e.finish(used, started)
}

// evaluation collects the outcome of each check of a covering rule.
type evaluation struct {
	rule    *catalog.Rule
	patient *Patient
	v       *Verdict
	pending bool
}

func (e *evaluation) fail(text string) { e.v.Failures = append(e.v.Failures, reason(e.rule, text)) }

func (e *evaluation) require(id, desc string, met *bool) {
	if e.v.Requirements == nil {
		e.v.Requirements = make([]Requirement, 0, len(e.rule.Criteria)+len(e.rule.Limits.Extensions)+1)
	}
	e.v.Requirements = append(e.v.Requirements, Requirement{ID: id, Description: desc, Met: met})
	if met == nil {
		e.pending = true
	}
}

func (e *evaluation) criteria(tests []catalog.Test) {
	for i, c := range e.rule.Criteria {
		met := e.test(tests[i])
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
	p := e.patient
	if p == nil {
		return nil
	}
	if t.Fact == "pain_weeks" {
		if p.PainWeeks == nil {
			return nil
		}
		return boolPtr(t.EvalInt(*p.PainWeeks))
	}
	v := e.fact(t.Fact)
	if v == nil {
		return nil
	}
	return boolPtr(t.EvalBool(*v))
}

// fact returns a boolean patient fact, nil if unanswered.
func (e *evaluation) fact(name string) *bool {
	p := e.patient
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

func (e *evaluation) provider(q *Provider) {
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
// improving"; before treatment has started it is moot.
func (e *evaluation) discontinue(started bool) {
	p := e.patient
	if !e.rule.DiscontinueWhenNotImproving || !started || p == nil || p.Improving == nil || *p.Improving {
		return
	}
	e.fail("Not covered: treatment must be discontinued when the patient is not improving or is regressing.")
}

// limits checks the visit windows against used and returns the visits left,
// and false when no window's usage is known.
func (e *evaluation) limits(used Used) (int, bool) {
	l := e.rule.Limits
	if len(l.Windows) == 0 {
		return 0, false
	}
	bonus, pendingBonus := 0, 0
	var deniedExt []catalog.Extension
	for _, x := range l.Extensions {
		switch v := e.fact(x.Requires); {
		case v == nil:
			pendingBonus += x.Visits
		case *v:
			bonus += x.Visits
		default:
			deniedExt = append(deniedExt, x)
		}
	}
	left, leftIfPending, beyondBase := -1, -1, false
	var binding, bindingAtMost catalog.Window // caps with answered / all extensions
	for _, w := range l.Windows {
		n, ok := used(w)
		if !ok {
			continue
		}
		if m := max(w.Visits+bonus-n, 0); left < 0 || m < left {
			left, binding = m, w
			binding.Visits += bonus // the cap in force, extensions included
		}
		if m := max(w.Visits+bonus+pendingBonus-n, 0); leftIfPending < 0 || m < leftIfPending {
			leftIfPending, bindingAtMost = m, w
			bindingAtMost.Visits += bonus + pendingBonus
		}
		beyondBase = beyondBase || n >= w.Visits
	}
	if left < 0 {
		return 0, false
	}
	// Extensions are in play once a base cap is used up (or would be without
	// the extension): ask or report their facts.
	if left == 0 || bonus > 0 {
		for _, x := range l.Extensions {
			e.require(extensionIDs[x.Requires], x.Question, e.fact(x.Requires))
		}
	}
	if beyondBase && left > 0 {
		for _, x := range l.Extensions {
			if v := e.fact(x.Requires); v != nil && *v && x.Modifier != "" {
				e.v.Modifiers = append(e.v.Modifiers, x.Modifier)
			}
		}
	}
	if left == 0 {
		switch {
		case leftIfPending > 0:
			// Waiting for the extension's fact; require() marked it pending.
		case len(deniedExt) > 0:
			e.fail(fmt.Sprintf("Not covered: the limit of %s is reached, and the %d more visits need %s, which is not the case.",
				WindowText(binding), deniedExt[0].Visits, factText(deniedExt[0].Requires)))
		default:
			e.fail(fmt.Sprintf("Not covered: visit limit reached (%s).", WindowText(bindingAtMost)))
		}
	}
	return left, true
}

// extensionIDs names the requirement an extension on each fact asks
// ("extension_improving"), built once so a check allocates no strings.
var extensionIDs = func() map[string]string {
	m := make(map[string]string, len(catalog.Facts))
	for f := range catalog.Facts {
		m[f] = "extension_" + f
	}
	return m
}()

// priorAuthNow says whether the next visit needs prior authorization.
func priorAuthNow(pa catalog.PriorAuth, used Used) *bool {
	switch pa.When() {
	case catalog.AuthAlways:
		return boolPtr(true)
	case catalog.AuthAfterVisits:
		if n, ok := used(catalog.Window{Period: catalog.PerBenefitYear}); ok {
			return boolPtr(n >= pa.AfterVisits)
		}
		return nil
	}
	return boolPtr(false)
}

// used reports the visits u gives for w's period; a nil Usage knows nothing.
// A rolling window is known only for 90 days, the one usage reports.
func (u *Usage) used(w catalog.Window) (int, bool) {
	if u == nil {
		return 0, false
	}
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

// started reports whether treatment may have started: false only when usage
// says no visit this year or in the last 90 days.
func (u *Usage) started() bool {
	return u == nil || !(zeroOrNil(u.VisitsThisYear) && zeroOrNil(u.VisitsLast90Days))
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

// WindowText describes a limit window in words, e.g. "12 visits in 90 days".
func WindowText(w catalog.Window) string {
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

// yes and no back the *bool answers of every decision, so evaluating a
// criterion allocates nothing. Decisions are read-only: never write through
// a Met or RequiredNow pointer.
var yes, no = true, false

func boolPtr(b bool) *bool {
	if b {
		return &yes
	}
	return &no
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
