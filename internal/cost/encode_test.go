package cost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// pureJSON is what the handler wrote before AppendJSON: gin's PureJSON, an
// encoding/json Encoder with HTML escaping off (and its newline).
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

// sameJSON fails unless b.AppendJSON plus a newline, appended after a
// prefix, is byte for byte what PureJSON writes for b.
func sameJSON(tb testing.TB, what string, b *Breakdown, buf []byte) []byte {
	tb.Helper()
	want := pureJSON(tb, b)
	buf = append(buf[:0], "prefix"...)
	buf = append(b.AppendJSON(buf), '\n')
	if string(buf[:6]) != "prefix" {
		tb.Fatalf("%s: AppendJSON overwrote the buffer's contents", what)
	}
	if got := buf[6:]; !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-60)
		tb.Fatalf("%s: AppendJSON differs from encoding/json at byte %d:\n got …%q\nwant …%q", what, i, got[lo:min(len(got), i+60)], want[lo:min(len(want), i+60)])
	}
	return buf
}

// TestBreakdownJSONRandom holds AppendJSON to encoding/json for thousands
// of seeded random estimates of the default catalog (the property tests'
// generator: every plan, out of network, accumulators, charges, facts,
// flags, providers, benefit-year crossings).
func TestBreakdownJSONRandom(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	r := rand.New(rand.NewPCG(2026, 611))
	compared, visits := 0, 0
	var buf []byte
	for i := range 6000 {
		req := randomRequest(r)
		got, err := Estimate(ix, req)
		if err != nil {
			if !lookupErr(err) {
				t.Fatalf("case %d: %v", i, err)
			}
			continue
		}
		buf = sameJSON(t, fmt.Sprintf("case %d, request %s", i, js(req)), &got, buf)
		compared++
		visits += len(got.Visits)
	}
	t.Logf("%d estimates (%d visits) compared byte for byte", compared, visits)
	if compared < 3000 {
		t.Errorf("only %d estimates compared; the generator is off", compared)
	}
}

// TestBreakdownJSONNastyStrings estimates over a catalog whose plan names,
// rule summaries, criteria failures, notes, fee schedule names and notes and
// cost-sharing notes carry strings that need every kind of escaping, so
// they reach visits' reasons and the assumptions.
func TestBreakdownJSONNastyStrings(t *testing.T) {
	t.Parallel()
	nasty := []string{`"q" \ \\`, "ctl \x00\x01\x1f\x7f \n\r\t\b\f", `<a href="x">&amp;</a>`, "\u2028\u2029", "bad \xff\xc3 utf-8 \xed\xa0\x80", "émoji 🦷 “—”"}
	compared := 0
	for k, s := range nasty {
		snap, _, err := catalog.Parse(catalog.DefaultYAML())
		if err != nil {
			t.Fatal(err)
		}
		for i := range snap.Plans {
			snap.Plans[i].Name += s
			for j := range snap.Plans[i].CostSharing {
				snap.Plans[i].CostSharing[j].Note += s
			}
		}
		for i := range snap.Rules {
			r := snap.Rules[i]
			r.Summary = s + r.Summary
			for j := range r.Criteria {
				r.Criteria[j].Failure += s
			}
			r.Notes = append(r.Notes, s)
		}
		for i := range snap.FeeSchedules {
			snap.FeeSchedules[i].Name += s
			snap.FeeSchedules[i].Notes = append(snap.FeeSchedules[i].Notes, s)
		}
		ix, err := catalog.Build(snap)
		if err != nil {
			t.Fatalf("nasty %d: %v", k, err)
		}
		r := rand.New(rand.NewPCG(uint64(k), 99))
		var buf []byte
		reached := 0
		for i := range 400 {
			req := randomRequest(r)
			got, err := Estimate(ix, req)
			if err != nil {
				if !lookupErr(err) {
					t.Fatalf("nasty %d case %d: %v", k, i, err)
				}
				continue
			}
			buf = sameJSON(t, fmt.Sprintf("nasty %d %q case %d", k, s, i), &got, buf)
			compared++
			for _, v := range got.Visits {
				if strings.Contains(v.Reason, s) {
					reached++
					break
				}
			}
			for _, a := range got.Assumptions {
				if strings.Contains(a, s) {
					reached++
					break
				}
			}
		}
		if reached == 0 {
			t.Errorf("nasty %d %q: reached no visit reason or assumption", k, s)
		}
	}
	t.Logf("%d estimates with nasty strings compared", compared)
}

