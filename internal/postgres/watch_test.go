package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// serving is a store kept current by Watch, as serve runs it.
type serving struct {
	store    *catalog.Store
	ok, fail atomic.Int64
	reloads  atomic.Int64 // reloads that swapped a new revision in (OnReload)
}

func startServing(t *testing.T, url string, every time.Duration) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := catalog.Build(snap)
	if err != nil {
		t.Fatal(err)
	}
	s := &serving{store: catalog.NewStore(ix)}
	var wg sync.WaitGroup
	wg.Go(func() {
		postgres.Watch(ctx, db, s.store, postgres.WatchOptions{
			Every:     every,
			OnSuccess: func() { s.ok.Add(1) },
			OnFailure: func(error) { s.fail.Add(1) },
			OnReload: func(d time.Duration) {
				if d > 0 {
					s.reloads.Add(1)
				}
			},
		})
	})
	t.Cleanup(func() { cancel(); wg.Wait(); db.Close() })
	return s
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestWatchFollowsImports: an import through one instance is served by
// another within moments, through LISTEN/NOTIFY (the periodic refresh is an
// hour, so it cannot be what delivers it). The target is 1s; the deadline is
// generous so a loaded CI machine does not fail it.
func TestWatchFollowsImports(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	importer, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close()
	mustImport(t, importer, defaultSnapshot(t))

	a := startServing(t, url, time.Hour)
	b := startServing(t, url, time.Hour)
	// Wait for both listeners: each reloads once when its LISTEN is up.
	eventually(t, 10*time.Second, "listeners up", func() bool { return a.ok.Load() > 0 && b.ok.Load() > 0 })

	next := defaultSnapshot(t)
	next.ChangeRule(0).Summary += " (new)"
	rev := mustImport(t, importer, next)
	took := eventually(t, 10*time.Second, "both stores serve the new revision", func() bool {
		return a.store.Index().Revision() == rev && b.store.Index().Revision() == rev
	})
	t.Logf("new revision served by both stores after %s", took)
	// Each store timed the one reload that swapped a revision in, and none
	// of the reloads that found the head unchanged.
	eventually(t, 10*time.Second, "reloads timed", func() bool { return a.reloads.Load() == 1 && b.reloads.Load() == 1 })
	if n := a.reloads.Load(); n != 1 {
		t.Errorf("store a timed %d reloads, want 1", n)
	}
	if got := b.store.Index().Snapshot().Rules[0].Summary; got != next.Rules[0].Summary {
		t.Errorf("served summary = %q, want %q", got, next.Rules[0].Summary)
	}
}

// TestWatchSurvivesDatabaseRestart stops the database under a serving store:
// the store keeps answering from the last good index, reloads fail and are
// counted, and after the database is back a new import is picked up. It runs
// its own cluster, since it stops it.
func TestWatchSurvivesDatabaseRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cluster := pgtest.NewCluster(t)
	url := cluster.URL("postgres")
	if err := pgtest.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	importer, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	first := mustImport(t, importer, defaultSnapshot(t))
	importer.Close()

	s := startServing(t, url, 200*time.Millisecond)
	query := coverage.Query{Plan: "medicare-part-b", State: "CA", Condition: "M54.50", Date: catalog.NewDate(2026, 3, 1)}
	if _, err := coverage.Decide(s.store.Index(), query); err != nil {
		t.Fatal(err)
	}

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a failed reload is reported", func() bool { return s.fail.Load() > 0 })
	_, err = coverage.Decide(s.store.Index(), query)
	if rev := s.store.Index().Revision(); err != nil || rev != first {
		t.Fatalf("while the database is down: Decide = %v at revision %q; want revision %q", err, rev, first)
	}

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	importer, err = postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close()
	next := defaultSnapshot(t)
	next.ChangeRule(0).Summary += " (after restart)"
	rev := mustImport(t, importer, next)
	took := eventually(t, 30*time.Second, "the new revision is served after the restart", func() bool {
		return s.store.Index().Revision() == rev
	})
	t.Logf("recovered after %s; %d reloads failed meanwhile", took, s.fail.Load())
}
