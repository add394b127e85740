package catalog

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/suggest"
)

// Validate checks the meaning of a whole catalog and returns every problem it
// finds (nil if none): ids, references, codes, money, percentages, dates,
// limits, sources, and ambiguous rules (two rules of one plan, equally
// specific, whose states, conditions and dates overlap). pos may be nil.
func Validate(s *Snapshot, pos Positions) Problems {
	return validate(s, pos).ps
}

// validate is Validate, keeping what Build needs too: the rules grouped by
// the index keys they answer for, and the parsed criterion tests.
func validate(s *Snapshot, pos Positions) *validator {
	v := &validator{pos: pos, urls: map[string]bool{}, tests: map[string]Test{}}
	if v.nilRules(s); len(v.ps) > 0 {
		return v
	}
	v.checkPlans(s)
	v.checkConditions(s)
	v.rules(s)
	v.fees(s)
	v.cash(s)
	v.licensure(s)
	v.ps = append(v.ps, textLimits(s)...) // limits.go
	return v
}

type validator struct {
	pos   Positions
	ps    Problems
	plans map[string]*Plan
	conds map[string]*Condition
	urls  map[string]bool // source URLs already checked, and whether they pass
	// tests holds every criterion test that parsed, by its text.
	tests map[string]Test
	// keyed lists each rule under its plan and every ruleKey it answers
	// for, in catalog order and then sorted by EffectiveFrom (what Build
	// indexes).
	keyed map[string]planRules
}

// place names the item a problem is about. It is turned into text only for a
// problem: Validate visits every item of catalogs of a million rules, and
// nearly all of them have none.
type place struct {
	kind, list, id string
	i              int // index in list; -1 for a place that is its kind alone
	cost           int // 1 + index in the plan's cost_sharing; 0 for the item itself
}

func (v *validator) where(kind, list string, i int, id string) place {
	return place{kind: kind, list: list, id: id, i: i}
}

// name formats w: `rule "x" (line 12)`, `rule #3`, `plan "p" cost_sharing[1]`.
func (v *validator) name(w place) string {
	if w.i < 0 {
		return w.kind
	}
	s := w.kind
	if w.id != "" {
		s += " " + strconv.Quote(w.id)
	} else {
		s += " #" + strconv.Itoa(w.i+1)
	}
	if line, ok := v.pos[w.list+"["+strconv.Itoa(w.i)+"]"]; ok {
		s += " (line " + strconv.Itoa(line) + ")"
	}
	if w.cost > 0 {
		s += " cost_sharing[" + strconv.Itoa(w.cost-1) + "]"
	}
	return s
}

func (v *validator) add(w place, format string, args ...any) {
	v.ps = append(v.ps, Problem{Where: v.name(w), Msg: fmt.Sprintf(format, args...)})
}

// nilRules reports the rules that are nil (Parse and ReadDocument never
// make one; a program might): the rest of the package takes every rule to
// be there, so a catalog with one is checked no further.
func (v *validator) nilRules(s *Snapshot) {
	for i, r := range s.Rules {
		if r == nil {
			v.add(v.where("rule", "rules", i, ""), "is null: a rule is a mapping of its fields")
		}
	}
}

func (v *validator) checkPlans(s *Snapshot) {
	v.plans = map[string]*Plan{}
	for i := range s.Plans {
		p := &s.Plans[i]
		w := v.where("plan", "plans", i, p.ID)
		v.id(w, p.ID)
		if _, dup := v.plans[p.ID]; dup && p.ID != "" {
			v.add(w, "duplicate plan id %q", p.ID)
		}
		v.plans[p.ID] = p
		v.plan(w, p)
	}
}

