package coverage

import (
	"fmt"
	"strings"
	"time"

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
	if err := q.Validate().Err(); err != nil {
		return Decision{}, err
	}
	plan, err := ix.PlanIn(q.Plan, q.State)
	if err != nil {
		return Decision{}, err
	}
	if err := q.Provider.CheckPlan(plan); err != nil {
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
		CatalogRevision:      ix.CatalogRevision(),
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
		if rule.Billing.DeniedNote != "" {
			d.Notes = append(d.Notes, rule.Billing.DeniedNote)
		}
		return d
	}

	// The rule covers, possibly subject to criteria, provider, limits.
	d.Limits = limitsView(rule)
	if cs, carried := ix.CostSharingCarried(plan, catalog.InNetwork, q.Date); cs != nil {
		d.CostSharing = &CostSharing{
			Network: cs.Network, DeductibleCents: cs.DeductibleCents, DeductibleApplies: cs.DeductibleApplies,
			CopayCents: cs.CopayCents, CopaySteps: cs.CopaySteps,
			CoinsurancePercent: cs.CoinsurancePercent, OOPMaxCents: cs.OOPMaxCents,
		}
		if carried {
			d.Notes = append(d.Notes, CarriedNote(plan, cs))
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
	d.ProviderRequirements = append(d.ProviderRequirements, licensureRequirement(ix, q.State))
	if !rule.DiscontinueWhenNotImproving {
		d.Notes = append(d.Notes, generalImprovementAdvice)
	}

	used := q.Usage.usedOn(q.Date)
	v := Check(ix, rule, q.Patient, q.Provider, used)
	if v.Status == catalog.NotCovered && v.CriteriaFailed && rule.FallsBackTo != "" {
		if fb := ix.RuleByID(rule.FallsBackTo); fb != nil && catalog.InForce(fb.EffectiveFrom, fb.EffectiveTo, q.Date) {
			return fallback(ix, q, plan, cond, rule, fb, v)
		}
	}
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

	if v.AuthNow {
		d.PriorAuthorization.RequiredNow = boolPtr(true)
		d.Notes = append(d.Notes, "Authorization is required now: the next visit is beyond what the plan covers without it. With authorization approved it is covered; without, it is not.")
	}
	if rule.DiscontinueWhenNotImproving && q.Patient != nil && q.Patient.Improving != nil && !*q.Patient.Improving && v.Status != catalog.NotCovered {
		d.Notes = append(d.Notes, notImprovingNote)
	}
	switch v.Status {
	case catalog.NotCovered:
		d.Reasons = append(d.Reasons, v.Failures...)
		d.Reasons = append(d.Reasons, summary)
		if rule.Billing.DeniedNote != "" {
			d.Notes = append(d.Notes, rule.Billing.DeniedNote)
		}
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
	// AuthNow: the next visit is past a window whose cap is lifted by prior
	// authorization (the verdict is conditional on it).
	AuthNow bool
	// CriteriaFailed: a criterion of the rule failed (the rule's benefit
	// does not apply; a falls_back_to rule may).
	CriteriaFailed bool
}

// Check evaluates the covering (covered or conditional) rule r of ix: its
// criteria against the patient's facts, the provider, the visit limits against
// used — where "discontinue when not improving" is judged at reassessment:
// an extension that needs improvement is denied when the patient is not
// improving, the base visits are not.
// Any failure makes the verdict not_covered; otherwise an unanswered question
// makes it conditional. It builds no Decision, so the estimator can call it
// for every visit of a course; Decide is Check plus the rest of the answer.
func Check(ix *catalog.Index, r *catalog.Rule, p *Patient, prov *Provider, used Used) Verdict {
	var v Verdict
	CheckInto(&v, ix, r, p, prov, used)
	return v
}

// CheckInto is Check writing its verdict into v, reusing the storage of v's
// slices, for callers that check visit after visit (the estimator). What v
// held before is overwritten; copy any slice that must outlive the next call.
func CheckInto(v *Verdict, ix *catalog.Index, r *catalog.Rule, p *Patient, prov *Provider, used Used) {
	*v = Verdict{Failures: v.Failures[:0], Requirements: v.Requirements[:0], Modifiers: v.Modifiers[:0]}
	e := evaluation{rule: r, patient: p, v: v}
	e.criteria(ix.Tests(r))
	e.provider(prov)
	e.finish(used)
}

// finish runs the checks that depend on the visit — limits, discontinuing,
// prior authorization — after the criteria and provider checks, and sets
// the status.
func (e *evaluation) finish(used Used) {
	e.v.Remaining, e.v.Limited = e.limits(used)
	e.v.PriorAuthNow = priorAuthNow(e.rule.PriorAuthorization, used)
	if e.v.AuthNow {
		e.v.PriorAuthNow = &yes
	}
	switch {
	case len(e.v.Failures) > 0:
		e.v.Status, e.v.Modifiers = catalog.NotCovered, e.v.Modifiers[:0]
		switch {
		case e.noClaim:
		case e.modifier != "":
			e.v.Modifiers = append(e.v.Modifiers, e.modifier)
		default:
			e.v.Modifiers = append(e.v.Modifiers, e.rule.Billing.DeniedModifiers...)
		}
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

	rule     *catalog.Rule // the rule base was made for
	base     Verdict       // Failures and Requirements of the criteria and provider
	pending  bool
	modifier string
	noClaim  bool
}

// NewChecker returns a Checker for patient p and provider prov under ix.
func NewChecker(ix *catalog.Index, p *Patient, prov *Provider) Checker {
	return Checker{ix: ix, p: p, prov: prov}
}

// CheckInto is CheckInto(v, ix, r, p, prov, used) for the
// Checker's index, patient and provider (TestCheckerAgreesWithCheckInto).
func (c *Checker) CheckInto(v *Verdict, r *catalog.Rule, used Used) {
	if r != c.rule {
		c.base = Verdict{}
		e := evaluation{rule: r, patient: c.p, v: &c.base}
		e.criteria(c.ix.Tests(r))
		e.provider(c.prov)
		c.rule, c.pending, c.modifier, c.noClaim = r, e.pending, e.modifier, e.noClaim
	}
	*v = Verdict{
		Failures:       append(v.Failures[:0], c.base.Failures...),
		Requirements:   append(v.Requirements[:0], c.base.Requirements...),
		Modifiers:      v.Modifiers[:0],
		CriteriaFailed: c.base.CriteriaFailed,
	}
	e := evaluation{rule: r, patient: c.p, v: v, pending: c.pending, modifier: c.modifier, noClaim: c.noClaim}
	e.finish(used)
}

// evaluation collects the outcome of each check of a covering rule.
type evaluation struct {
	rule    *catalog.Rule
	patient *Patient
	v       *Verdict
	pending bool
	// modifier is the provider type's own modifier for a claim it cannot
	// make (GY); noClaim: no claim is made at all (an opted-out provider).
	modifier string
	noClaim  bool
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
				// Plain words, never the rule's syntax (pain_weeks >= 6):
				// the question asked, answered no.
				msg = fmt.Sprintf("Not covered: the answer to “%s” is no.", c.Question)
			}
			e.fail(msg)
			e.v.CriteriaFailed = true
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
	case "age_under_21":
		return p.AgeUnder21
	}
	return nil
}

func (e *evaluation) provider(q *Provider) {
	if q != nil && q.MedicareParticipation == OptedOut {
		e.fail("Not covered: the provider has opted out of Medicare, so Medicare pays nothing; the patient pays the provider's price under a private contract signed before treatment.")
		e.noClaim = true
		return
	}
	if len(e.rule.Providers) == 0 {
		return
	}
	if q == nil || q.Type == "" {
		if e.rule.AskProvider {
			e.require("provider", providerQuestion(e.rule), nil)
		}
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
			e.modifier = pr.Modifier
		}
		e.fail(msg)
	default:
		if pr.ConfirmCredentials && len(pr.Credentials) > 0 {
			e.require("provider_credentials", credentialsQuestion(q.Type, pr.Credentials), q.CredentialsMet)
			if q.CredentialsMet != nil && !*q.CredentialsMet {
				e.fail(fmt.Sprintf("Not covered: a %s furnishes covered acupuncture only with %s.", providerName(q.Type), strings.Join(pr.Credentials, " and ")))
			}
		}
		if pr.SupervisionRequired {
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
}

// providerQuestion asks who will treat, listing whom the rule covers.
func providerQuestion(r *catalog.Rule) string {
	var b strings.Builder
	b.WriteString("Who will furnish the acupuncture (provider.type)? Covered only from: ")
	n := 0
	for _, p := range r.Providers {
		if !p.Eligible {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(providerName(p.Type))
		switch {
		case p.SupervisionRequired:
			b.WriteString(" (with the credentials listed, supervised: incident-to)")
		case p.ConfirmCredentials:
			b.WriteString(" (with the credentials listed)")
		}
	}
	b.WriteString(".")
	return b.String()
}

func credentialsQuestion(t string, creds []string) string {
	return fmt.Sprintf("Does the %s hold: %s? (provider.credentials_met)", providerName(t), strings.Join(creds, "; "))
}

// limits checks the visit windows against used and returns the visits left,
// and false when no window's usage is known. Windows whose cap is lifted by
// prior authorization (beyond: authorization) make the verdict conditional
// on it instead of not covered. Extensions are judged at reassessment: a
// patient reported as not improving keeps the base visits (Medicare's
// initial 12) and loses the extension's (visits 13–20).
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
	left, leftIfPending, authLeft, beyondBase := -1, -1, -1, false
	var binding, bindingAtMost, authWindow catalog.Window // caps with answered / all extensions
	for _, w := range l.Windows {
		if w.WaivedBy != "" {
			if v := e.fact(w.WaivedBy); v != nil && *v {
				continue // e.g. EPSDT: no cap under 21
			}
		}
		n, ok := used(w)
		if !ok {
			continue
		}
		if w.NeedsAuthorization() {
			if m := max(w.Visits-n, 0); authLeft < 0 || m < authLeft {
				authLeft, authWindow = m, w
			}
			continue
		}
		// On a tie the longer window binds: "20 a year" is the reason for
		// visit 21, even when the 90-day window is used up on the same day.
		if m := max(w.Visits+bonus-n, 0); left < 0 || m < left || (m == left && span(w) > span(binding)) {
			left, binding = m, w
			binding.Visits += bonus // the cap in force, extensions included
		}
		if m := max(w.Visits+bonus+pendingBonus-n, 0); leftIfPending < 0 || m < leftIfPending || (m == leftIfPending && span(w) > span(bindingAtMost)) {
			leftIfPending, bindingAtMost = m, w
			bindingAtMost.Visits += bonus + pendingBonus
		}
		beyondBase = beyondBase || n >= w.Visits
	}
	if left < 0 && authLeft < 0 {
		return 0, false
	}
	if left >= 0 {
		e.hardLimits(l, left, leftIfPending, bonus, beyondBase, deniedExt, binding, bindingAtMost)
	}
	if authLeft == 0 && (left != 0 || leftIfPending > 0) {
		e.v.AuthNow = true
		e.require("prior_authorization", "The limit of "+WindowText(authWindow)+" is reached: is prior authorization (e.g. a Treatment Authorization Request) approved for more?", nil)
	}
	switch {
	case left < 0:
		return authLeft, true
	case authLeft < 0:
		return left, true
	}
	return min(left, authLeft), true
}

// hardLimits applies the windows whose cap is final (not lifted by
// authorization).
func (e *evaluation) hardLimits(l catalog.Limits, left, leftIfPending, bonus int, beyondBase bool, deniedExt []catalog.Extension, binding, bindingAtMost catalog.Window) {
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
			x := deniedExt[0]
			msg := fmt.Sprintf("Not covered: the limit of %s is reached, and the %d more visits need %s, which is not the case.",
				WindowText(binding), x.Visits, factText(x.Requires))
			if x.Requires == "improving" {
				msg += " At reassessment the patient is not improving: treatment must be discontinued if the patient is not improving or is regressing."
			}
			e.fail(msg)
		default:
			e.fail("Not covered: visit limit reached (" + WindowText(bindingAtMost) + ").")
		}
	}
}

// span ranks windows by length in days, for ties.
func span(w catalog.Window) int {
	switch w.Period {
	case catalog.PerRollingDays:
		return w.Days
	case catalog.PerCalendarMonth:
		return 31
	case catalog.PerPatientYear:
		return w.Months * 31
	case "":
		return -1
	}
	return 366
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

// usedOn returns the Used of u on date d; a nil Usage knows nothing.
func (u *Usage) usedOn(d catalog.Date) Used {
	return func(w catalog.Window) (int, bool) { return u.used(w, d) }
}

// used reports the visits (or units) u gives for w's period on d. A rolling
// window is known only for 90 days, the one usage reports. The patient's
// year (months_from_first_visit) is visits_this_year; when first_visit_date
// is given and that year has ended by d, a new one starts with 0.
func (u *Usage) used(w catalog.Window, d catalog.Date) (int, bool) {
	if u == nil {
		return 0, false
	}
	var v *int
	switch w.Period {
	case catalog.PerBenefitYear, catalog.PerCalendarYear:
		v = u.VisitsThisYear
		if w.Units() {
			v = u.UnitsThisYear
		}
	case catalog.PerPatientYear:
		if u.FirstVisitDate != nil && !d.Before(PatientYearEnd(*u.FirstVisitDate, w.Months)) {
			return 0, true
		}
		v = u.VisitsThisYear
		if w.Units() {
			v = u.UnitsThisYear
		}
	case catalog.PerCalendarMonth:
		if !w.Units() {
			v = u.VisitsThisMonth
		}
	case catalog.PerRollingDays:
		if w.Days == 90 && !w.Units() {
			v = u.VisitsLast90Days
		}
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}

// PatientYearEnd is the first day after the patient's year that starts with
// a first visit on first and runs months calendar months from that month
// (months 12: the month of the first visit and the 11 full months after it).
func PatientYearEnd(first catalog.Date, months int) catalog.Date {
	return catalog.NewDate(first.Year(), first.Month()+time.Month(months), 1)
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
		if !w.Units() && !w.NeedsAuthorization() && (w.Period == catalog.PerBenefitYear || w.Period == catalog.PerCalendarYear ||
			(w.Period == catalog.PerPatientYear && w.Months == 12)) {
			l.VisitsPerYear = ptr(w.Visits + ext)
		}
	}
	return l
}

// WindowText describes a limit window in words, e.g. "12 visits in 90 days".
func WindowText(w catalog.Window) string {
	what := "visits"
	if w.Units() {
		what = "units"
	}
	switch w.Period {
	case catalog.PerRollingDays:
		return fmt.Sprintf("%d %s in %d days", w.Visits, what, w.Days)
	case catalog.PerCalendarMonth:
		return fmt.Sprintf("%d %s per calendar month", w.Visits, what)
	case catalog.PerCalendarYear:
		return fmt.Sprintf("%d %s per calendar year", w.Visits, what)
	case catalog.PerPatientYear:
		if w.Months == 12 {
			return fmt.Sprintf("%d %s a year, the patient's year: the month of the first visit and the 11 full months after it", w.Visits, what)
		}
		return fmt.Sprintf("%d %s in %d months from the month of the first visit", w.Visits, what, w.Months)
	}
	return fmt.Sprintf("%d %s per benefit year", w.Visits, what)
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

// generalImprovementAdvice is the seed's advice, given where no payer rule
// says when to stop.
const generalImprovementAdvice = "If there is no improvement after a few weeks of treatment, reconsider it with the practitioner: a course is usually 1–2 visits a week for a few weeks."

// notImprovingNote answers a covering decision for a patient reported as not
// improving: improvement is judged at reassessment (visits 13–20 need it),
// so the base visits stay payable, but the NCD's instruction applies.
const notImprovingNote = "The patient is reported as not improving: NCD 30.3.3 says treatment must be discontinued if the patient is not improving or is regressing. Improvement is judged at reassessment, when visits 13–20 need it (KX); visits within the initial 12 remain payable (no contractor edit denying them was found; unconfirmed), and visits 13–20 will not be covered (give an ABN, bill GA). Reassess whether to continue."

// CarriedNote says that cost sharing of a date after the catalog's last
// dated terms is taken from those terms, carried forward.
func CarriedNote(p *catalog.Plan, cs *catalog.CostSharing) string {
	return fmt.Sprintf("Assumption: the catalog has no %s cost sharing from %s on; the last known terms (in force until %s) are carried forward: deductible %d cents, coinsurance %d%%, copay %d cents. Check the payer's figures for the later year.",
		p.Name, cs.EffectiveTo, cs.EffectiveTo, cs.DeductibleCents, cs.CoinsurancePercent, cs.CopayCents)
}

// licensureRequirement is the practitioner licensure of state, shown with
// every covering answer whatever the plan.
func licensureRequirement(ix *catalog.Index, state string) ProviderRequirement {
	l := ix.Licensure(state)
	name := catalog.StateNames[state]
	if l == nil || l.Status == catalog.LicensureUnknown {
		pr := ProviderRequirement{Type: "state_licensure", Eligible: true, Credentials: []string{},
			Note: "State licensure (" + name + "): not in the catalog; check the state's acupuncture board."}
		if l != nil {
			pr.Credentials = orEmpty(l.Requirements)
		}
		return pr
	}
	if l.Status == catalog.NotLicensed {
		return ProviderRequirement{Type: "state_licensure", Eligible: true, Credentials: orEmpty(l.Requirements),
			Note: "State licensure (" + name + "): " + name + " does not license acupuncturists." + joinNotes(l.Notes)}
	}
	return ProviderRequirement{Type: "state_licensure", Eligible: true, Credentials: orEmpty(l.Requirements),
		Note: "State licensure (" + name + "): " + l.Title + "." + joinNotes(l.Notes)}
}

func joinNotes(ns []string) string {
	if len(ns) == 0 {
		return ""
	}
	return " " + strings.Join(ns, " ")
}

// fallback decides q under fb, the rule that rule falls back to when its
// criteria fail (a plan's second benefit), keeping rule's failures as the
// reason its own benefit does not apply.
func fallback(ix *catalog.Index, q Query, plan *catalog.Plan, cond *catalog.Condition, rule, fb *catalog.Rule, v Verdict) Decision {
	d := decide(ix, q, plan, cond, fb)
	why := make([]Reason, 0, len(v.Failures)+len(d.Reasons))
	why = append(why, d.Reasons...)
	for _, f := range v.Failures {
		f.Text = "The benefit of rule " + rule.ID + " does not apply: " + f.Text
		why = append(why, f)
	}
	d.Reasons = why
	return d
}
