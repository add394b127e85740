package console

import (
	"slices"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestPlansRules: the rules the catalog pages list for a plan are the
// plan's rules in catalog order, for the Index asked about (each Index
// lists them once), also after an edit removed one.
func TestPlansRules(t *testing.T) {
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	check := func(ix *catalog.Index) {
		t.Helper()
		total := 0
		for _, p := range ix.Plans() {
			var want []*catalog.Rule
			for _, r := range ix.Snapshot().Rules {
				if r.Plan == p.ID {
					want = append(want, r)
				}
			}
			if got := plansRules(ix, &p); !slices.Equal(got, want) {
				t.Errorf("plan %s: %d rules listed, want %d", p.ID, len(got), len(want))
			}
			total += len(want)
		}
		if total != ix.RuleCount() {
			t.Errorf("%d rules listed under plans, the catalog has %d", total, ix.RuleCount())
		}
	}
	check(ix)
	next := *ix.Snapshot()
	next.Rules = slices.Delete(slices.Clone(next.Rules), 0, 1)
	edited, err := catalog.BuildFrom(ix, &next)
	if err != nil {
		t.Fatal(err)
	}
	check(edited)
	check(ix)
}
