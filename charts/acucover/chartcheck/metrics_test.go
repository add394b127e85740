package chartcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var metricName = regexp.MustCompile(`\b(?:acucover|go_sql)_[a-z_]+`)

// contract reads metrics.txt: name → type.
func contract(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, filepath.Join(chartDir, "metrics.txt"))))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || !slices.Contains([]string{"counter", "gauge", "histogram"}, f[1]) || !metricName.MatchString(f[0]) {
			t.Fatalf("metrics.txt: bad line %q (want \"name counter|gauge|histogram\")", line)
		}
		if _, dup := m[f[0]]; dup {
			t.Fatalf("metrics.txt: %s listed twice", f[0])
		}
		m[f[0]] = f[1]
	}
	return m
}

// unknownMetrics returns the metric names in text that the contract lacks.
// A histogram covers its _bucket, _sum and _count series.
func unknownMetrics(text string, c map[string]string) []string {
	var bad []string
	for _, name := range metricName.FindAllString(text, -1) {
		if _, ok := c[name]; ok {
			continue
		}
		base := name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			base = strings.TrimSuffix(base, suf)
		}
		if base != name && c[base] == "histogram" {
			continue
		}
		if !slices.Contains(bad, name) {
			bad = append(bad, name)
		}
	}
	return bad
}

func TestMetricsContract(t *testing.T) {
	c := contract(t)
	if bad := unknownMetrics("rate(acucover_http_requests_totl[5m]) acucover_database_up_bucket", c); len(bad) != 2 {
		t.Fatalf("checker accepted names outside the contract: flagged only %q", bad)
	}
	dashboard := string(readFile(t, filepath.Join(chartDir, "dashboards", "acucover.json")))
	rules := string(readFile(t, filepath.Join(chartDir, "rules", "acucover.rules.yaml")))
	for file, text := range map[string]string{"dashboards/acucover.json": dashboard, "rules/acucover.rules.yaml": rules} {
		if bad := unknownMetrics(text, c); len(bad) > 0 {
			t.Errorf("%s uses metrics outside metrics.txt: %q", file, bad)
		}
	}
	// Every acucover_* metric of the contract has a place on the dashboard.
	for name, typ := range c {
		if !strings.HasPrefix(name, "acucover_") {
			continue
		}
		if typ == "histogram" {
			name += "_bucket"
		}
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(dashboard) {
			t.Errorf("dashboard does not show %s", name)
		}
	}
}

// TestDashboardPanels: every panel that queries names a data source variable and
// has an expression, so an imported dashboard works on any Prometheus data source.
func TestDashboardPanels(t *testing.T) {
	var d struct {
		Panels []struct {
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(chartDir, "dashboards", "acucover.json")), &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %q, %d targets", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, tg := range p.Targets {
			if tg.Expr == "" {
				t.Errorf("panel %q: empty expression", p.Title)
			}
		}
	}
}
