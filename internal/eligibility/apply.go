package eligibility

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/x12"
)

// Field is the request member the eligibility input is read from; errors
// about it name paths under it (eligibility.x12_271,
// eligibility.benefits[2].amount).
const Field = "eligibility"

// Decide answers q like coverage.Decide, with what the payer states in in
// used over the catalog's values (see "Applying payer facts" in the README):
//
//   - visits used replace usage.visits_this_year; a yearly visit limit
//     (allowed or remaining) replaces the catalog's yearly windows, and no
//     visits remaining makes the answer not_covered;
//   - deductible, out-of-pocket maximum, copay and coinsurance replace the
//     catalog's in-network cost sharing (coinsurance rounded half up to a
//     whole percent);
//   - authorization required replaces the catalog's prior authorization;
//   - inactive coverage or acupuncture non-covered makes the answer
//     not_covered; an acupuncture benefit the payer states makes a
//     catalog not_covered (or unknown) covered, except where the catalog's
//     not_covered is required by law (Original Medicare outside NCD 30.3.3),
//     which still wins.
//
// The decision lists every fact it read in payer_facts[] and every
// disagreement in conflicts[]. Errors are coverage.Decide's, or a
// *coverage.InputError about the eligibility member: a malformed 271 or
// benefit (ErrInvalidInput, 400) or a 271 that answers no single member or
// rejects the inquiry (ErrContradictory, 422).
func Decide(ix *catalog.Index, q coverage.Query, in Input) (coverage.Decision, error) {
	f, err := read(in, Options{})
	if err != nil {
		return coverage.Decision{}, err
	}
	v := resolve(ix, q.Plan, q.State, q.Condition, q.Date, catalog.InNetwork)
	var extra []Conflict
	var used *int64
	if q.Usage != nil && q.Usage.VisitsThisYear != nil {
		used = ptr(int64(*q.Usage.VisitsThisYear))
	}
	q2 := q
	u := coverage.Usage{}
	if q.Usage != nil {
		u = *q.Usage
	}
	if f.VisitsUsed != nil && f.VisitsUsed.Value <= 1000 {
		if used != nil && *used != f.VisitsUsed.Value {
			extra = append(extra, usageConflict("visits used this year", strconv.FormatInt(f.VisitsUsed.Value, 10), f.VisitsUsed.Source,
				"usage.visits_this_year", strconv.FormatInt(*used, 10)))
		}
		used = &f.VisitsUsed.Value
		u.VisitsThisYear = ptr(int(f.VisitsUsed.Value))
		q2.Usage = &u
	}
	if f.VisitsAllowed != nil || f.VisitsRemaining != nil {
		// The payer's yearly count replaces the catalog's yearly windows:
		// the catalog's are not checked (adjust checks the payer's).
		u.VisitsThisYear = nil
		q2.Usage = &u
	}
	d, err := coverage.Decide(ix, q2)
	if err != nil {
		return d, err
	}
	a := applier{f: f, v: v, used: used}
	a.adjust(&d, extra)
	return d, nil
}

// Estimate estimates req like cost.Estimate, with what the payer states in
// in used over the catalog's values and the request's accumulators: as
// Decide for the coverage and terms (in the request's network), and the
// payer's deductible met, out-of-pocket met and visits used as the
// accumulators. A conflict lists each accumulator the request gave (not 0)
// that the payer's differs from. Errors as cost.Estimate and Decide.
func Estimate(ix *catalog.Index, req cost.Request, in Input) (cost.Breakdown, error) {
	return EstimateWith(ix, req, in, cost.Estimate)
}

