package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestDeltaReadsMatchWholeReads: random edits (rules changed, removed,
// moved, several at a time), then 40 moves to one place (which run out of
// positions between two rules, so the list is numbered afresh), are read
// by a replica that holds the revision before (forward, by the items that
// changed), and earlier revisions are read back by the writer, which
// holds the head (backward); each read is the catalog a fresh connection
// reads whole, in the same order.
func TestDeltaReadsMatchWholeReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	revs := []string{mustImport(t, db, defaultSnapshot(t))}
	open := func() *postgres.DB {
		d, err := postgres.Open(ctx, db.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	replica := open()
	if _, err := replica.LoadCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	same := func(what string, got, want *catalog.Snapshot) {
		t.Helper()
		ids := func(s *catalog.Snapshot) []string {
			var out []string
			for _, r := range s.Rules {
				out = append(out, r.ID)
			}
			return out
		}
		if got.Revision != want.Revision || hash(t, got) != hash(t, want) || !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("%s: revision %s (hash %s) differs from the whole read of revision %s (hash %s)", what, got.Revision, hash(t, got), want.Revision, hash(t, want))
		}
	}
	rng := rand.New(rand.NewPCG(7, 15))
	for step := 0; len(revs) < 52; step++ {
		if step > 150 {
			t.Fatalf("only %d of %d edits were valid", len(revs)-1, step)
		}
		var did []string
		rev, _, err := db.Edit(ctx, "editor", "edit", "", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			if len(revs) > 12 { // the last rule to the second place
				r := cur.Rules[len(cur.Rules)-1]
				cur.Rules = slices.Insert(cur.Rules[:len(cur.Rules)-1], 1, r)
				did = append(did, "moved "+r.ID+" to the second place")
				return cur, nil
			}
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(cur.Rules))
				switch rng.IntN(4) {
				case 0, 1:
					cur.ChangeRule(i).Summary += fmt.Sprintf(" (step %d)", step)
					did = append(did, "changed "+cur.Rules[i].ID)
				case 2:
					did = append(did, "removed "+cur.Rules[i].ID)
					cur.Rules = slices.Delete(cur.Rules, i, i+1)
				default:
					r := cur.Rules[i]
					cur.Rules = slices.Delete(cur.Rules, i, i+1)
					cur.Rules = slices.Insert(cur.Rules, rng.IntN(len(cur.Rules)+1), r)
					did = append(did, "moved "+r.ID)
				}
			}
			return cur, nil
		})
		var ps catalog.Problems
		if errors.As(err, &ps) {
			continue // a removal another rule depended on
		}
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, rev)
		got, err := replica.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		same(fmt.Sprintf("replica after %v", did), got, wholeRevision(t, open(), rev))
	}
	for _, rev := range revs[:len(revs)-1] {
		got, err := db.LoadRevision(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		same("revision "+rev+" read back from the head", got, wholeRevision(t, open(), rev))
	}
}

// wholeRevision reads revision rev on d, a connection that holds none.
func wholeRevision(t *testing.T, d *postgres.DB, rev string) *catalog.Snapshot {
	t.Helper()
	s, err := d.LoadRevision(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
