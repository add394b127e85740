package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestDrillConcurrentWriters: 150 writers edit one catalog at once, each
// with a deadline. Every writer gets an answer, and the answers are what
// was committed: each acknowledged edit is in the audit log under the
// revision it was told, and each refused one (a *BusyError or a deadline)
// left nothing. ACUCOVER_DRILL=long (make drill) runs more rounds.
func TestDrillConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	mustImport(t, db, defaultSnapshot(t))
	rounds := 1
	if os.Getenv("ACUCOVER_DRILL") == "long" {
		rounds = 10
	}
	const writers = 150
	type answer struct {
		comment, rev string
		err          error
	}
	var answers []answer
	for round := range rounds {
		out := make([]answer, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				comment := fmt.Sprintf("drill %d/%d", round, w)
				wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				rev, _, err := db.Edit(wctx, "drill", "edit", comment, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
					i := w % len(cur.Rules)
					cur.ChangeRule(i).Summary = fmt.Sprintf("Summary by writer %d of round %d.", w, round)
					return cur, nil
				})
				out[w] = answer{comment, rev, err}
			})
		}
		wg.Wait()
		answers = append(answers, out...)
	}
	committed := map[string]string{} // comment → revision, from the audit log
	rows, err := db.SQL().QueryContext(ctx, `SELECT comment, revision_id::text FROM audit_log WHERE operation = 'edit'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, r string
		if err := rows.Scan(&c, &r); err != nil {
			t.Fatal(err)
		}
		committed[c] = r
	}
	rows.Close()
	acked, busy := 0, 0
	for _, a := range answers {
		var be *postgres.BusyError
		switch {
		case a.err == nil:
			acked++
			if committed[a.comment] != a.rev {
				t.Errorf("%s: acknowledged as revision %s, audit log says %q", a.comment, a.rev, committed[a.comment])
			}
		case errors.As(a.err, &be) || errors.Is(a.err, context.DeadlineExceeded):
			busy++
			if r, ok := committed[a.comment]; ok {
				t.Errorf("%s: answered %v, but revision %s committed it", a.comment, a.err, r)
			}
		default:
			t.Errorf("%s: unexpected error %v", a.comment, a.err)
		}
	}
	if acked+busy != len(answers) || acked == 0 {
		t.Errorf("%d acknowledged, %d refused of %d writers", acked, busy, len(answers))
	}
	t.Logf("%d writers: %d committed, %d refused as busy", len(answers), acked, busy)
}

// TestEditCancelledMidTransaction: a writer whose context ends while its
// transaction runs is told so (context.Canceled), and nothing is committed.
// A cancel that lands inside a statement can surface from lib/pq as "driver:
// bad connection" (seen in TestDrillConcurrentWriters under load); inTx then
// wraps the context's error too, which this test cannot time precisely.
func TestEditCancelledMidTransaction(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	mustImport(t, db, defaultSnapshot(t))
	before, err := db.HeadRevision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _, err = db.Edit(ctx, "drill", "edit", "cancelled", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		cur.ChangeRule(0).Summary += " (cancelled)"
		cancel() // the client goes away while the edit is written
		return cur, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Edit = %v, want an error that is context.Canceled", err)
	}
	if after, err := db.HeadRevision(context.Background()); err != nil || after != before {
		t.Errorf("head = %s, %v after a cancelled edit; want %s (nothing committed)", after, err, before)
	}
}
