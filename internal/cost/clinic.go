package cost

import (
	"fmt"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/coverage"
)

// EstimateAt is Estimate priced at clinic c's own rates instead of the
// catalog's averages (req.Clinic names it on the wire; the caller looks it
// up):
//
//   - Billed amount: every visit is billed at the clinic's cash prices in
//     force on the visit's date, per unit of each code (97810 + (units − 1)
//     × 97811, or 97813/97814). A visit that is not covered is self-pay at
//     that amount. A code the clinic has no cash price for on a visit's
//     date is ErrInvalidInput naming clinic.
//   - Network: when the request gives no network, the clinic's network
//     status for the plan decides (in, or out); a network that contradicts
//     it is ErrContradictory.
//   - Allowed amount, in network (plans with networks only): the clinic's
//     contracted rate for the plan, or for all plans of the plan's payer,
//     per code on the visit's date; a code without a contract takes the
//     catalog's fee schedule amount. The allowed amount is the lesser of
//     that and the billed amount, as payers allow. Out of network the
//     catalog's out-of-network fee schedule applies as usual.
//
// A payer-wide contract names the payer by PayerID of the catalog's payer
// name. The assumptions say where every amount comes from. c nil is
// Estimate; charge_cents with a clinic is ErrContradictory.
func EstimateAt(ix *catalog.Index, req Request, c *clinic.Clinic) (Breakdown, error) {
	if c == nil {
		return Estimate(ix, req)
	}
	if req.ChargeCents != nil {
		return Breakdown{}, coverage.Contradictory("charge_cents", "give clinic or charge_cents, not both: with a clinic every visit is billed at the clinic's own cash prices")
	}
	req.Clinic = c.ID
	return estimate(ix, req, c)
}

// PayerID is the id a clinic's payer-wide contract uses for a catalog
// payer: its name in lower case with every run of other characters than
// letters and digits turned into one '-', e.g. "Example Mutual Insurance
// (fictional)" → "example-mutual-insurance-fictional".
func PayerID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// clinicNetwork settles the network with the clinic's status for the plan.
func (e *estimator) clinicNetwork() error {
	c := e.clinic
	if e.plan.NetworkModel == catalog.MedicareAssignment {
		return nil // no network: participation decides
	}
	status, known := c.Network(e.plan.ID)
	switch {
	case !known && e.req.Network == "":
		e.assume(c.Name + " has not said whether it is in " + e.plan.Name + "'s network: estimated in network; give network \"out\" if it is not.")
	case !known:
	case e.req.Network == "":
		e.network = status
		e.out.Network = status
		e.assume(c.Name + " is " + map[catalog.Network]string{catalog.InNetwork: "in", catalog.OutNetwork: "out of"}[status] + " " + e.plan.Name + "'s network (the clinic's record).")
	case e.req.Network != status:
		return coverage.Contradictory("network", fmt.Sprintf("network %q contradicts the clinic's record: %s is %q network for %s; leave network out", e.req.Network, c.Name, status, e.plan.Name))
	}
	return nil
}

// clinicBilled sets each visit's billed amount from the clinic's cash
// prices on its date.
func (e *estimator) clinicBilled() error {
	c := e.clinic
	e.billed = make([]int64, e.cp.visits)
	var lastCents int64 = -1
	for i := range e.billed {
		d := e.req.StartDate.AddDays(e.cp.dayOffset(i))
		a, ok := c.CashPrice(e.initial, d)
		if !ok {
			return coverage.Invalid("clinic", fmt.Sprintf("%s has no cash price for %s on %s (visit %d): add it to the clinic's cash_prices", c.Name, e.initial, d, i+1))
		}
		cents := a
		if e.units > 1 {
			b, ok := c.CashPrice(e.addOn, d)
			if !ok {
				return coverage.Invalid("clinic", fmt.Sprintf("%s has no cash price for %s on %s (visit %d): add it to the clinic's cash_prices", c.Name, e.addOn, d, i+1))
			}
			cents += b * (e.units - 1)
			if cents != lastCents {
				e.assume(fmt.Sprintf("Billed amount from %s: %s's cash (self-pay) prices, %s %s + %d × %s %s = %s a visit.",
					d, c.Name, e.initial, dollars(a), e.units-1, e.addOn, dollars(b), dollars(cents)))
			}
		} else if cents != lastCents {
			e.assume(fmt.Sprintf("Billed amount from %s: %s's cash (self-pay) price, %s %s a visit.", d, c.Name, e.initial, dollars(a)))
		}
		e.billed[i], lastCents = cents, cents
	}
	return nil
}

// clinicAllowed is the allowed amount for one visit on d in network at a
// clinic: its contracted rate per code where it has one, else the catalog's
// fee schedule amount. ok is false when a code has neither.
func (e *estimator) clinicAllowed(d catalog.Date) (int64, bool) {
	c := e.clinic
	fs := e.ix.FeeSchedule(e.plan, e.network, d)
	payer := PayerID(e.plan.Payer)
	amount := func(code string) (int64, string, bool) {
		if a, ok := c.ContractedRate(payer, e.plan.ID, code, d); ok {
			return a, c.Name + "'s contracted rate", true
		}
		if fs != nil {
			if a, ok := fs.AmountsCents[code]; ok {
				return a, "the catalog's fee schedule " + fs.Name + " (" + fs.ID + "; the clinic has no contract for it)", true
			}
		}
		return 0, "", false
	}
	a, whereA, ok := amount(e.initial)
	var b int64
	var whereB string
	if ok && e.units > 1 {
		b, whereB, ok = amount(e.addOn)
	}
	if !ok {
		if e.once("no-clinic-amount") {
			e.assume(fmt.Sprintf("Allowed amount: neither %s's contracts nor the catalog's fee schedules have an amount for %s/%s with %s on %s, so the billed amount is used as the allowed amount.",
				c.Name, e.initial, e.addOn, e.plan.Name, d))
		}
		return 0, false
	}
	s := fmt.Sprintf("Allowed amounts from %s: %s %s (%s)", d, e.initial, dollars(a), whereA)
	if e.units > 1 {
		s += fmt.Sprintf(" + %d × %s %s (%s)", e.units-1, e.addOn, dollars(b), whereB)
	}
	full := a + b*(e.units-1)
	if key := fmt.Sprint("clinic-allowed:", a, ":", b, ":", whereA, whereB); e.once(key) {
		e.assume(s + " = " + dollars(full) + " a visit, or the billed amount when it is less (payers allow the lesser of the two).")
	}
	return full, true
}