// EstimateWith is Estimate with run as the estimator (cost.Estimate, or
// cost.EstimateAt for a clinic's prices): run gets req with the payer's
// accumulators and cost.Payer set.
func EstimateWith(ix *catalog.Index, req cost.Request, in Input, run func(*catalog.Index, cost.Request) (cost.Breakdown, error)) (cost.Breakdown, error) {
	network := req.Network
	if network == "" {
		network = catalog.InNetwork
	}
	f, err := read(in, Options{OutOfNetwork: network == catalog.OutNetwork})
	if err != nil {
		return cost.Breakdown{}, err
	}
	v := resolve(ix, req.Plan, req.State, req.Condition, req.StartDate, network)
	var extra []Conflict
	acc := &req.Accumulators
	money := func(dst *int64, fact *Fact[int64], what, field string) {
		if fact == nil {
			return
		}
		if *dst != 0 && *dst != fact.Value {
			extra = append(extra, usageConflict(what, "$"+x12.FormatCents(fact.Value), fact.Source, field, "$"+x12.FormatCents(*dst)))
		}
		*dst = fact.Value
	}
	money(&acc.DeductibleMetCents, f.DeductibleMet, "deductible met", "accumulators.deductible_met_cents")
	money(&acc.OOPMetCents, f.OOPMet, "out-of-pocket met", "accumulators.oop_met_cents")
	if f.VisitsUsed != nil && f.VisitsUsed.Value <= 1000 {
		if acc.VisitsThisYear != 0 && int64(acc.VisitsThisYear) != f.VisitsUsed.Value {
			extra = append(extra, usageConflict("visits used this year", strconv.FormatInt(f.VisitsUsed.Value, 10), f.VisitsUsed.Source,
				"accumulators.visits_this_year", strconv.Itoa(acc.VisitsThisYear)))
		}
		acc.VisitsThisYear = int(f.VisitsUsed.Value)
	}
	used := ptr(int64(acc.VisitsThisYear))

	p := &cost.Payer{}
	if n, src, ok := yearLimit(f, used); ok {
		p.VisitsPerYear, p.VisitsSource = ptr(int(n)), src
	}
	switch {
	case f.DeductibleTotal != nil:
		p.DeductibleCents = &f.DeductibleTotal.Value
	case f.DeductibleRemaining != nil:
		p.DeductibleCents = ptr(acc.DeductibleMetCents + f.DeductibleRemaining.Value)
	}
	switch {
	case f.OOPTotal != nil:
		p.OOPMaxCents = &f.OOPTotal.Value
	case f.OOPRemaining != nil:
		p.OOPMaxCents = ptr(acc.OOPMetCents + f.OOPRemaining.Value)
	}
	if f.Copay != nil {
		p.CopayCents = &f.Copay.Value
	}
	if f.Coinsurance != nil {
		p.CoinsurancePercent = ptr(wholePercent(f.Coinsurance.Value))
	}
	if f.AuthorizationRequired != nil {
		p.AuthorizationRequired = &f.AuthorizationRequired.Value
	}
	p.NotCovered, p.Covered = v.coverageWord(f)
	req.Payer = p
	b, err := run(ix, req)
	if err != nil {
		return b, err
	}
	a := applier{f: f, v: v, used: used}
	a.adjust(&b.Coverage, extra)
	if f.Coinsurance != nil && int64(f.Coinsurance.Value)%100 != 0 {
		b.Assumptions = append(b.Assumptions, coinsuranceRounding(f.Coinsurance))
	}
	return b, nil
}

// read reads in and turns its errors into *coverage.InputError about the
// eligibility member.
func read(in Input, opt Options) (Facts, error) {
	f, err := Read(in, opt)
	var xe *x12.Error
	var fe *FieldError
	var re *RejectedError
	switch {
	case err == nil:
	case errors.As(err, &xe):
		return f, coverage.Invalid(Field+".x12_271", err.Error())
	case errors.As(err, &fe):
		return f, coverage.Invalid(Field+"."+fe.Field, fe.Msg)
	case errors.As(err, &re):
		return f, coverage.Contradictory(Field+".x12_271", err.Error())
	case errors.Is(err, ErrNoMember), errors.Is(err, ErrAmbiguousMember):
		return f, coverage.Contradictory(Field+".member_id", err.Error())
	default: // ErrBothForms, ErrEmpty
		return f, coverage.Invalid(Field, strings.TrimPrefix(err.Error(), "eligibility: "))
	}
	var fatal []string
	for _, r := range f.Rejections {
		if !strings.HasPrefix(r, "loop 2110") {
			fatal = append(fatal, r)
		}
	}
	if len(fatal) > 0 {
		return f, coverage.Contradictory(Field+".x12_271", (&RejectedError{Rejections: fatal}).Error())
	}
	return f, nil
}

// view is the catalog's side of one question: the plan, the rule in force
// and the cost sharing of the network (each nil when the catalog has none
// or the lookup fails; Decide and Estimate then report the lookup error).
type view struct {
	plan *catalog.Plan
	rule *catalog.Rule
	cs   *catalog.CostSharing
}

func resolve(ix *catalog.Index, planID, state, cond string, d catalog.Date, n catalog.Network) view {
	var v view
	plan, err := ix.PlanIn(planID, state)
	if err != nil {
		return v
	}
	v.plan = plan
	v.cs, _ = ix.CostSharingCarried(plan, n, d)
	if c, err := ix.ResolveCondition(cond, d); err == nil {
		v.rule = ix.Rule(plan.ID, state, c.ID, d)
	}
	return v
}

// status is the catalog rule's status: unknown without a rule.
func (v view) status() catalog.Status {
	if v.rule == nil {
		return catalog.Unknown
	}
	return v.rule.Status
}

