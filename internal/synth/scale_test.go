package synth

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// Scale tests run at 10,000 rules in make test and at 1M with
// ACUCOVER_SCALE=1 (make scale). They report time and memory and assert
// only what must hold at any size: the index builds and answers.
func scaleRules() int {
	if os.Getenv("ACUCOVER_SCALE") != "" {
		return 1_000_000
	}
	return 10_000
}

// rss returns the process's resident and peak resident memory in MiB.
func rss() (cur, peak string) {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VmRSS:" {
			cur = f[1] + " kB"
		}
		if len(f) >= 2 && f[0] == "VmHWM:" {
			peak = f[1] + " kB"
		}
	}
	return cur, peak
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func TestScaleBuild(t *testing.T) {
	o := ForRules(scaleRules())
	start := time.Now()
	s := Generate(o)
	genTime := time.Since(start)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s.Revision = "scale" // as PostgreSQL sets it: no content hash of the whole catalog
	start = time.Now()
	ix, err := catalog.Build(s)
	buildTime := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	cur, peak := rss()
	t.Logf("%d plans, %d rules: generate %s; Build (validate + index) %s; live heap %s (snapshot and index), +%s for the index; RSS %s, peak %s",
		len(s.Plans), ix.RuleCount(), genTime.Round(time.Millisecond), buildTime.Round(time.Millisecond),
		mib(after.HeapAlloc), mib(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc)), cur, peak)
	_, ruled := PlanStates(o.Plans-1, o.StatesPerPlan)
	d, err := coverage.Decide(ix, coverage.Query{Plan: PlanID(o.Plans - 1), State: ruled[0], Condition: ConditionID(o.Conditions - 1), Date: catalog.NewDate(2026, 3, 10)})
	if err != nil || d.Reasons[0].RuleID == "" {
		t.Fatalf("the last plan's lookup: %+v, %v", d.Reasons, err)
	}
	runtime.KeepAlive(ix)
}

// TestScaleReloadWhileServing measures lookup latency in-process with and
// without a reload (Build of a whole catalog, then Swap) running alongside:
// a reload must not pause lookups. It logs p50/p99; it asserts only that
// every lookup succeeded and reloads happened.
func TestScaleReloadWhileServing(t *testing.T) {
	o := ForRules(scaleRules())
	first := Generate(o)
	first.Revision = "1"
	ix, err := catalog.Build(first)
	if err != nil {
		t.Fatal(err)
	}
	store := catalog.NewStore(ix)
	span := 2 * time.Second
	if scaleRules() > 100_000 {
		span = 30 * time.Second
	}
	quiet := lookupLatencies(t, store, o, span, func(<-chan struct{}) {})
	var reloads atomic.Int64
	busy := lookupLatencies(t, store, o, span, func(stop <-chan struct{}) {
		for rev := 2; ; rev++ {
			select {
			case <-stop:
				return
			default:
			}
			s := Generate(o)
			s.Revision = fmt.Sprint(rev)
			next, err := catalog.Build(s)
			if err != nil {
				t.Error(err)
				return
			}
			store.Swap(next)
			reloads.Add(1)
		}
	})
	if reloads.Load() == 0 || store.Index().Revision() == "1" {
		t.Fatalf("no reload finished in %s", span)
	}
	t.Logf("%d rules, in-process lookups: without reload p50 %s p99 %s (%d lookups); during %d reloads p50 %s p99 %s (%d lookups)",
		ix.RuleCount(), pct(quiet, .5), pct(quiet, .99), len(quiet), reloads.Load(), pct(busy, .5), pct(busy, .99), len(busy))
}

// lookupLatencies runs lookups in store on two goroutines for d while
// during runs alongside (it must return once stop is closed), and returns
// every lookup's latency. A lookup that fails for another reason than a
// state the plan does not offer fails t.
func lookupLatencies(t testing.TB, store *catalog.Store, o Options, d time.Duration, during func(stop <-chan struct{})) []time.Duration {
	_, ruled := PlanStates(1, o.StatesPerPlan)
	stop := make(chan struct{})
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	var errs atomic.Int64
	for g := range 2 {
		wg.Go(func() {
			var mine []time.Duration
			for i := 0; ; i++ {
				select {
				case <-stop:
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
					return
				default:
				}
				q := coverage.Query{Plan: PlanID((i + g) % o.Plans), State: ruled[0], Condition: ConditionID(i % o.Conditions), Date: catalog.NewDate(2026, 3, 10)}
				if (i+g)%o.Plans != 1 {
					q.State = "CA"
				}
				t0 := time.Now()
				_, err := coverage.Decide(store.Index(), q)
				mine = append(mine, time.Since(t0))
				if err != nil && !strings.Contains(err.Error(), "not offered") {
					errs.Add(1)
				}
				if i%64 == 0 {
					time.Sleep(50 * time.Microsecond) // leave the reloader some CPU, as a server between requests would
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { defer close(done); during(stop) }()
	time.Sleep(d)
	close(stop)
	wg.Wait()
	<-done
	if errs.Load() > 0 {
		t.Errorf("%d lookups failed", errs.Load())
	}
	return lat
}

// pct returns the p-quantile of l (sorting l).
func pct(l []time.Duration, p float64) time.Duration {
	slices.Sort(l)
	return l[int(float64(len(l)-1)*p)]
}

// lookupPlan is the plan the lookup benchmarks ask about: one in the middle
// of the catalog whose rule for its first state and condition 3 has the same
// shape at every size (shape variant 2: conditional, with criteria, windows
// and an extension), so that only the catalog's size differs.
func lookupPlan(o Options) int {
	p := o.Plans / 2
	return min(p-p%5+2, o.Plans-1) // that rule's variant is p+3+0+2 (see Generate)
}

// BenchmarkScaleDecide is a no-facts and a with-facts lookup in catalogs of
// 1k to 100k rules (1M with ACUCOVER_SCALE=1): the time must stay flat.
func BenchmarkScaleDecide(b *testing.B) {
	sizes := []int{1_000, 10_000, 100_000}
	if os.Getenv("ACUCOVER_SCALE") != "" {
		sizes = append(sizes, 1_000_000)
	}
	yes, no, weeks := true, false, 16
	for _, n := range sizes {
		o := ForRules(n)
		s := Generate(o)
		s.Revision = "bench"
		ix, err := catalog.Build(s)
		if err != nil {
			b.Fatal(err)
		}
		p := lookupPlan(o)
		_, ruled := PlanStates(p, o.StatesPerPlan)
		q := coverage.Query{Plan: PlanID(p), State: ruled[0], Condition: ConditionID(3), Date: catalog.NewDate(2026, 3, 10)}
		for _, facts := range []bool{false, true} {
			name := fmt.Sprintf("rules=%d/nofacts", ix.RuleCount())
			if facts {
				name = fmt.Sprintf("rules=%d/facts", ix.RuleCount())
				q.Patient = &coverage.Patient{PainWeeks: &weeks, SystemicCause: &no, SurgeryRelated: &no, PregnancyRelated: &no, Improving: &yes}
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := coverage.Decide(ix, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
