package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const summaryFixture = "../../internal/catalog/testdata/summary.yaml"

func TestCatalogReport(t *testing.T) {
	out, err := runCmd(t, nil, "catalog", "report", "--date", "2026-12-04", summaryFixture)
	if err != nil {
		t.Fatalf("catalog report: %v\n%s", err, out)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "STATE") || !strings.Contains(lines[0], "UNCONFIRMED") {
		t.Errorf("header = %q", lines[0])
	}
	// The fixture's CA: licensed, 2 confirmed, 2 unconfirmed, oldest source
	// 2025-03-01, 1 undated; medicaid 2 rules (1 covered, 1 unknown) and
	// commercial 1 (unknown). See internal/catalog/summary_test.go.
	ca := regexp.MustCompile(`(?m)^CA +licensed +2 +2 +2025-03-01 +1 +medicaid 2 \(1/0/0/1\), commercial 1 \(0/0/0/1\)$`)
	if !ca.MatchString(out) {
		t.Errorf("no CA line as expected in:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n < 51+3 {
		t.Errorf("%d lines; want a header, 51 states and DC, and the footer", n)
	}
	if !strings.Contains(out, "5 rules in force on 2026-12-04") || !strings.Contains(out, "1 fictional example rules left out") {
		t.Errorf("footer missing counts:\n%s", out)
	}

	// The embedded default catalog reports too.
	if out, err := runCmd(t, nil, "catalog", "report"); err != nil || !strings.Contains(out, "\nWY ") {
		t.Errorf("catalog report of the default: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"catalog"}, {"catalog", "list"}, {"catalog", "report", "--date", "2026-02-30"}, {"catalog", "report", "a", "b"}} {
		if _, err := runCmd(t, nil, args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, exitCode(err))
		}
	}
}

func TestValidateSources(t *testing.T) {
	out, err := runCmd(t, nil, "validate", "--sources", summaryFixture)
	if err == nil {
		t.Fatalf("validate --sources passed a fixture with source problems:\n%s", out)
	}
	for _, want := range []string{
		`rule "or-migraine": needs at least one source with a URL, a date read and a quote`,
		`licensure "TX": is unknown: its notes must say what was searched`,
		"8 checked, 4 problem(s), 1 fictional example rule(s) exempt",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Without --sources the same file is a valid catalog.
	if out, err := runCmd(t, nil, "validate", summaryFixture); err != nil {
		t.Errorf("validate: %v\n%s", err, out)
	}
	// A catalog whose every fact is fully sourced passes.
	b, err := os.ReadFile("../../internal/catalog/default/federal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// federal.yaml needs conditions to be a whole catalog: take the default's.
	def, err := os.ReadFile("../../internal/catalog/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(def), "\nconditions:")
	j := strings.Index(string(def), "\nrules:")
	if i < 0 || j < i {
		t.Fatal("test setup: no conditions list in default.yaml")
	}
	f := filepath.Join(t.TempDir(), "federal.yaml")
	if err := os.WriteFile(f, append(b, def[i:j+1]...), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, nil, "validate", "--sources", f); err != nil || !strings.Contains(out, "0 problem(s)") {
		t.Errorf("validate --sources of federal.yaml: %v\n%s", err, out)
	}
}
