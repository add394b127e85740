package postgres

import (
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

func TestPermute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ids      string
		ordinals []int64
		want     string
	}{
		{"abcd", []int64{2, 0, 3, 1}, "bdac"},
		{"abcd", []int64{0, 1, 2, 3}, "abcd"},
		{"abcd", []int64{40, -1, 7, 1000}, "bcad"}, // not 0…n-1: ranked
		{"", nil, ""},
	} {
		rules := make([]catalog.Rule, len(tc.ids))
		for i, c := range tc.ids {
			rules[i].ID = string(c)
		}
		permute(rules, tc.ordinals)
		got := ""
		for _, r := range rules {
			got += r.ID
		}
		if got != tc.want {
			t.Errorf("permute(%s, %v) = %s, want %s", tc.ids, tc.ordinals, got, tc.want)
		}
	}
}

func TestRuleWalkFallsBackToMap(t *testing.T) {
	t.Parallel()
	rules := []catalog.Rule{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	w := &ruleWalk{rules: rules}
	find := w.start()
	// In order, then out of order (the walk has passed "a"), then unknown.
	for _, id := range []string{"a", "c", "a", "b"} {
		if r := find(id); r == nil || r.ID != id {
			t.Fatalf("find(%q) = %v", id, r)
		}
	}
	if r := find("zz"); r != nil {
		t.Errorf("find(zz) = %v, want nil", r)
	}
	find = w.start()
	if r := find("b"); r != &rules[1] {
		t.Errorf("after start, find(b) = %v", r)
	}
}
