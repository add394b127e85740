package cost

import (
	"strconv"

	"github.com/acucover/acucover/internal/catalog"
)

// Payer is what the member's payer states in its eligibility response (an
// X12 271 read by package eligibility), used over the catalog's terms for
// this estimate. A nil field leaves the catalog's value. It is not part of
// the request's JSON: package eligibility sets it from the request's
// eligibility member.
type Payer struct {
	// VisitsPerYear is the payer's yearly visit limit for this member. It
	// replaces the catalog's yearly visit windows (benefit, calendar or
	// patient year); the other windows (90 days, a month, units) still
	// apply. VisitsSource cites it.
	VisitsPerYear *int
	VisitsSource  string
	// Terms replace the catalog's cost sharing, field by field (whole
	// percent for coinsurance). With no catalog terms for a visit's date,
	// a plan's terms are built from the payer's alone when it states a
	// copay or coinsurance.
	DeductibleCents, CopayCents, OOPMaxCents *int64
	CoinsurancePercent                       *int
	// AuthorizationRequired is the payer's answer to whether visits need
	// prior authorization.
	AuthorizationRequired *bool
	// NotCovered, when not empty, is why no visit is covered (coverage
	// inactive, acupuncture non-covered): every visit is self-pay with it
	// as the reason.
	NotCovered string
	// Covered, when not empty, says why visits the catalog's rule does not
	// cover (or has no rule for) are covered: the payer states an
	// acupuncture benefit for this member. The plan's cost sharing applies.
	Covered string
}

// yearly reports whether w is a yearly visit window, the kind a payer's
// visits-per-year statement replaces.
func yearly(w catalog.Window) bool {
	if w.Units() || w.NeedsAuthorization() {
		return false
	}
	switch w.Period {
	case catalog.PerBenefitYear, catalog.PerCalendarYear:
		return w.Visits > 0 // prior authorization after N visits asks with Visits 0: still known
	case catalog.PerPatientYear:
		return w.Months == 12
	}
	return false
}

// payerCount is u.count with the yearly windows unknown when the payer
// states the yearly limit (it is checked by payerVerdict instead).
func (e *estimator) payerCount(u used) func(catalog.Window) (int, bool) {
	if e.req.Payer == nil || e.req.Payer.VisitsPerYear == nil {
		return u.count
	}
	return func(w catalog.Window) (int, bool) {
		if yearly(w) {
			return 0, false
		}
		return u.count(w)
	}
}

// payerVerdict applies the payer's statements to a visit's verdict under
// rule (nil: the catalog has none); year counts the covered and conditional
// visits of the year before this one.
func (e *estimator) payerVerdict(vd verdict, rule *catalog.Rule, year int) verdict {
	p := e.req.Payer
	if p == nil {
		return vd
	}
	if p.NotCovered != "" {
		return verdict{status: catalog.NotCovered, reason: p.NotCovered, modifiers: vd.modifiers}
	}
	if p.Covered != "" && (rule == nil || rule.Status != catalog.Covered && rule.Status != catalog.Conditional) {
		vd = verdict{status: catalog.Covered}
		if e.once("payer-covered") {
			e.assume(p.Covered)
		}
	}
	if p.VisitsPerYear != nil && (vd.status == catalog.Covered || vd.status == catalog.Conditional) && year >= *p.VisitsPerYear {
		vd = verdict{status: catalog.NotCovered, reason: "Not covered: the payer's limit of " + strconv.Itoa(*p.VisitsPerYear) +
			" visits a year is reached (" + p.VisitsSource + ")."}
	}
	if p.AuthorizationRequired != nil && vd.status == catalog.Covered {
		vd.priorAuth = *p.AuthorizationRequired
	}
	return vd
}

// payerTerms returns cs with the payer's terms over it (cs itself when the
// payer states none). The copy is made once per catalog terms.
func (e *estimator) payerTerms(cs *catalog.CostSharing) *catalog.CostSharing {
	p := e.req.Payer
	if p == nil || (p.DeductibleCents == nil && p.CopayCents == nil && p.OOPMaxCents == nil && p.CoinsurancePercent == nil) {
		return cs
	}
	if cs == e.payerFrom && e.payerCS != nil {
		return e.payerCS
	}
	var out catalog.CostSharing
	switch {
	case cs != nil:
		out = *cs
	case p.CopayCents == nil && p.CoinsurancePercent == nil:
		return nil
	default:
		out = catalog.CostSharing{Network: e.network, Note: "The payer's eligibility response gives this member's cost sharing; the catalog has none for this date."}
	}
	if p.DeductibleCents != nil {
		out.DeductibleCents = *p.DeductibleCents
		if cs == nil {
			out.DeductibleApplies = true // the catalog's flag says whether it applies to acupuncture, when it has one
		}
	}
	if p.CopayCents != nil {
		out.CopayCents, out.CopaySteps = *p.CopayCents, nil
	}
	if p.CoinsurancePercent != nil {
		out.CoinsurancePercent = *p.CoinsurancePercent
	}
	if p.OOPMaxCents != nil {
		out.OOPMaxCents = p.OOPMaxCents
	}
	e.payerFrom, e.payerCS = cs, &out
	return &out
}
