package catalog

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustDefault(t testing.TB) *Index {
	t.Helper()
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func date(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaultCatalogIsValidAndRoundTrips(t *testing.T) {
	ix := mustDefault(t)
	out, err := Marshal(ix.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := Parse(out)
	if err != nil {
		t.Fatalf("re-parse of marshalled catalog: %v\n%s", err, out)
	}
	if diff := cmp.Diff(ix.Snapshot(), s2, cmp.AllowUnexported(Date{})); diff != "" {
		t.Errorf("marshal/parse round trip mismatch (-want +got):\n%s", diff)
	}
	h1, _ := ContentHash(ix.Snapshot())
	h2, _ := ContentHash(s2)
	if h1 != h2 {
		t.Errorf("content hash changed across round trip: %s != %s", h1, h2)
	}
}

func TestResolveCondition(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	tests := []struct {
		in, date, want string
		err            error
	}{
		{"chronic_low_back_pain", "2026-01-01", "chronic_low_back_pain", nil},
		{"M54.50", "2026-01-01", "chronic_low_back_pain", nil},
		{"m5450", "2026-01-01", "chronic_low_back_pain", nil},
		{"M54.59", "2026-01-01", "chronic_low_back_pain", nil},
		{"M54.2", "2026-01-01", "neck_pain", nil},
		{"M54.6", "2026-01-01", "", ErrUnknownCondition}, // thoracic, not neck
		{"M17.11", "2026-01-01", "knee_osteoarthritis", nil},
		{"M17", "2026-01-01", "knee_osteoarthritis", nil},
		{"G44.209", "2026-01-01", "tension_headache", nil},
		{"G44.1", "2026-01-01", "", ErrUnknownCondition}, // vascular headache, not tension
		{"G43.909", "2026-01-01", "migraine", nil},
		{"M54.5", "2021-09-30", "chronic_low_back_pain", nil},
		{"M54.5", "2021-10-01", "", ErrRetiredCode},
		{"M99.99", "2026-01-01", "", ErrUnknownCondition},
		{"M5", "2026-01-01", "", ErrMalformedCode},
		{"M54.50000", "2026-01-01", "", ErrMalformedCode},
		{"back_pain", "2026-01-01", "", ErrUnknownCondition},
		{"", "2026-01-01", "", ErrUnknownCondition},
	}
	for _, tc := range tests {
		t.Run(tc.in+"@"+tc.date, func(t *testing.T) {
			c, err := ix.ResolveCondition(tc.in, date(t, tc.date))
			if !errors.Is(err, tc.err) {
				t.Fatalf("ResolveCondition(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if err == nil && c.ID != tc.want {
				t.Errorf("ResolveCondition(%q) = %s, want %s", tc.in, c.ID, tc.want)
			}
		})
	}
	_, err := ix.ResolveCondition("M54.5", date(t, "2022-01-01"))
	if err == nil || !strings.Contains(err.Error(), "M54.50, M54.51, M54.59") {
		t.Errorf("retired code error should name the replacements, got %v", err)
	}
}

func TestRuleResolutionSpecificityAndDates(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	tests := []struct {
		plan, state, cond, date string
		want                    string // rule id, "" for none
	}{
		// Medicare: nothing before 2020-01-21; cLBP from that day.
		{"medicare-part-b", "CA", "chronic_low_back_pain", "2020-01-20", "medicare-b-before-ncd-30-3-3"},
		{"medicare-part-b", "CA", "chronic_low_back_pain", "2020-01-21", "medicare-b-clbp"},
		{"medicare-part-b", "NY", "neck_pain", "2020-01-21", "medicare-b-non-covered"},
		{"medicare-part-b", "NY", "neck_pain", "2020-01-20", "medicare-b-before-ncd-30-3-3"},
		// plan+condition beats plan default whatever the date.
		{"medicare-part-b", "TX", "fibromyalgia", "2026-05-01", "medicare-b-fibromyalgia"},
		{"medicare-part-b", "TX", "knee_osteoarthritis", "2019-05-01", "medicare-b-osteoarthritis"},
		// Medicaid: plan+state+condition > plan+state > plan default.
		{"medicaid", "CA", "neck_pain", "2026-05-01", "medicaid-ca-chronic-pain"},
		{"medicaid", "CA", "depression", "2026-05-01", "medicaid-ca-other"},
		{"medicaid", "TX", "chronic_low_back_pain", "2026-05-01", "medicaid-tx-unknown"},
		{"medicaid", "OH", "migraine", "2017-01-01", "medicaid-oh-covered-conditions"},
		{"medicaid", "OH", "migraine", "2016-12-31", "medicaid-state-not-in-catalog"},
		{"medicaid", "OH", "neck_pain", "2026-01-01", "medicaid-oh-added-conditions-start-unknown"}, // when neck pain was added to OAC 5160-8-51 is not known
		{"medicaid", "OH", "neck_pain", "2026-12-04", "medicaid-oh-added-conditions"},               // OAC 5160-8-51(C)(1)(c)(iii), read 2026-12-04
		{"medicaid", "OH", "depression", "2026-01-01", "medicaid-oh-other"},
		// Medi-Cal: eliminated for adults 2009-07-01, restored 2016-07-01.
		{"medicaid", "CA", "neck_pain", "2009-06-30", "medicaid-ca-chronic-pain-before-2009"},
		{"medicaid", "CA", "neck_pain", "2009-07-01", "medicaid-ca-eliminated-2009"},
		{"medicaid", "CA", "neck_pain", "2016-07-01", "medicaid-ca-chronic-pain"},
		// plan+state+condition (3) > plan+condition (2).
		{"example-epo-capped", "WA", "chronic_low_back_pain", "2026-05-01", "example-epo-wa-clbp"},
		{"example-epo-capped", "TX", "chronic_low_back_pain", "2026-05-01", "example-epo-pain"},
		{"example-epo-capped", "TX", "nausea", "2026-05-01", "example-epo-other"},
	}
	for _, tc := range tests {
		t.Run(strings.Join([]string{tc.plan, tc.state, tc.cond, tc.date}, "/"), func(t *testing.T) {
			r := ix.Rule(tc.plan, tc.state, tc.cond, date(t, tc.date))
			got := ""
			if r != nil {
				got = r.ID
			}
			if got != tc.want {
				t.Errorf("Rule = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlanIn(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	if _, err := ix.PlanIn("example-hmo-copay", "TX"); !errors.Is(err, ErrPlanNotOffered) || !strings.Contains(err.Error(), "offered in CA") {
		t.Errorf("PlanIn(hmo, TX) = %v, want ErrPlanNotOffered naming CA", err)
	}
	if _, err := ix.PlanIn("nope", "TX"); !errors.Is(err, ErrUnknownPlan) {
		t.Errorf("PlanIn(nope) = %v, want ErrUnknownPlan", err)
	}
	if _, err := ix.PlanIn("medicare-part-b", "PR"); !errors.Is(err, ErrUnknownState) {
		t.Errorf("PlanIn(medicare, PR) = %v, want ErrUnknownState", err)
	}
	if _, err := ix.PlanIn("medicare-part-b", "DC"); err != nil {
		t.Errorf("PlanIn(medicare, DC) = %v, want nil", err)
	}
}

const ambiguous = `plans:
  - id: p
    name: P
    payer: X
    type: commercial
    states: [CA, NY]
    benefit_period: {kind: calendar_year}
    cost_sharing: []
conditions:
  - {id: c1, name: C1, icd10: [M54.50]}
  - {id: c2, name: C2, icd10_families: [M17]}
rules:
  - id: first
    plan: p
    states: [CA]
    conditions: [c1, c2]
    effective_from: 2020-01-01
    effective_to: 2025-01-01
    status: covered
    summary: one
    sources: [{title: t, url: "https://example.org"}]
  - id: second
    plan: p
    states: [NY, CA]
    conditions: [c2]
    effective_from: 2024-06-01
    status: not_covered
    summary: two
    sources: [{title: t, url: "https://example.org"}]
  - id: third-later
    plan: p
    states: [CA]
    conditions: [c1]
    effective_from: 2025-01-01
    status: covered
    summary: three
    sources: [{title: t, url: "https://example.org"}]
`

func TestValidateNamesBothAmbiguousRules(t *testing.T) {
	t.Parallel()
	s, pos, err := Parse([]byte(ambiguous))
	if err != nil {
		t.Fatal(err)
	}
	ps := Validate(s, pos)
	want := Problems{{
		Where: `rule "second" (line 22)`,
		Msg:   `ambiguous with rule "first" (line 13): both are plan+state+condition rules of plan "p" in force from 2024-06-01 to 2024-12-31 for state CA and condition c2; if "second" replaces "first", give "first" effective_to: 2024-06-01`,
	}}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
	if _, err := Build(s); err == nil {
		t.Error("Build accepted an ambiguous catalog")
	}
}

// Ambiguities are reported once per pair of rules, however many states and
// conditions they share, in catalog order of the later rule and then the
// earlier one, across plans.
func TestValidateOrdersAmbiguities(t *testing.T) {
	t.Parallel()
	s, _, err := Parse([]byte(ambiguous))
	if err != nil {
		t.Fatal(err)
	}
	q := s.Plans[0]
	q.ID = "q"
	s.Plans = append(s.Plans, q)
	rule := func(id, plan string) *Rule {
		return &Rule{ID: id, Plan: plan, States: ScopeOf("CA", "NY"), Conditions: AllOf, Status: Covered, Summary: "s",
			Sources: []Source{{Title: "t", URL: "https://example.org"}}}
	}
	s.Rules = []*Rule{rule("q1", "q"), rule("p1", "p"), rule("q2", "q"), rule("p2", "p"), rule("q3", "q")}
	var got []string
	for _, p := range Validate(s, nil) {
		got = append(got, p.Where+" / "+p.Msg[:strings.Index(p.Msg, ":")])
	}
	want := []string{
		`rule "q2" / ambiguous with rule "q1"`,
		`rule "p2" / ambiguous with rule "p1"`,
		`rule "q3" / ambiguous with rule "q1"`,
		`rule "q3" / ambiguous with rule "q2"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	doc := `plans:
  - id: Bad Id
    name: ""
    payer: X
    type: hmo
    states: [CA, ZZ]
    benefit_period: {kind: plan_year, start_month: 13}
    cost_sharing:
      - {network: in, deductible_cents: -1, deductible_applies: true, copay_cents: 0, coinsurance_percent: 120, oop_max_cents: null}
conditions:
  - {id: c, name: C, icd10: [M54.50, "54.50"]}
  - {id: d, name: D, icd10: [M54.50]}
rules:
  - id: r
    plan: missing
    states: all
    conditions: [c, nope]
    effective_from: 2025-01-01
    effective_to: 2024-01-01
    status: conditional
    summary: ""
    criteria: [{id: x, test: "pain_weeks >= -3", question: "?"}]
    limits:
      windows: [{period: weekly, visits: 0}]
    sources: []
`
	s, pos, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ps := Validate(s, pos)
	wantSubstrings := []string{
		`id "Bad Id" must be lower-case`, "name is required", `type "hmo"`, `state "ZZ"`,
		"plan_year needs start_month", "deductible_cents must not be negative",
		"coinsurance_percent 120", `"54.50" is not an ICD-10-CM code`,
		"M54.50 is already mapped to condition \"c\"", `plan "missing" is not in the catalog`,
		`condition "nope" is not in the catalog`, "must be before effective_to", "summary is required",
		"needs a non-negative whole number", `period "weekly"`, "visits must be at least 1",
		"at least one source is required",
	}
	all := ps.Error()
	for _, w := range wantSubstrings {
		if !strings.Contains(all, w) {
			t.Errorf("problems do not mention %q; got:\n%s", w, all)
		}
	}
	if !strings.Contains(all, `rule "r" (line 14)`) {
		t.Errorf("problems should locate rule r at line 14; got:\n%s", all)
	}
}

func TestParseRejectsUnknownFieldsAndTypes(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"unknown field":  "plans: []\nconditions: []\nrules: []\nextra: 1\n",
		"wrong type":     "plans: 5\n",
		"bad date":       "plans: []\nconditions: []\nrules:\n  - id: r\n    effective_from: 2026-02-30\n",
		"bad scope":      "plans:\n  - id: p\n    states: some\n",
		"two documents":  "plans: []\n---\nplans: []\n",
		"empty":          "",
		"not yaml":       "{{{",
		"scalar catalog": "hello",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := Parse([]byte(doc))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse(%q) = %v, want Problems", doc, err)
			}
		})
	}
}

func TestParseTest(t *testing.T) {
	t.Parallel()
	good := map[string]Test{
		"pain_weeks >= 12":         {Fact: "pain_weeks", Op: ">=", Value: 12},
		"improving == true":        {Fact: "improving", Op: "==", Bool: true},
		" systemic_cause!=true ":   {Fact: "systemic_cause", Op: "!=", Bool: true},
		"surgery_related == false": {Fact: "surgery_related", Op: "==", Bool: false},
	}
	for in, want := range good {
		got, err := ParseTest(in)
		if err != nil || got != want {
			t.Errorf("ParseTest(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"pain_weeks", "age > 3", "improving >= true", "pain_weeks == yes", "improving == 1", "pain_weeks > -1"} {
		if _, err := ParseTest(bad); err == nil {
			t.Errorf("ParseTest(%q) succeeded, want error", bad)
		}
	}
}

func TestBenefitYearStart(t *testing.T) {
	t.Parallel()
	cal := &Plan{BenefitPeriod: BenefitPeriod{Kind: CalendarYear}}
	july := &Plan{BenefitPeriod: BenefitPeriod{Kind: PlanYear, StartMonth: 7}}
	for _, tc := range []struct {
		p       *Plan
		d, want string
	}{
		{cal, "2026-03-04", "2026-01-01"},
		{july, "2026-03-04", "2025-07-01"},
		{july, "2026-07-01", "2026-07-01"},
		{july, "2026-06-30", "2025-07-01"},
	} {
		if got := tc.p.BenefitYearStart(date(t, tc.d)); got.String() != tc.want {
			t.Errorf("BenefitYearStart(%s) = %s, want %s", tc.d, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add([]byte(ambiguous))
	f.Add([]byte("plans: []\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, pos, err := Parse(data)
		if err != nil {
			return
		}
		_ = Validate(s, pos) // must not panic on anything Parse accepts
		if ix, err := Build(s); err == nil {
			_ = ix.Revision()
		}
	})
}

func TestJSONAndYAMLCatalogsParseAlike(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	j, err := MarshalJSON(ix.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	s, pos, err := Parse(j)
	if err != nil {
		t.Fatalf("parse JSON: %v", err)
	}
	if pos != nil {
		t.Errorf("JSON documents have no positions, got %d", len(pos))
	}
	if diff := cmp.Diff(ix.Snapshot(), s, cmp.AllowUnexported(Date{})); diff != "" {
		t.Errorf("JSON round trip mismatch (-yaml +json):\n%s", diff)
	}
	jx, err := Build(s)
	if err != nil || jx.Revision() != ix.Revision() {
		t.Errorf("JSON catalog builds to revision %v (%v), want %s", jx, err, ix.Revision())
	}
	for name, tc := range map[string]struct{ doc, want string }{
		"unknown field":  {"{\n\"plans\": [],\n\"extra\": 1}", `line 3: unknown field "extra"`},
		"wrong type":     {"{\"plans\": [\n{\"id\": 7}]}", "line 2: plans.id: a number is not text"},
		"syntax":         {"{\"plans\": [}\n", "line 1: invalid character '}'"},
		"bad date":       {"{\"rules\": [{\"id\": \"r\", \"effective_from\": \"2026-02-30\"}]}", "not a calendar date"},
		"trailing data":  {"{}\n{}", "line 2: the catalog must be a single JSON object"},
		"bom and spaces": {"\ufeff  \n{\"plans\": 5}", "line 2: plans: should be a list, not 5"},
	} {
		_, _, err := Parse([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Parse error = %v, want it to contain %q", name, err, tc.want)
		}
	}
}

// The hand-written shape checks must accept exactly what these expressions
// accept.
var (
	slugRE  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
	icd10RE = regexp.MustCompile(`^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$`)
	cptRE   = regexp.MustCompile(`^[0-9]{4}[0-9A-Z]$`)
)

func FuzzShapeChecksMatchRegexps(f *testing.F) {
	for _, s := range []string{"", "a", "medicare-part-b", "A", "a_b-c9", strings.Repeat("a", 64), strings.Repeat("a", 65),
		"M54.50", "M54", "M5", "M54.", "M54.5000", "M54.50000", "m54.50", "M5A.1", "G44.209", "Z99.ZZZZ", "M54.5\n", "é",
		"97810", "0001F", "9781", "978100", "9781a", "A9781", "97810\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidID(s), slugRE.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, regexp says %v", s, got, want)
		}
		if got, want := icd10Shape(s), icd10RE.MatchString(s); got != want {
			t.Errorf("icd10Shape(%q) = %v, regexp says %v", s, got, want)
		}
		if got, want := validCPT(s), cptRE.MatchString(s); got != want {
			t.Errorf("validCPT(%q) = %v, regexp says %v", s, got, want)
		}
	})
}

func TestValidateLicensureAndUnits(t *testing.T) {
	s, _, err := Parse([]byte(`
plans: []
conditions: []
rules: []
licensure:
  - {state: XX, status: maybe, sources: []}
  - {state: OR, status: licensed, sources: [{title: t, url: "https://example.org"}]}
  - {state: OR, status: not_licensed, sources: [{title: t, url: "https://example.org"}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := Validate(s, nil).Error()
	for _, want := range []string{`state "XX" is not a state code`, `status "maybe"`, "at least one source", "needs the licence title", `two licensure entries for state "OR"`} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// TestNullRules: a rule given as null is an empty rule, as Parse and
// ReadDocument read it, JSON or YAML, so Validate reports what it lacks;
// a nil rule a program puts in a snapshot is a problem for Build and
// BuildFrom, not a panic.
func TestNullRules(t *testing.T) {
	for _, doc := range []string{`{"plans": [], "conditions": [], "rules": [null]}`, "plans: []\nconditions: []\nrules:\n- null\n"} {
		s, pos, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		if len(s.Rules) != 1 || s.Rules[0] == nil {
			t.Fatalf("Parse(%q) read rules %v, want one empty rule", doc, s.Rules)
		}
		ps := Validate(s, pos)
		if len(ps) == 0 || !strings.Contains(ps.Error(), "id") {
			t.Errorf("Validate of a null rule (%q) = %v, want a missing id reported", doc, ps)
		}
		got, _, err := ReadDocument(strings.NewReader(doc), nil)
		if err != nil {
			t.Fatalf("ReadDocument(%q): %v", doc, err)
		}
		if ps2 := Validate(got, nil); ps2.Error() != Validate(s, nil).Error() {
			t.Errorf("%q: ReadDocument's catalog is refused with %v, Parse's with %v", doc, ps2, ps)
		}
	}
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	bad := *ix.Snapshot()
	bad.Rules = append(slices.Clone(bad.Rules), nil)
	if _, err := Build(&bad); err == nil || !strings.Contains(err.Error(), "is null") {
		t.Errorf("Build with a nil rule: %v", err)
	}
	if _, err := BuildFrom(ix, &bad); err == nil || !strings.Contains(err.Error(), "is null") {
		t.Errorf("BuildFrom with a nil rule: %v", err)
	}
}
