package coverage

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/decisions.golden from the current catalog")

// TestDecisionMatrixGolden renders every plan × condition × a few states and
// dates of the default catalog, so a rule change shows up as a reviewable
// diff of testdata/decisions.golden. Refresh with:
//
//	go test ./internal/coverage -run TestDecisionMatrixGolden -update
func TestDecisionMatrixGolden(t *testing.T) {
	ix := defaultIndex(t)
	var b strings.Builder
	b.WriteString("# plan | state | condition | date | status without facts | status with NCD criteria met and 0 visits used | deciding rule | first reason\n")
	for _, p := range ix.Plans() {
		for _, st := range []string{"CA", "MN", "NY", "OH", "TX", "WA"} {
			for _, c := range ix.Conditions() {
				for _, dt := range []string{"2019-06-01", "2020-01-21", "2026-03-10"} {
					q := Query{Plan: p.ID, State: st, Condition: c.ID, Date: day(t, dt)}
					d, err := Decide(ix, q)
					if errors.Is(err, catalog.ErrPlanNotOffered) {
						continue
					}
					if err != nil {
						t.Fatalf("%+v: %v", q, err)
					}
					q.Patient, q.Usage = clbp(), usage(0, 0, 0)
					d2, err := Decide(ix, q)
					if err != nil {
						t.Fatalf("%+v: %v", q, err)
					}
					fmt.Fprintf(&b, "%s | %s | %s | %s | %s | %s | %s | %s\n", p.ID, st, c.ID, dt, d.Status, d2.Status, d.Reasons[0].RuleID, d2.Reasons[0].Text)
				}
			}
		}
	}
	path := filepath.Join("testdata", "decisions.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("decision matrix mismatch (-want +got); if the change is intended, rerun with -update:\n%s", diff)
	}
}