// plan checks plan p alone (its id's uniqueness is the caller's).
func (v *validator) plan(w place, p *Plan) {
	if strings.TrimSpace(p.Name) == "" {
		v.add(w, "name is required")
	}
	if strings.TrimSpace(p.Payer) == "" {
		v.add(w, "payer is required")
	}
	if !slices.Contains(PlanTypes, p.Type) {
		v.add(w, "type %q is not one of %v%s", p.Type, PlanTypes, dym(p.Type, PlanTypes))
	}
	v.states(w, p.States)
	switch p.BenefitPeriod.Kind {
	case CalendarYear:
		if p.BenefitPeriod.StartMonth > 1 {
			v.add(w, "benefit_period: a calendar_year starts in January; use kind plan_year for start_month %d", p.BenefitPeriod.StartMonth)
		}
	case PlanYear:
		if p.BenefitPeriod.StartMonth < 1 || p.BenefitPeriod.StartMonth > 12 {
			v.add(w, "benefit_period: plan_year needs start_month 1–12")
		}
	default:
		v.add(w, "benefit_period.kind %q is not calendar_year or plan_year%s", p.BenefitPeriod.Kind, dym(p.BenefitPeriod.Kind, []BenefitKind{CalendarYear, PlanYear}))
	}
	switch p.NetworkModel {
	case "", NetworkModelNetworks:
	case MedicareAssignment:
		for _, c := range p.CostSharing {
			if c.Network == OutNetwork {
				v.add(w, "a medicare_assignment plan has no network: its cost_sharing must all be network \"in\" (the terms that apply to every provider)")
				break
			}
		}
	default:
		v.add(w, "network_model %q is not networks or medicare_assignment%s", p.NetworkModel, dym(p.NetworkModel, []NetworkModel{NetworkModelNetworks, MedicareAssignment}))
	}
	for j, c := range p.CostSharing {
		cw := w
		cw.cost = j + 1
		if c.Network != InNetwork && c.Network != OutNetwork {
			v.add(cw, "network %q is not \"in\" or \"out\"%s", c.Network, dym(c.Network, networks))
		}
		v.span(cw, c.EffectiveFrom, c.EffectiveTo)
		v.cents(cw, "deductible_cents", c.DeductibleCents)
		v.cents(cw, "copay_cents", c.CopayCents)
		if c.CoinsurancePercent < 0 || c.CoinsurancePercent > 100 {
			v.add(cw, "coinsurance_percent %d is not between 0 and 100", c.CoinsurancePercent)
		}
		if c.OOPMaxCents != nil {
			v.cents(cw, "oop_max_cents", *c.OOPMaxCents)
		}
		last := 0
		for _, st := range c.CopaySteps {
			if st.AfterVisits <= last {
				v.add(cw, "copay_steps: after_visits must be positive and increasing")
			}
			last = st.AfterVisits
			v.cents(cw, "copay_steps.copay_cents", st.CopayCents)
		}
		for k := range j {
			o := p.CostSharing[k]
			if o.Network == c.Network && spansOverlap(o.EffectiveFrom, o.EffectiveTo, c.EffectiveFrom, c.EffectiveTo) {
				v.add(cw, "overlaps cost_sharing[%d] for network %q %s; dated terms of one network must not overlap: %s", k, c.Network,
					overlapDates(o.EffectiveFrom, o.EffectiveTo, c.EffectiveFrom, c.EffectiveTo),
					replaceHint(fmt.Sprintf("cost_sharing[%d]", k), o.EffectiveFrom, fmt.Sprintf("cost_sharing[%d]", j), c.EffectiveFrom))
			}
		}
	}
	v.sources(w, p.Sources, false)
}