// law says why the catalog's not_covered is required by law ("" if it is
// not): Original Medicare covers acupuncture only as NCD 30.3.3 says.
func (v view) law() string {
	if v.plan == nil || v.plan.Type != catalog.OriginalMedicare || v.status() != catalog.NotCovered {
		return ""
	}
	return "Original Medicare covers acupuncture only for chronic low back pain under NCD 30.3.3 (rule " + v.rule.ID + ")"
}

// coverageWord returns why the payer makes the answer not covered, or why
// covered, from its statements about this member ("" for neither).
func (v view) coverageWord(f Facts) (notCovered, covered string) {
	switch {
	case f.CoverageInactive != nil && f.CoverageInactive.Value:
		return "Not covered: the payer says this member's coverage is inactive (" + f.CoverageInactive.Source + ").", ""
	case f.NotCovered != nil && f.NotCovered.Value:
		return "Not covered: the payer says acupuncture is not covered for this member (" + f.NotCovered.Source + ").", ""
	case f.NotCovered != nil && !f.NotCovered.Value && v.law() == "" && (v.status() == catalog.NotCovered || v.status() == catalog.Unknown):
		what := "the catalog's rule says not covered"
		if v.rule == nil {
			what = "the catalog has no rule for this question"
		}
		return "", "Covered: the payer states an acupuncture benefit for this member (" + f.NotCovered.Source + "); " + what +
			", and the payer's statement about this member wins. The payer's medical-necessity rules still apply."
	}
	return "", ""
}

// applier adjusts a decision to the payer's facts.
type applier struct {
	f    Facts
	v    view
	used *int64 // visits used this year: the payer's, else the request's
}

// adjust applies the payer's facts to d (post-check of the decision) and
// lists them and the conflicts. d shares memory with the catalog: every
// pointer and list changed is copied first.
func (a *applier) adjust(d *coverage.Decision, extra []Conflict) {
	f, v := a.f, a.v
	cat := Catalog{Status: string(v.status()), NotCoveredByLaw: v.law()}
	if d.Limits != nil && d.Limits.VisitsPerYear != nil {
		cat.VisitsPerYear = ptr(int64(*d.Limits.VisitsPerYear))
	}
	if cs := v.cs; cs != nil {
		cat.DeductibleCents, cat.CopayCents = &cs.DeductibleCents, &cs.CopayCents
		cat.CoinsurancePercent, cat.OOPMaxCents = ptr(int64(cs.CoinsurancePercent)), cs.OOPMaxCents
	}
	conflicts := Compare(f, cat)
	if c, ok := a.authConflict(d); ok {
		conflicts = append(conflicts, c)
	}
	conflicts = append(conflicts, extra...)

	notCovered, covered := v.coverageWord(f)
	switch {
	case notCovered != "":
		a.setStatus(d, catalog.NotCovered, notCovered)
	case covered != "":
		a.setStatus(d, catalog.Covered, covered)
		if d.CostSharing == nil && v.cs != nil {
			cs := v.cs
			d.CostSharing = &coverage.CostSharing{Network: cs.Network, DeductibleCents: cs.DeductibleCents, DeductibleApplies: cs.DeductibleApplies,
				CopayCents: cs.CopayCents, CopaySteps: coverage.CopayStepsOf(cs.CopaySteps), CoinsurancePercent: cs.CoinsurancePercent, OOPMaxCents: cs.OOPMaxCents}
		}
	}
	if d.Status == catalog.Covered || d.Status == catalog.Conditional {
		a.visits(d)
		a.costSharing(d)
		a.priorAuth(d)
	}
	list := f.List()
	d.PayerFacts = make([]coverage.PayerFact, 0, len(list)+len(f.Rejections))
	for _, l := range list {
		d.PayerFacts = append(d.PayerFacts, coverage.PayerFact(l))
	}
	for _, r := range f.Rejections { // benefit-level AAA: the others are errors
		d.PayerFacts = append(d.PayerFacts, coverage.PayerFact{What: "benefit_rejected", Value: "true", Source: r})
	}
	d.Conflicts = conflicts
}

// setStatus makes status the decision's, with why as its deciding reason.
func (a *applier) setStatus(d *coverage.Decision, status catalog.Status, why string) {
	d.Status = status
	reasons := make([]coverage.Reason, 0, len(d.Reasons)+1)
	reasons = append(reasons, coverage.Reason{Text: why})
	d.Reasons = append(reasons, d.Reasons...)
}

// yearLimit is the payer's yearly visit limit: visits allowed, else used +
// remaining.
func yearLimit(f Facts, used *int64) (int64, string, bool) {
	switch {
	case f.VisitsAllowed != nil:
		return f.VisitsAllowed.Value, f.VisitsAllowed.Source, true
	case f.VisitsRemaining != nil && used != nil:
		return *used + f.VisitsRemaining.Value, f.VisitsRemaining.Source, true
	}
	return 0, "", false
}

