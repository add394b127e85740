package synth

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// editRules is the catalog size of TestScaleEdits: 200,000 rules in make
// scale (TestScalePostgres measures the same steps at 1M), 5,000 in make
// test, or ACUCOVER_EDIT_RULES.
func editRules() int {
	if v, err := strconv.Atoi(os.Getenv("ACUCOVER_EDIT_RULES")); err == nil && v > 0 {
		return v
	}
	if os.Getenv("ACUCOVER_SCALE") != "" {
		return 200_000
	}
	return 5_000
}

// TestScaleEdits measures single-rule edits on an imported catalog of
// editRules rules, as editEdits describes. It asserts that every edit is
// served by both replicas, not how fast.
func TestScaleEdits(t *testing.T) {
	ctx := context.Background()
	n := editRules()
	db := pgtest.Open(t)
	var table strings.Builder
	row := func(step, figure string) { fmt.Fprintf(&table, "| %s | %s |\n", step, figure) }
	in := Generate(ForRules(n))
	t0 := time.Now()
	if _, _, err := db.Import(ctx, in, "scale", "synthetic"); err != nil {
		t.Fatal(err)
	}
	row("import", time.Since(t0).Round(time.Millisecond).String())
	in = nil
	editsAtScale(t, ctx, db, row)
	t.Logf("edits at %d rules:\n\n| step | figure |\n|---|---|\n%s", n, table.String())
}

// editsAtScale measures single-rule edits on the imported catalog as the
// editing API makes them: the commit (Edit), the writer serving its own
// write (Store.Refresh, as the API does before it answers), and a second
// replica, which runs Watch, serving it (from the commit until its Store
// has the new revision). Then the database growth per edit, and a restore
// that differs in 10 rules.
func editsAtScale(t *testing.T, ctx context.Context, db *postgres.DB, row func(step, figure string)) {
	replica, err := postgres.Open(ctx, db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	writer, served := storeOf(t, ctx, db), storeOf(t, ctx, replica)
	wctx, stop := context.WithCancel(ctx)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		postgres.Watch(wctx, replica, served, postgres.WatchOptions{Every: time.Hour})
	}()
	defer func() { stop(); <-watching }()

	size := func() int64 {
		var n int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const edits = 20
	before := size()
	var commits, own, seen []time.Duration
	for i := range edits {
		t0 := time.Now()
		rev, changes, err := db.Edit(ctx, "scale", "edit", "", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			j := (i * 7919) % len(cur.Rules)
			cur.ChangeRule(j).Summary = fmt.Sprintf("%s (scale edit %d)", cur.Rules[j].Summary, i)
			return cur, nil
		})
		if err != nil || len(changes) != 1 {
			t.Fatalf("edit %d: %v, %d changes", i, err, len(changes))
		}
		committed := time.Now()
		commits = append(commits, committed.Sub(t0))
		if _, err := writer.Refresh(ctx, db); err != nil || writer.Index().Revision() != rev {
			t.Fatalf("writer serves %s after edit %d (%v), want %s", writer.Index().Revision(), i, err, rev)
		}
		own = append(own, time.Since(committed))
		for served.Index().Revision() != rev {
			if time.Since(committed) > 2*time.Minute {
				t.Fatalf("the replica still serves %s two minutes after revision %s", served.Index().Revision(), rev)
			}
			time.Sleep(time.Millisecond)
		}
		seen = append(seen, time.Since(committed))
	}
	grown := size() - before
	if got, want := served.Index().CatalogRevision(), writer.Index().CatalogRevision(); got != want {
		t.Fatalf("the replica serves catalog_revision %s, the writer %s", got, want)
	}
	for _, d := range [][]time.Duration{commits, own, seen} {
		slices.Sort(d)
	}
	p := func(d []time.Duration) string {
		return fmt.Sprintf("p50 %s, max %s", d[len(d)/2].Round(time.Millisecond), d[len(d)-1].Round(time.Millisecond))
	}
	row("single-rule edit, commit (Edit)", p(commits)+fmt.Sprintf(" (%d edits)", edits))
	row("the writer serves it (Store.Refresh after the commit)", p(own))
	row("a second replica serves it (Watch: NOTIFY, delta LoadCatalog, build, swap; from the commit)", p(seen))
	row("database growth per edit", fmt.Sprintf("%d KiB", grown/edits/1024))
	base, err := db.HeadRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = db.Edit(ctx, "scale", "edit", "ten rules", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		for j := range 10 {
			cur.ChangeRule(j * (len(cur.Rules) / 10)).Summary += " (ten)"
		}
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := db.LoadRevision(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	old.Revision = ""
	t0 := time.Now()
	rev, changes, err := db.Edit(ctx, "scale", "restore", "", func(*catalog.Snapshot) (*catalog.Snapshot, error) { return old, nil })
	if err != nil || len(changes) != 10 {
		t.Fatalf("restore: %v, %d changes", err, len(changes))
	}
	committed := time.Now()
	restore := committed.Sub(t0)
	for served.Index().Revision() != rev {
		if time.Since(committed) > 2*time.Minute {
			t.Fatalf("the replica still serves %s two minutes after the restore", served.Index().Revision())
		}
		time.Sleep(time.Millisecond)
	}
	row("restore differing in 10 rules (Edit, one audit entry), commit; replica serves it", fmt.Sprintf("%s; %s",
		restore.Round(time.Millisecond), time.Since(committed).Round(time.Millisecond)))
}
