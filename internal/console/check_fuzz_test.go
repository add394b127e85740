package console

import (
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
)

// FuzzCheckForm feeds the check form's parsing arbitrary values: it must
// never panic, and whatever it accepts, coverage.Decide and cost.Estimate
// must answer or refuse without panicking.
func FuzzCheckForm(f *testing.F) {
	ix, err := catalog.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("medicare-part-b", "CA", "M54.50", "2026-03-02", "16", "no", "physician", "10", "2", "6", "30", "in", "$1,234.50")
	f.Add("example-ppo-gold", "ny", "neck_pain", "2026-02-30", "-1", "maybe", "wizard", "1001", "0", "53", "20", "sideways", "1.005")
	f.Fuzz(func(t *testing.T, plan, state, cond, date, weeks, fact, prov, vy, vpw, wk, mins, network, charge string) {
		form := checkForm{Plan: plan, State: state, Condition: cond, Date: date, PainWeeks: weeks,
			Facts: map[string]string{"systemic_cause": fact, "improving": fact}, Provider: prov, VisitsYear: vy,
			VisitsPerWeek: vpw, Weeks: wk, Minutes: mins, Network: network, Charge: charge, DeductibleMet: charge}
		errs := map[string]string{}
		q, req := build(form, errs)
		if len(errs) > 0 {
			return
		}
		if _, err := coverage.Decide(ix, q); err != nil {
			return
		}
		_, _ = cost.Estimate(ix, req)
	})
}
