package eligibility

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
)

// The 271s below are hand-built (no real patient or payer) in the shape of
// 005010X279A1 responses; build271 wraps the HL/NM1/EB body in an
// interchange with the delimiters asked for.

var (
	ixOnce sync.Once
	ixDef  *catalog.Index
)

func defaultIndex(t testing.TB) *catalog.Index {
	t.Helper()
	ixOnce.Do(func() {
		var err error
		ixDef, err = catalog.Default()
		if err != nil {
			panic(err)
		}
	})
	return ixDef
}

// delims are element, repetition, component and segment separators;
// build271 writes the body with * ^ : ~ and translates.
type delims struct{ el, rep, comp, seg string }

var std = delims{"*", "^", ":", "~"}

func build271(d delims, body ...string) string {
	segs := []string{
		"ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*CLINICRECV     *261204*1200*^*00501*000000301*0*P*:",
		"GS*HB*PAYERSENDER*CLINICRECV*20261204*1200*301*X*005010X279A1",
		"ST*271*0001*005010X279A1",
		"BHT*0022*11*ACU0301*20261204*1200",
		"HL*1**20*1",
		"NM1*PR*2*EXAMPLE MUTUAL INSURANCE*****PI*99999",
		"HL*2*1*21*1",
		"NM1*1P*2*EXAMPLE ACUPUNCTURE CLINIC*****XX*1234567893",
	}
	segs = append(segs, body...)
	segs = append(segs, fmt.Sprintf("SE*%d*0001", len(segs)-2+1), "GE*1*301", "IEA*1*000000301")
	r := strings.NewReplacer("*", d.el, "^", d.rep, ":", d.comp)
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(r.Replace(s))
		b.WriteString(d.seg)
	}
	return b.String()
}

func subscriber(eb ...string) []string {
	return append([]string{"HL*3*2*22*0", "NM1*IL*1*SAMPLE*PAT****MI*W000000301"}, eb...)
}

// ppoBenefits is an acupuncture 271 for example-ppo-gold that disagrees
// with the catalog on every amount: deductible $1,000 (catalog $1,500),
// out-of-pocket $4,000 (catalog $5,000), coinsurance 25% (catalog 20%),
// 30 visits a year in HSD (catalog 20), 10 used in MSG text.
var ppoBenefits = subscriber(
	"EB*1*IND*30^1",
	"EB*C*IND*30***23*1000.00*****Y",
	"EB*C*IND*30***29*600.00*****Y",
	"EB*C*FAM*30***23*3000.00*****Y",
	"EB*G*IND*30***23*4000.00*****Y",
	"EB*G*IND*30***24*900.00*****Y",
	"EB*A*IND*64***27**0.25****Y",
	"EB*A*IND*64***27**0.5****N",
	"EB*F*IND*64",
	"HSD*VS*30***22*1",
	"MSG*ACUPUNCTURE 10 VISITS USED",
)

func clbp(plan, state string) coverage.Query {
	return coverage.Query{Plan: plan, State: state, Condition: "chronic_low_back_pain", Date: catalog.NewDate(2026, 12, 4)}
}

func facts(d coverage.Decision) map[string]string {
	m := map[string]string{}
	for _, f := range d.PayerFacts {
		m[f.What] = f.Value
	}
	return m
}

func kinds(cs []Conflict) string {
	var ks []string
	for _, c := range cs {
		ks = append(ks, c.Kind+"="+c.Used)
	}
	return strings.Join(ks, ",")
}

func decide271(t *testing.T, q coverage.Query, x string) coverage.Decision {
	t.Helper()
	d, err := Decide(defaultIndex(t), q, Input{X12271: x})
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	return d
}