func (v *validator) checkConditions(s *Snapshot) {
	v.conds = map[string]*Condition{}
	codes := map[string]string{}    // exact or retired code → condition id
	families := map[string]string{} // family → condition id
	for i := range s.Conditions {
		c := &s.Conditions[i]
		w := v.where("condition", "conditions", i, c.ID)
		v.id(w, c.ID)
		if v.conds[c.ID] != nil {
			v.add(w, "duplicate condition id %q", c.ID)
		}
		v.conds[c.ID] = c
		if strings.TrimSpace(c.Name) == "" {
			v.add(w, "name is required")
		}
		claim := func(m map[string]string, what, code string) {
			n, err := NormalizeICD10(code)
			if err != nil {
				v.add(w, "%s: %v", what, err)
				return
			}
			if n != code {
				v.add(w, "%s: write %q as %q", what, code, n)
			}
			if other, dup := m[n]; dup {
				v.add(w, "%s %s is already mapped to condition %q", what, n, other)
				return
			}
			m[n] = c.ID
		}
		for _, code := range c.ICD10 {
			claim(codes, "icd10 code", code)
		}
		for _, f := range c.ICD10Families {
			claim(families, "icd10 family", f)
		}
		for _, r := range c.RetiredICD10 {
			claim(codes, "retired icd10 code", r.Code)
			if r.Until.IsZero() {
				v.add(w, "retired code %s needs until", r.Code)
			}
			for _, rb := range r.ReplacedBy {
				if _, err := NormalizeICD10(rb); err != nil {
					v.add(w, "retired code %s: replaced_by: %v", r.Code, err)
				}
			}
		}
		if len(c.ICD10) == 0 && len(c.ICD10Families) == 0 {
			v.add(w, "needs at least one icd10 code or icd10 family")
		}
		v.sources(w, c.Sources, false)
	}
}

// validCPT reports whether c is a CPT/HCPCS code: four digits and a digit or
// upper-case letter (`^[0-9]{4}[0-9A-Z]$`, without a regexp: it runs for every
// code of every rule).
func validCPT(c string) bool {
	if len(c) != 5 {
		return false
	}
	for i := range 4 {
		if !digit(c[i]) {
			return false
		}
	}
	return digit(c[4]) || (c[4] >= 'A' && c[4] <= 'Z')
}

func (v *validator) rules(s *Snapshot) {
	// Sized up front: grown one rule at a time, the maps of a million rules
	// would be copied over and over.
	keys := map[string]int{} // per plan, at most
	for _, r := range s.Rules {
		keys[r.Plan] += len(r.States.keyItems()) * len(r.Conditions.keyItems())
	}
	v.keyed = make(map[string]planRules, len(keys))
	ids := make(map[string]struct{}, len(s.Rules))
	for i, r := range s.Rules {
		w := v.where("rule", "rules", i, r.ID)
		v.id(w, r.ID)
		if _, dup := ids[r.ID]; dup {
			v.add(w, "duplicate rule id %q", r.ID)
		}
		ids[r.ID] = struct{}{}
		v.rule(w, r)
		pr := v.keyed[r.Plan]
		if pr == nil {
			pr = make(planRules, keys[r.Plan])
			v.keyed[r.Plan] = pr
		}
		for _, st := range r.States.keyItems() {
			for _, c := range r.Conditions.keyItems() {
				k := ruleKey{st, c}
				pr[k] = append(pr[k], r)
			}
		}
	}
	v.ambiguity(s)
	v.fallbacks(s)
}

