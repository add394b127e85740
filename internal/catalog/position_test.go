package catalog_test

import (
	"slices"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/synth"
)

// TestRulePosition: Position gives, for rules, what a scan of s.Rules gives, for
// every rule and for absent ids, whether s is the Index's own snapshot, a
// copy of it, a copy changed since (a rule inserted at the front, one
// removed), or another revision altogether, and from an Index BuildFrom
// made (whose changed rules are not in its list).
func TestRulePosition(t *testing.T) {
	snap := synth.Generate(synth.ForRules(300))
	snap.Revision = "7"
	ix, err := catalog.Build(snap)
	if err != nil {
		t.Fatal(err)
	}
	scan := func(s *catalog.Snapshot, id string) int {
		return slices.IndexFunc(s.Rules, func(r *catalog.Rule) bool { return r.ID == id })
	}
	check := func(name string, ix *catalog.Index, s *catalog.Snapshot) {
		t.Helper()
		ids := []string{"no-such-rule", ""}
		if ix != nil {
			for _, r := range ix.Snapshot().Rules {
				ids = append(ids, r.ID)
			}
		}
		for _, r := range s.Rules {
			ids = append(ids, r.ID)
		}
		for _, id := range ids {
			if got, want := ix.Position(s, catalog.KindRule, id), scan(s, id); got != want {
				t.Errorf("%s: Position(rule %q) = %d, a scan finds %d", name, id, got, want)
			}
		}
	}
	copyOf := func(s *catalog.Snapshot) *catalog.Snapshot {
		c := *s
		c.Rules = slices.Clone(s.Rules)
		return &c
	}
	check("own snapshot", ix, ix.Snapshot())
	check("copy", ix, copyOf(ix.Snapshot()))

	front := copyOf(ix.Snapshot())
	extra := *front.Rules[5]
	extra.ID = "inserted-first"
	front.Rules = slices.Insert(front.Rules, 0, &extra)
	check("copy with a rule inserted at the front, same revision id", ix, front)
	front.Revision = "8"
	check("copy with a rule inserted at the front", ix, front)

	removed := copyOf(ix.Snapshot())
	removed.Rules = slices.Delete(removed.Rules, 10, 11)
	check("copy with a rule removed", ix, removed)
	check("no Index", nil, removed)

	edited := copyOf(ix.Snapshot())
	edited.Revision = "8"
	for _, j := range []int{0, 3, len(edited.Rules) - 1} {
		edited.ChangeRule(j).Summary += " (edited)"
	}
	ix2, err := catalog.BuildFrom(ix, edited)
	if err != nil {
		t.Fatal(err)
	}
	check("BuildFrom's Index, own snapshot", ix2, edited)
	check("BuildFrom's Index, a copy", ix2, copyOf(edited))
	check("BuildFrom's Index, the older revision", ix2, ix.Snapshot())
}
