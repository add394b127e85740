package catalog

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/acucover/acucover/internal/suggest"
)

// Lookup errors. Callers match them with errors.Is; each comes as a
// *LookupError, naming the field and saying what exactly was not found.
var (
	ErrUnknownPlan      = errors.New("unknown plan")
	ErrUnknownCondition = errors.New("unknown condition")
	ErrUnknownState     = errors.New("unknown state")
	ErrMalformedCode    = errors.New("malformed ICD-10-CM code")
	ErrRetiredCode      = errors.New("retired ICD-10-CM code")
	ErrPlanNotOffered   = errors.New("plan not offered in state")
)

// Specificity ranks a rule for resolution: 3 plan+state+condition,
// 2 plan+condition, 1 plan+state, 0 plan default.
func (r *Rule) Specificity() int {
	s := 0
	if !r.Conditions.All {
		s += 2
	}
	if !r.States.All {
		s++
	}
	return s
}

// Index is an immutable, compiled catalog. All methods are safe for
// concurrent use; nothing reachable from an Index may be modified.
type Index struct {
	snap      *Snapshot
	revision  string
	hash      string // see CatalogRevision
	plans     map[string]*Plan
	conds     map[string]*Condition
	icdExact  map[string]*Condition
	icdFamily map[string]*Condition
	retired   map[string]retired
	// introduced are the codes that replaced a retired code: valid only
	// from the retired code's Until on.
	introduced map[string]retired
	rules      map[string]planRules // by plan
	byID       shardMap[string, *Rule]
	licensure  map[string]*Licensure
	fees       map[feeKey][]*FeeSchedule
	cash       map[string]*CashPrice
	tests      shardMap[criteria, []Test] // parsed, in order
	// sums are the content hash's sums, per kind (see ContentHash).
	sums []sum256
	memo sync.Map // see Memo
}

type retired struct {
	cond *Condition
	code RetiredCode
}

// planRules holds the rules of one plan by the state and condition they are
// for; each list is sorted by EffectiveFrom, and its rules do not overlap.
// One small map per plan, rather than one for the whole catalog, keeps the
// rules of a plan together in memory, for Build and for lookups.
type planRules map[ruleKey][]*Rule

// ruleKey addresses a plan's rules by state ("" = all) and condition ("" =
// all).
type ruleKey struct{ state, cond string }

// criteria identifies a rule's criteria list. Rules loaded from PostgreSQL
// share equal lists, and then share their parsed tests too.
type criteria struct {
	first *Criterion
	n     int
}

func criteriaOf(r *Rule) criteria {
	if len(r.Criteria) == 0 {
		return criteria{}
	}
	return criteria{&r.Criteria[0], len(r.Criteria)}
}

type feeKey struct {
	plan, payer string
	network     Network
}

// Build validates s and compiles it into an Index. It returns Problems if the
// catalog is invalid. s must not be modified afterwards.
func Build(s *Snapshot) (*Index, error) { return BuildWithPositions(s, nil) }

// BuildWithPositions is Build with source positions for problem messages.
func BuildWithPositions(s *Snapshot, pos Positions) (*Index, error) {
	v := validate(s, pos)
	if len(v.ps) > 0 {
		return nil, v.ps
	}
	ix := &Index{
		snap:     s,
		revision: s.Revision,
		rules:    v.keyed, // sorted, and checked for overlaps
		byID:     newShardMap[string, *Rule](stringShard, len(s.Rules)),
		tests:    newShardMap[criteria, []Test](criteriaShard, 0),
	}
	sums, err := contentSums(s)
	if err != nil {
		return nil, err
	}
	ix.setHash(sums)
	ix.indexPlans()
	ix.indexConditions()
	ix.indexLicensure()
	ix.indexFees()
	ix.indexCash()
	for _, r := range s.Rules {
		ix.byID.set(r.ID, r)
		k := criteriaOf(r)
		if _, done := ix.tests.get(k); done || k.n == 0 {
			continue
		}
		ts := make([]Test, len(r.Criteria))
		for j, c := range r.Criteria {
			ts[j] = v.tests[c.Test] // Validate has parsed every test
		}
		ix.tests.set(k, ts)
	}
	remember(ix)
	return ix, nil
}

