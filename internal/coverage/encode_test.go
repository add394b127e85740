package coverage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// pureJSON is what the handlers wrote before AppendJSON: gin's PureJSON,
// i.e. an encoding/json Encoder with HTML escaping off (and its newline).
func pureJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// sameJSON fails unless d.AppendJSON plus a newline is byte for byte what
// PureJSON writes for d. It appends after a prefix into buf, so a caller's
// buffer contents are kept.
func sameJSON(tb testing.TB, what string, d *Decision, buf []byte) []byte {
	tb.Helper()
	want := pureJSON(tb, d)
	buf = append(buf[:0], "prefix"...)
	buf = d.AppendJSON(buf)
	buf = append(buf, '\n')
	if string(buf[:6]) != "prefix" {
		tb.Fatalf("%s: AppendJSON overwrote the buffer's contents", what)
	}
	if got := buf[6:]; !bytes.Equal(got, want) {
		tb.Fatalf("%s: AppendJSON differs from encoding/json %s", what, firstDiff(got, want))
	}
	return buf
}

// firstDiff describes where got and want first differ.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-60)
	return fmt.Sprintf("at byte %d:\n got …%q\nwant …%q", i, got[lo:min(len(got), i+60)], want[lo:min(len(want), i+60)])
}

// matrixVariants are the facts, usage and provider a matrix question is
// asked with: each reaches a different part of a decision (requirements
// met, failed and pending, visits remaining, extensions, prior
// authorization now, provider eligibility, every safety flag).
func matrixVariants() []struct {
	name string
	p    *Patient
	u    *Usage
	v    *Provider
} {
	improving := func(b bool) *Patient { return with(clbp(), func(p *Patient) { p.Improving = ptr(b) }) }
	return []struct {
		name string
		p    *Patient
		u    *Usage
		v    *Provider
	}{
		{"no facts", nil, nil, nil},
		{"criteria met, none used", clbp(), usage(0, 0, 0), nil},
		{"criteria met, 12 used", clbp(), usage(12, 12, 4), nil},
		{"improving, 12 used, physician", improving(true), usage(12, 12, 4), &Provider{Type: "physician"}},
		{"not improving, 20 used", improving(false), usage(20, 20, 5), nil},
		{"pain 3 weeks", &Patient{PainWeeks: ptr(3)}, nil, nil},
		{"every flag, acupuncturist", &Patient{Flags: SafetyFlags}, nil, &Provider{Type: "licensed_acupuncturist"}},
		{"systemic cause, pacemaker", &Patient{SystemicCause: ptr(true), Flags: []string{"pacemaker"}}, nil, nil},
		{"chiropractor supervised", nil, nil, &Provider{Type: "chiropractor", Supervised: ptr(true)}},
		{"np unsupervised, 1 used", clbp(), usage(1, 1, 1), &Provider{Type: "np", Supervised: ptr(false)}},
		{"usage only, 30 used", nil, usage(30, 30, 10), nil},
		{"usage partly known", improving(true), &Usage{VisitsThisYear: ptr(7)}, &Provider{Type: "pa", Supervised: ptr(true)}},
	}
}

// conditionInputs are the ways the matrix names a condition: its id, each
// exact and retired code, and a code in each family (so matched_icd10 is
// set). Codes that do not resolve on a date are skipped where asked.
func conditionInputs(c catalog.Condition) []string {
	in := []string{c.ID}
	in = append(in, c.ICD10...)
	for _, r := range c.RetiredICD10 {
		in = append(in, r.Code)
	}
	for _, f := range c.ICD10Families {
		if strings.Contains(f, ".") {
			in = append(in, f+"0")
		} else {
			in = append(in, f+".0")
		}
	}
	return in
}

