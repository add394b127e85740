package postgres

import "testing"

// TestPlaceLeavesOldEntries: place gives increasing positions, keeps the
// stored ones it can, and never changes an entry of the revision before
// (revisions share them): an entry that moves is copied.
func TestPlaceLeavesOldEntries(t *testing.T) {
	for _, c := range []struct {
		name   string
		oldPos []int64
		order  []int // next's items: an index in old, or -1 for a new one
		kept   []bool
	}{
		{"insert, move back", []int64{gap, 2 * gap, 3 * gap}, []int{2, -1, 0, 1}, []bool{true, false, false, false}},
		{"replace and append", []int64{gap, 2 * gap}, []int{0, -1, 1, -1}, []bool{true, false, true, false}},
		{"no room: numbered afresh", []int64{1, 2}, []int{0, -1, 1}, []bool{false, false, false}},
	} {
		vals := make([]entry, len(c.oldPos))
		for i, p := range c.oldPos {
			vals[i] = entry{id: string(rune('a' + i)), pos: p}
		}
		old := pointers(vals)
		before := append([]entry(nil), vals...)
		es := make([]*entry, len(c.order))
		for j, oi := range c.order {
			if oi >= 0 {
				es[j] = old[oi]
			} else {
				es[j] = &entry{id: "new"}
			}
		}
		place(es, c.order, old)
		for i := range vals {
			if vals[i] != before[i] {
				t.Errorf("%s: old entry %d changed from %+v to %+v", c.name, i, before[i], vals[i])
			}
		}
		for j := range es {
			if j > 0 && es[j].pos <= es[j-1].pos {
				t.Errorf("%s: positions %d, %d do not increase", c.name, es[j-1].pos, es[j].pos)
			}
			if oi := c.order[j]; oi >= 0 && (es[j] == old[oi]) != c.kept[j] {
				t.Errorf("%s: item %d shares old's entry: %v, want %v", c.name, j, es[j] == old[oi], c.kept[j])
			}
		}
	}
}