func TestDecideAppliesPayerFacts(t *testing.T) {
	t.Parallel()
	d := decide271(t, clbp("example-ppo-gold", "CA"), build271(std, ppoBenefits...))
	if d.Status != catalog.Covered {
		t.Fatalf("status = %s, want covered; reasons %+v", d.Status, d.Reasons)
	}
	f := facts(d)
	for what, want := range map[string]string{
		"deductible_total": "1000.00", "deductible_remaining": "600.00", "deductible_met": "400.00",
		"out_of_pocket_total": "4000.00", "out_of_pocket_met": "900.00", "out_of_pocket_remaining": "3100.00",
		"coinsurance": "25%", "visits_allowed": "30", "visits_used": "10", "visits_remaining": "20",
		"coverage_inactive": "false", "acupuncture_not_covered": "false",
	} {
		if f[what] != want {
			t.Errorf("payer fact %s = %q, want %q (all: %v)", what, f[what], want, f)
		}
	}
	if got, want := kinds(d.Conflicts), "visits=payer,deductible=payer,out_of_pocket=payer,coinsurance=payer"; got != want {
		t.Errorf("conflicts = %s, want %s", got, want)
	}
	cs := d.CostSharing
	if cs == nil || cs.DeductibleCents != 100000 || cs.CoinsurancePercent != 25 || cs.OOPMaxCents == nil || *cs.OOPMaxCents != 400000 {
		t.Errorf("cost sharing = %+v, want the payer's $1,000 deductible, 25%%, $4,000 OOP", cs)
	}
	if d.Limits == nil || d.Limits.VisitsPerYear == nil || *d.Limits.VisitsPerYear != 30 {
		t.Errorf("limits = %+v, want 30 visits a year from HSD", d.Limits)
	}
	if d.VisitsRemaining == nil || *d.VisitsRemaining != 20 {
		t.Errorf("visits_remaining = %v, want 20", d.VisitsRemaining)
	}
	for _, c := range d.Conflicts {
		if c.Kind == KindVisits && (!strings.Contains(c.PayerSource, "HSD*VS*30***22*1 (segment 20)") || c.Catalog != "20 visits a year") {
			t.Errorf("visits conflict = %+v, want the HSD segment 20 against the catalog's 20", c)
		}
	}
	// The catalog itself is untouched (decisions share memory with it).
	plain, err := coverage.Decide(defaultIndex(t), clbp("example-ppo-gold", "CA"))
	if err != nil || plain.CostSharing.DeductibleCents != 150000 || *plain.Limits.VisitsPerYear != 20 || plain.PayerFacts != nil {
		t.Errorf("plain decision changed: %+v %v", plain.CostSharing, err)
	}
}

// TestDecideDelimiters: the same benefits with other separators (| for
// elements, > for components, ! for repetitions, a newline after each
// segment terminator or as the terminator, ~ as the element separator,
// control characters) give the same facts and conflicts.
func TestDecideDelimiters(t *testing.T) {
	t.Parallel()
	want := decide271(t, clbp("example-ppo-gold", "CA"), build271(std, ppoBenefits...))
	for _, d := range []delims{{"|", "!", ">", "~\n"}, {"^", "{", "\\", "'"}, {"*", "^", ":", "~\r\n"},
		{"*", "^", ":", "\n"}, {"|", "^", ">", "\r\n"}, {"~", "^", ":", "*"}, {"\x1d", "\x1f", "\x1e", "\x1c"}} {
		got := decide271(t, clbp("example-ppo-gold", "CA"), build271(d, ppoBenefits...))
		if fmt.Sprint(facts(got)) != fmt.Sprint(facts(want)) || kinds(got.Conflicts) != kinds(want.Conflicts) {
			t.Errorf("delimiters %q: facts %v conflicts %s, want %v %s", d, facts(got), kinds(got.Conflicts), facts(want), kinds(want.Conflicts))
		}
	}
}