// setHash sets the index's sums, content hash and, if the snapshot has
// none, revision.
func (ix *Index) setHash(sums []sum256) {
	ix.sums = sums
	ix.hash = finalHash(ix.snap, sums)[:RevisionLength]
	ix.revision = ix.snap.Revision
	if ix.revision == "" {
		ix.revision = ix.hash
	}
}

// The index* methods (re)make the maps of one kind from the snapshot.

func (ix *Index) indexPlans() {
	ix.plans = make(map[string]*Plan, len(ix.snap.Plans))
	for i := range ix.snap.Plans {
		ix.plans[ix.snap.Plans[i].ID] = &ix.snap.Plans[i]
	}
}

func (ix *Index) indexConditions() {
	s := ix.snap
	ix.conds = make(map[string]*Condition, len(s.Conditions))
	ix.icdExact = map[string]*Condition{}
	ix.icdFamily = map[string]*Condition{}
	ix.retired = map[string]retired{}
	ix.introduced = map[string]retired{}
	for i := range s.Conditions {
		c := &s.Conditions[i]
		ix.conds[c.ID] = c
		for _, code := range c.ICD10 {
			ix.icdExact[code] = c
		}
		for _, f := range c.ICD10Families {
			ix.icdFamily[f] = c
		}
		for _, r := range c.RetiredICD10 {
			ix.retired[r.Code] = retired{c, r}
			for _, nc := range r.ReplacedBy {
				ix.introduced[nc] = retired{c, r}
			}
		}
	}
}

func (ix *Index) indexLicensure() {
	ix.licensure = make(map[string]*Licensure, len(ix.snap.Licensure))
	for i := range ix.snap.Licensure {
		ix.licensure[ix.snap.Licensure[i].State] = &ix.snap.Licensure[i]
	}
}

func (ix *Index) indexFees() {
	ix.fees = map[feeKey][]*FeeSchedule{}
	for i := range ix.snap.FeeSchedules {
		f := &ix.snap.FeeSchedules[i]
		k := feeKey{f.Plan, f.Payer, f.Network}
		ix.fees[k] = append(ix.fees[k], f)
	}
}

func (ix *Index) indexCash() {
	ix.cash = map[string]*CashPrice{}
	for i := range ix.snap.CashPrices {
		ix.cash[ix.snap.CashPrices[i].State] = &ix.snap.CashPrices[i]
	}
}

// Memo returns the value kept under key for this index, calling build to
// make it the first time key is asked for. It lets the packages that compute
// from a catalog (precomputed decisions, encoded answers) keep what they
// derive with the Index it was derived from: a new Index starts empty, so a
// snapshot swap invalidates everything at once, and the garbage collector
// takes it with the old Index. Concurrent first calls may each run build;
// one result is kept and returned to all. key must be comparable; a value of
// a zero-size type costs no allocation.
func (ix *Index) Memo(key any, build func() any) any {
	if v, ok := ix.memo.Load(key); ok {
		return v
	}
	v, _ := ix.memo.LoadOrStore(key, build())
	return v
}

// Revision identifies the catalog content the index was built from.
func (ix *Index) Revision() string { return ix.revision }

// RevisionLength is the length of a CatalogRevision, in hex digits.
const RevisionLength = 12

// CatalogRevision is what the API reports as catalog_revision: the first
// RevisionLength hex digits of the catalog's ContentHash, whatever the
// store. The same content has the same value from the embedded catalog, a
// file or PostgreSQL; the store's own name for the revision (PostgreSQL's
// revision number) is Revision.
func (ix *Index) CatalogRevision() string { return ix.hash }

// Snapshot returns the catalog the index was built from. It must not be
// modified.
func (ix *Index) Snapshot() *Snapshot { return ix.snap }

// RuleCount is the number of rules in the catalog.
func (ix *Index) RuleCount() int { return len(ix.snap.Rules) }

// Plans returns every plan in catalog order.
func (ix *Index) Plans() []Plan { return ix.snap.Plans }

// Conditions returns every condition in catalog order.
func (ix *Index) Conditions() []Condition { return ix.snap.Conditions }

// Plan returns the plan with id, or an error wrapping ErrUnknownPlan.
func (ix *Index) Plan(id string) (*Plan, error) {
	if p, ok := ix.plans[id]; ok {
		return p, nil
	}
	return nil, lookupError(ErrUnknownPlan, "no plan %q in the catalog%s (GET /v1/plans lists them)", id, suggest.DidYouMean(id, ix.planIDs()))
}

