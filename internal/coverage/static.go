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

// ruleParts are what a rule puts in every answer it decides, whatever the
// question, in the answer's own types (answer.go): its limits and billing
// modifiers. They are shared by every decision of the rule: read-only, and
// each list full to capacity.
type ruleParts struct {
	limits    *Limits
	modifiers []Modifier
}

// answerParts holds an index's converted rule parts and copay steps, each
// made on first use and kept with the Index (catalog.Index.Memo), so a
// snapshot swap drops them. Its size is bounded by the catalog.
type answerParts struct {
	rules  sync.Map // *catalog.Rule → *ruleParts
	copays sync.Map // *catalog.CostSharing → []CopayStep
}

type partsMemo struct{}

func partsFor(ix *catalog.Index) *answerParts {
	return ix.Memo(partsMemo{}, func() any { return new(answerParts) }).(*answerParts)
}

// rule returns r's parts, converting them on first use.
func (ap *answerParts) rule(r *catalog.Rule) *ruleParts {
	if p, ok := ap.rules.Load(r); ok {
		return p.(*ruleParts)
	}
	p, _ := ap.rules.LoadOrStore(r, &ruleParts{limits: limitsOf(r), modifiers: modifiersOf(r.Billing.Modifiers)})
	return p.(*ruleParts)
}

// copaySteps returns cs's copay steps, converting them on first use; nil
// when it has none.
func (ap *answerParts) copaySteps(cs *catalog.CostSharing) []CopayStep {
	if len(cs.CopaySteps) == 0 {
		return nil
	}
	if s, ok := ap.copays.Load(cs); ok {
		return s.([]CopayStep)
	}
	s, _ := ap.copays.LoadOrStore(cs, copayStepsOf(cs.CopaySteps))
	return s.([]CopayStep)
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
