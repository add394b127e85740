package cost

import "github.com/acucover/acucover/internal/catalog"

// Split is one covered visit's money, in integer cents.
type Split struct {
	Deductible, Copay, Coinsurance, OverCap, BalanceBilled int64
	Plan, Patient                                          int64
}

// YearToDate is what the benefit year has used up before a visit: deductible
// and out-of-pocket paid (OOP counts deductible, copay and coinsurance), plan
// dollars paid for acupuncture, and covered visits.
type YearToDate struct {
	DeductibleMet, OOPMet, PlanPaid int64
	Visits                          int
}

// SplitVisit divides a covered visit's allowed amount between patient and
// plan under the terms cs, in this order:
//
//  1. Deductible, if cs.DeductibleApplies: the smaller of the allowed amount
//     and the deductible not yet met.
//  2. Copay: the copay for the visit's number in the benefit year
//     (ytd.Visits+1; a CopayStep applies from visit AfterVisits+1 on), at
//     most what is left of the allowed amount.
//  3. Coinsurance: cs.CoinsurancePercent of what is left after deductible and
//     copay, rounded half up to the cent, per visit (3703 × 20% = 740.6 →
//     741; 2847 × 20% = 569.4 → 569; 2525 × 20% = 505 exactly; 2 × 25% =
//     0.5 → 1).
//  4. Out-of-pocket maximum (nil: none): the sum of 1–3 is cut so the year's
//     OOP never exceeds the maximum, coinsurance first, then copay, then
//     deductible.
//  5. The plan pays the rest of the allowed amount; with a benefit-year dollar
//     cap (dollarCap nil: none) the plan pays at most what is left of it and
//     the patient owes the excess as OverCap.
//  6. Balance billing (cs.BalanceBilling): the patient also owes billed −
//     allowed when billed is more.
//
// OverCap and BalanceBilled do not count toward the OOP maximum. All inputs
// are ≥ 0; every output is ≥ 0, Plan + Patient == allowed + BalanceBilled, and
// Patient == Deductible + Copay + Coinsurance + OverCap + BalanceBilled.
func SplitVisit(cs *catalog.CostSharing, allowed, billed int64, ytd YearToDate, dollarCap *int64) Split {
	var s Split
	left := allowed
	if cs.DeductibleApplies {
		s.Deductible = min(left, max(cs.DeductibleCents-ytd.DeductibleMet, 0))
		left -= s.Deductible
	}
	s.Copay = min(left, copayFor(cs, ytd.Visits+1))
	left -= s.Copay
	s.Coinsurance = percentHalfUp(left, cs.CoinsurancePercent)

	if cs.OOPMaxCents != nil {
		room := max(*cs.OOPMaxCents-ytd.OOPMet, 0)
		if over := s.Deductible + s.Copay + s.Coinsurance - room; over > 0 {
			// Cut the latest-applied share first, so a deductible
			// payment is the last thing the OOP maximum forgives.
			for _, p := range [...]*int64{&s.Coinsurance, &s.Copay, &s.Deductible} {
				cut := min(*p, over)
				*p -= cut
				over -= cut
			}
		}
	}
	s.Plan = allowed - s.Deductible - s.Copay - s.Coinsurance
	if dollarCap != nil {
		if room := max(*dollarCap-ytd.PlanPaid, 0); s.Plan > room {
			s.OverCap = s.Plan - room
			s.Plan = room
		}
	}
	if cs.BalanceBilling && billed > allowed {
		s.BalanceBilled = billed - allowed
	}
	s.Patient = s.Deductible + s.Copay + s.Coinsurance + s.OverCap + s.BalanceBilled
	return s
}

// copayFor returns the copay of the n-th covered visit (1-based) of the
// benefit year: the last step whose AfterVisits is below n, else CopayCents.
func copayFor(cs *catalog.CostSharing, n int) int64 {
	c, after := cs.CopayCents, -1
	for _, st := range cs.CopaySteps {
		if n > st.AfterVisits && st.AfterVisits > after {
			c, after = st.CopayCents, st.AfterVisits
		}
	}
	return c
}

// percentHalfUp returns cents × percent / 100 rounded half up to the cent,
// in integers: (cents×percent + 50) / 100. cents and percent are ≥ 0.
func percentHalfUp(cents int64, percent int) int64 {
	return (cents*int64(percent) + 50) / 100
}