func (a *applier) visits(d *coverage.Decision) {
	f := a.f
	if f.VisitsAllowed != nil {
		l := coverage.Limits{Windows: []coverage.Window{}, Extensions: []coverage.Extension{}}
		if d.Limits != nil {
			l = *d.Limits
		}
		l.VisitsPerYear = ptr(int(min(f.VisitsAllowed.Value, 1<<31-1)))
		d.Limits = &l
	}
	remaining := f.VisitsRemaining
	if remaining == nil && f.VisitsAllowed != nil && a.used != nil {
		remaining = &Fact[int64]{Value: max(f.VisitsAllowed.Value-*a.used, 0), Source: f.VisitsAllowed.Source}
	}
	if remaining == nil {
		return
	}
	n := int(min(remaining.Value, 1<<31-1))
	d.VisitsRemaining = &n
	if n == 0 {
		a.setStatus(d, catalog.NotCovered, "Not covered: the payer says no visits remain this year ("+remaining.Source+").")
	}
}

func (a *applier) costSharing(d *coverage.Decision) {
	f := a.f
	if f.DeductibleTotal == nil && f.Copay == nil && f.Coinsurance == nil && f.OOPTotal == nil {
		return
	}
	cs := coverage.CostSharing{Network: catalog.InNetwork}
	if d.CostSharing != nil {
		cs = *d.CostSharing
	} else {
		cs.DeductibleApplies = f.DeductibleTotal != nil
		d.Notes = append(d.Notes, "Cost sharing is the payer's eligibility response alone: the catalog has none for this plan on this date.")
	}
	if f.DeductibleTotal != nil {
		cs.DeductibleCents = f.DeductibleTotal.Value
	}
	if f.Copay != nil {
		cs.CopayCents, cs.CopaySteps = f.Copay.Value, nil
	}
	if f.Coinsurance != nil {
		cs.CoinsurancePercent = wholePercent(f.Coinsurance.Value)
		if int64(f.Coinsurance.Value)%100 != 0 {
			d.Notes = append(d.Notes, coinsuranceRounding(f.Coinsurance))
		}
	}
	if f.OOPTotal != nil {
		cs.OOPMaxCents = &f.OOPTotal.Value
	}
	d.CostSharing = &cs
}

func (a *applier) priorAuth(d *coverage.Decision) {
	pa := coverage.PriorAuthorization{Required: catalog.AuthNever}
	if d.PriorAuthorization != nil {
		pa = *d.PriorAuthorization
	}
	if ar := a.f.AuthorizationRequired; ar != nil {
		pa.Required, pa.AfterVisits, pa.RequiredNow = catalog.AuthNever, nil, ptr(ar.Value)
		if ar.Value {
			pa.Required = catalog.AuthAlways
		}
		pa.Note = "The payer's eligibility response: " + ar.Source + "."
	} else if pa.Required == catalog.AuthAfterVisits && pa.AfterVisits != nil && a.used != nil {
		pa.RequiredNow = ptr(*a.used >= int64(*pa.AfterVisits))
	} else if d.PriorAuthorization == nil {
		return
	}
	d.PriorAuthorization = &pa
}

// authConflict compares the payer's authorization statement with the
// catalog's prior authorization rule.
func (a *applier) authConflict(d *coverage.Decision) (Conflict, bool) {
	ar := a.f.AuthorizationRequired
	if ar == nil || d.PriorAuthorization == nil {
		return Conflict{}, false
	}
	when := d.PriorAuthorization.Required
	if (ar.Value && when == catalog.AuthNever) || (!ar.Value && when == catalog.AuthAlways) {
		payer := "authorization not required"
		if ar.Value {
			payer = "authorization required"
		}
		return Conflict{Kind: KindAuthorization, Payer: payer, PayerSource: ar.Source, Catalog: "prior authorization " + string(when),
			Used: UsedPayer, Why: "the payer's statement about this member wins over the catalog's general rule"}, true
	}
	return Conflict{}, false
}

func usageConflict(what, payer, source, field, request string) Conflict {
	return Conflict{Kind: KindUsage, Payer: payer + " " + what, PayerSource: source, Catalog: field + " " + request + " (request)",
		Used: UsedPayer, Why: "the payer's record of this member's " + what + " wins over the request's " + field}
}

// wholePercent rounds basis points half up to a whole percent (1250 → 13).
func wholePercent(p x12.Percent) int { return int((int64(p) + 50) / 100) }

func coinsuranceRounding(c *Fact[x12.Percent]) string {
	return fmt.Sprintf("The payer's coinsurance of %s (%s) is rounded half up to %d%%: acucover prices whole percents.",
		c.Value, c.Source, wholePercent(c.Value))
}

func ptr[T any](v T) *T { return &v }