func TestDecideCoverageStatements(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		q         coverage.Query
		eb        []string
		status    catalog.Status
		conflicts string
		reason    string // in the deciding reason
	}{
		{"inactive coverage (EB01 6)", clbp("example-ppo-gold", "CA"), []string{"EB*6*IND*30"},
			catalog.NotCovered, "coverage=payer", "coverage is inactive (EB*6*IND*30 (segment 11))"},
		{"acupuncture non-covered (EB01 I)", clbp("example-ppo-gold", "CA"), []string{"EB*1*IND*30", "EB*I**64"},
			catalog.NotCovered, "coverage=payer", "acupuncture is not covered for this member (EB*I**64 (segment 12))"},
		{"payer states a benefit the catalog's rule does not cover", coverage.Query{Plan: "example-ppo-gold", State: "CA", Condition: "depression", Date: catalog.NewDate(2026, 12, 4)},
			[]string{"EB*1*IND*30", "EB*B*IND*64***27*35.00*****Y"},
			catalog.Covered, "coverage=payer,copay=payer", "the payer states an acupuncture benefit"},
		{"not covered by law still wins (Original Medicare outside NCD 30.3.3)", coverage.Query{Plan: "medicare-part-b", State: "CA", Condition: "migraine", Date: catalog.NewDate(2026, 12, 4)},
			[]string{"EB*1*IND*30", "EB*B*IND*64***27*20.00"},
			catalog.NotCovered, "coverage=catalog,copay=payer", ""},
		{"no visits remain (EB06 29, EB10 0)", clbp("example-ppo-gold", "CA"), []string{"EB*F*IND*64***29***VS*0"},
			catalog.NotCovered, "", "no visits remain this year (EB*F*IND*64***29***VS*0 (segment 11))"},
		{"visit limit in MSG text", clbp("example-ppo-gold", "CA"), []string{"EB*F*IND*64", "MSG*ACUPUNCTURE LIMITED TO 12 VISITS PER CALENDAR YEAR"},
			catalog.Covered, "visits=payer", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := decide271(t, tc.q, build271(std, subscriber(tc.eb...)...))
			if d.Status != tc.status {
				t.Errorf("status = %s, want %s (reasons %+v)", d.Status, tc.status, d.Reasons)
			}
			if got := kinds(d.Conflicts); got != tc.conflicts {
				t.Errorf("conflicts = %s, want %s (%+v)", got, tc.conflicts, d.Conflicts)
			}
			if tc.reason != "" && (len(d.Reasons) == 0 || !strings.Contains(d.Reasons[0].Text, tc.reason)) {
				t.Errorf("deciding reason = %+v, want it to say %q", d.Reasons, tc.reason)
			}
			if tc.status == catalog.NotCovered && strings.HasPrefix(tc.conflicts, "coverage=catalog") && !strings.Contains(d.Conflicts[0].Why, "NCD 30.3.3") {
				t.Errorf("law conflict why = %q, want NCD 30.3.3", d.Conflicts[0].Why)
			}
		})
	}
}

// TestDecideEveryEB01: each EB01 the reader interprets lands in the fact it
// states, through Decide.
func TestDecideEveryEB01(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ eb, what, value string }{
		{"EB*1*IND*30", "coverage_inactive", "false"},
		{"EB*6*IND*30", "coverage_inactive", "true"},
		{"EB*A*IND*64***27**0.3", "coinsurance", "30%"},
		{"EB*B*IND*64***27*15.00", "copay", "15.00"},
		{"EB*C*IND*30***23*250.00", "deductible_total", "250.00"},
		{"EB*F*IND*64***23***VS*24", "visits_allowed", "24"},
		{"EB*G*IND*30***29*800.00", "out_of_pocket_remaining", "800.00"},
		{"EB*I*IND*64", "acupuncture_not_covered", "true"},
		{"EB*F*IND*64********Y*Y", "authorization_required", "true"},
	} {
		d := decide271(t, clbp("example-ppo-gold", "CA"), build271(std, subscriber(tc.eb)...))
		if got := facts(d)[tc.what]; got != tc.value {
			t.Errorf("%s: %s = %q, want %q (facts %v)", tc.eb, tc.what, got, tc.value, facts(d))
		}
	}
}

// TestDecideDependent: the subscriber loop names no benefits, the dependent's
// does; with two members having benefits, member_id picks one.
func TestDecideDependent(t *testing.T) {
	t.Parallel()
	body := []string{
		"HL*3*2*22*1", "NM1*IL*1*SAMPLE*SUB****MI*W000000301",
		"HL*4*3*23*0", "NM1*03*1*SAMPLE*CHILD", "EB*1*IND*30", "EB*B*IND*64***27*45.00*****Y",
	}
	d := decide271(t, clbp("example-ppo-gold", "CA"), build271(std, body...))
	if f := facts(d); f["copay"] != "45.00" {
		t.Errorf("dependent's copay = %q, want 45.00 (%v)", f["copay"], f)
	}
	two := append(append([]string{}, body[:2]...), "EB*B*IND*64***27*10.00")
	two = append(two, body[2:]...)
	two[0] = "HL*3*2*22*1"
	_, err := Decide(defaultIndex(t), clbp("example-ppo-gold", "CA"), Input{X12271: build271(std, two...)})
	var ie *coverage.InputError
	if !errors.As(err, &ie) || ie.Kind != coverage.ErrContradictory || ie.Field != "eligibility.member_id" {
		t.Fatalf("two members without member_id: err = %v, want a 422 about eligibility.member_id", err)
	}
	d, err = Decide(defaultIndex(t), clbp("example-ppo-gold", "CA"), Input{X12271: build271(std, two...), MemberID: "W000000301"})
	if err != nil || facts(d)["copay"] != "10.00" {
		t.Errorf("member_id W000000301: copay %q err %v, want 10.00", facts(d)["copay"], err)
	}
}

