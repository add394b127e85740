package catalog_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/synth"
)

// TestBuildFromMatchesBuild applies random sequences of edits (rules, plans,
// conditions, fee schedules, cash prices: added, changed, removed, moved;
// many of them invalid) with BuildFrom, each from the Index the previous
// edit made, and checks every result against Build of the same snapshot:
// the same verdict, and for a valid catalog the same revision, content hash
// and answers to a spread of lookups. It also checks that the Index an
// edit started from still answers as it did.
func TestBuildFromMatchesBuild(t *testing.T) {
	steps := 40
	if testing.Short() {
		steps = 20
	}
	def, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	syn, err := catalog.Build(synth.Generate(synth.ForRules(500)))
	if err != nil {
		t.Fatal(err)
	}
	for name, base := range map[string]*catalog.Index{"default": def, "synthetic": syn} {
		for seed := range uint64(2) {
			t.Run(fmt.Sprintf("%s/%d", name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 0xacc))
				runEdits(t, base, steps, func(n int) int { return rng.IntN(n) })
			})
		}
	}
}

// FuzzBuildFrom is TestBuildFromMatchesBuild with the edits chosen by the
// fuzzer's bytes.
func FuzzBuildFrom(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("\x03\x10\x07\x22\x05\x01\x09\x11\x0e\x02\x0c\x30"))
	f.Add([]byte("\x0b\x00\x0b\x01\x0b\x02\x0d\x04\x0f\x09\x12\x02\x13\x01"))
	base, err := catalog.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pick := func(n int) int {
			if len(b) == 0 {
				return 0
			}
			var x uint16
			if len(b) >= 2 {
				x = binary.LittleEndian.Uint16(b)
				b = b[2:]
			} else {
				x, b = uint16(b[0]), b[1:]
			}
			return int(x) % n
		}
		runEdits(t, base, 1+min(len(b)/6, 3), pick)
	})
}

// runEdits makes steps edits from base, each of one to three random
// changes.
func runEdits(t *testing.T, base *catalog.Index, steps int, pick func(n int) int) {
	t.Helper()
	cur := base
	valid := 0
	defer func() { t.Logf("%d of %d edits valid", valid, steps) }()
	for step := range steps {
		next := *cur.Snapshot()
		next.Revision = fmt.Sprintf("r%d", step)
		var did []string
		for range 1 + pick(3) {
			did = append(did, edit(&next, pick, step))
		}
		got, gerr := catalog.BuildFrom(cur, &next)
		want, werr := catalog.Build(&next)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("step %d (%s): BuildFrom says %v, Build says %v", step, strings.Join(did, "; "), gerr, werr)
		}
		before := answers(cur)
		if gerr != nil {
			if !slices.Equal(before, answers(cur)) {
				t.Fatalf("step %d: a refused edit changed the Index it started from", step)
			}
			continue
		}
		if got.Revision() != want.Revision() || got.CatalogRevision() != want.CatalogRevision() || got.RuleCount() != want.RuleCount() {
			t.Fatalf("step %d (%s): BuildFrom revision %s/%s with %d rules, Build %s/%s with %d", step, strings.Join(did, "; "),
				got.Revision(), got.CatalogRevision(), got.RuleCount(), want.Revision(), want.CatalogRevision(), want.RuleCount())
		}
		if h, err := catalog.ContentHash(&next); err != nil || h[:catalog.RevisionLength] != got.CatalogRevision() {
			t.Fatalf("step %d: ContentHash %s (%v), CatalogRevision %s", step, h, err, got.CatalogRevision())
		}
		ga, wa := answers(got), answers(want)
		if i := firstDiff(ga, wa); i >= 0 {
			t.Fatalf("step %d (%s): BuildFrom answers %q, Build %q", step, strings.Join(did, "; "), ga[i], wa[i])
		}
		if !slices.Equal(before, answers(cur)) {
			t.Fatalf("step %d: the edit changed the Index it started from", step)
		}
		cur = got
		valid++
	}
}

func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}

var dates = []catalog.Date{
	catalog.NewDate(2019, 6, 1), catalog.NewDate(2023, 3, 10), catalog.NewDate(2025, 1, 1), catalog.NewDate(2026, 3, 10),
}

