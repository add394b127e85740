package httpapi

import (
	"maps"
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// The API's metrics. Labels are bounded: route templates (never raw paths),
// known methods, status classes, decision statuses and plan types — never
// patient data or free text.
//
// Every request updates them, from whichever core serves it. A
// client_golang counter or histogram is one set of atomics that every core
// writes, so under load each update waits for the cache line to come over
// from the other core. Here each child keeps shards on separate cache
// lines, each core updates its own, and a scrape adds them up
// (BenchmarkParallelGet measures the difference: README, Performance). The
// exposition is the same as
// client_golang's vectors would give (TestShardedMetricsMatchClientGolang).
var (
	httpRequestsDesc = prometheus.NewDesc("acucover_http_requests_total",
		"HTTP requests answered, by route template (OpenAPI form, /v1/plans/{id}), method, status class and status code (499: the client closed the request first).",
		[]string{"route", "method", "status_class", "code"}, nil)
	httpDurationDesc = prometheus.NewDesc("acucover_http_request_duration_seconds",
		"Time to answer an HTTP request, by route template (OpenAPI form), method, status class and status code.",
		[]string{"route", "method", "status_class", "code"}, nil)
	coverageDecisionsDesc = prometheus.NewDesc("acucover_coverage_decisions_total",
		"Coverage decisions answered, by decision status and plan type.",
		[]string{"status", "plan_type"}, nil)
	estimatesDesc = prometheus.NewDesc("acucover_estimates_total",
		"Course cost estimates answered, by plan type.",
		[]string{"plan_type"}, nil)
	rateLimitedDesc = prometheus.NewDesc("acucover_rate_limited_total",
		"Requests refused with 429 by the rate limiter, by whose bucket was empty (client: ip or key) and why (reason: request, or batch for a batch's per-check cost).",
		[]string{"client", "reason"}, nil)
	batchBusyDesc = prometheus.NewDesc("acucover_batch_busy_total",
		"Batches refused with 503 because --max-batches batches were already being answered.",
		nil, nil)
)

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram's buckets.
var durationBuckets = [...]float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// Collectors returns the API's metrics, for the binary's registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{apiCollector{}, eligibilityCollector{}}
}

// apiCollector exports the API's metrics from their shards.
type apiCollector struct{}

func (apiCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- httpRequestsDesc
	ch <- httpDurationDesc
	ch <- coverageDecisionsDesc
	ch <- estimatesDesc
	ch <- rateLimitedDesc
	ch <- batchBusyDesc
}

func (apiCollector) Collect(ch chan<- prometheus.Metric) {
	for l, d := range httpMetrics.all() {
		count, sum, buckets := d.snapshot()
		ch <- prometheus.MustNewConstMetric(httpRequestsDesc, prometheus.CounterValue, float64(count), l.route, l.method, l.class, l.code)
		ch <- prometheus.MustNewConstHistogram(httpDurationDesc, count, sum, buckets, l.route, l.method, l.class, l.code)
	}
	for l, c := range decisionCounters.all() {
		ch <- prometheus.MustNewConstMetric(coverageDecisionsDesc, prometheus.CounterValue, float64(c.value()), l.status, l.planType)
	}
	for planType, c := range estimateCounters.all() {
		ch <- prometheus.MustNewConstMetric(estimatesDesc, prometheus.CounterValue, float64(c.value()), planType)
	}
	for l, c := range rateLimited.all() {
		ch <- prometheus.MustNewConstMetric(rateLimitedDesc, prometheus.CounterValue, float64(c.value()), l.client, l.reason)
	}
	ch <- prometheus.MustNewConstMetric(batchBusyDesc, prometheus.CounterValue, float64(batchBusy.value()))
}

// metricShards is how many shards each metric child has.
const metricShards = 16

// shard picks the shard for an update: the one the current P (the
// scheduler's per-core context) has been using, so a core keeps writing
// cache lines it already holds. A sync.Pool keeps per-P values: the token
// taken is, almost always, the one this P put back last. A token lost to a
// garbage collection is replaced by the next shard in turn.
func shard() uint32 {
	t := shardTokens.Get().(*uint32)
	i := *t
	shardTokens.Put(t)
	return i
}

