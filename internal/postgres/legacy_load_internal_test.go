package postgres

import (
	"slices"
	"testing"
)

func TestRanks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ordinals []int64
		want     []int
	}{
		{[]int64{2, 0, 3, 1}, []int{2, 0, 3, 1}},
		{[]int64{0, 1, 2, 3}, []int{0, 1, 2, 3}},
		{[]int64{40, -1, 7, 1000}, []int{2, 0, 1, 3}}, // not 0…n-1: ranked
		{[]int64{1, 1, 0}, []int{1, 2, 0}},            // repeated: in the order read
		{nil, []int{}},
	} {
		if got := ranks(tc.ordinals); !slices.Equal(got, tc.want) {
			t.Errorf("ranks(%v) = %v, want %v", tc.ordinals, got, tc.want)
		}
	}
}

func TestRuleTableFindFallsBackToMap(t *testing.T) {
	t.Parallel()
	rt := &ruleTable{}
	for _, id := range []string{"a", "b", "c"} {
		rt.recs = append(rt.recs, ruleRec{idStart: len(rt.ids), idEnd: len(rt.ids) + len(id)})
		rt.ids = append(rt.ids, id...)
	}
	// In order, then out of order (the walk has passed "a"), then unknown.
	for i, id := range []string{"a", "c", "a", "b"} {
		if got := rt.find(id); got < 0 || !rt.is(got, id) {
			t.Fatalf("find #%d (%q) = %d", i, id, got)
		}
	}
	if got := rt.find("zz"); got != -1 {
		t.Errorf("find(zz) = %d, want -1", got)
	}
}

func TestListsShareEqualLists(t *testing.T) {
	t.Parallel()
	l := &loader{refs: map[string]textRef{}}
	ls := newLists(hashString, l.intern)
	take := func(items ...string) int32 {
		for _, it := range items {
			ls.add(it)
		}
		return ls.take()
	}
	a, b, c, empty := take("x", "y"), take("x", "y"), take("y", "x"), take()
	if a != b || a == c || empty != 0 || ls.list(0) != nil {
		t.Errorf("lists x,y x,y y,x (none) = %d %d %d %d", a, b, c, empty)
	}
	if l := ls.list(a); !slices.Equal(l, []string{"x", "y"}) || cap(l) != len(l) {
		t.Errorf("list %d = %q (cap %d)", a, l, cap(l))
	}
}