// TestDecideRepeatedLoops: repeated 2110C loops for the same service type
// (in and out of network, individual and family, two HSD segments) are
// ranked, not merged or overwritten by the last one.
func TestDecideRepeatedLoops(t *testing.T) {
	t.Parallel()
	d := decide271(t, clbp("example-ppo-gold", "CA"), build271(std, subscriber(
		"EB*B*FAM*64***27*99.00*****Y",
		"EB*B*IND*64***27*60.00*****N",
		"EB*B*IND*64***27*25.00*****Y",
		"EB*B*IND*64***27*26.00*****Y",
		"EB*F*IND*64",
		"HSD*VS*2***34*1",
		"HSD*VS*18***22*1",
	)...))
	f := facts(d)
	if f["copay"] != "25.00" || f["visits_allowed"] != "18" {
		t.Errorf("copay %q visits_allowed %q, want the first in-network individual copay 25.00 and the yearly HSD 18 (%v)", f["copay"], f["visits_allowed"], f)
	}
}

func TestDecideErrors(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	for _, tc := range []struct {
		name  string
		in    Input
		kind  error
		field string
		msg   string
	}{
		{"AAA at the subscriber", Input{X12271: build271(std, "HL*3*2*22*0", "NM1*IL*1*SAMPLE*PAT****MI*W000000301", "AAA*N**72*C")},
			coverage.ErrContradictory, "eligibility.x12_271", "Invalid/Missing Subscriber/Insured ID"},
		{"AAA at the payer, no member", Input{X12271: strings.Replace(build271(std), "HL*2*1*21*1~", "AAA*N**42*R~HL*2*1*21*1~", 1)},
			coverage.ErrContradictory, "eligibility.x12_271", "Unable to Respond at Current Time"},
		{"malformed element", Input{X12271: build271(std, subscriber("EB*C*IND*30***23*ABC")...)},
			coverage.ErrInvalidInput, "eligibility.x12_271", "segment 11 (EB) element EB07"},
		{"not a 271", Input{X12271: "hello"}, coverage.ErrInvalidInput, "eligibility.x12_271", "ISA"},
		{"both forms", Input{X12271: build271(std), Benefits: Benefits{{Code: "1"}}}, coverage.ErrInvalidInput, "eligibility", "not both"},
		{"JSON benefit", Input{Benefits: Benefits{{Code: "B", Amount: "12.345"}}}, coverage.ErrInvalidInput, "eligibility.benefits[0].amount", ""},
	} {
		_, err := Decide(ix, clbp("example-ppo-gold", "CA"), tc.in)
		var ie *coverage.InputError
		if !errors.As(err, &ie) || ie.Kind != tc.kind || ie.Field != tc.field || !strings.Contains(ie.Msg, tc.msg) {
			t.Errorf("%s: err = %#v, want %v about %s saying %q", tc.name, err, tc.kind, tc.field, tc.msg)
		}
	}
	// A lookup error is the plain Decide's.
	if _, err := Decide(ix, clbp("no-such-plan", "CA"), Input{X12271: build271(std, ppoBenefits...)}); !errors.Is(err, catalog.ErrUnknownPlan) {
		t.Errorf("unknown plan: err = %v", err)
	}
}

func TestDecideJSONBenefits(t *testing.T) {
	t.Parallel()
	bs := decode(t, `[{"code":"1","service_type_codes":["30"]},
		{"code":"B","coverage_level":"IND","service_type_codes":["64"],"time_qualifier":"27","amount":"35","in_network":"Y"},
		{"code":"F","service_type_codes":["64"],"quantity_qualifier":"VS","quantity":12,"time_qualifier":"23"}]`)
	d, err := Decide(defaultIndex(t), clbp("example-hmo-copay", "CA"), Input{Benefits: bs})
	if err != nil {
		t.Fatal(err)
	}
	if d.CostSharing == nil || d.CostSharing.CopayCents != 3500 || d.CostSharing.CopaySteps != nil {
		t.Errorf("cost sharing = %+v, want the payer's $35 copay without the catalog's steps", d.CostSharing)
	}
	if got := kinds(d.Conflicts); !strings.Contains(got, "copay=payer") {
		t.Errorf("conflicts = %s, want copay=payer", got)
	}
	if d.PayerFacts[1].Source != "benefits[1]" && d.PayerFacts[0].Source == "" {
		t.Errorf("JSON sources = %+v", d.PayerFacts)
	}
}

