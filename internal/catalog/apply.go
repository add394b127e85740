package catalog

import (
	"maps"
	"slices"
	"sync"
	"weak"
)

// BuildFrom returns what Build(next) returns: the same Index (the same
// lookups, revision and content hash) or the same verdict that next is
// invalid. When next differs from prev's snapshot in a few items (an edit),
// it checks and indexes only those items and what depends on them: the
// rules of a changed plan, rules that fall back to a changed rule, the
// other rules under the index keys of a changed rule, the small lists
// (conditions, fee schedules, cash prices, licensure) whole. The new Index
// shares everything else with prev, which it does not change: the maps of
// the rules it changes are copied, not written. prev must be nil or a valid
// Index (every Index is); with nil, or when next differs much or in order,
// BuildFrom is Build.
//
// Problems it finds are those Build would report about the changed items,
// without source positions; Build may list more, about items that only
// became invalid through them (a rule that now falls back into a cycle).
// With a nil prev, or when next has the very lists of prev's snapshot or of
// another recently built Index, it starts from that Index.
// Items of next that are not byte for byte those of prev (see
// ItemKind.Same) count as changed: next should share its unchanged items
// with prev's snapshot, as a store's edits and loads do.
func BuildFrom(prev *Index, next *Snapshot) (*Index, error) {
	v := &validator{}
	if v.nilRules(next); len(v.ps) > 0 {
		return nil, v.ps
	}
	if same := recall(prev, next); same != nil {
		return same.with(next), nil
	}
	if prev == nil {
		return Build(next)
	}
	d, ok := diffFrom(prev, next)
	if !ok {
		return Build(next)
	}
	ix, err := prev.apply(next, d)
	if err != nil {
		return nil, err
	}
	remember(ix)
	return ix, nil
}

// with returns an Index of next, whose lists must be those of ix's
// snapshot: it shares all of ix but the snapshot and the revision.
func (ix *Index) with(next *Snapshot) *Index {
	out := &Index{snap: next, plans: ix.plans, conds: ix.conds, icdExact: ix.icdExact, icdFamily: ix.icdFamily,
		retired: ix.retired, introduced: ix.introduced, rules: ix.rules, byID: ix.byID, licensure: ix.licensure,
		fees: ix.fees, cash: ix.cash, tests: ix.tests}
	out.setHash(ix.sums)
	return out
}

// sameLists reports whether every list of a and b is the same (the same
// items in the same memory).
func sameLists(a, b *Snapshot) bool {
	for _, k := range ItemKinds {
		if !k.sameList(a, b) {
			return false
		}
	}
	return true
}

// recent holds the last few Indexes Build and BuildFrom made, weakly: a
// store that checks an edit with BuildFrom and then serves it builds the
// same lists twice, and the second time finds the first's Index here.
var recent struct {
	sync.Mutex
	ixs  [4]weak.Pointer[Index]
	next int
}

func remember(ix *Index) {
	recent.Lock()
	defer recent.Unlock()
	recent.ixs[recent.next] = weak.Make(ix)
	recent.next = (recent.next + 1) % len(recent.ixs)
}

// recall returns prev (which may be nil) or a recent Index whose lists are
// next's, or nil.
func recall(prev *Index, next *Snapshot) *Index {
	if prev != nil && sameLists(prev.snap, next) {
		return prev
	}
	recent.Lock()
	defer recent.Unlock()
	for _, w := range recent.ixs {
		if ix := w.Value(); ix != nil && sameLists(ix.snap, next) {
			return ix
		}
	}
	return nil
}

// listDiff is how one list of next differs from prev's: items removed
// (indexes in prev's list), added and updated (indexes in next's; an
// updated item has the same id as prev's item at prevAt), and the list's
// hash sum.
type listDiff struct {
	same    bool // the very same list
	removed []int
	added   []int
	updated []int
	prevAt  []int // of updated
	sum     sum256
}

func (d *listDiff) changes() int { return len(d.removed) + len(d.added) + len(d.updated) }

