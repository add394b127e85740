package fhir

import (
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/x12"
)

// FromDecision is the Decision a coverage answer maps to: status, plan,
// condition, date, CPT codes, the in-network cost sharing (deductible,
// copay, coinsurance), the yearly visit limit and visits remaining, prior
// authorization (required now, else required always), the billing
// modifiers and the reasons. From the payer facts of an eligibility
// response it takes whether coverage is in force and the deductible met.
// created is when the answer was made; ids and references are left for the
// caller.
func FromDecision(d *coverage.Decision, created time.Time) Decision {
	out := Decision{
		Status: string(d.Status), PlanID: d.Plan.ID, PlanName: d.Plan.Name, Condition: d.Condition.Name,
		Created: created, CPT: d.Billing.CPT,
	}
	if !d.Date.IsZero() {
		out.ServiceDate = d.Date.String()
	}
	if l := d.Limits; l != nil && l.VisitsPerYear != nil {
		out.VisitsPerYear = ptr(int64(*l.VisitsPerYear))
	}
	if d.VisitsRemaining != nil {
		out.VisitsRemaining = ptr(int64(*d.VisitsRemaining))
	}
	if cs := d.CostSharing; cs != nil {
		out.InNetwork = ptr(cs.Network != catalog.OutNetwork)
		out.DeductibleCents = ptr(cs.DeductibleCents)
		out.CopayCents = ptr(cs.CopayCents)
		out.CoinsurancePercent = ptr(int64(cs.CoinsurancePercent))
	}
	if pa := d.PriorAuthorization; pa != nil {
		switch {
		case pa.RequiredNow != nil:
			out.PriorAuthRequired = ptr(*pa.RequiredNow)
		case pa.Required == catalog.AuthAlways:
			out.PriorAuthRequired = ptr(true)
		case pa.Required == catalog.AuthNever:
			out.PriorAuthRequired = ptr(false)
		}
	}
	for _, m := range d.Billing.Modifiers {
		out.Modifiers = append(out.Modifiers, m.Code)
	}
	for _, r := range d.Reasons {
		out.Reasons = append(out.Reasons, r.Text)
	}
	for _, f := range d.PayerFacts {
		switch f.What {
		case "coverage_inactive":
			out.Inforce = ptr(f.Value == "false")
		case "deductible_met":
			if c, err := x12.ParseCents(f.Value); err == nil && c >= 0 {
				out.DeductibleMetCents = &c
			}
		}
	}
	return out
}
