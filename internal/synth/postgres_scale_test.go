package synth

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// memory is the process's memory at one moment: the Go heap in use after a
// GC, and the resident set now and at its peak (VmRSS, VmHWM) in MiB.
type memory struct{ heap, rss, peak uint64 }

func measureMemory() memory {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	out := memory{heap: m.HeapInuse >> 20}
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(b), "\n") {
		var kb uint64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			out.rss = kb >> 10
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			out.peak = kb >> 10
		}
	}
	return out
}

// resetPeak returns freed memory to the OS and resets VmHWM to the current
// RSS (Linux: clear_refs 5), so the next peak is that of what follows alone.
// The first GC moves what sync.Pools hold to their victim caches and the
// second frees it: encoding/json keeps its buffer pooled, and after a
// ContentHash of a 1M-rule catalog that is 1 GB still live after one GC,
// which would also set the next GC's goal at 2 GB.
func resetPeak() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakMiB is VmHWM in MiB.
func peakMiB() uint64 {
	_, peak := rss()
	kb, _ := strconv.ParseUint(strings.TrimSuffix(peak, " kB"), 10, 64)
	return kb >> 10
}

// TestScalePostgres runs the whole path a deployment takes, at 10,000 rules
// in make test and 1M with ACUCOVER_SCALE=1 (make scale): generate, import
// into PostgreSQL, LoadCatalog, Build, lookups at 1k rules up to the full
// size, and lookups while reloads (LoadCatalog + Build + Swap) run. It
// prints a table of times and memory and asserts only that every step works
// and the loaded catalog is the one imported.
func TestScalePostgres(t *testing.T) {
	ctx := context.Background()
	n := scaleRules()
	o := ForRules(n)
	db := pgtest.Open(t)
	var table strings.Builder
	row := func(step, figure string) { fmt.Fprintf(&table, "| %s | %s |\n", step, figure) }

	t0 := time.Now()
	in := Generate(o)
	row("generate", fmt.Sprintf("%d rules, %d plans: %s", len(in.Rules), len(in.Plans), time.Since(t0).Round(time.Millisecond)))
	t0 = time.Now()
	rev, _, err := db.Import(ctx, in, "scale", "synthetic")
	if err != nil {
		t.Fatal(err)
	}
	row("import (COPY, one transaction)", time.Since(t0).Round(time.Millisecond).String())
	want, err := catalog.ContentHash(in)
	if err != nil {
		t.Fatal(err)
	}
	in = nil

	// The first read after the import, as a replica reads it on NOTIFY:
	// LoadCatalog and Build back to back, no GC between, and the process's
	// peak RSS across both.
	resetPeak()
	t0 = time.Now()
	first, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loadTime := time.Since(t0)
	t0 = time.Now()
	if _, err := catalog.Build(first); err != nil {
		t.Fatal(err)
	}
	row("LoadCatalog + Build, first read after the import", fmt.Sprintf("%s + %s; peak RSS %d MiB",
		loadTime.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond), peakMiB()))
	first = nil

	// Again, measured step by step (a GC after each, for the heap figures).
	resetPeak()
	t0 = time.Now()
	s, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loadTime = time.Since(t0)
	afterLoad := measureMemory()
	t0 = time.Now()
	ix, err := catalog.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	buildTime := time.Since(t0)
	afterBuild := measureMemory()
	row("LoadCatalog", fmt.Sprintf("%s; heap in use %d MiB", loadTime.Round(time.Millisecond), afterLoad.heap))
	row("Build (validate + index)", fmt.Sprintf("%s; heap in use %d MiB (snapshot + index)", buildTime.Round(time.Millisecond), afterBuild.heap))
	row("RSS after LoadCatalog + Build", fmt.Sprintf("%d MiB, peak %d MiB", afterBuild.rss, afterBuild.peak))
	if ix.Revision() != rev || ix.RuleCount() != len(s.Rules) {
		t.Fatalf("loaded revision %s with %d rules, want %s", ix.Revision(), ix.RuleCount(), rev)
	}
	if got, err := catalog.ContentHash(s); err != nil || got != want {
		t.Fatalf("loaded content hash %s (%v), want %s", got, err, want)
	}
	s = nil

	// Lookups: the time per lookup must not grow with the catalog.
	yes, no, weeks := true, false, 16
	for _, size := range []int{1_000, 10_000, 100_000, 1_000_000} {
		if size > n {
			break
		}
		so := ForRules(size)
		look := ix
		if size < n {
			if look, err = catalog.Build(Generate(so)); err != nil {
				t.Fatal(err)
			}
		}
		p := lookupPlan(so)
		_, ruled := PlanStates(p, so.StatesPerPlan)
		q := coverage.Query{Plan: PlanID(p), State: ruled[0], Condition: ConditionID(3), Date: catalog.NewDate(2026, 3, 10),
			Patient: &coverage.Patient{PainWeeks: &weeks, SystemicCause: &no, SurgeryRelated: &no, PregnancyRelated: &no, Improving: &yes}}
		// Measure lookups, not the collection of what Build just
		// allocated: at a million rules one marks for seconds.
		runtime.GC()
		const lookups = 200_000
		t0 = time.Now()
		for range lookups {
			if _, err := coverage.Decide(look, q); err != nil {
				t.Fatal(err)
			}
		}
		row(fmt.Sprintf("lookup, %d rules", look.RuleCount()), fmt.Sprintf("%s per lookup (mean of %d, with facts)", time.Since(t0)/lookups, lookups))
	}

	// Lookups while the catalog reloads from PostgreSQL, as serve does on
	// NOTIFY: load, build and swap, alongside the lookups.
	store := catalog.NewStore(ix)
	ix = nil
	span := 3 * time.Second
	if n > 100_000 {
		span = 30 * time.Second
	}
	resetPeak()
	quiet := lookupLatencies(t, store, o, span, func(<-chan struct{}) {})
	var reloads atomic.Int64
	var reloadTime atomic.Int64
	busy := lookupLatencies(t, store, o, span, func(stop <-chan struct{}) {
		for {
			select {
			case <-stop:
				return
			default:
			}
			// What Store.Reload does for a new revision (it skips the build
			// for the revision in force, and the head does not move here).
			t0 := time.Now()
			next, err := db.LoadCatalog(ctx)
			if err == nil {
				var nix *catalog.Index
				if nix, err = catalog.Build(next); err == nil {
					store.Swap(nix)
				}
			}
			if err != nil {
				t.Error(err)
				return
			}
			reloadTime.Add(int64(time.Since(t0)))
			reloads.Add(1)
		}
	})
	if reloads.Load() == 0 {
		t.Fatalf("no reload finished in %s", span)
	}
	row("lookups without reload", fmt.Sprintf("p50 %s, p99 %s (%d lookups)", pct(quiet, .5), pct(quiet, .99), len(quiet)))
	row("lookups during reloads", fmt.Sprintf("p50 %s, p99 %s (%d lookups, %d reloads of %s each)",
		pct(busy, .5), pct(busy, .99), len(busy), reloads.Load(), (time.Duration(reloadTime.Load())/time.Duration(reloads.Load())).Round(time.Millisecond)))
	editsAtScale(t, ctx, db, row)
	m := measureMemory()
	row("RSS while serving and reloading", fmt.Sprintf("%d MiB now, peak %d MiB", m.rss, m.peak))
	t.Logf("PostgreSQL scale run, %d rules, GOMAXPROCS %d:\n\n| step | figure |\n|---|---|\n%s", n, runtime.GOMAXPROCS(0), table.String())
}
