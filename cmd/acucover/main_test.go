package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return out.String(), err
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`plans:
  - {id: p, name: P, payer: X, type: commercial, states: all, benefit_period: {kind: calendar_year}, cost_sharing: []}
conditions:
  - {id: c, name: C, icd10: [M54.50]}
rules:
  - {id: alpha, plan: p, states: all, conditions: [c], status: covered, summary: a, sources: [{title: t, url: "https://example.org"}]}
  - {id: beta, plan: p, states: all, conditions: [c], status: not_covered, summary: b, sources: [{title: t, url: "https://example.org"}]}
`), 0o644)
	out, err := runCmd(t, nil, "validate", bad)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("validate of an ambiguous catalog: err = %v, want exit 1", err)
	}
	if !strings.Contains(out, `rule "beta" (line 7)`) || !strings.Contains(out, `rule "alpha" (line 6)`) {
		t.Errorf("validate output should name both rules with lines:\n%s", out)
	}

	good := filepath.Join(dir, "good.yaml")
	out, err = runCmd(t, nil, "validate", "../../internal/catalog/default.yaml")
	if err != nil || !strings.Contains(out, "ok (6 plans") {
		t.Errorf("validate default.yaml = %q, %v", out, err)
	}
	if _, err := runCmd(t, nil, "validate", good); err == nil {
		t.Error("validate of a missing file succeeded")
	}
	if _, err := runCmd(t, nil, "validate"); exitCode(err) != 2 {
		t.Errorf("validate without a file: exit %d, want 2", exitCode(err))
	}
}

func TestCommands(t *testing.T) {
	if out, err := runCmd(t, nil, "version"); err != nil || !strings.HasPrefix(out, "acucover ") {
		t.Errorf("version = %q, %v", out, err)
	}
	if _, err := runCmd(t, nil, "frobnicate"); exitCode(err) != 2 {
		t.Errorf("unknown command: exit %d, want 2", exitCode(err))
	}
}

func TestHealthcheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ok.Close()
	if _, err := runCmd(t, nil, "healthcheck", "--url", ok.URL+"/healthz"); err != nil {
		t.Errorf("healthcheck of a healthy server: %v", err)
	}
	if _, err := runCmd(t, nil, "healthcheck", "--url", ok.URL+"/readyz"); err == nil {
		t.Error("healthcheck of a 503 succeeded")
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(ok.URL, "http://"))
	if _, err := runCmd(t, map[string]string{"ACUCOVER_ADDR": ":" + port}, "healthcheck"); err != nil {
		t.Errorf("healthcheck on ACUCOVER_ADDR's port: %v", err)
	}
	ok.Close()
	if _, err := runCmd(t, map[string]string{"ACUCOVER_ADDR": ":" + port}, "healthcheck"); err == nil {
		t.Error("healthcheck of a closed port succeeded")
	}
}

func TestParseConfig(t *testing.T) {
	c, err := parseConfig("serve", []string{"--addr", ":9999"}, func(k string) string {
		return map[string]string{"ACUCOVER_ADDR": ":7000", "ACUCOVER_LOG_LEVEL": "debug", "ACUCOVER_REFRESH_INTERVAL": "5s"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9999" || c.LogLevel != "debug" || c.RefreshInterval.String() != "5s" {
		t.Errorf("flags must override env, env must override defaults: %+v", c)
	}
	_, err = parseConfig("serve", []string{"--max-body-bytes", "3", "--log-level", "loud"}, func(k string) string {
		return map[string]string{"ACUCOVER_REFRESH_INTERVAL": "soon", "DATABASE_URL": "mysql://x"}[k]
	})
	for _, want := range []string{"ACUCOVER_REFRESH_INTERVAL", "max-body-bytes", "log-level", "postgres://"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config error should mention %q: %v", want, err)
		}
	}
	c = defaultConfig()
	c.DatabaseURL = "postgres://acu:s3cret@db:5432/acu"
	if s := c.String(); strings.Contains(s, "s3cret") {
		t.Errorf("config log line leaks the password: %s", s)
	}
}

// TestReadmeCatalogExample keeps the catalog format's example
// (internal/catalog/README.md) valid.
func TestReadmeCatalogExample(t *testing.T) {
	readme, err := os.ReadFile("../../internal/catalog/README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- catalog-example")
	if !ok {
		t.Fatal("internal/catalog/README.md has no catalog-example marker")
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("internal/catalog/README.md catalog example is not a closed yaml block")
	}
	f := filepath.Join(t.TempDir(), "example.yaml")
	if err := os.WriteFile(f, []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, nil, "validate", f); err != nil {
		t.Errorf("README catalog example does not validate: %v\n%s", err, out)
	}
}
