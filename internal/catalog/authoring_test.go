package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// authoring is a small valid catalog; tests break one line of it at a time.
const authoring = `plans:
  - id: acme-ppo
    name: Acme PPO
    payer: Acme
    type: commercial
    states: all
    benefit_period: {kind: calendar_year}
    cost_sharing:
      - network: in
        deductible_cents: 50000
        deductible_applies: true
        copay_cents: 2500
        coinsurance_percent: 0
        oop_max_cents: 300000
conditions:
  - {id: chronic_low_back_pain, name: Chronic low back pain, icd10: [M54.50]}
  - {id: migraine, name: Migraine, icd10_families: [G43]}
rules:
  - id: acme-default
    plan: acme-ppo
    states: all
    conditions: all
    status: covered
    summary: Covered.
    limits:
      windows:
        - {period: calendar_year, visits: 12}
    sources: [{title: t, url: "https://example.org"}]
`

func mustParseAuthoring(t *testing.T) {
	t.Helper()
	if _, err := func() (*Index, error) {
		s, pos, err := Parse([]byte(authoring))
		if err != nil {
			return nil, err
		}
		return BuildWithPositions(s, pos)
	}(); err != nil {
		t.Fatalf("the fixture itself is invalid: %v", err)
	}
}

func TestParseRefusesFractionalCents(t *testing.T) {
	t.Parallel()
	mustParseAuthoring(t)
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"half cent", "copay_cents: 2500", "copay_cents: 25.5",
			[]string{"line 12", "plans[0].cost_sharing[0].copay_cents: 25.5 is not a whole number of cents", "(2550 for $25.50)"}},
		{"dollars with zero cents", "deductible_cents: 50000", "deductible_cents: 25.00",
			[]string{"line 10", "deductible_cents: 25.00 is not a whole number of cents", "(2500 for $25.00)"}},
		{"pointer field", "oop_max_cents: 300000", "oop_max_cents: 3000.999",
			[]string{"line 14", "oop_max_cents: 3000.999 is not a whole number of cents"}},
		{"visits", "visits: 12}", "visits: 12.5}",
			[]string{"line 27", "limits.windows[0].visits: 12.5 is not a whole number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := strings.Replace(authoring, tc.old, tc.new, 1)
			s, _, err := Parse([]byte(doc))
			if err == nil {
				t.Fatalf("Parse accepted %q (read as %+v)", tc.new, s.Plans[0].CostSharing)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseJSONRefusesFractionalCentsWithField(t *testing.T) {
	t.Parallel()
	doc := "{\"plans\": [{\"id\": \"p\",\n \"cost_sharing\": [{\"network\": \"in\",\n \"copay_cents\": 25.5}]}]}"
	_, _, err := Parse([]byte(doc))
	want := "line 3: plans[0].cost_sharing[0].copay_cents: 25.5 is not a whole number of cents"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Parse error = %v, want it to contain %q", err, want)
	}
}

func TestParseReportsEveryMistakeInPlainWords(t *testing.T) {
	t.Parallel()
	doc := strings.NewReplacer(
		"    summary: Covered.", "    summry: Covered.",
		"copay_cents: 2500", "copay_cents: 25.5",
		"visits: 12}", "visits: twelve}",
		"deductible_applies: true", "deductible_applies: maybe",
		"    states: all\n    conditions: all", "    states: all\n    conditions: all\n    limit: {}",
	).Replace(authoring)
	_, _, err := Parse([]byte(doc))
	var ps Problems
	if err == nil {
		t.Fatal("Parse accepted a catalog with five mistakes")
	}
	ps = err.(Problems)
	want := Problems{
		{Where: "line 11", Msg: `plans[0].cost_sharing[0].deductible_applies: should be true or false, not "maybe"`},
		{Where: "line 12", Msg: "plans[0].cost_sharing[0].copay_cents: 25.5 is not a whole number of cents: amounts are written in cents (2550 for $25.50)"},
		{Where: "line 23", Msg: `rules[0]: unknown field "limit" (did you mean "limits"?)`},
		{Where: "line 25", Msg: `rules[0]: unknown field "summry" (did you mean "summary"?)`},
		{Where: "line 28", Msg: `rules[0].limits.windows[0].visits: should be a whole number, not "twelve"`},
	}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("Parse problems mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), "catalog.") || strings.Contains(err.Error(), "!!") {
		t.Errorf("problems speak Go or YAML internals:\n%v", err)
	}
}

func TestParseRefusesFractionalCentsInAMap(t *testing.T) {
	t.Parallel()
	doc := "fee_schedules:\n  - id: f\n    amounts_cents: {\"97810\": 45.5, \"\": 1.5}\n"
	_, _, err := Parse([]byte(doc))
	for _, w := range []string{
		"line 3: fee_schedules[0].amounts_cents.97810: 45.5 is not a whole number of cents",
		"line 3: fee_schedules[0].amounts_cents.: 1.5 is not a whole number of cents",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Parse error = %v, want it to contain %q", err, w)
		}
	}
}

func TestParseUnknownFieldJSON(t *testing.T) {
	t.Parallel()
	doc := "{\"rules\": [{\"id\": \"r\",\n\"summry\": \"x\",\n\"stauts\": \"covered\"}]}"
	_, _, err := Parse([]byte(doc))
	for _, w := range []string{
		`line 2: rules[0]: unknown field "summry" (did you mean "summary"?)`,
		`line 3: rules[0]: unknown field "stauts" (did you mean "status"?)`,
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Parse error = %v, want it to contain %q", err, w)
		}
	}
}