// answers lists what ix answers to a spread of lookups, each as text.
func answers(ix *catalog.Index) []string {
	s := ix.Snapshot()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	conds := []string{"", "no-such-condition"}
	for i := range s.Conditions {
		c := &s.Conditions[i]
		conds = append(conds, c.ID)
		for _, code := range slices.Concat(c.ICD10, c.ICD10Families) {
			for _, d := range dates {
				got, err := ix.ResolveCondition(code, d)
				add("resolve %s %s: %v %v", code, d, id(got), err)
			}
		}
	}
	plans := []string{"no-such-plan"}
	for i := 0; i < len(s.Plans); i += 1 + len(s.Plans)/40 {
		plans = append(plans, s.Plans[i].ID)
	}
	for _, p := range plans {
		plan, err := ix.Plan(p)
		add("plan %s: %v %v", p, id(plan), err)
		states := []string{"CA", "NY"}
		if plan != nil && !plan.States.All {
			states = append(states, plan.States.Items...)
		}
		for _, st := range states {
			for _, c := range conds {
				for _, d := range dates {
					r := ix.Rule(p, st, c, d)
					add("rule %s %s %s %s: %v %v", p, st, c, d, id(r), tests(ix, r))
				}
			}
		}
		if plan != nil {
			for _, n := range []catalog.Network{catalog.InNetwork, catalog.OutNetwork} {
				for _, d := range dates {
					add("fees %s %s %s: %v", p, n, d, id(ix.FeeSchedule(plan, n, d)))
				}
			}
		}
	}
	for i := range s.Rules {
		r := ix.RuleByID(s.Rules[i].ID)
		add("rule %s: %v %v", s.Rules[i].ID, r != nil && reflect.DeepEqual(*r, s.Rules[i]), tests(ix, r))
	}
	for _, st := range []string{"", "CA", "NY", "TX"} {
		if c := ix.CashPrice(st); c != nil {
			add("cash %s: %s %d", st, c.State, c.FirstVisitCents)
		}
		if l := ix.Licensure(st); l != nil {
			add("licensure %s: %s", st, l.Status)
		}
	}
	return out
}

func id(v any) string {
	switch x := v.(type) {
	case *catalog.Rule:
		if x != nil {
			return x.ID + "/" + x.Summary
		}
	case *catalog.Plan:
		if x != nil {
			return x.ID + "/" + x.Name
		}
	case *catalog.Condition:
		if x != nil {
			return x.ID
		}
	case *catalog.FeeSchedule:
		if x != nil {
			return x.ID
		}
	}
	return "-"
}

func tests(ix *catalog.Index, r *catalog.Rule) string {
	if r == nil {
		return ""
	}
	ts := ix.Tests(r)
	if len(ts) != len(r.Criteria) {
		return fmt.Sprintf("%d tests for %d criteria", len(ts), len(r.Criteria))
	}
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%T%v;", t, t)
	}
	return b.String()
}