// rule checks rule r alone: its fields and what it refers to (its id's
// uniqueness, ambiguity and fallbacks are the caller's).
func (v *validator) rule(w place, r *Rule) {
	plan, ok := v.plans[r.Plan]
	if !ok {
		v.add(w, "plan %q is not in the catalog%s", r.Plan, suggest.DidYouMean(r.Plan, slices.Sorted(maps.Keys(v.plans))))
	}
	v.states(w, r.States)
	if ok && !r.States.All && !plan.States.All {
		for _, st := range r.States.Items {
			if !plan.States.Contains(st) {
				v.add(w, "state %s: plan %q is not offered there", st, r.Plan)
			}
		}
	}
	if !r.Conditions.All {
		if len(r.Conditions.Items) == 0 {
			v.add(w, "conditions must be \"all\" or a non-empty list")
		}
		seen := map[string]bool{}
		for _, c := range r.Conditions.Items {
			if v.conds[c] == nil {
				v.add(w, "condition %q is not in the catalog%s", c, suggest.DidYouMean(c, slices.Sorted(maps.Keys(v.conds))))
			}
			if seen[c] {
				v.add(w, "condition %q is listed twice", c)
			}
			seen[c] = true
		}
	}
	v.span(w, r.EffectiveFrom, r.EffectiveTo)
	if strings.TrimSpace(r.Summary) == "" {
		v.add(w, "summary is required: it is the reason every decision gives")
	}
	switch r.Status {
	case Covered, Conditional:
	case NotCovered, Unknown:
		if len(r.Limits.Windows) > 0 || len(r.Limits.Extensions) > 0 || r.Limits.DollarCapCents != nil {
			v.add(w, "a %s rule cannot have limits", r.Status)
		}
	default:
		v.add(w, "status %q is not covered, conditional, not_covered or unknown%s", r.Status, dym(r.Status, []Status{Covered, Conditional, NotCovered, Unknown}))
	}
	if r.Status == Conditional && len(r.Criteria) == 0 {
		v.add(w, "a conditional rule needs criteria (use status covered when nothing is required)")
	}
	if r.Status != Conditional && len(r.Criteria) > 0 {
		v.add(w, "only a conditional rule may have criteria")
	}
	crit := map[string]bool{}
	for _, c := range r.Criteria {
		if !ValidID(c.ID) || crit[c.ID] {
			v.add(w, "criterion id %q must be a unique lower-case id", c.ID)
		}
		crit[c.ID] = true
		if _, ok := v.tests[c.Test]; !ok {
			if t, err := ParseTest(c.Test); err != nil {
				v.add(w, "criterion %q: %v", c.ID, err)
			} else {
				v.tests[c.Test] = t
			}
		}
		if strings.TrimSpace(c.Question) == "" {
			v.add(w, "criterion %q needs a question", c.ID)
		}
	}
	v.limits(w, r.Limits)
	if len(r.Billing.DeniedModifiers) > 0 && strings.TrimSpace(r.Billing.DeniedNote) == "" {
		v.add(w, "billing.denied_modifiers need a billing.denied_note saying when each applies")
	}
	for _, m := range r.Billing.DeniedModifiers {
		if len(m) != 2 {
			v.add(w, "billing.denied_modifiers %q is not a 2-character modifier", m)
		}
	}
	if r.AskProvider && len(r.Providers) == 0 {
		v.add(w, "ask_provider needs the providers the rule covers")
	}
	switch r.PriorAuthorization.When() {
	case AuthNever, AuthAlways:
		if r.PriorAuthorization.AfterVisits != 0 {
			v.add(w, "prior_authorization.after_visits is only for required: after_visits")
		}
	case AuthAfterVisits:
		if r.PriorAuthorization.AfterVisits < 1 {
			v.add(w, "prior_authorization.after_visits must be at least 1")
		}
	default:
		v.add(w, "prior_authorization.required %q is not never, always or after_visits%s", r.PriorAuthorization.Required, dym(r.PriorAuthorization.Required, []AuthWhen{AuthNever, AuthAlways, AuthAfterVisits}))
	}
	types := map[string]bool{}
	for _, p := range r.Providers {
		if !slices.Contains(ProviderTypes, p.Type) {
			v.add(w, "provider type %q is not one of %v%s", p.Type, ProviderTypes, dym(p.Type, ProviderTypes))
		}
		if types[p.Type] {
			v.add(w, "provider type %q is listed twice", p.Type)
		}
		types[p.Type] = true
	}
	for _, c := range r.Billing.CPT {
		if !validCPT(c) {
			v.add(w, "billing.cpt %q is not a 5-character CPT/HCPCS code", c)
		}
	}
	for _, m := range r.Billing.Modifiers {
		if len(m.Code) != 2 || strings.TrimSpace(m.When) == "" {
			v.add(w, "billing modifier %q needs a 2-character code and a when", m.Code)
		}
	}
	v.sources(w, r.Sources, true)
}

