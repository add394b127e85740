package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/eligibility"
)

// acucover_eligibility_conflicts_total counts the conflicts between a
// payer's eligibility response and the catalog that answers listed, by
// kind. The kinds are eligibility.Kinds, a fixed list: every child is made
// (and exported at 0) up front, and a kind outside it is not counted.
var (
	eligibilityConflictsDesc = prometheus.NewDesc("acucover_eligibility_conflicts_total",
		"Conflicts between a payer's eligibility response (X12 271 or its JSON) and the catalog, listed in answers, by kind.",
		[]string{"kind"}, nil)
	conflictCounters = func() map[string]*counter {
		m := make(map[string]*counter, len(eligibility.Kinds))
		for _, k := range eligibility.Kinds {
			m[k] = new(counter)
		}
		return m
	}()
)

// countConflicts counts an answer's conflicts.
func countConflicts(cs []coverage.Conflict) {
	for _, c := range cs {
		if ctr := conflictCounters[c.Kind]; ctr != nil {
			ctr.inc()
		}
	}
}

// eligibilityCollector exports acucover_eligibility_conflicts_total.
type eligibilityCollector struct{}

func (eligibilityCollector) Describe(ch chan<- *prometheus.Desc) { ch <- eligibilityConflictsDesc }

func (eligibilityCollector) Collect(ch chan<- prometheus.Metric) {
	for _, k := range eligibility.Kinds {
		ch <- prometheus.MustNewConstMetric(eligibilityConflictsDesc, prometheus.CounterValue, float64(conflictCounters[k].value()), k)
	}
}