// edit makes one random change to s, copying every list it changes, and
// says what it did.
func edit(s *catalog.Snapshot, pick func(n int) int, step int) string {
	s.Rules = slices.Clone(s.Rules)
	s.Plans = slices.Clone(s.Plans)
	s.Conditions = slices.Clone(s.Conditions)
	s.FeeSchedules = slices.Clone(s.FeeSchedules)
	s.CashPrices = slices.Clone(s.CashPrices)
	anyRule := func() int { return pick(max(1, len(s.Rules))) % max(1, len(s.Rules)) }
	if len(s.Rules) == 0 || len(s.Plans) == 0 || len(s.Conditions) == 0 {
		return "nothing (a list is empty)"
	}
	i := anyRule()
	r := *s.Rules[i]
	switch op := pick(23); op {
	case 0, 1, 2:
		r.Summary = fmt.Sprintf("%s (step %d)", r.Summary, step)
		s.Rules[i] = &r
		return "rule summary " + r.ID
	case 3:
		r.EffectiveFrom = dates[pick(len(dates))]
		r.EffectiveTo = catalog.Date{}
		s.Rules[i] = &r
		return "rule dates " + r.ID
	case 4:
		r.Status = []catalog.Status{catalog.Covered, catalog.NotCovered, catalog.Unknown, catalog.Conditional}[pick(4)]
		s.Rules[i] = &r
		return "rule status " + r.ID
	case 5:
		r.Plan = s.Plans[pick(len(s.Plans))].ID
		s.Rules[i] = &r
		return "rule plan " + r.ID
	case 6, 7:
		s.Rules = slices.Delete(s.Rules, i, i+1)
		return "rule removed " + r.ID
	case 8:
		r.ID = fmt.Sprintf("added-%d-%d", step, pick(1000))
		r.EffectiveFrom, r.EffectiveTo = catalog.NewDate(2040+pick(20), 1, 1), catalog.Date{}
		at := pick(len(s.Rules) + 1)
		s.Rules = slices.Insert(s.Rules, at, &r)
		return "rule added " + r.ID
	case 9:
		r.ID = fmt.Sprintf("ambiguous-%d", step)
		s.Rules = append(s.Rules, &r)
		return "rule added " + r.ID
	case 10:
		r.FallsBackTo = s.Rules[anyRule()].ID
		if pick(3) > 0 { // a conditional rule to another of its plan
			var cond, same []int
			for j := range s.Rules {
				if s.Rules[j].Plan == r.Plan && s.Rules[j].Status == catalog.Conditional {
					cond = append(cond, j)
				}
				if s.Rules[j].Plan == r.Plan && s.Rules[j].Status == catalog.Covered {
					same = append(same, j)
				}
			}
			if len(cond) == 0 || len(same) == 0 {
				return "no fallback made"
			}
			i = cond[pick(len(cond))]
			r = *s.Rules[i]
			r.FallsBackTo = s.Rules[same[pick(len(same))]].ID
		}
		s.Rules[i] = &r
		return "rule falls back " + r.ID + " to " + r.FallsBackTo
	case 11:
		r.Conditions = catalog.ScopeOf(s.Conditions[pick(len(s.Conditions))].ID)
		if pick(4) == 0 {
			r.Conditions = catalog.ScopeOf("no-such-condition")
		}
		s.Rules[i] = &r
		return "rule conditions " + r.ID
	case 12:
		if pick(2) == 0 {
			s.Rules = append(s.Rules, s.Rules[i]) // a duplicate id
			return "rule duplicated " + r.ID
		}
		j := anyRule()
		s.Rules[i], s.Rules[j] = s.Rules[j], s.Rules[i]
		return "rules swapped"
	case 13:
		r.Summary = strings.Repeat("x", catalog.MaxTextBytes+1)
		s.Rules[i] = &r
		return "rule too long " + r.ID
	case 14:
		p := pick(len(s.Plans))
		pl := s.Plans[p]
		pl.Name += " (renamed)"
		if pick(3) == 0 {
			pl.States = catalog.ScopeOf("VT")
		}
		s.Plans[p] = pl
		return "plan changed " + pl.ID
	case 15:
		p := pick(len(s.Plans))
		id := s.Plans[p].ID
		s.Plans = slices.Delete(s.Plans, p, p+1)
		if pick(2) == 0 { // with its rules
			s.Rules = slices.DeleteFunc(s.Rules, func(r *catalog.Rule) bool { return r.Plan == id })
		}
		return "plan removed " + id
	case 16:
		pl := s.Plans[pick(len(s.Plans))]
		pl.ID = fmt.Sprintf("plan-added-%d", step)
		s.Plans = append(s.Plans, pl)
		r.ID, r.Plan = fmt.Sprintf("rule-of-%s", pl.ID), pl.ID
		r.FallsBackTo = ""
		s.Rules = append(s.Rules, &r)
		return "plan added " + pl.ID
	case 17:
		c := pick(len(s.Conditions))
		id := s.Conditions[c].ID
		s.Conditions = slices.Delete(s.Conditions, c, c+1)
		return "condition removed " + id
	case 18:
		c := pick(len(s.Conditions))
		cd := s.Conditions[c]
		cd.Name += " (renamed)"
		if pick(2) == 0 {
			cd.ICD10 = slices.Clone(s.Conditions[pick(len(s.Conditions))].ICD10)
		}
		s.Conditions[c] = cd
		return "condition changed " + cd.ID
	case 19:
		if len(s.FeeSchedules) == 0 {
			return "no fee schedules"
		}
		f := pick(len(s.FeeSchedules))
		if pick(3) == 0 {
			id := s.FeeSchedules[f].ID
			s.FeeSchedules = slices.Delete(s.FeeSchedules, f, f+1)
			return "fee schedule removed " + id
		}
		fs := s.FeeSchedules[f]
		fs.Name += " (renamed)"
		if pick(3) == 0 {
			fs.ID += "-copy"
			s.FeeSchedules = append(s.FeeSchedules, fs)
			return "fee schedule copied " + fs.ID
		}
		s.FeeSchedules[f] = fs
		return "fee schedule changed " + fs.ID
	case 20:
		if len(s.CashPrices) == 0 {
			return "no cash prices"
		}
		c := pick(len(s.CashPrices))
		cp := s.CashPrices[c]
		cp.FirstVisitCents += 100
		if pick(3) == 0 {
			cp.FirstVisitCents = 0
		}
		s.CashPrices[c] = cp
		return "cash price changed"
	case 21:
		var to []int // rules others fall back to
		for j := range s.Rules {
			if f := s.Rules[j].FallsBackTo; f != "" {
				for k := range s.Rules {
					if s.Rules[k].ID == f {
						to = append(to, k)
					}
				}
			}
		}
		if len(to) == 0 {
			return "no fallback target"
		}
		k := to[pick(len(to))]
		t := *s.Rules[k]
		switch pick(3) {
		case 0:
			t.Status = catalog.NotCovered
			t.Criteria, t.Limits = nil, catalog.Limits{}
		case 1:
			t.Plan = s.Plans[pick(len(s.Plans))].ID
		default:
			s.Rules = slices.Delete(s.Rules, k, k+1)
			return "fallback target removed " + t.ID
		}
		s.Rules[k] = &t
		return "fallback target changed " + t.ID
	default:
		r.Criteria = nil
		s.Rules[i] = &r
		return "rule criteria removed " + r.ID
	}
}