// TestDecisionJSONMatrix holds AppendJSON to encoding/json for every plan ×
// every state × every condition (by id and by code) × four dates × twelve
// fact, usage and provider variants of the default catalog.
func TestDecisionJSONMatrix(t *testing.T) {
	t.Parallel()
	ix := defaultIndex(t)
	dates := []string{"2019-06-01", "2020-01-21", "2025-12-31", "2026-03-10"}
	variants := matrixVariants()
	total := 0
	for _, p := range ix.Plans() {
		n := 0
		var buf []byte
		for _, st := range catalog.States {
			for _, c := range ix.Conditions() {
				for _, cin := range conditionInputs(c) {
					for _, dt := range dates {
						for i, v := range variants {
							if cin != c.ID && i%3 != 0 {
								continue // codes: a third of the variants
							}
							q := Query{Plan: p.ID, State: st, Condition: cin, Date: day(t, dt), Patient: v.p, Usage: v.u, Provider: v.v}
							d, err := Decide(ix, q)
							if errors.Is(err, catalog.ErrPlanNotOffered) || errors.Is(err, catalog.ErrUnknownCondition) || errors.Is(err, catalog.ErrRetiredCode) {
								continue
							}
							if err != nil {
								t.Fatalf("%+v: %v", q, err)
							}
							buf = sameJSON(t, fmt.Sprintf("%s %s %s %s %s", p.ID, st, cin, dt, v.name), &d, buf)
							n++
						}
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("plan %s: no decision compared", p.ID)
		}
		total += n
	}
	t.Logf("%d decisions compared byte for byte", total)
	if total < 50000 {
		t.Errorf("only %d decisions compared; the matrix is off", total)
	}
}

// TestDecisionJSONEdges covers what the default catalog never produces:
// nil lists (null), omitempty fields set and unset, a Window with days, the
// zero date, and a date outside four-digit years.
func TestDecisionJSONEdges(t *testing.T) {
	t.Parallel()
	full := Decision{
		Status:             catalog.Covered,
		Plan:               PlanRef{"p", "P", "Payer", catalog.Commercial},
		State:              "CA",
		Condition:          ConditionRef{ID: "c", Name: "C", ICD10: []string{"A00.0"}, ICD10Families: []string{}, MatchedICD10: "A00.0"},
		Date:               catalog.NewDate(2026, 3, 10),
		Limits:             &Limits{VisitsPerYear: ptr(20), Windows: []Window{{Period: catalog.PerRollingDays, Days: 90, Visits: 12}, {Period: catalog.PerCalendarYear, Visits: 20}}, Extensions: []Extension{{Visits: 8, Requires: "improving", Question: "Q?", Modifier: "KX", Note: "n"}, {Visits: 1, Requires: "r"}}, DollarCapCents: ptr(int64(-150000))},
		VisitsRemaining:    ptr(-3),
		CostSharing:        &CostSharing{Network: catalog.InNetwork, DeductibleCents: 1, DeductibleApplies: true, CopayCents: -2, CopaySteps: []CopayStep{{AfterVisits: 10, CopayCents: 0}, {AfterVisits: 20, CopayCents: 1500}}, CoinsurancePercent: 100, OOPMaxCents: ptr(int64(1 << 62))},
		PriorAuthorization: &PriorAuthorization{Required: catalog.AuthAfterVisits, AfterVisits: ptr(0), RequiredNow: ptr(false), Note: "call"},
		ReferralRequired:   true,
		Electroacupuncture: ptr(false),
		Requirements:       []Requirement{{"a", "A", nil}, {"b", "B", ptr(true)}},
		ProviderRequirements: []ProviderRequirement{{Type: "np", Eligible: true, SupervisionRequired: true, Credentials: nil, Note: "x"},
			{Type: "pa", Credentials: []string{"L.Ac.", ""}}},
		Billing:         Billing{CPT: nil, X12ServiceType: "", Modifiers: []Modifier{{Code: "GA", When: "w"}}, Notes: nil},
		Safety:          []Safety{{"f", "l", "t"}},
		Reasons:         []Reason{{}, {"r", "t", SourceRef{"T", "https://x/?a=1&b=<2>"}}},
		Notes:           []string{""},
		CatalogRevision: "rev",
	}
	empty := Decision{}
	emptySteps := full
	emptySteps.CostSharing = &CostSharing{CopaySteps: []CopayStep{}}
	emptySteps.Limits = &Limits{Windows: []Window{}, Extensions: []Extension{}}
	emptySteps.PriorAuthorization = &PriorAuthorization{}
	emptySteps.Electroacupuncture = ptr(true)
	farDates := []catalog.Date{catalog.NewDate(1, 1, 1).AddDays(1), catalog.NewDate(10000, 1, 1), catalog.NewDate(-5, 12, 31), catalog.NewDate(999, 7, 4), catalog.NewDate(9999, 12, 31)}
	var buf []byte
	for name, d := range map[string]Decision{"full": full, "zero": empty, "empty lists": emptySteps} {
		buf = sameJSON(t, name, &d, buf)
		for _, dt := range farDates {
			d.Date = dt
			buf = sameJSON(t, name+" "+dt.String(), &d, buf)
		}
	}
}

// nasty are strings encoding/json escapes in every way it can, with HTML
// escaping off: quotes, backslashes, every control character, <>&, U+2028
// and U+2029, invalid UTF-8 (lone bytes, truncated and overlong sequences,
// surrogates), DEL, and multi-byte runes up to emoji.
var nasty = []string{
	``, `"`, `\`, `\"quoted\" \\ back\slash`, "a\nb\rc\td\be\ff",
	"\x00\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f",
	`<script>alert("x&y")</script>`, "line\u2028sep\u2029para", "\u2027\u202a",
	"bad \xff byte", "\xc3", "\xe2\x80", "trunc \xe2\x80 end", "\xed\xa0\x80 surrogate", "\xc0\xaf overlong", "\xf4\x90\x80\x80 too big",
	"Pflegegrad für Akupunktur — “quoted” – ½ · ü", "日本語のテキスト", "emoji 🦷🪡 and ZWJ 👩‍⚕️", "\ufeffBOM \ufffd replacement",
	strings.Repeat("long plain ascii ", 40), strings.Repeat("é\"", 30),
}

// TestDecisionJSONNastyStrings puts the nasty strings into a catalog's plan
// and condition names, rule summaries, criteria, notes, billing, provider
// notes, extensions, prior authorization notes and sources, so they flow
// through Decide into decisions, and compares every decision's bytes.
func TestDecisionJSONNastyStrings(t *testing.T) {
	t.Parallel()
	compared := 0
	for k, s := range nasty {
		snap, _, err := catalog.Parse(catalog.DefaultYAML())
		if err != nil {
			t.Fatal(err)
		}
		for i := range snap.Plans {
			snap.Plans[i].Name += s
			snap.Plans[i].Payer = s + snap.Plans[i].Payer
		}
		for i := range snap.Conditions {
			snap.Conditions[i].Name = s + snap.Conditions[i].Name + s
		}
		for i := range snap.Rules {
			r := snap.Rules[i]
			r.Summary += s
			r.Notes = append(r.Notes, s, "note "+s)
			r.Billing.Notes = append(r.Billing.Notes, s)
			r.Billing.Modifiers = append(r.Billing.Modifiers, catalog.Modifier{Code: "GY", When: "when " + s})
			for j := range r.Criteria {
				r.Criteria[j].Question += s
				r.Criteria[j].Failure = s + r.Criteria[j].Failure
			}
			for j := range r.Limits.Extensions {
				r.Limits.Extensions[j].Question += s
				r.Limits.Extensions[j].Note = s
			}
			for j := range r.Providers {
				r.Providers[j].Note = s
				r.Providers[j].Credentials = append(r.Providers[j].Credentials, s)
			}
			r.PriorAuthorization.Note = s
			for j := range r.Sources {
				r.Sources[j].Title += s
			}
		}
		ix, err := catalog.Build(snap)
		if err != nil {
			t.Fatalf("nasty string %d %q: %v", k, s, err)
		}
		var buf []byte
		if escaped := bytes.Trim(pureJSON(t, s), "\"\n"); len(escaped) > 0 {
			defer func() {
				// Plan, condition, summary, notes, billing, source...
				if n := bytes.Count(buf, escaped); n < 8 {
					t.Errorf("nasty string %d %q: only %d copies in the last decision", k, s, n)
				}
			}()
		}
		for _, p := range ix.Plans() {
			for _, st := range []string{"CA", "NY", "WA"} {
				for _, c := range ix.Conditions() {
					for _, v := range matrixVariants() {
						q := Query{Plan: p.ID, State: st, Condition: c.ID, Date: day(t, "2026-03-10"), Patient: v.p, Usage: v.u, Provider: v.v}
						d, err := Decide(ix, q)
						if errors.Is(err, catalog.ErrPlanNotOffered) {
							continue
						}
						if err != nil {
							t.Fatalf("%+v: %v", q, err)
						}
						buf = sameJSON(t, fmt.Sprintf("nasty %d %q: %s %s %s", k, s, p.ID, c.ID, v.name), &d, buf)
						compared++
					}
				}
			}
		}
	}
	t.Logf("%d decisions with nasty strings compared", compared)
}

// FuzzDecisionJSON puts fuzzed strings into every string field of a
// decision, and fuzzed numbers and flags into its other fields.
func FuzzDecisionJSON(f *testing.F) {
	for i, s := range nasty {
		f.Add(s, nasty[(i+1)%len(nasty)], int64(i)*-7919, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s, u string, n int64, bits uint8) {
		b := func(k uint) bool { return bits&(1<<k) != 0 }
		var optInt *int
		var optBool *bool
		if b(0) {
			optInt, optBool = ptr(int(n)), ptr(b(1))
		}
		var list []string
		if b(2) {
			list = []string{s, u}
		} else if b(3) {
			list = []string{}
		}
		d := Decision{
			Status:           catalog.Status(s),
			Plan:             PlanRef{s, u, s + u, catalog.PlanType(u)},
			State:            u,
			Condition:        ConditionRef{ID: s, Name: u, ICD10: list, ICD10Families: []string{u}, MatchedICD10: s},
			Date:             catalog.NewDate(2000, 1, 1).AddDays(int(n % 100000)),
			ReferralRequired: b(4), Electroacupuncture: optBool, VisitsRemaining: optInt,
			Requirements:         []Requirement{{s, u, optBool}},
			ProviderRequirements: []ProviderRequirement{{Type: s, Eligible: b(5), SupervisionRequired: b(6), Credentials: list, Note: u}},
			Billing:              Billing{CPT: list, X12ServiceType: s, Modifiers: []Modifier{{Code: s, When: u}}, Notes: []string{u, s}},
			Safety:               []Safety{{s, u, s}},
			Reasons:              []Reason{{s, u, SourceRef{u, s}}},
			Notes:                list,
			CatalogRevision:      u,
		}
		if b(7) {
			d.Limits = &Limits{VisitsPerYear: optInt, Windows: []Window{{Period: catalog.Period(s), Days: int(n % 3), Visits: int(n)}},
				Extensions: []Extension{{Visits: int(n), Requires: s, Question: u, Modifier: s, Note: u}}, DollarCapCents: &n}
			d.CostSharing = &CostSharing{Network: catalog.Network(u), DeductibleCents: n, DeductibleApplies: b(1), CopayCents: -n,
				CopaySteps: []CopayStep{{AfterVisits: int(n), CopayCents: n}}, CoinsurancePercent: int(n % 101), OOPMaxCents: &n}
			d.PriorAuthorization = &PriorAuthorization{Required: catalog.AuthWhen(s), AfterVisits: optInt, RequiredNow: optBool, Note: u}
		}
		sameJSON(t, "fuzz", &d, nil)
	})
}

// Encoding a typical decision: the handler's path before (encoding/json
// through an Encoder) and after (AppendJSON into a reused buffer).
func BenchmarkDecisionJSON(b *testing.B) {
	ix := defaultIndex(b)
	cases := map[string]Query{
		"bare":  {Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain"},
		"facts": {Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(12, 12, 3), Provider: &Provider{Type: "physician"}},
	}
	for name, q := range cases {
		q.Date = day(b, "2026-03-10")
		d, err := Decide(ix, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/encoding_json", func(b *testing.B) {
			b.ReportAllocs()
			var w bytes.Buffer
			enc := json.NewEncoder(&w)
			enc.SetEscapeHTML(false)
			for b.Loop() {
				w.Reset()
				if err := enc.Encode(&d); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(w.Len()))
		})
		b.Run(name+"/AppendJSON", func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf = append(d.AppendJSON(buf[:0]), '\n')
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
