package catalog

import (
	"strings"
	"testing"
)

// falls_back_to is validated: it must name a covering rule of the same plan,
// from a conditional rule, without cycles; new window fields and the network
// model are checked too.
func TestValidateFallbacksWindowsAndNetworkModel(t *testing.T) {
	t.Parallel()
	s, _, err := Parse([]byte(`
plans:
  - {id: p, name: P, payer: X, type: commercial, states: all, benefit_period: {kind: calendar_year}, cost_sharing: []}
  - {id: q, name: Q, payer: X, type: commercial, states: all, benefit_period: {kind: calendar_year}, cost_sharing: []}
  - id: m
    name: M
    payer: X
    type: original_medicare
    states: all
    benefit_period: {kind: calendar_year}
    network_model: medicare_assignment
    cost_sharing:
      - {network: out, deductible_cents: 0, deductible_applies: false, copay_cents: 0, coinsurance_percent: 0, oop_max_cents: null}
conditions:
  - {id: c1, name: C1, icd10: [M54.50]}
  - {id: c2, name: C2, icd10: [M54.2]}
rules:
  - id: a
    plan: p
    states: all
    conditions: [c1]
    status: conditional
    summary: a
    criteria: [{id: x, test: "pain_weeks >= 1", question: "?"}]
    falls_back_to: b
    sources: [{title: t, url: "https://example.org"}]
  - id: b
    plan: p
    states: all
    conditions: [c2]
    status: conditional
    summary: b
    criteria: [{id: x, test: "pain_weeks >= 1", question: "?"}]
    falls_back_to: a
    sources: [{title: t, url: "https://example.org"}]
  - id: c
    plan: p
    states: [CA]
    conditions: [c1]
    status: conditional
    summary: c
    criteria: [{id: x, test: "pain_weeks >= 1", question: "?"}]
    falls_back_to: nowhere
    sources: [{title: t, url: "https://example.org"}]
  - id: d
    plan: p
    states: [CA]
    conditions: [c2]
    status: conditional
    summary: d
    criteria: [{id: x, test: "pain_weeks >= 1", question: "?"}]
    falls_back_to: e
    limits:
      windows:
        - {period: months_from_first_visit, visits: 20}
        - {period: calendar_month, months: 3, visits: 2, beyond: maybe, waived_by: pain_weeks}
    sources: [{title: t, url: "https://example.org"}]
  - id: e
    plan: q
    states: all
    conditions: all
    status: covered
    summary: e
    sources: [{title: t, url: "https://example.org"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	got := Validate(s, nil).Error()
	for _, want := range []string{
		`falls_back_to makes a cycle through rule "a"`,
		`falls_back_to "nowhere" is not a rule in the catalog`,
		`falls_back_to "e" is a rule of plan "q"`,
		"months_from_first_visit window needs months between 1 and 24",
		"only a months_from_first_visit window has months",
		`beyond "maybe"`,
		`waived_by "pain_weeks": must be a yes/no patient fact`,
		"a medicare_assignment plan has no network",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// A replacement ICD-10-CM code is refused before the date it replaced the
// retired one, naming the code valid then; the retired code after it, naming
// the replacements.
func TestResolveConditionCodeDatesBothWays(t *testing.T) {
	t.Parallel()
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.ResolveCondition("M54.50", NewDate(2021, 9, 30)); err == nil || !strings.Contains(err.Error(), "use M54.5") {
		t.Errorf("M54.50 on 2021-09-30: %v, want it refused naming M54.5", err)
	}
	if _, err := ix.ResolveCondition("M54.5", NewDate(2021, 10, 1)); err == nil || !strings.Contains(err.Error(), "M54.50, M54.51, M54.59") {
		t.Errorf("M54.5 on 2021-10-01: %v, want it refused naming the replacements", err)
	}
	if c, err := ix.ResolveCondition("M54.51", NewDate(2021, 10, 1)); err != nil || c.ID != "chronic_low_back_pain" {
		t.Errorf("M54.51 on 2021-10-01: %v %v", c, err)
	}
}

// Dated cost sharing carries forward past its last date, and says so.
func TestCostSharingCarried(t *testing.T) {
	t.Parallel()
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ix.Plan("medicare-part-b")
	for _, tc := range []struct {
		d       Date
		cents   int64
		carried bool
		none    bool
	}{
		{NewDate(2024, 3, 1), 24000, false, false},
		{NewDate(2026, 12, 31), 28300, false, false},
		{NewDate(2027, 1, 1), 28300, true, false},
		{NewDate(2023, 12, 31), 0, false, true},
	} {
		cs, carried := ix.CostSharingCarried(p, InNetwork, tc.d)
		if tc.none {
			if cs != nil {
				t.Errorf("%s: %+v, want none (before the catalog's first terms)", tc.d, cs)
			}
			continue
		}
		if cs == nil || cs.DeductibleCents != tc.cents || carried != tc.carried {
			t.Errorf("%s: %+v carried %v; want deductible %d carried %v", tc.d, cs, carried, tc.cents, tc.carried)
		}
	}
}
