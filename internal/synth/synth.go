// Package synth generates synthetic rule catalogs of any size, for
// benchmarks, load tests and scale tests: valid by catalog.Validate, with a
// realistic mix of statuses, criteria, limit windows, extensions, prior
// authorization, providers, billing and effective-date ranges. The plans,
// payers and conditions are fictional; a catalog is deterministic in its
// Options.
package synth

import (
	"fmt"
	"io"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// Options size a synthetic catalog. Each plan gets
// 1 + 2·Conditions + StatesPerPlan·(Conditions+1) rules: a plan default, a
// plan+condition rule per condition in each of two date ranges, and for
// StatesPerPlan of its states a plan+state rule and a plan+state+condition
// rule per condition. 10,000 plans × 20 conditions × 3 states ≈ 1.04M
// rules.
type Options struct {
	Plans         int // at least 1
	Conditions    int // 1–260
	StatesPerPlan int // 0–10
}

// RulesPerPlan is the number of rules Generate makes for each plan.
func (o Options) RulesPerPlan() int {
	return 1 + 2*o.Conditions + o.StatesPerPlan*(o.Conditions+1)
}

// ForRules returns Options for about n rules (at least one plan) with 20
// conditions and 3 states per plan.
func ForRules(n int) Options {
	o := Options{Conditions: 20, StatesPerPlan: 3}
	o.Plans = max(1, (n+o.RulesPerPlan()/2)/o.RulesPerPlan())
	return o
}

var (
	rangeSplit = catalog.NewDate(2025, time.January, 1)
	rangeStart = catalog.NewDate(2020, time.January, 1)
	csSplit    = catalog.NewDate(2026, time.January, 1)
	payers     = []string{"Northwind Health", "Contoso Mutual", "Fabrikam Care", "Tailspin Benefits", "Woodgrove Plans"}
	planTypes  = []catalog.PlanType{catalog.Commercial, catalog.MedicareAdvantage, catalog.Medicaid, catalog.Marketplace}
	cpts       = []string{"97810", "97811", "97813", "97814"}
)

// ConditionID is the id of synthetic condition i.
func ConditionID(i int) string { return fmt.Sprintf("synth_cond_%03d", i) }

// PlanID is the id of synthetic plan i.
func PlanID(i int) string { return fmt.Sprintf("synth-plan-%06d", i) }

// PlanStates returns the states plan i is offered in ("all" for every fifth
// plan) and the ones its state rules name.
func PlanStates(i, statesPerPlan int) (offered catalog.Scope, ruled []string) {
	n := len(catalog.States)
	pick := make([]string, 0, 10)
	for k := range 10 {
		pick = append(pick, catalog.States[(i*7+k*5)%n])
	}
	if i%5 == 0 {
		offered = catalog.AllOf
	} else {
		offered = catalog.ScopeOf(pick...)
	}
	return offered, pick[:statesPerPlan]
}

// Generate returns a synthetic catalog sized by o. Every plan, rule and
// list is allocated on its own, as in a catalog parsed from YAML or JSON, so
// memory measurements are not flattered (a catalog loaded from PostgreSQL
// shares equal lists between rules and is smaller).
func Generate(o Options) *catalog.Snapshot {
	s := &catalog.Snapshot{Conditions: conditions(o)}
	s.Plans = make([]catalog.Plan, 0, o.Plans)
	s.Rules = make([]*catalog.Rule, 0, o.Plans*o.RulesPerPlan())
	for p := range o.Plans {
		s.Plans = append(s.Plans, plan(p))
		planRules(o, p, func(r *catalog.Rule) error {
			c := *r
			s.Rules = append(s.Rules, &c)
			return nil
		})
	}
	s.FeeSchedules = feeSchedules()
	s.CashPrices = cashPrices()
	return s
}

// Write writes the catalog Generate(o) returns to w as a catalog document
// in format ("yaml" or "json"), byte for byte what catalog.WriteDocument
// writes of it, but as it generates: memory stays that of one plan's rules
// whatever the size.
func Write(w io.Writer, o Options, format string) error {
	d, err := catalog.NewDocumentWriter(w, format)
	if err != nil {
		return err
	}
	item := func(v any) error { return d.Item(v) }
	for _, k := range catalog.ItemKinds {
		if err := d.Kind(k); err != nil {
			return err
		}
		switch k.Name() {
		case catalog.KindPlan:
			for p := range o.Plans {
				pl := plan(p)
				if err := item(&pl); err != nil {
					return err
				}
			}
		case catalog.KindCondition:
			for _, c := range conditions(o) {
				if err := item(&c); err != nil {
					return err
				}
			}
		case catalog.KindRule:
			for p := range o.Plans {
				if err := planRules(o, p, func(r *catalog.Rule) error { return item(r) }); err != nil {
					return err
				}
			}
		case catalog.KindFeeSchedule:
			for _, f := range feeSchedules() {
				if err := item(&f); err != nil {
					return err
				}
			}
		case catalog.KindCashPrice:
			for _, c := range cashPrices() {
				if err := item(&c); err != nil {
					return err
				}
			}
		}
	}
	return d.Close()
}

func conditions(o Options) []catalog.Condition {
	var cs []catalog.Condition
	for c := range o.Conditions {
		cs = append(cs, catalog.Condition{
			ID:    ConditionID(c),
			Name:  fmt.Sprintf("Synthetic condition %d", c),
			ICD10: []string{fmt.Sprintf("%c%02d.%d", 'A'+c/10, 10+c%10, c%7)},
		})
	}
	return cs
}

// plan returns synthetic plan p.
func plan(p int) catalog.Plan {
	id := PlanID(p)
	offered, _ := PlanStates(p, 0)
	oop := int64(300000 + 1000*(p%50))
	pl := catalog.Plan{
		ID: id, Name: fmt.Sprintf("Synthetic plan %d (fictional)", p), Payer: payers[p%len(payers)],
		Type: planTypes[p%len(planTypes)], States: offered,
		BenefitPeriod: catalog.BenefitPeriod{Kind: catalog.CalendarYear},
		CostSharing: []catalog.CostSharing{
			{Network: catalog.InNetwork, EffectiveTo: csSplit, DeductibleCents: 50000, DeductibleApplies: true, CopayCents: 2500, CoinsurancePercent: 20, OOPMaxCents: &oop},
			{Network: catalog.InNetwork, EffectiveFrom: csSplit, DeductibleCents: 75000, DeductibleApplies: p%2 == 0, CopayCents: 3000,
				CopaySteps: []catalog.CopayStep{{AfterVisits: 10, CopayCents: 4000}}, CoinsurancePercent: 10 + p%3*10, OOPMaxCents: &oop},
			{Network: catalog.OutNetwork, DeductibleCents: 150000, DeductibleApplies: true, CoinsurancePercent: 40, BalanceBilling: true},
		},
	}
	if p%3 == 1 {
		pl.BenefitPeriod = catalog.BenefitPeriod{Kind: catalog.PlanYear, StartMonth: 1 + p%12}
	}
	return pl
}

// planRules calls emit with each of plan p's rules in order, each made
// afresh, and stops at emit's first error.
func planRules(o Options, p int, emit func(r *catalog.Rule) error) error {
	id := PlanID(p)
	_, ruled := PlanStates(p, o.StatesPerPlan)
	n := 0
	add := func(r catalog.Rule, variant int) error {
		r.ID = fmt.Sprintf("%s-r%03d", id, n)
		n++
		r.Plan = id
		shape(&r, variant)
		return emit(&r)
	}
	if err := add(catalog.Rule{States: catalog.AllOf, Conditions: catalog.AllOf, Status: catalog.NotCovered,
		Summary: "This synthetic plan does not cover acupuncture for other conditions."}, -1); err != nil {
		return err
	}
	for c := range o.Conditions {
		cond := catalog.ScopeOf(ConditionID(c))
		if err := add(catalog.Rule{States: catalog.AllOf, Conditions: cond, EffectiveFrom: rangeStart, EffectiveTo: rangeSplit}, p+c); err != nil {
			return err
		}
		if err := add(catalog.Rule{States: catalog.AllOf, Conditions: cond, EffectiveFrom: rangeSplit}, p+c+1); err != nil {
			return err
		}
	}
	for k, st := range ruled {
		if err := add(catalog.Rule{States: catalog.ScopeOf(st), Conditions: catalog.AllOf, Status: catalog.Unknown,
			Summary: fmt.Sprintf("This synthetic plan's coverage in %s is not published.", st)}, -1); err != nil {
			return err
		}
		for c := range o.Conditions {
			if err := add(catalog.Rule{States: catalog.ScopeOf(st), Conditions: catalog.ScopeOf(ConditionID(c)),
				EffectiveFrom: catalog.NewDate(2023, time.Month(1+k), 1)}, p+c+k+2); err != nil {
				return err
			}
		}
	}
	return nil
}

func feeSchedules() []catalog.FeeSchedule {
	var fs []catalog.FeeSchedule
	for i, payer := range payers {
		for _, n := range []catalog.Network{catalog.InNetwork, catalog.OutNetwork} {
			fs = append(fs, catalog.FeeSchedule{
				ID: fmt.Sprintf("synth-fees-%d-%s", i, n), Name: payer + " allowed amounts (fictional)", Payer: payer, Network: n,
				AmountsCents: map[string]int64{"97810": 6000 + int64(i)*100, "97811": 4000, "97813": 6500, "97814": 4500},
				Sources:      []catalog.Source{{Title: payer + " fee schedule (fictional)", URL: "https://example.org/fees"}},
			})
		}
	}
	return fs
}

func cashPrices() []catalog.CashPrice {
	return []catalog.CashPrice{{FirstVisitCents: 11200, FollowUpCents: 8000,
		Sources: []catalog.Source{{Title: "Synthetic cash prices", URL: "https://example.org/cash"}}}}
}

// shape gives a rule its status and details; variant picks among the mixes
// (-1 keeps the status already set).
func shape(r *catalog.Rule, variant int) {
	r.Sources = []catalog.Source{{Title: fmt.Sprintf("Evidence of coverage for %s (fictional)", r.Plan), URL: "https://example.org/eoc/" + r.Plan}}
	if variant < 0 {
		return
	}
	visits := 8 + variant%5*4
	switch variant % 5 {
	case 0:
		r.Status = catalog.NotCovered
		r.Summary = "Not covered for this condition under this synthetic plan."
		r.Billing = catalog.Billing{Notes: []string{"Bill the patient after an advance notice."}}
		return
	case 1:
		r.Status = catalog.Covered
		r.Summary = fmt.Sprintf("Covered, up to %d visits per benefit year.", visits)
		r.Limits.Windows = []catalog.Window{{Period: catalog.PerBenefitYear, Visits: visits}}
	case 2:
		r.Status = catalog.Conditional
		r.Summary = "Covered for chronic pain of 12 weeks or more without a systemic cause."
		r.Criteria = []catalog.Criterion{
			{ID: "pain_12_weeks", Test: "pain_weeks >= 12", Question: "Has the pain lasted 12 weeks or longer?", Failure: "Not covered: the pain must have lasted 12 weeks or longer."},
			{ID: "nonspecific", Test: "systemic_cause == false", Question: "Is the pain free of a systemic cause?"},
		}
		r.Limits.Windows = []catalog.Window{{Period: catalog.PerRollingDays, Days: 90, Visits: 12}, {Period: catalog.PerCalendarYear, Visits: 20}}
		r.Limits.Extensions = []catalog.Extension{{Visits: 8, Requires: "improving", Question: "Is the patient improving?", Modifier: "KX"}}
		r.DiscontinueWhenNotImproving = true
	case 3:
		r.Status = catalog.Covered
		r.Summary = "Covered with prior authorization after the first visits."
		r.Limits.Windows = []catalog.Window{{Period: catalog.PerCalendarMonth, Visits: 4}, {Period: catalog.PerBenefitYear, Visits: visits + 10}}
		capCents := int64(100000 + variant%7*25000)
		r.Limits.DollarCapCents = &capCents
		r.PriorAuthorization = catalog.PriorAuth{Required: catalog.AuthAfterVisits, AfterVisits: 6}
		r.ReferralRequired = variant%2 == 0
	case 4:
		r.Status = catalog.Conditional
		r.Summary = "Covered when the condition is not related to surgery or pregnancy."
		r.Criteria = []catalog.Criterion{
			{ID: "not_surgical", Test: "surgery_related == false", Question: "Is the condition unrelated to surgery?"},
			{ID: "not_pregnancy", Test: "pregnancy_related == false", Question: "Is the condition unrelated to pregnancy?"},
		}
		r.Limits.Windows = []catalog.Window{{Period: catalog.PerBenefitYear, Visits: visits}}
	}
	r.Providers = []catalog.ProviderRule{
		{Type: "licensed_acupuncturist", Eligible: true},
		{Type: "physician", Eligible: true},
		{Type: "chiropractor", Eligible: variant%2 == 0, Note: "Only where the state licenses chiropractors to perform acupuncture."},
	}
	r.Billing = catalog.Billing{CPT: append([]string(nil), cpts...), Modifiers: []catalog.Modifier{{Code: "GP", When: "Under a therapy plan of care."}}}
	r.Notes = []string{"Synthetic rule for load and scale tests."}
}
