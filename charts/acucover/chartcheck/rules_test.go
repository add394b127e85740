package chartcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// Mutations of one alert's expression: never produces a series, always does.
const (
	neverFires  = "vector(1) < 0"
	alwaysFires = "vector(1)"
)

// TestRuleTestsCanFail proves each promtool test group in tests/rules_test.yaml
// tests something: a "<Alert> fires: ..." group must fail once that alert can
// never fire, and a "<Alert> quiet: ..." group must fail once it always fires.
// Each group must also pass against the real rules, and every alert needs at
// least one group of each kind.
func TestRuleTestsCanFail(t *testing.T) {
	promtool := tool(t, "promtool")
	rulesPath, err := filepath.Abs(filepath.Join(chartDir, "rules", "acucover.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules map[string]any
	if err := yaml.Unmarshal(readFile(t, rulesPath), &rules); err != nil {
		t.Fatal(err)
	}
	var tests map[string]any
	if err := yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "tests", "rules_test.yaml")), &tests); err != nil {
		t.Fatal(err)
	}

	alerts := map[string]map[string]int{} // alert → "fires"/"quiet" → groups
	for _, g := range rules["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			alerts[r.(map[string]any)["alert"].(string)] = map[string]int{}
		}
	}

	dir := t.TempDir()
	// run writes the rules with alert's expr replaced (expr "" keeps it) and a
	// test file holding only group, and reports whether promtool passed.
	run := func(t *testing.T, alert, expr string, group any) (bool, string) {
		t.Helper()
		mutated := deepCopy(t, rules)
		for _, g := range mutated["groups"].([]any) {
			for _, r := range g.(map[string]any)["rules"].([]any) {
				if rm := r.(map[string]any); rm["alert"] == alert && expr != "" {
					rm["expr"] = expr
				}
			}
		}
		rf := filepath.Join(dir, "rules.yaml")
		writeYAML(t, rf, mutated)
		tf := filepath.Join(dir, "test.yaml")
		writeYAML(t, tf, map[string]any{
			"rule_files":          []string{rf},
			"evaluation_interval": tests["evaluation_interval"],
			"tests":               []any{group},
		})
		out, err := exec.Command(promtool, "test", "rules", tf).CombinedOutput()
		return err == nil, string(out)
	}

	for _, group := range tests["tests"].([]any) {
		name, _ := group.(map[string]any)["name"].(string)
		alert, mode, ok := strings.Cut(name, " ")
		mode, _, _ = strings.Cut(mode, ":")
		if _, known := alerts[alert]; !ok || !known || (mode != "fires" && mode != "quiet") {
			t.Errorf("test group %q: name must start with \"<Alert> fires:\" or \"<Alert> quiet:\" for a rule in the rules file", name)
			continue
		}
		for _, art := range group.(map[string]any)["alert_rule_test"].([]any) {
			if got := art.(map[string]any)["alertname"]; got != alert {
				t.Errorf("test group %q checks alert %v; one alert per group", name, got)
			}
		}
		alerts[alert][mode]++
		t.Run(name, func(t *testing.T) {
			if pass, out := run(t, alert, "", group); !pass {
				t.Fatalf("fails against the real rules:\n%s", out)
			}
			mutation := neverFires
			if mode == "quiet" {
				mutation = alwaysFires
			}
			if pass, _ := run(t, alert, mutation, group); pass {
				t.Errorf("still passes with %s's expr replaced by %q: it cannot catch a broken rule", alert, mutation)
			}
		})
	}
	for alert, n := range alerts {
		if n["fires"] == 0 || n["quiet"] == 0 {
			t.Errorf("alert %s has %d fires and %d quiet test groups; it needs at least one of each", alert, n["fires"], n["quiet"])
		}
	}
}

func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
