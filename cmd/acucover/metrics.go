package main

import (
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acucover/acucover/internal/catalog"
)

// Catalog-loading metrics, updated by the reload loop (PostgreSQL only).
var (
	reloadFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "acucover_catalog_reload_failures_total",
		Help: "Catalog reloads that failed; the last good snapshot keeps serving.",
	})
	databaseUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "acucover_database_up",
		Help: "1 if the last attempt to reach PostgreSQL succeeded, else 0. Only exported with DATABASE_URL.",
	})
)

// catalogLoadSeconds times loading and building the catalog to serve, by
// where it came from: the start-up load (database, file or embedded), or a
// reload from the database that swapped in a new revision (reload). A
// catalog of a million rules takes tens of seconds; a start that nears the
// kubelet's startup probe shows here first.
var catalogLoadSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "acucover_catalog_load_duration_seconds",
	Help:    "Time to load and build a catalog snapshot, by source (database, file or embedded at start-up; reload for a new revision from the database).",
	Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
}, []string{"source"})

func init() {
	for _, source := range []string{"database", "file", "embedded", "reload"} {
		catalogLoadSeconds.WithLabelValues(source) // exported from the start
	}
}

// catalogCollector reports the snapshot in force at scrape time, so the
// numbers can never disagree with what is being served.
type catalogCollector struct {
	store                         *catalog.Store
	info, rules, lastLoad, ageSec *prometheus.Desc
	now                           func() time.Time
}

func newCatalogCollector(s *catalog.Store, now func() time.Time) *catalogCollector {
	return &catalogCollector{
		store:    s,
		now:      now,
		info:     prometheus.NewDesc("acucover_catalog_info", "The catalog revision being served (value 1).", []string{"revision"}, nil),
		rules:    prometheus.NewDesc("acucover_catalog_rules", "Rules in the catalog being served.", nil, nil),
		lastLoad: prometheus.NewDesc("acucover_catalog_last_load_timestamp_seconds", "When the catalog in force was last loaded or confirmed current (Unix seconds).", nil, nil),
		ageSec:   prometheus.NewDesc("acucover_catalog_snapshot_age_seconds", "Seconds since the catalog in force was last loaded or confirmed current.", nil, nil),
	}
}

func (c *catalogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.info
	ch <- c.rules
	ch <- c.lastLoad
	ch <- c.ageSec
}

func (c *catalogCollector) Collect(ch chan<- prometheus.Metric) {
	ix := c.store.Index()
	loaded := c.store.LoadedAt()
	ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, ix.Revision())
	ch <- prometheus.MustNewConstMetric(c.rules, prometheus.GaugeValue, float64(ix.RuleCount()))
	ch <- prometheus.MustNewConstMetric(c.lastLoad, prometheus.GaugeValue, float64(loaded.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(c.ageSec, prometheus.GaugeValue, c.now().Sub(loaded).Seconds())
}

// newRegistry returns the registry /metrics serves: Go and process
// collectors, build info, the catalog, the HTTP metrics of httpapi (passed in
// as extra collectors), and the database metrics when withDB.
func newRegistry(store *catalog.Store, withDB bool, extra ...prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "acucover_build_info",
		Help:        "Build information (value 1).",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
		newCatalogCollector(store, time.Now),
		catalogLoadSeconds,
	)
	if withDB {
		reg.MustRegister(reloadFailures, databaseUp)
	}
	reg.MustRegister(extra...)
	return reg
}

// metricsServer serves reg at /metrics on its own listener, so the API port
// never exposes operational data. Its timeouts bound what an idle or slow
// client can hold (idle keep-alives once piled up until file descriptors
// ran out and the API stopped), and its errors go to log, as JSON lines.
func metricsServer(addr string, reg *prometheus.Registry, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry: reg,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError),
	}))
	return &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second, // Prometheus scrapes every 15-60 s
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
