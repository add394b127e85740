package coverage

import (
	"slices"
	"sync"

	"github.com/acucover/acucover/internal/catalog"
)

// A question without patient facts, usage or provider (every GET) depends
// only on the deciding rule and the plan's cost sharing in force: the rest
// of its answer is the plan, state, condition and date asked about. static
// computes that rest once per rule and cost sharing, with the same code as
// every other decision, and keeps it with the Index (catalog.Index.Memo), so
// a snapshot swap drops it. A no-facts decision is then a few map lookups
// and a copy: no allocation.

// staticKey identifies a precomputed decision: the rule deciding, and the
// in-network cost sharing in force (nil if none), which is all a no-facts
// decision depends on besides the question's own plan, state, condition and
// date.
type staticKey struct {
	rule    *catalog.Rule
	cs      *catalog.CostSharing
	state   string // a covering answer shows the state's licensure
	carried bool   // cs is carried forward past its dates, and says so
}

// staticDecisions holds an index's precomputed no-facts decisions. Its size
// is bounded by the catalog: rules × cost-sharing terms × states.
type staticDecisions struct {
	mu sync.RWMutex
	m  map[staticKey]*Decision
}

type staticMemo struct{}

func staticFor(ix *catalog.Index) *staticDecisions {
	return ix.Memo(staticMemo{}, func() any { return &staticDecisions{m: map[staticKey]*Decision{}} }).(*staticDecisions)
}

// static answers q, which has no patient facts, usage or provider, decided
// by rule.
func static(ix *catalog.Index, q Query, plan *catalog.Plan, cond *catalog.Condition, rule *catalog.Rule) Decision {
	cs, carried := ix.CostSharingCarried(plan, catalog.InNetwork, q.Date)
	k := staticKey{rule, cs, q.State, carried}
	sd := staticFor(ix)
	sd.mu.RLock()
	tmpl := sd.m[k]
	sd.mu.RUnlock()
	if tmpl == nil {
		t := decide(ix, q, plan, cond, rule)
		clip(&t)
		tmpl = &t
		sd.mu.Lock()
		if prev := sd.m[k]; prev != nil {
			tmpl = prev
		} else {
			sd.m[k] = tmpl
		}
		sd.mu.Unlock()
	}
	d := *tmpl
	// What the question itself contributes; everything else is the rule's.
	d.Plan = PlanRef{plan.ID, plan.Name, plan.Payer, plan.Type}
	d.State = q.State
	d.Condition = ConditionRef{ID: cond.ID, Name: cond.Name, ICD10: orEmpty(cond.ICD10), ICD10Families: orEmpty(cond.ICD10Families)}
	if cond.ID != q.Condition {
		d.Condition.MatchedICD10, _ = catalog.NormalizeICD10(q.Condition)
	}
	d.Date = q.Date
	return d
}

// clip makes every list of a shared decision full to capacity, so a caller
// appending to its copy gets a new array instead of writing into the one
// every copy shares.
func clip(d *Decision) {
	d.Requirements = slices.Clip(d.Requirements)
	d.ProviderRequirements = slices.Clip(d.ProviderRequirements)
	d.Billing.CPT = slices.Clip(d.Billing.CPT)
	d.Billing.Modifiers = slices.Clip(d.Billing.Modifiers)
	d.Billing.Notes = slices.Clip(d.Billing.Notes)
	d.Safety = slices.Clip(d.Safety)
	d.Reasons = slices.Clip(d.Reasons)
	d.Notes = slices.Clip(d.Notes)
	if d.Limits != nil {
		l := *d.Limits
		l.Windows, l.Extensions = slices.Clip(l.Windows), slices.Clip(l.Extensions)
		d.Limits = &l
	}
}