// fallbacks checks falls_back_to: the rule named exists, is of the same
// plan, covers (a fallback that does not cover adds nothing), and following
// fallbacks never comes back to a rule already visited.
func (v *validator) fallbacks(s *Snapshot) {
	byID := make(map[string]*Rule, len(s.Rules))
	for _, r := range s.Rules {
		byID[r.ID] = r
	}
	lookup := func(id string) *Rule { return byID[id] }
	planIDs := func(plan, except string) []string {
		var same []string // the plan's own rules: the only possible targets
		for id, o := range byID {
			if o.Plan == plan && id != except {
				same = append(same, id)
			}
		}
		return same
	}
	for i, r := range s.Rules {
		if r.FallsBackTo != "" {
			v.fallback(v.where("rule", "rules", i, r.ID), r, lookup, planIDs)
		}
	}
}

// fallback checks r's falls_back_to, finding rules by id with rule;
// planIDs lists the ids of a plan's rules but one, for a suggestion.
func (v *validator) fallback(w place, r *Rule, rule func(id string) *Rule, planIDs func(plan, except string) []string) {
	to := rule(r.FallsBackTo)
	switch {
	case to == nil:
		same := planIDs(r.Plan, r.ID)
		slices.Sort(same)
		v.add(w, "falls_back_to %q is not a rule in the catalog%s", r.FallsBackTo, suggest.DidYouMean(r.FallsBackTo, same))
		return
	case to.Plan != r.Plan:
		v.add(w, "falls_back_to %q is a rule of plan %q, not of this rule's plan %q", to.ID, to.Plan, r.Plan)
		return
	case r.Status != Conditional:
		v.add(w, "falls_back_to is for a conditional rule, whose criteria can fail")
	case to.Status != Covered && to.Status != Conditional:
		v.add(w, "falls_back_to %q must be a covering (covered or conditional) rule", to.ID)
	}
	seen := map[string]bool{r.ID: true}
	for cur := to; cur != nil && cur.FallsBackTo != ""; cur = rule(cur.FallsBackTo) {
		if seen[cur.ID] || seen[cur.FallsBackTo] {
			v.add(w, "falls_back_to makes a cycle through rule %q", cur.FallsBackTo)
			break
		}
		seen[cur.ID] = true
	}
}

// ambiguity reports equally specific rules of one plan whose states,
// conditions and dates overlap, ordered by the later rule and then the
// earlier one. Such rules share an index key (and all of a key's rules are
// of one plan and one specificity, barring a state or condition written ""),
// so only rules under one key are compared, not every two rules of a plan.
// It sorts each key's rules by EffectiveFrom, for Build.
func (v *validator) ambiguity(s *Snapshot) {
	type pair struct{ a, b *Rule } // a before b in the catalog
	var found map[pair]bool
	for _, pr := range v.keyed {
		for _, rs := range pr {
			for i := 1; i < len(rs); i++ {
				for _, a := range rs[:i] {
					b := rs[i]
					if a == b || a.Specificity() != b.Specificity() ||
						!spansOverlap(a.EffectiveFrom, a.EffectiveTo, b.EffectiveFrom, b.EffectiveTo) {
						continue
					}
					if found == nil {
						found = map[pair]bool{}
					}
					found[pair{a, b}] = true
				}
			}
			if len(rs) > 1 {
				slices.SortFunc(rs, func(a, b *Rule) int { return a.EffectiveFrom.t.Compare(b.EffectiveFrom.t) })
			}
		}
	}
	if len(found) == 0 {
		return
	}
	index := make(map[*Rule]int, len(s.Rules))
	for i, r := range s.Rules {
		index[r] = i
	}
	pairs := make([]pair, 0, len(found))
	for p := range found {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		return cmp.Or(cmp.Compare(index[x.b], index[y.b]), cmp.Compare(index[x.a], index[y.a]))
	})
	for _, p := range pairs {
		ia, ib := index[p.a], index[p.b]
		v.add(v.where("rule", "rules", ib, p.b.ID), "ambiguous with %s: both are %s rules of plan %q in force %s for %s; %s",
			v.name(v.where("rule", "rules", ia, p.a.ID)), specificityName[p.a.Specificity()], p.a.Plan,
			overlapDates(p.a.EffectiveFrom, p.a.EffectiveTo, p.b.EffectiveFrom, p.b.EffectiveTo), overlapText(p.a, p.b),
			replaceHint(strconv.Quote(p.a.ID), p.a.EffectiveFrom, strconv.Quote(p.b.ID), p.b.EffectiveFrom))
	}
}