// diffFrom compares next's lists with prev's snapshot's by walking both in
// step by id; ok is false when that does not describe next (an item moved,
// an id repeats) or the change is large, for Build to do.
func diffFrom(prev *Index, next *Snapshot) (ds []listDiff, ok bool) {
	ds = make([]listDiff, len(ItemKinds))
	total := 0
	for ki, k := range ItemKinds {
		d := &ds[ki]
		d.sum = prev.sums[ki]
		if k.sameList(prev.snap, next) {
			d.same = true
			continue
		}
		if !diffList(prev, ki, next, d) {
			return nil, false
		}
		total += d.changes()
	}
	return ds, total <= 64+len(next.Rules)/8
}

// diffList fills d for kind ki, keeping d.sum up to date: the hashes of
// the pairs of neighbours that end are taken off it and those of the pairs
// that begin are added.
func diffList(prev *Index, ki int, next *Snapshot, d *listDiff) bool {
	k := ItemKinds[ki]
	old := prev.snap
	no, nn := k.Len(old), k.Len(next)
	limit := 64 + max(no, nn)/8
	had := prev.hasItem(ki)
	// A run is the items between two kept ones (or the list's ends) that
	// are not kept: the pairs along it in prev's list give way to those
	// along it in next's.
	lastO, lastN := -1, -1 // the last kept item, or -1: the start
	var runO, runN []int
	var err error
	hashOf := func(s *Snapshot, i int) [32]byte {
		h, e := itemHash(k, s, i)
		if e != nil && err == nil {
			err = e
		}
		return h
	}
	flush := func(nextO, nextN int) {
		if len(runO) == 0 && len(runN) == 0 {
			return
		}
		ends := func(s *Snapshot, last, nxt int) ([32]byte, [32]byte) {
			a, b := listStart, listEnd
			if last >= 0 {
				a = hashOf(s, last)
			}
			if nxt >= 0 {
				b = hashOf(s, nxt)
			}
			return a, b
		}
		a, b := ends(old, lastO, nextO)
		for _, i := range runO {
			h := hashOf(old, i)
			d.sum.sub(pairHash(a, h))
			a = h
		}
		d.sum.sub(pairHash(a, b))
		a, b = ends(next, lastN, nextN)
		for _, j := range runN {
			h := hashOf(next, j)
			d.sum.add(pairHash(a, h))
			a = h
		}
		d.sum.add(pairHash(a, b))
		runO, runN = runO[:0], runN[:0]
	}
	i, j := 0, 0
	for i < no || j < nn {
		switch {
		case i < no && j < nn && k.Same(old, i, next, j):
			// Kept (an edit's copy of a list holds the very items,
			// which Same tells without reading them).
			flush(i, j)
			lastO, lastN = i, j
			i, j = i+1, j+1
		case i < no && j < nn && k.ID(old, i) == k.ID(next, j):
			d.updated = append(d.updated, j)
			d.prevAt = append(d.prevAt, i)
			runO, runN = append(runO, i), append(runN, j)
			i, j = i+1, j+1
		case j < nn && !had(k.ID(next, j)):
			d.added = append(d.added, j)
			runN = append(runN, j)
			j++
		case i < no:
			// Next's item j was in prev, further on, or next has no item
			// left: prev's item i is gone. (Were it in next further on,
			// the walk would reach it in next with prev's list used up.)
			d.removed = append(d.removed, i)
			runO = append(runO, i)
			i++
		default:
			return false // an item of prev's out of its order, or twice
		}
		if d.changes() > limit {
			return false
		}
	}
	flush(-1, -1)
	return err == nil
}