// planIDs and conditionIDs list the ids in catalog order, for did-you-mean
// hints; only a miss pays for them.
func (ix *Index) planIDs() []string {
	ids := make([]string, len(ix.snap.Plans))
	for i := range ix.snap.Plans {
		ids[i] = ix.snap.Plans[i].ID
	}
	return ids
}

func (ix *Index) conditionIDs() []string {
	ids := make([]string, len(ix.snap.Conditions))
	for i := range ix.snap.Conditions {
		ids[i] = ix.snap.Conditions[i].ID
	}
	return ids
}

// PlanIn returns the plan with id if it is offered in state. Errors wrap
// ErrUnknownPlan, ErrUnknownState or ErrPlanNotOffered (naming the states
// where it is offered).
func (ix *Index) PlanIn(id, state string) (*Plan, error) {
	p, err := ix.Plan(id)
	if err != nil {
		return nil, err
	}
	if _, ok := StateNames[state]; !ok {
		return nil, lookupError(ErrUnknownState, "%s", NotAState(state))
	}
	if !p.States.Contains(state) {
		return nil, lookupError(ErrPlanNotOffered, "plan %q is not offered in %s; it is offered in %s",
			id, state, strings.Join(p.States.Items, ", "))
	}
	return p, nil
}

// ResolveCondition finds the condition for a slug or an ICD-10-CM code on
// date d. A code resolves by exact match, then by the longest matching code
// family. Errors wrap ErrUnknownCondition, ErrMalformedCode or ErrRetiredCode
// (naming the replacement codes).
func (ix *Index) ResolveCondition(s string, d Date) (*Condition, error) {
	if c, ok := ix.conds[s]; ok {
		return c, nil
	}
	if !LooksLikeICD10(s) {
		return nil, lookupError(ErrUnknownCondition, "no condition %q in the catalog%s (GET /v1/conditions lists them; an ICD-10-CM code also works)", s, suggest.DidYouMean(s, ix.conditionIDs()))
	}
	code, err := NormalizeICD10(s)
	if err != nil {
		return nil, lookupError(ErrMalformedCode, "%v", err)
	}
	if r, ok := ix.retired[code]; ok {
		if d.Before(r.code.Until) {
			return r.cond, nil
		}
		return nil, lookupError(ErrRetiredCode, "%s was deleted from ICD-10-CM on %s; use %s",
			code, r.code.Until, strings.Join(r.code.ReplacedBy, ", "))
	}
	// A replacement code did not exist before the code it replaced was
	// deleted: ICD-10-CM adds and deletes codes on the same date.
	if r, ok := ix.introduced[code]; ok && d.Before(r.code.Until) {
		return nil, lookupError(ErrRetiredCode, "%s is valid in ICD-10-CM only from %s; on %s use %s",
			code, r.code.Until, d, r.code.Code)
	}
	if c, ok := ix.icdExact[code]; ok {
		return c, nil
	}
	for n := len(code); n >= 3; n-- {
		if code[n-1] == '.' {
			continue
		}
		if c, ok := ix.icdFamily[code[:n]]; ok {
			return c, nil
		}
	}
	return nil, lookupError(ErrUnknownCondition, "no condition in the catalog covers ICD-10-CM code %s", code)
}

// Rule returns the rule that decides plan × state × condition on d: the most
// specific rule in force, or nil if none is.
func (ix *Index) Rule(plan, state, cond string, d Date) *Rule {
	pr := ix.rules[plan]
	for _, k := range [...]ruleKey{{state, cond}, {"", cond}, {state, ""}, {"", ""}} {
		rs := pr[k]
		// The last rule starting on or before d is the only candidate:
		// rules under one key do not overlap.
		i := sort.Search(len(rs), func(i int) bool { return d.Before(rs[i].EffectiveFrom) })
		if i > 0 && InForce(rs[i-1].EffectiveFrom, rs[i-1].EffectiveTo, d) {
			return rs[i-1]
		}
	}
	return nil
}

// RuleByID returns the rule with id, or nil.
func (ix *Index) RuleByID(id string) *Rule {
	r, _ := ix.byID.get(id)
	return r
}

