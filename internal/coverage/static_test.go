package coverage

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
)

var dateEqual = cmp.Comparer(func(a, b catalog.Date) bool { return a.String() == b.String() })

// TestStaticMatchesFullDecision asks every no-facts question of the default
// catalog — every plan, state, condition (by id and by each of its codes) and
// every date on which a rule or cost-sharing term starts or ends, and the
// day before — and compares Decide's precomputed answer with the full
// computation, first from an empty cache, then from the filled one.
func TestStaticMatchesFullDecision(t *testing.T) {
	t.Parallel()
	ix, err := catalog.Default() // an index of its own: its cache starts empty
	if err != nil {
		t.Fatal(err)
	}
	dates := map[catalog.Date]bool{day(t, "2019-06-01"): true, day(t, "2026-03-10"): true}
	edge := func(d catalog.Date) {
		if !d.IsZero() {
			dates[d], dates[d.AddDays(-1)] = true, true
		}
	}
	for _, r := range ix.Snapshot().Rules {
		edge(r.EffectiveFrom)
		edge(r.EffectiveTo)
	}
	for _, p := range ix.Plans() {
		for _, c := range p.CostSharing {
			edge(c.EffectiveFrom)
			edge(c.EffectiveTo)
		}
	}
	var conds []string
	for _, c := range ix.Conditions() {
		conds = append(conds, c.ID)
		for _, code := range c.ICD10 {
			conds = append(conds, code, strings.ToLower(strings.ReplaceAll(code, ".", "")))
		}
		conds = append(conds, c.ICD10Families...)
	}
	n := 0
	for pass := range 2 {
		for _, p := range ix.Plans() {
			for _, st := range catalog.States {
				for _, c := range conds {
					for dt := range dates {
						q := Query{Plan: p.ID, State: st, Condition: c, Date: dt}
						got, err := Decide(ix, q)
						if errors.Is(err, catalog.ErrPlanNotOffered) || errors.Is(err, catalog.ErrRetiredCode) {
							continue
						}
						if err != nil {
							t.Fatalf("%+v: %v", q, err)
						}
						plan, _ := ix.PlanIn(q.Plan, q.State)
						cond, _ := ix.ResolveCondition(q.Condition, q.Date)
						want := decide(ix, q, plan, cond, ix.Rule(plan.ID, q.State, cond.ID, q.Date))
						// DeepEqual first: cmp.Diff over 70,000 decisions is slow.
						if !reflect.DeepEqual(want, got) {
							t.Fatalf("pass %d, %+v: decision mismatch (-want +got):\n%s", pass, q, cmp.Diff(want, got, dateEqual))
						}
						n++
					}
				}
			}
		}
	}
	if n < 10_000 {
		t.Errorf("compared %d decisions; the matrix has shrunk", n)
	}
	t.Logf("compared %d decisions", n)
}

// TestStaticDecisionsAreIndependent appends to and edits one no-facts
// decision: another answer to the same question must not change.
func TestStaticDecisionsAreIndependent(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	q := Query{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Date: day(t, "2026-03-10")}
	a, err := Decide(ix, q)
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.Notes, want.Reasons, want.Requirements = slices.Clone(a.Notes), slices.Clone(a.Reasons), slices.Clone(a.Requirements)
	a.Notes = append(a.Notes, "mine")
	a.Reasons = append(a.Reasons, Reason{Text: "mine"})
	a.Requirements = append(a.Requirements, Requirement{ID: "mine"})
	a.State = "NY"
	b, err := Decide(ix, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b, dateEqual); diff != "" {
		t.Errorf("a caller's changes to its decision leaked into the next (-want +got):\n%s", diff)
	}
}