// hasItem returns a test of whether ix's snapshot has an item of kind ki
// with id.
func (ix *Index) hasItem(ki int) func(id string) bool {
	switch ItemKinds[ki].Name() {
	case KindPlan:
		return func(id string) bool { return ix.plans[id] != nil }
	case KindCondition:
		return func(id string) bool { return ix.conds[id] != nil }
	case KindRule:
		return func(id string) bool { _, ok := ix.byID.get(id); return ok }
	case KindCashPrice:
		return func(id string) bool { return ix.cash[id] != nil }
	case KindLicensure:
		return func(id string) bool { return ix.licensure[id] != nil }
	}
	k := ItemKinds[ki]
	ids := map[string]bool{}
	for i := range k.Len(ix.snap) {
		ids[k.ID(ix.snap, i)] = true
	}
	return func(id string) bool { return ids[id] }
}

// kind indexes in ItemKinds.
var (
	kiPlan      = kindIndex(KindPlan)
	kiCondition = kindIndex(KindCondition)
	kiRule      = kindIndex(KindRule)
	kiFees      = kindIndex(KindFeeSchedule)
	kiCash      = kindIndex(KindCashPrice)
	kiLicensure = kindIndex(KindLicensure)
)

func kindIndex(name string) int {
	for i, k := range ItemKinds {
		if k.Name() == name {
			return i
		}
	}
	panic("catalog: no item kind " + name)
}

// apply makes the Index of next from prev and the differences d, and
// checks what changed.
func (prev *Index) apply(next *Snapshot, d []listDiff) (*Index, error) {
	ix := prev.with(next)
	sums := make([]sum256, len(d))
	for ki := range d {
		sums[ki] = d[ki].sum
	}
	ix.setHash(sums)
	if !d[kiPlan].same {
		ix.indexPlans()
	}
	if !d[kiCondition].same {
		ix.indexConditions()
	}
	if !d[kiLicensure].same {
		ix.indexLicensure()
	}
	if !d[kiFees].same {
		ix.indexFees()
	}
	if !d[kiCash].same {
		ix.indexCash()
	}
	v := &validator{urls: map[string]bool{}, tests: map[string]Test{}, plans: ix.plans, conds: ix.conds}
	changed := ix.applyRules(prev, &d[kiRule], v)
	v.check(prev, ix, d, changed)
	if len(v.ps) > 0 {
		return nil, v.ps
	}
	return ix, nil
}

// applyRules updates ix's rule maps (shared with prev) for rd, and returns
// the rules added or updated, as ix holds them. It parses their criteria
// tests with v.
func (ix *Index) applyRules(prev *Index, rd *listDiff, v *validator) []*Rule {
	if rd.same {
		return nil
	}
	ids := prev.byID.edit()
	var tests *shardEdit[criteria, []Test]
	ix.rules = maps.Clone(prev.rules)
	own := map[string]bool{} // plans whose planRules ix has copied
	planOf := func(plan string) planRules {
		if !own[plan] {
			pr := maps.Clone(ix.rules[plan])
			if pr == nil {
				pr = planRules{}
			}
			ix.rules[plan] = pr
			own[plan] = true
		}
		return ix.rules[plan]
	}
	type planKey struct {
		plan string
		key  ruleKey
	}
	touched := map[planKey]bool{}
	drop := func(id string) {
		r, ok := prev.byID.get(id)
		if !ok {
			return
		}
		ids.del(id)
		pr := planOf(r.Plan)
		for _, st := range r.States.keyItems() {
			for _, c := range r.Conditions.keyItems() {
				k := ruleKey{st, c}
				rs := slices.DeleteFunc(slices.Clone(pr[k]), func(x *Rule) bool { return x == r })
				if len(rs) == 0 {
					delete(pr, k)
				} else {
					pr[k] = rs
				}
			}
		}
	}
	old := prev.snap.Rules
	for _, i := range rd.removed {
		drop(old[i].ID)
	}
	for _, i := range rd.prevAt {
		drop(old[i].ID)
	}
	var changed []*Rule
	add := func(j int) {
		r := ix.snap.Rules[j]
		changed = append(changed, r)
		ids.set(r.ID, r)
		pr := planOf(r.Plan)
		for _, st := range r.States.keyItems() {
			for _, c := range r.Conditions.keyItems() {
				k := ruleKey{st, c}
				pr[k] = append(slices.Clip(pr[k]), r)
				touched[planKey{r.Plan, k}] = true
			}
		}
		if k := criteriaOf(r); k.n > 0 {
			if _, ok := prev.tests.get(k); !ok {
				ts := make([]Test, len(r.Criteria))
				for j, c := range r.Criteria {
					t, ok := v.tests[c.Test]
					if !ok {
						var err error
						if t, err = ParseTest(c.Test); err != nil {
							return // the check reports it; the Index is not used
						}
						v.tests[c.Test] = t
					}
					ts[j] = t
				}
				if tests == nil {
					tests = prev.tests.edit()
				}
				tests.set(k, ts)
			}
		}
	}
	for _, j := range rd.updated {
		add(j)
	}
	for _, j := range rd.added {
		add(j)
	}
	for pk := range touched {
		slices.SortFunc(ix.rules[pk.plan][pk.key], func(a, b *Rule) int { return a.EffectiveFrom.t.Compare(b.EffectiveFrom.t) })
	}
	ix.byID = ids.out
	if tests != nil {
		ix.tests = tests.out
	}
	return changed
}