// TestEstimateUsesPayerAccumulators: deductible met, out-of-pocket met and
// visits used come from the 271; the payer's yearly limit decides which
// visits of the course are covered.
func TestEstimateUsesPayerAccumulators(t *testing.T) {
	t.Parallel()
	x := build271(std, subscriber(
		"EB*1*IND*30",
		"EB*C*IND*30***23*1000.00*****Y",
		"EB*C*IND*30***29*100.00*****Y",
		"EB*G*IND*30***23*4000.00*****Y",
		"EB*G*IND*30***24*900.00*****Y",
		"EB*A*IND*64***27**0.2****Y",
		"EB*F*IND*64***23***VS*24**Y",
		"EB*F*IND*64***29***VS*2**Y",
	)...)
	weeks, perWeek, charge := 2, 2, int64(10000)
	req := cost.Request{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain", StartDate: catalog.NewDate(2026, 12, 1),
		Course: cost.Course{VisitsPerWeek: &perWeek, Weeks: &weeks}, ChargeCents: &charge,
		Accumulators: cost.Accumulators{VisitsThisYear: 5}}
	b, err := Estimate(defaultIndex(t), req, Input{X12271: x})
	if err != nil {
		t.Fatal(err)
	}
	// 22 used (24 − 2): visits 1–2 covered, 3–4 beyond the payer's 24.
	var st []string
	for _, v := range b.Visits {
		st = append(st, string(v.Status))
	}
	if got := strings.Join(st, ","); got != "covered,covered,not_covered,not_covered" {
		t.Fatalf("visit statuses = %s", got)
	}
	if !strings.Contains(b.Visits[2].Reason, "payer's limit of 24 visits a year") {
		t.Errorf("visit 3 reason = %q", b.Visits[2].Reason)
	}
	// Deductible: $100 remaining of $1,000 (met $900) — the first visit's
	// allowed amount pays it, then 20% of the rest.
	v1 := b.Visits[0]
	if v1.DeductibleCents != min(10000, v1.AllowedCents) || v1.CoinsuranceCents != (v1.AllowedCents-v1.DeductibleCents)*20/100 {
		t.Errorf("visit 1 deductible = %d coinsurance %d, want the $100 left then 20%% (allowed %d)", v1.DeductibleCents, v1.CoinsuranceCents, v1.AllowedCents)
	}
	if b.AccumulatorsAfter.VisitsThisYear != 24 || b.AccumulatorsAfter.DeductibleMetCents != 100000 {
		t.Errorf("accumulators after = %+v, want 24 visits and the $1,000 deductible met", b.AccumulatorsAfter)
	}
	if got := kinds(b.Coverage.Conflicts); !strings.Contains(got, "usage=payer") || !strings.Contains(got, "visits=payer") {
		t.Errorf("conflicts = %s, want usage (request said 5 visits) and visits (24 vs 20)", got)
	}
	if b.Coverage.VisitsRemaining == nil || *b.Coverage.VisitsRemaining != 2 {
		t.Errorf("coverage.visits_remaining = %v, want 2", b.Coverage.VisitsRemaining)
	}
}

func TestEstimateInactive(t *testing.T) {
	t.Parallel()
	weeks, perWeek := 1, 2
	req := cost.Request{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain", StartDate: catalog.NewDate(2026, 12, 1),
		Course: cost.Course{VisitsPerWeek: &perWeek, Weeks: &weeks}}
	b, err := Estimate(defaultIndex(t), req, Input{X12271: build271(std, subscriber("EB*6*IND*30")...)})
	if err != nil {
		t.Fatal(err)
	}
	if b.Coverage.Status != catalog.NotCovered || b.Totals.CoveredVisits != 0 || b.Totals.PlanCents != 0 {
		t.Errorf("inactive: status %s, covered visits %d, plan %d", b.Coverage.Status, b.Totals.CoveredVisits, b.Totals.PlanCents)
	}
	if !strings.Contains(b.Visits[0].Reason, "inactive") {
		t.Errorf("visit reason = %q", b.Visits[0].Reason)
	}
}
