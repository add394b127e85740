package synth

import (
	"os"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

func TestGenerateValidates(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Plans: 1, Conditions: 1}, {Plans: 12, Conditions: 20, StatesPerPlan: 3}, {Plans: 7, Conditions: 30, StatesPerPlan: 10}, ForRules(10_000)} {
		s := Generate(o)
		if got, want := len(s.Rules), o.Plans*o.RulesPerPlan(); got != want {
			t.Errorf("%+v: %d rules, want %d", o, got, want)
		}
		ix, err := catalog.Build(s)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		// Every status shows up, and every plan answers for every condition.
		seen := map[catalog.Status]int{}
		for p := range o.Plans {
			_, ruled := PlanStates(p, o.StatesPerPlan)
			st := "CA"
			if len(ruled) > 0 {
				st = ruled[0]
			}
			for c := range o.Conditions {
				d, err := coverage.Decide(ix, coverage.Query{Plan: PlanID(p), State: st, Condition: ConditionID(c), Date: catalog.NewDate(2026, 3, 10)})
				if err != nil {
					t.Fatalf("%+v: plan %d in %s, condition %d: %v", o, p, st, c, err)
				}
				seen[d.Status]++
			}
		}
		if o.Plans*o.Conditions >= 100 && len(seen) < 3 {
			t.Errorf("%+v: statuses %v, want a mix", o, seen)
		}
	}
}

// TestGenerateYAMLRoundTrip writes a small synthetic catalog as YAML and
// reads it back: acucover gen's output must be a catalog file serve accepts.
func TestGenerateYAMLRoundTrip(t *testing.T) {
	t.Parallel()
	s := Generate(Options{Plans: 3, Conditions: 4, StatesPerPlan: 2})
	b, err := catalog.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	f := t.TempDir() + "/synth.yaml"
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ix, err := catalog.LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if ix.RuleCount() != len(s.Rules) {
		t.Errorf("read back %d rules, wrote %d", ix.RuleCount(), len(s.Rules))
	}
}