// Position returns the index in s's list of kind (KindRule, …) of the
// item with id, or -1. A rule that ix indexes is looked for in s by its
// pointer (s is usually ix's snapshot, or an edit's copy of its lists);
// anything else is found by a scan of ids. The answer is s's whatever s
// is; only the absence of a rule is taken from ix, and only when s has
// ix's revision id and as many rules. ix may be nil.
func (ix *Index) Position(s *Snapshot, kind, id string) int {
	if kind == KindRule {
		return ix.rulePosition(s, id)
	}
	k := ItemKindNamed(kind)
	for i := range k.Len(s) {
		if k.ID(s, i) == id {
			return i
		}
	}
	return -1
}

func (ix *Index) rulePosition(s *Snapshot, id string) int {
	if ix != nil {
		r, ok := ix.byID.get(id)
		if !ok && s.Revision != "" && s.Revision == ix.revision && len(s.Rules) == len(ix.snap.Rules) {
			return -1
		}
		// The rules ix indexes are those its snapshot's list points to,
		// and a copy of that list (an edit's) holds the same pointers:
		// comparing pointers is much cheaper than comparing ids.
		if ok {
			if i := slices.Index(s.Rules, r); i >= 0 {
				return i
			}
		}
	}
	for i, r := range s.Rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// Licensure returns how state licenses acupuncturists, or nil when the
// catalog has no entry for it.
func (ix *Index) Licensure(state string) *Licensure { return ix.licensure[state] }

// Tests returns the parsed tests of r's criteria, in order. r must come from
// this index.
func (ix *Index) Tests(r *Rule) []Test {
	if len(r.Criteria) == 0 {
		return nil
	}
	ts, _ := ix.tests.get(criteriaOf(r))
	return ts
}

// CostSharing returns the plan's terms for network in force on d, or nil.
func (ix *Index) CostSharing(p *Plan, n Network, d Date) *CostSharing {
	for i := range p.CostSharing {
		c := &p.CostSharing[i]
		if c.Network == n && InForce(c.EffectiveFrom, c.EffectiveTo, d) {
			return c
		}
	}
	return nil
}

// CostSharingCarried is CostSharing, except that a date after the plan's
// last dated terms for network gets those last terms, with carried true: the
// caller must say they are carried forward (a year whose terms are not yet
// in the catalog). It returns nil when neither applies.
func (ix *Index) CostSharingCarried(p *Plan, n Network, d Date) (cs *CostSharing, carried bool) {
	if c := ix.CostSharing(p, n, d); c != nil {
		return c, false
	}
	var last *CostSharing
	for i := range p.CostSharing {
		c := &p.CostSharing[i]
		if c.Network != n || c.EffectiveTo.IsZero() || d.Before(c.EffectiveTo) {
			continue
		}
		if last == nil || last.EffectiveTo.Before(c.EffectiveTo) {
			last = c
		}
	}
	return last, last != nil
}

// FeeSchedule returns the fee schedule for the plan and network in force on
// d: the plan's own, else its payer's; nil if there is none.
func (ix *Index) FeeSchedule(p *Plan, n Network, d Date) *FeeSchedule {
	for _, k := range [...]feeKey{{p.ID, "", n}, {"", p.Payer, n}} {
		for _, f := range ix.fees[k] {
			if InForce(f.EffectiveFrom, f.EffectiveTo, d) {
				return f
			}
		}
	}
	return nil
}

// CashPrice returns the cash price for state, else the national default;
// nil if the catalog has none.
func (ix *Index) CashPrice(state string) *CashPrice {
	if c, ok := ix.cash[state]; ok {
		return c
	}
	return ix.cash[""]
}

// BenefitYearStart returns the first day of p's benefit year containing d.
func (p *Plan) BenefitYearStart(d Date) Date {
	m := 1
	if p.BenefitPeriod.Kind == PlanYear {
		m = p.BenefitPeriod.StartMonth
	}
	y := d.Year()
	if int(d.Month()) < m {
		y--
	}
	return NewDate(y, time.Month(m), 1)
}

// OfferedIn lists the states where p is offered (all known states for "all").
func (p *Plan) OfferedIn() []string {
	if p.States.All {
		return States
	}
	s := slices.Clone(p.States.Items)
	slices.Sort(s)
	return s
}