var specificityName = [...]string{"plan-default", "plan+state", "plan+condition", "plan+state+condition"}

// overlapDates says when two spans (zero = open) are both in force: "from
// 2026-01-01 to 2026-06-30" (effective_to is exclusive, as in spansOverlap),
// "from 2026-01-01 on", "until 2026-06-30", or "on every date".
func overlapDates(af, at, bf, bt Date) string {
	from := af
	if from.IsZero() || (!bf.IsZero() && bf.After(from)) {
		from = bf
	}
	to := at
	if to.IsZero() || (!bt.IsZero() && bt.Before(to)) {
		to = bt
	}
	switch {
	case !from.IsZero() && !to.IsZero():
		return "from " + from.String() + " to " + to.AddDays(-1).String()
	case !from.IsZero():
		return "from " + from.String() + " on"
	case !to.IsZero():
		return "until " + to.AddDays(-1).String()
	}
	return "on every date"
}

// replaceHint says how to end the earlier of two overlapping items where
// the later one starts (effective_to is exclusive), or, when they start on
// the same date, that one of them must end or be narrowed.
func replaceHint(aName string, af Date, bName string, bf Date) string {
	// A zero effective_from is open: in force since ever, so earliest.
	if bf.IsZero() && !af.IsZero() || !bf.IsZero() && !af.IsZero() && bf.Before(af) {
		aName, af, bName, bf = bName, bf, aName, af
	}
	// Now a starts first, or both start together.
	if bf.IsZero() || !af.IsZero() && !af.Before(bf) {
		return "give one of them an effective_to, or narrow what they apply to"
	}
	return fmt.Sprintf("if %s replaces %s, give %s effective_to: %s", bName, aName, aName, bf)
}

// networks lists the valid Networks, for suggestions.
var networks = []Network{InNetwork, OutNetwork}

// dym is suggest.DidYouMean for a value of one of the catalog's string
// types: ` (did you mean "covered"?)`, or "".
func dym[T ~string](got T, valid []T) string {
	names := make([]string, len(valid))
	for i, v := range valid {
		names[i] = string(v)
	}
	return suggest.DidYouMean(string(got), names)
}

func overlapText(a, b *Rule) string {
	st, co := "every state", "every condition"
	if !(a.States.All && b.States.All) {
		st = "state " + strings.Join(a.States.Common(b.States), ", ")
	}
	if !(a.Conditions.All && b.Conditions.All) {
		co = "condition " + strings.Join(a.Conditions.Common(b.Conditions), ", ")
	}
	return st + " and " + co
}

