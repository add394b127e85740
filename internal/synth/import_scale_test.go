package synth

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestImportPhases imports a synthetic catalog of ACUCOVER_IMPORT_RULES
// rules (default 10,000) into an empty database and logs the time of each
// phase the import reports; with ACUCOVER_IMPORT_CPUPROFILE=FILE it writes
// a CPU profile of the import. It asserts only that the import works: the
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
	rev, created, err := db.Import(ctx, in, "scale", "synthetic", postgres.WithProgress(func(p postgres.Progress) {
		if p.Done {
			now := time.Now()
			t.Logf("%-16s %8d rows  %8s (at %s)", p.Table, p.Rows, now.Sub(last).Round(time.Millisecond), now.Sub(start).Round(time.Millisecond))
			last = now
		}
	}))
	if err != nil || !created {
		t.Fatalf("import: %v (created %v)", err, created)
	}
	fmt.Fprintf(os.Stderr, "import of %d rules as revision %s: %s\n", len(in.Rules), rev, time.Since(start).Round(time.Millisecond))
}