func TestValidateSuggestsNames(t *testing.T) {
	t.Parallel()
	mustParseAuthoring(t)
	for _, tc := range []struct{ old, new, want string }{
		{"status: covered", "status: covred", `status "covred" is not covered, conditional, not_covered or unknown (did you mean "covered"?)`},
		{"plan: acme-ppo", "plan: acme-pp", `plan "acme-pp" is not in the catalog (did you mean "acme-ppo"?)`},
		{"conditions: all", "conditions: [back_pain]", `condition "back_pain" is not in the catalog (did you mean "chronic_low_back_pain"?)`},
		{"conditions: all", "conditions: [migrane]", `(did you mean "migraine"?)`},
		{"type: commercial", "type: comercial", `type "comercial" is not one of`},
		{"type: commercial", "type: comercial", `(did you mean "commercial"?)`},
		{"- network: in", "- network: inn", `network "inn" is not "in" or "out" (did you mean "in"?)`},
		{"period: calendar_year", "period: calendar_yaer", `(did you mean "calendar_year"?)`},
		{"kind: calendar_year", "kind: calender_year", `benefit_period.kind "calender_year" is not calendar_year or plan_year (did you mean "calendar_year"?)`},
		{"    summary: Covered.", "    summary: Covered.\n    providers: [{type: acupuncturist, eligible: true}]", `(did you mean "licensed_acupuncturist"?)`},
		{"    summary: Covered.", "    summary: Covered.\n    prior_authorization: {required: allways}", `(did you mean "always"?)`},
	} {
		t.Run(tc.new, func(t *testing.T) {
			t.Parallel()
			s, pos, err := Parse([]byte(strings.Replace(authoring, tc.old, tc.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			ps := Validate(s, pos)
			if !strings.Contains(ps.Error(), tc.want) {
				t.Errorf("Validate = %v\nwant it to contain %q", ps, tc.want)
			}
		})
	}
}

func TestValidateSuggestsFallback(t *testing.T) {
	t.Parallel()
	doc := authoring + `  - id: acme-migraine
    plan: acme-ppo
    states: all
    conditions: [migraine]
    status: conditional
    criteria:
      - id: long_enough
        test: pain_weeks >= 12
        question: Has the pain lasted 12 weeks or more?
    falls_back_to: acme-defualt
    summary: With a referral.
    sources: [{title: t, url: "https://example.org"}]
`
	s, pos, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `falls_back_to "acme-defualt" is not a rule in the catalog (did you mean "acme-default"?)`
	if ps := Validate(s, pos); !strings.Contains(ps.Error(), want) {
		t.Errorf("Validate = %v\nwant it to contain %q", ps, want)
	}
}

func TestValidateOverlapGivesDatesAndEffectiveTo(t *testing.T) {
	t.Parallel()
	doc := strings.Replace(authoring, "        oop_max_cents: 300000\n", `        oop_max_cents: 300000
        effective_from: 2025-01-01
      - network: in
        effective_from: 2026-01-01
        deductible_cents: 60000
        deductible_applies: true
        copay_cents: 3000
        coinsurance_percent: 0
        oop_max_cents: 300000
`, 1)
	s, pos, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `overlaps cost_sharing[0] for network "in" from 2026-01-01 on; dated terms of one network must not overlap: if cost_sharing[1] replaces cost_sharing[0], give cost_sharing[0] effective_to: 2026-01-01`
	if ps := Validate(s, pos); !strings.Contains(ps.Error(), want) {
		t.Errorf("Validate = %v\nwant it to contain %q", ps, want)
	}
}

func TestOverlapDatesAndReplaceHint(t *testing.T) {
	t.Parallel()
	d := func(s string) Date {
		if s == "" {
			return Date{}
		}
		v, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		af, at, bf, bt, dates, hint string
	}{
		{"2020-01-01", "2025-01-01", "2024-06-01", "", "from 2024-06-01 to 2024-12-31", `if b replaces a, give a effective_to: 2024-06-01`},
		{"2024-06-01", "", "2020-01-01", "2025-01-01", "from 2024-06-01 to 2024-12-31", `if a replaces b, give b effective_to: 2024-06-01`},
		{"", "", "2026-01-01", "", "from 2026-01-01 on", `if b replaces a, give a effective_to: 2026-01-01`},
		{"2026-01-01", "", "", "", "from 2026-01-01 on", `if a replaces b, give b effective_to: 2026-01-01`},
		{"", "2026-01-01", "", "", "until 2025-12-31", "give one of them an effective_to, or narrow what they apply to"},
		{"", "", "", "", "on every date", "give one of them an effective_to, or narrow what they apply to"},
		{"2026-01-01", "", "2026-01-01", "", "from 2026-01-01 on", "give one of them an effective_to, or narrow what they apply to"},
	} {
		if got := overlapDates(d(tc.af), d(tc.at), d(tc.bf), d(tc.bt)); got != tc.dates {
			t.Errorf("overlapDates(%+v) = %q, want %q", tc, got, tc.dates)
		}
		if got := replaceHint("a", d(tc.af), "b", d(tc.bf)); got != tc.hint {
			t.Errorf("replaceHint(%+v) = %q, want %q", tc, got, tc.hint)
		}
	}
}

func TestCentsHint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"25.5":   " (2550 for $25.50)",
		"25.00":  " (2500 for $25.00)",
		"0.5":    " (50 for $0.50)",
		"0.05":   " (5 for $0.05)",
		"25.123": "",
		"1e3":    "",
		"-2.5":   "",
		".5":     "",
	} {
		if got := centsHint(in); got != want {
			t.Errorf("centsHint(%q) = %q, want %q", in, got, want)
		}
	}
}