func (v *validator) limits(w place, l Limits) {
	type span struct {
		p    Period
		days int
	}
	periods := map[span]bool{}
	for _, win := range l.Windows {
		if !slices.Contains(Periods, win.Period) {
			v.add(w, "limit window period %q is not one of %v%s", win.Period, Periods, dym(win.Period, Periods))
		}
		if win.Period == PerRollingDays {
			if win.Days < 1 || win.Days > 366 {
				v.add(w, "rolling_days window needs days between 1 and 366")
			}
		} else if win.Days != 0 {
			v.add(w, "only a rolling_days window has days")
		}
		if win.Period == PerPatientYear {
			if win.Months < 1 || win.Months > 24 {
				v.add(w, "months_from_first_visit window needs months between 1 and 24")
			}
		} else if win.Months != 0 {
			v.add(w, "only a months_from_first_visit window has months")
		}
		if win.WaivedBy != "" {
			if k, ok := Facts[win.WaivedBy]; !ok || k != BoolFact {
				v.add(w, "limit window waived_by %q: must be a yes/no patient fact", win.WaivedBy)
			}
		}
		if win.Beyond != "" && win.Beyond != BeyondNotCovered && win.Beyond != BeyondAuthorization {
			v.add(w, "limit window beyond %q is not not_covered or authorization%s", win.Beyond, dym(win.Beyond, []Beyond{BeyondNotCovered, BeyondAuthorization}))
		}
		if win.Visits < 1 {
			v.add(w, "limit window visits must be at least 1 (use status not_covered for none)")
		}
		if win.Unit != "" && win.Unit != CountVisits && win.Unit != CountUnits {
			v.add(w, "limit window unit %q is not visits or units%s", win.Unit, dym(win.Unit, []LimitUnit{CountVisits, CountUnits}))
		}
		key := span{win.Period, win.Days}
		if periods[key] {
			v.add(w, "two limit windows for the same period %s", win.Period)
		}
		periods[key] = true
	}
	for _, e := range l.Extensions {
		if len(l.Windows) == 0 {
			v.add(w, "an extension needs a limit window to extend")
		}
		if e.Visits < 1 {
			v.add(w, "extension visits must be at least 1")
		}
		if k, ok := Facts[e.Requires]; !ok || k != BoolFact {
			v.add(w, "extension requires %q: must be a yes/no patient fact", e.Requires)
		}
		if strings.TrimSpace(e.Question) == "" {
			v.add(w, "extension needs a question")
		}
	}
	if l.DollarCapCents != nil {
		v.cents(w, "dollar_cap_cents", *l.DollarCapCents)
	}
	if l.MaxUnitsPerVisit < 0 || l.MaxUnitsPerVisit > 8 {
		v.add(w, "max_units_per_visit must be between 1 and 8 (0: no cap)")
	}
}

func (v *validator) fees(s *Snapshot) {
	ids := map[string]bool{}
	for i := range s.FeeSchedules {
		f := &s.FeeSchedules[i]
		w := v.where("fee schedule", "fee_schedules", i, f.ID)
		v.id(w, f.ID)
		if ids[f.ID] {
			v.add(w, "duplicate fee schedule id %q", f.ID)
		}
		ids[f.ID] = true
		switch {
		case f.Plan != "" && f.Payer != "":
			v.add(w, "give plan or payer, not both")
		case f.Plan != "":
			if _, ok := v.plans[f.Plan]; !ok {
				v.add(w, "plan %q is not in the catalog%s", f.Plan, suggest.DidYouMean(f.Plan, slices.Sorted(maps.Keys(v.plans))))
			}
		case f.Payer == "":
			v.add(w, "needs a plan or a payer")
		}
		if f.Network != InNetwork && f.Network != OutNetwork {
			v.add(w, "network %q is not \"in\" or \"out\"%s", f.Network, dym(f.Network, networks))
		}
		v.span(w, f.EffectiveFrom, f.EffectiveTo)
		if len(f.AmountsCents) == 0 {
			v.add(w, "amounts_cents is empty")
		}
		for code, c := range f.AmountsCents {
			if !validCPT(code) {
				v.add(w, "amounts_cents: %q is not a CPT code", code)
			}
			if c <= 0 {
				v.add(w, "amounts_cents[%s] must be positive", code)
			}
		}
		for j := range i {
			o := &s.FeeSchedules[j]
			if o.Plan == f.Plan && o.Payer == f.Payer && o.Network == f.Network &&
				spansOverlap(o.EffectiveFrom, o.EffectiveTo, f.EffectiveFrom, f.EffectiveTo) {
				v.add(w, "overlaps fee schedule %q for the same plan/payer and network %s; %s", o.ID,
					overlapDates(o.EffectiveFrom, o.EffectiveTo, f.EffectiveFrom, f.EffectiveTo),
					replaceHint(strconv.Quote(o.ID), o.EffectiveFrom, strconv.Quote(f.ID), f.EffectiveFrom))
			}
		}
		v.sources(w, f.Sources, true)
	}
}

