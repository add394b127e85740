package coverage

import (
	"regexp"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestReasonsInPlainWords: a failed criterion without its own failure text
// is explained by its question, never by the rule's syntax
// (systemic_cause == false): every conditional rule of the default
// catalog, every criterion answered the wrong way.
func TestReasonsInPlainWords(t *testing.T) {
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	syntax := regexp.MustCompile(`[a-z_]+ *(==|!=|>=|<=|<|>) *[a-z0-9_]+`)
	yes, no, zero := true, false, 0
	bad := &Patient{PainWeeks: &zero, SystemicCause: &yes, SurgeryRelated: &yes, PregnancyRelated: &yes, Improving: &no}
	snap := ix.Snapshot()
	checked := 0
	for _, r := range snap.Rules {
		if len(r.Criteria) == 0 || r.Conditions.All || len(r.Conditions.Items) == 0 {
			continue
		}
		state := "CA"
		if !r.States.All && len(r.States.Items) > 0 {
			state = r.States.Items[0]
		}
		d := r.EffectiveFrom
		if d.IsZero() {
			d = catalog.NewDate(2026, 3, 10)
		}
		dec, err := Decide(ix, Query{Plan: r.Plan, State: state, Condition: r.Conditions.Items[0], Date: d, Patient: bad})
		if err != nil {
			continue // another rule of the plan may not answer for this place and date
		}
		for _, why := range dec.Reasons {
			if syntax.MatchString(why.Text) {
				t.Errorf("rule %s: reason %q shows rule syntax", r.ID, why.Text)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d rules checked", checked)
	}
}