// check validates what changed from prev to ix (see BuildFrom), adding to
// v.ps. changed are the rules added or updated.
func (v *validator) check(prev, ix *Index, d []listDiff, changed []*Rule) {
	next := ix.snap
	if next.Revision != prev.snap.Revision {
		path := []byte("revision")
		checkText(next.Revision, &path, "revision", &v.ps)
	}
	// Plans.
	pd := &d[kiPlan]
	gonePlans := map[string]bool{} // removed or updated: their rules are checked again
	if !pd.same {
		seen := map[string]bool{}
		for _, j := range slices.Concat(pd.updated, pd.added) {
			p := &next.Plans[j]
			w := v.where("plan", "plans", j, p.ID)
			v.id(w, p.ID)
			if seen[p.ID] && p.ID != "" {
				v.add(w, "duplicate plan id %q", p.ID)
			}
			seen[p.ID] = true
			v.plan(w, p)
			itemTextLimits("plans", j, p, &v.ps)
			gonePlans[p.ID] = true
		}
		for _, i := range pd.removed {
			gonePlans[prev.snap.Plans[i].ID] = true
		}
	}
	// Conditions: few, so checked whole; a rule may name one removed.
	cd := &d[kiCondition]
	goneConds := map[string]bool{}
	if !cd.same {
		v.checkConditions(next)
		for _, j := range slices.Concat(cd.updated, cd.added) {
			itemTextLimits("conditions", j, &next.Conditions[j], &v.ps)
		}
		for _, i := range cd.removed {
			if id := prev.snap.Conditions[i].ID; ix.conds[id] == nil {
				goneConds[id] = true
			}
		}
	}
	// Rules: the changed ones, those of changed plans, those naming a
	// removed condition, and those that fall back to a rule that changed
	// in a way that matters to them.
	rd := &d[kiRule]
	recheck := map[*Rule]bool{}
	fallbackTo := map[string]bool{}
	for n, i := range rd.prevAt {
		o, r := prev.snap.Rules[i], changed[n]
		if o.Plan != r.Plan || o.Status != r.Status {
			fallbackTo[o.ID] = true
		}
	}
	for _, i := range rd.removed {
		fallbackTo[prev.snap.Rules[i].ID] = true
	}
	for p := range gonePlans {
		for _, rs := range ix.rules[p] {
			for _, r := range rs {
				recheck[r] = true
			}
		}
	}
	if len(goneConds) > 0 || len(fallbackTo) > 0 {
		for _, r := range next.Rules {
			if fallbackTo[r.FallsBackTo] {
				recheck[ix.RuleByID(r.ID)] = true
				continue
			}
			if len(goneConds) > 0 && !r.Conditions.All {
				for _, c := range r.Conditions.Items {
					if goneConds[c] {
						recheck[ix.RuleByID(r.ID)] = true
						break
					}
				}
			}
		}
	}
	at := make(map[*Rule]int, len(changed)) // index in next's list of the changed rules
	for n, j := range slices.Concat(rd.updated, rd.added) {
		at[changed[n]] = j
	}
	seen := map[string]bool{}
	for n, j := range rd.added {
		r := changed[len(rd.updated)+n]
		if seen[r.ID] {
			v.add(v.where("rule", "rules", j, r.ID), "duplicate rule id %q", r.ID)
		}
		seen[r.ID] = true
	}
	for _, r := range changed {
		recheck[r] = true
		itemTextLimits("rules", at[r], r, &v.ps)
	}
	planIDs := func(plan, except string) []string {
		ids := map[string]bool{}
		for _, rs := range ix.rules[plan] {
			for _, r := range rs {
				if r.ID != except {
					ids[r.ID] = true
				}
			}
		}
		return slices.Collect(maps.Keys(ids))
	}
	for _, r := range sortedRules(recheck, at) {
		w := v.where("rule", "rules", at[r], r.ID)
		v.id(w, r.ID)
		v.rule(w, r)
		if r.FallsBackTo != "" {
			v.fallback(w, r, ix.RuleByID, planIDs)
		}
	}
	// Ambiguity: a changed rule against the others under its keys.
	type pair struct{ a, b *Rule }
	found := map[pair]bool{}
	for _, b := range changed {
		for _, st := range b.States.keyItems() {
			for _, c := range b.Conditions.keyItems() {
				for _, a := range ix.rules[b.Plan][ruleKey{st, c}] {
					if a == b || found[pair{a, b}] || found[pair{b, a}] || a.Specificity() != b.Specificity() ||
						!spansOverlap(a.EffectiveFrom, a.EffectiveTo, b.EffectiveFrom, b.EffectiveTo) {
						continue
					}
					found[pair{a, b}] = true
					v.add(v.where("rule", "rules", at[b], b.ID), "ambiguous with %s: both are %s rules of plan %q in force %s for %s; %s",
						v.name(v.where("rule", "rules", 0, a.ID)), specificityName[a.Specificity()], a.Plan,
						overlapDates(a.EffectiveFrom, a.EffectiveTo, b.EffectiveFrom, b.EffectiveTo), overlapText(a, b),
						replaceHint(`"`+a.ID+`"`, a.EffectiveFrom, `"`+b.ID+`"`, b.EffectiveFrom))
				}
			}
		}
	}
	// The small lists, whole: a fee schedule may name a removed plan.
	if fd := &d[kiFees]; !fd.same || len(gonePlans) > 0 {
		v.fees(next)
		for _, j := range slices.Concat(fd.updated, fd.added) {
			itemTextLimits("fee_schedules", j, &next.FeeSchedules[j], &v.ps)
		}
	}
	if cd := &d[kiCash]; !cd.same {
		v.cash(next)
		for _, j := range slices.Concat(cd.updated, cd.added) {
			itemTextLimits("cash_prices", j, &next.CashPrices[j], &v.ps)
		}
	}
	if ld := &d[kiLicensure]; !ld.same {
		v.licensure(next)
		for _, j := range slices.Concat(ld.updated, ld.added) {
			itemTextLimits("licensure", j, &next.Licensure[j], &v.ps)
		}
	}
}

// sortedRules lists the rules of set, changed ones (in at) first in their
// order in the catalog, then the others by id: problems come in a stable
// order.
func sortedRules(set map[*Rule]bool, at map[*Rule]int) []*Rule {
	rs := slices.Collect(maps.Keys(set))
	slices.SortFunc(rs, func(a, b *Rule) int {
		ia, oka := at[a]
		ib, okb := at[b]
		switch {
		case oka && okb:
			return ia - ib
		case oka:
			return -1
		case okb:
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return rs
}