// TestBreakdownJSONEdges covers what Estimate never returns: nil lists
// (null), the zero value, and a reason set on a covered visit.
func TestBreakdownJSONEdges(t *testing.T) {
	t.Parallel()
	cases := map[string]Breakdown{
		"zero":        {},
		"nil lists":   {Network: catalog.OutNetwork, Visits: []Visit{{}, {N: -1, Codes: []string{}, Modifiers: nil, Reason: "r", Covered: true, PatientCents: -5}}},
		"empty lists": {Visits: []Visit{}, Assumptions: []string{}, Coverage: coverage.Decision{Notes: []string{}}},
		"extremes": {
			Visits:            []Visit{{N: 1 << 40, Date: catalog.NewDate(2026, 2, 28), Codes: []string{"97810", "97811"}, Modifiers: []string{"KX"}, BilledCents: -1 << 63, PlanCents: 1<<63 - 1}},
			Totals:            Totals{Visits: -1, CoveredVisits: 1 << 50, BalanceBilledCents: 7},
			AccumulatorsAfter: Accumulators{DeductibleMetCents: -1, VisitsThisMonth: 31},
			Assumptions:       []string{"", "<&>"},
		},
	}
	var buf []byte
	for name, b := range cases {
		buf = sameJSON(t, name, &b, buf)
	}
}

// FuzzEstimateJSON decodes fuzzed requests as the handler does and, when
// Estimate answers, compares the encodings; the fuzzed string also lands in
// a visit's reason and the assumptions.
func FuzzEstimateJSON(f *testing.F) {
	ix := mustDefault(f)
	for _, s := range []string{
		`{"plan":"medicare-part-b","state":"CA","condition":"M54.50","start_date":"2026-03-02","course":{"visits_per_week":2,"weeks":6},"patient":{"pain_weeks":20,"systemic_cause":false,"surgery_related":false,"pregnancy_related":false,"improving":true}}`,
		`{"plan":"example-ppo-gold","state":"WA","condition":"migraine","start_date":"2026-12-20","network":"out","course":{"visits":30,"minutes_per_visit":60,"electroacupuncture":true},"charge_cents":12000,"accumulators":{"deductible_met_cents":5,"oop_met_cents":999999,"visits_this_year":3,"visits_last_90_days":3,"visits_this_month":1}}`,
		`{"plan":"example-epo-capped","state":"WA","condition":"chronic_low_back_pain","start_date":"2026-06-30","course":{"visits_per_week":7,"weeks":52},"provider":{"type":"physician"},"patient":{"flags":["pacemaker"]}}`,
	} {
		f.Add([]byte(s), "reason \"<&>\" \u2028 \xff")
	}
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		var req Request
		if json.Unmarshal(data, &req) != nil {
			return
		}
		got, err := Estimate(ix, req)
		if err != nil {
			return
		}
		sameJSON(t, "estimate", &got, nil)
		got.Visits[0].Reason = s
		got.Assumptions = append(got.Assumptions, s, strings.Repeat(s, 3))
		got.Coverage.Notes = append(got.Coverage.Notes, s)
		sameJSON(t, "estimate with fuzzed strings", &got, nil)
	})
}

// Encoding a 12-visit estimate: the handler's path before (encoding/json
// through an Encoder) and after (AppendJSON into a reused buffer).
func BenchmarkEstimateJSON(b *testing.B) {
	ix := mustDefault(b)
	req := Request{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
		Course: Course{VisitsPerWeek: ptr(2), Weeks: ptr(6)}, Patient: clbp(ptr(true))}
	est, err := Estimate(ix, req)
	if err != nil {
		b.Fatal(err)
	}
	if len(est.Visits) != 12 {
		b.Fatalf("%d visits", len(est.Visits))
	}
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		var w bytes.Buffer
		enc := json.NewEncoder(&w)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			w.Reset()
			if err := enc.Encode(&est); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(w.Len()))
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = append(est.AppendJSON(buf[:0]), '\n')
		}
		b.SetBytes(int64(len(buf)))
	})
}