func (v *validator) cash(s *Snapshot) {
	seen := map[string]bool{}
	for i, c := range s.CashPrices {
		w := v.where("cash price", "cash_prices", i, c.State)
		if c.State != "" {
			if _, ok := StateNames[c.State]; !ok {
				v.add(w, "state %q is not a state code", c.State)
			}
		}
		if seen[c.State] {
			v.add(w, "two cash prices for state %q", c.State)
		}
		seen[c.State] = true
		if c.FirstVisitCents <= 0 || c.FollowUpCents <= 0 {
			v.add(w, "first_visit_cents and follow_up_cents must be positive")
		}
		v.sources(w, c.Sources, true)
	}
	if len(s.CashPrices) > 0 && !seen[""] {
		v.add(place{kind: "cash_prices", i: -1}, "a national default (no state) is required")
	}
}

func (v *validator) licensure(s *Snapshot) {
	seen := map[string]bool{}
	for i, l := range s.Licensure {
		w := v.where("licensure", "licensure", i, l.State)
		if _, ok := StateNames[l.State]; !ok {
			v.add(w, "state %q is not a state code", l.State)
		}
		if seen[l.State] {
			v.add(w, "two licensure entries for state %q", l.State)
		}
		seen[l.State] = true
		switch l.Status {
		case Licensed, NotLicensed, LicensureUnknown:
		default:
			v.add(w, "status %q is not licensed, not_licensed or unknown%s", l.Status, dym(l.Status, []LicensureStatus{Licensed, NotLicensed, LicensureUnknown}))
		}
		if l.Status == Licensed && strings.TrimSpace(l.Title) == "" {
			v.add(w, "a licensed state needs the licence title")
		}
		v.sources(w, l.Sources, true)
	}
}

func (v *validator) id(w place, id string) {
	if !ValidID(id) {
		v.add(w, "id %q must be lower-case letters, digits, '_' or '-', starting with a letter (at most 64)", id)
	}
}

func (v *validator) states(w place, s Scope) {
	if s.All {
		return
	}
	if len(s.Items) == 0 {
		v.add(w, "states must be \"all\" or a non-empty list")
	}
	seen := map[string]bool{}
	for _, st := range s.Items {
		if _, ok := StateNames[st]; !ok {
			v.add(w, "state %q is not a two-letter state code (upper case)", st)
		}
		if seen[st] {
			v.add(w, "state %s is listed twice", st)
		}
		seen[st] = true
	}
}

func (v *validator) span(w place, from, to Date) {
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		v.add(w, "effective_from %s must be before effective_to %s", from, to)
	}
}

func (v *validator) cents(w place, field string, c int64) {
	if c < 0 {
		v.add(w, "%s must not be negative", field)
	}
}

func (v *validator) sources(w place, ss []Source, required bool) {
	if required && len(ss) == 0 {
		v.add(w, "at least one source is required")
	}
	for _, s := range ss {
		if strings.TrimSpace(s.Title) == "" {
			v.add(w, "a source needs a title")
		}
		ok, seen := v.urls[s.URL]
		if !seen {
			u, err := url.Parse(s.URL)
			ok = err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
			v.urls[s.URL] = ok
		}
		if !ok {
			v.add(w, "source %q needs an http(s) URL", s.Title)
		}
	}
}