var (
	shardTokens = sync.Pool{New: func() any {
		i := nextShard.Add(1) % metricShards
		return &i
	}}
	nextShard atomic.Uint32
)

// counter is a sharded monotonic counter.
type counter struct{ shards [metricShards]paddedUint64 }

// paddedUint64 fills a cache line, so neighbouring shards never share one.
type paddedUint64 struct {
	atomic.Uint64
	_ [56]byte
}

func (c *counter) inc() { c.shards[shard()].Add(1) }

func (c *counter) value() uint64 {
	var n uint64
	for i := range c.shards {
		n += c.shards[i].Load()
	}
	return n
}

// durations is one label set's request durations: a histogram with
// durationBuckets, whose count is also acucover_http_requests_total.
type durations struct{ shards [metricShards]durationShard }

// durationShard is 128 bytes, two whole cache lines (14 bounds): the
// bucket counts (the last for durations above every bound) and the sum's
// float64 bits. The
// count is the buckets' total, so a scrape never sees a count that
// disagrees with its buckets.
type durationShard struct {
	buckets [len(durationBuckets) + 1]atomic.Uint64
	sumBits atomic.Uint64
}

func (d *durations) observe(seconds float64) {
	s := &d.shards[shard()]
	s.buckets[sort.SearchFloat64s(durationBuckets[:], seconds)].Add(1)
	for {
		old := s.sumBits.Load()
		if s.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+seconds)) {
			return
		}
	}
}

// snapshot returns the count, the sum and the cumulative bucket counts, as
// prometheus.MustNewConstHistogram takes them.
func (d *durations) snapshot() (count uint64, sum float64, cumulative map[float64]uint64) {
	var per [len(durationBuckets) + 1]uint64
	for i := range d.shards {
		s := &d.shards[i]
		for b := range s.buckets {
			per[b] += s.buckets[b].Load()
		}
		sum += math.Float64frombits(s.sumBits.Load())
	}
	cumulative = make(map[float64]uint64, len(durationBuckets))
	for b, bound := range durationBuckets {
		count += per[b]
		cumulative[bound] = count
	}
	return count + per[len(durationBuckets)], sum, cumulative
}

// httpLabels are the labels of the HTTP metrics.
type httpLabels struct{ route, method, class, code string }

var httpMetrics = newChildren(func(httpLabels) *durations { return new(durations) })

// decisionLabels are the labels of acucover_coverage_decisions_total.
type decisionLabels struct{ status, planType string }

var decisionCounters = newChildren(func(decisionLabels) *counter { return new(counter) })

var estimateCounters = newChildren(func(planType string) *counter { return new(counter) })

// rateLimitedLabels are the labels of acucover_rate_limited_total.
type rateLimitedLabels struct{ client, reason string }

var rateLimited = func() *children[rateLimitedLabels, *counter] {
	c := newChildren(func(rateLimitedLabels) *counter { return new(counter) })
	for _, client := range []string{"ip", "key"} { // exported from the start, at 0
		for _, reason := range []string{"request", "batch"} {
			c.get(rateLimitedLabels{client, reason})
		}
	}
	return c
}()

// batchBusy counts acucover_batch_busy_total.
var batchBusy counter

// children keeps a metric's children by their labels. Label sets are
// bounded (see the metrics above), so the map is too, and it is copied on
// the rare write: a read takes no lock, so requests on different cores do
// not contend for one.
type children[K comparable, M any] struct {
	m       atomic.Pointer[map[K]M]
	mu      sync.Mutex // serializes writers
	resolve func(K) M
}

func newChildren[K comparable, M any](resolve func(K) M) *children[K, M] {
	c := &children[K, M]{resolve: resolve}
	c.m.Store(&map[K]M{})
	return c
}

func (c *children[K, M]) get(k K) M {
	if m, ok := (*c.m.Load())[k]; ok {
		return m
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := *c.m.Load()
	if m, ok := cur[k]; ok {
		return m
	}
	m := c.resolve(k)
	next := maps.Clone(cur)
	next[k] = m
	c.m.Store(&next)
	return m
}

// all returns the children so far; the map must not be modified.
func (c *children[K, M]) all() map[K]M { return *c.m.Load() }
