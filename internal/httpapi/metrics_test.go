package httpapi

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestShardedMetricsMatchClientGolang: what apiCollector exports for
// durations observed and counts made from many goroutines is what
// client_golang's own histogram and counter give for the same
// observations: every bucket, count and sum, and the label pairs.
func TestShardedMetricsMatchClientGolang(t *testing.T) {
	t.Parallel()
	labels := httpLabels{"/v1/zz-test", "GET", "2xx", "200"} // a label set no other test uses
	ref := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ref", Buckets: durationBuckets[:]})
	refCount := prometheus.NewCounter(prometheus.CounterOpts{Name: "ref_total"})
	decisions := decisionCounters.get(decisionLabels{"zz-test", "zz-test"})

	const workers, each = 8, 5000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range each {
				// Durations around and on every bound, and beyond the last.
				var d float64
				switch rng.IntN(3) {
				case 0:
					d = durationBuckets[rng.IntN(len(durationBuckets))]
				case 1:
					d = rng.Float64() * 3
				default:
					d = math.Ldexp(rng.Float64(), -rng.IntN(20))
				}
				httpMetrics.get(labels).observe(d)
				ref.Observe(d)
				decisions.inc()
				refCount.Inc()
			}
		})
	}
	wg.Wait()

	var gotHist, gotRequests, gotDecisions *dto.Metric
	ch := make(chan prometheus.Metric, 1024)
	go func() { apiCollector{}.Collect(ch); close(ch) }()
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		lv := map[string]string{}
		for _, p := range pb.GetLabel() {
			lv[p.GetName()] = p.GetValue()
		}
		switch {
		case m.Desc() == httpDurationDesc && lv["route"] == labels.route:
			gotHist = &pb
			if lv["method"] != "GET" || lv["status_class"] != "2xx" || lv["code"] != "200" {
				t.Errorf("histogram labels %v", lv)
			}
		case m.Desc() == httpRequestsDesc && lv["route"] == labels.route:
			gotRequests = &pb
		case m.Desc() == coverageDecisionsDesc && lv["status"] == "zz-test":
			gotDecisions = &pb
		}
	}
	if gotHist == nil || gotRequests == nil || gotDecisions == nil {
		t.Fatalf("collected histogram %v, requests %v, decisions %v; want all three", gotHist != nil, gotRequests != nil, gotDecisions != nil)
	}
	var want dto.Metric
	if err := ref.Write(&want); err != nil {
		t.Fatal(err)
	}
	wh, gh := want.GetHistogram(), gotHist.GetHistogram()
	if gh.GetSampleCount() != workers*each || gh.GetSampleCount() != wh.GetSampleCount() {
		t.Errorf("count %d, client_golang %d, want %d", gh.GetSampleCount(), wh.GetSampleCount(), workers*each)
	}
	if math.Abs(gh.GetSampleSum()-wh.GetSampleSum()) > 1e-9*wh.GetSampleSum() {
		t.Errorf("sum %v, client_golang %v", gh.GetSampleSum(), wh.GetSampleSum())
	}
	type bucket struct {
		Le    float64
		Count uint64
	}
	buckets := func(h *dto.Histogram) (bs []bucket) {
		for _, b := range h.GetBucket() {
			bs = append(bs, bucket{b.GetUpperBound(), b.GetCumulativeCount()})
		}
		return bs
	}
	if diff := cmp.Diff(buckets(wh), buckets(gh)); diff != "" {
		t.Errorf("buckets differ from client_golang's (-want +got):\n%s", diff)
	}
	if got := gotRequests.GetCounter().GetValue(); got != workers*each {
		t.Errorf("acucover_http_requests_total %v, want %d", got, workers*each)
	}
	var wc dto.Metric
	if err := refCount.Write(&wc); err != nil {
		t.Fatal(err)
	}
	if got := gotDecisions.GetCounter().GetValue(); got != wc.GetCounter().GetValue() {
		t.Errorf("decisions counter %v, client_golang %v", got, wc.GetCounter().GetValue())
	}
}

// TestHTTPMetricLabels: route labels are OpenAPI templates (/v1/plans/{id},
// as the document and the dashboard name them), the status code is a
// label, and a 429 counts in acucover_rate_limited_total.
func TestHTTPMetricLabels(t *testing.T) {
	t.Parallel()
	s := newBatchServer(t, func(d *Deps) { d.RateLimit, d.RateBurst = 0.001, 2 })
	limited := rateLimited.get(rateLimitedLabels{"ip", "request"})
	before := limited.value()
	plan := httpMetrics.get(httpLabels{"/v1/plans/{id}", "GET", "2xx", "200"})
	n0, _, _ := plan.snapshot()
	for range 3 {
		s.serve(get("/v1/plans/medicaid").build())
	}
	if n, _, _ := plan.snapshot(); n-n0 < 2 {
		t.Errorf("GET /v1/plans/medicaid counted %d times under route /v1/plans/{id}, code 200; want 2", n-n0)
	}
	if got := limited.value() - before; got < 1 {
		t.Errorf("acucover_rate_limited_total{client=ip,reason=request} rose by %d after a 429", got)
	}
	if got := routeLabel("/v1/admin/revisions/:id/restore"); got != "/v1/admin/revisions/{id}/restore" {
		t.Errorf("routeLabel = %q", got)
	}
}
