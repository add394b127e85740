package main

import (
	"bufio"
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// scrape answers a few real requests through the API, then scrapes the
// registry serve would build, with a database.
func scrape(t *testing.T) string {
	t.Helper()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := catalog.NewStore(ix)
	db := pgtest.Open(t)
	reloadFailures.Add(0)
	databaseUp.Set(1)
	reg := newRegistry(store, true, append(httpapi.Collectors(), collectors.NewDBStatsCollector(db.SQL(), "acucover"))...)

	api := httptest.NewServer(httpapi.New(httpapi.Deps{Store: store, Now: time.Now}))
	defer api.Close()
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain&date=2026-03-10", ""},
		{"POST", "/v1/estimates", `{"plan":"example-ppo-gold","state":"NY","condition":"neck_pain","start_date":"2026-03-02","course":{"visits":4}}`},
		{"GET", "/v1/nope", ""},
		{"BREW", "/v1/plans", ""},
	} {
		req, _ := http.NewRequest(r.method, api.URL+r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	metrics := httptest.NewServer(metricsServer("", reg, slog.New(slog.DiscardHandler)).Handler)
	defer metrics.Close()
	resp, err := http.Get(metrics.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.String()
}

func TestMetricsPassPromtoolAndMatchTheContract(t *testing.T) {
	body := scrape(t)

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is needed to check the metrics: apt-get install -y prometheus (.ci/run installs it)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	// Every metric the chart's alerts and dashboard may use is exported,
	// with the type the contract says.
	types := map[string]string{}
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
		}
	}
	contract, err := os.Open("../../charts/acucover/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer contract.Close()
	sc := bufio.NewScanner(contract)
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		n++
		if got := types[f[0]]; got != f[1] {
			t.Errorf("metric %s: exported type %q, contract says %q", f[0], got, f[1])
		}
	}
	if n < 10 {
		t.Fatalf("read only %d metrics from the contract", n)
	}
	// Every acucover_ metric exported is in the contract, so the dashboard
	// and alerts can know of it.
	for name := range types {
		if strings.HasPrefix(name, "acucover_") && !bytes.Contains(mustRead(t, "../../charts/acucover/metrics.txt"), []byte(name+" ")) {
			t.Errorf("exported metric %s is missing from charts/acucover/metrics.txt", name)
		}
	}
	def, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`acucover_http_requests_total{code="200",method="GET",route="/v1/coverage",status_class="2xx"} `,
		`acucover_http_requests_total{code="404",method="GET",route="unmatched",status_class="4xx"} `,
		`",method="OTHER",route="unmatched",status_class="4xx"} `,
		`acucover_coverage_decisions_total{plan_type="original_medicare",status="not_covered"}`,
		`acucover_estimates_total{plan_type="commercial"}`,
		"acucover_catalog_rules " + strconv.Itoa(def.RuleCount()) + "\n",
		`acucover_catalog_info{revision="`,
		`go_sql_open_connections{db_name="acucover"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var _ prometheus.Collector = (*catalogCollector)(nil)
