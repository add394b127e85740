package synth

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestImportPhases imports a synthetic catalog of ACUCOVER_IMPORT_RULES
// rules (default 10,000) into an empty database as acucover import does
// (validated first, handed over) and logs the time of each phase the import
// reports; with ACUCOVER_IMPORT_CPUPROFILE=FILE it writes a CPU profile of
// the import. It asserts that the import works and stores every rule: the
// figures go to internal/synth/README.md.
func TestImportPhases(t *testing.T) {
	n := 10_000
	if v := os.Getenv("ACUCOVER_IMPORT_RULES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	db := pgtest.Open(t)
	in := Generate(ForRules(n))
	rules := len(in.Rules)
	t0 := time.Now()
	if ps := catalog.Validate(in, nil); len(ps) > 0 {
		t.Fatal(ps)
	}
	t.Logf("%-19s %8d rules %8s", "validate", rules, time.Since(t0).Round(time.Millisecond))
	if f := os.Getenv("ACUCOVER_IMPORT_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	last := start
	rev, created, err := db.Import(ctx, in, "scale", "synthetic", postgres.HandedOver(), postgres.WithProgress(func(p postgres.Progress) {
		now := time.Now()
		if !p.Done {
			t.Logf("%-19s starts %8s after the previous phase", p.Table, now.Sub(last).Round(time.Millisecond))
		} else {
			t.Logf("%-19s %8d rows  %8s (at %s)", p.Table, p.Rows, now.Sub(last).Round(time.Millisecond), now.Sub(start).Round(time.Millisecond))
		}
		last = now
	}))
	if err != nil || !created {
		t.Fatalf("import: %v (created %v)", err, created)
	}
	took := time.Since(start).Round(time.Millisecond)
	var stored int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM item_versions WHERE kind = 'rule'`).Scan(&stored); err != nil || stored != rules {
		t.Fatalf("%d rule versions stored (%v), want %d", stored, err, rules)
	}
	fmt.Fprintf(os.Stderr, "import of %d rules as revision %s: %s\n", rules, rev, took)
}
