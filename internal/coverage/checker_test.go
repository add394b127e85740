package coverage

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestCheckerAgreesWithCheckInto: a Checker reused across visits and rules
// gives exactly CheckInto's verdict, for every covering rule of the default
// catalog, random patients, providers, usages and started flags.
func TestCheckerAgreesWithCheckInto(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	var rules []*catalog.Rule
	for i := range ix.Snapshot().Rules {
		if r := ix.Snapshot().Rules[i]; r.Status == catalog.Covered || r.Status == catalog.Conditional {
			rules = append(rules, r)
		}
	}
	if len(rules) < 5 {
		t.Fatalf("only %d covering rules in the default catalog", len(rules))
	}
	rng := rand.New(rand.NewPCG(30, 33))
	optBool := func() *bool {
		if rng.IntN(3) == 0 {
			return nil
		}
		b := rng.IntN(2) == 0
		return &b
	}
	providers := []string{"physician", "pa", "np", "cns", "licensed_acupuncturist", "physical_therapist", "chiropractor", "dentist", ""}
	for range 300 {
		var p *Patient
		if rng.IntN(5) > 0 {
			weeks := rng.IntN(30)
			p = &Patient{PainWeeks: &weeks, SystemicCause: optBool(), SurgeryRelated: optBool(), PregnancyRelated: optBool(), Improving: optBool(), AgeUnder21: optBool()}
			if rng.IntN(4) == 0 {
				p.PainWeeks = nil
			}
		}
		var prov *Provider
		if rng.IntN(4) > 0 {
			prov = &Provider{Type: providers[rng.IntN(len(providers))], Supervised: optBool(), CredentialsMet: optBool()}
			if rng.IntN(5) == 0 {
				prov.MedicareParticipation = Participations[rng.IntN(len(Participations))]
			}
		}
		c := NewChecker(ix, p, prov)
		var got, want Verdict
		r := rules[rng.IntN(len(rules))]
		for visit := range 25 {
			if rng.IntN(6) == 0 {
				r = rules[rng.IntN(len(rules))] // the rule in force changes mid-course
			}
			n, known := visit+rng.IntN(3), rng.IntN(8) > 0
			used := func(catalog.Window) (int, bool) { return n, known }
			c.CheckInto(&got, r, used)
			CheckInto(&want, ix, r, p, prov, used)
			if !reflect.DeepEqual(verdictValue(got), verdictValue(want)) {
				t.Fatalf("rule %s, patient %+v, provider %+v, visit %d: Checker %+v, CheckInto %+v", r.ID, p, prov, visit, got, want)
			}
		}
	}
}

// verdictValue is v with empty slices as nil, since reused storage may be
// either.
func verdictValue(v Verdict) Verdict {
	if len(v.Failures) == 0 {
		v.Failures = nil
	}
	if len(v.Requirements) == 0 {
		v.Requirements = nil
	}
	if len(v.Modifiers) == 0 {
		v.Modifiers = nil
	}
	return v
}
