package catalog

import (
	"strings"
	"testing"
)

// statesA are the Medicaid programs researched in internal/catalog/default/medicaid/XX.yaml
// by the states-a pass; each must answer from its own file, never from the
// plan-wide fallback rule.
var statesA = []string{
	"AK", "AL", "AR", "AZ", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA",
	"ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MO",
}

func TestDefaultMedicaidStatesAAnswerFromTheirOwnRules(t *testing.T) {
	ix := mustDefault(t)
	read := date(t, "2026-12-04")
	for _, st := range statesA {
		t.Run(st, func(t *testing.T) {
			r := ix.Rule("medicaid", st, "chronic_low_back_pain", read)
			if r == nil {
				t.Fatalf("no medicaid rule for %s", st)
			}
			prefix := "medicaid-" + strings.ToLower(st) + "-"
			if !strings.HasPrefix(r.ID, prefix) {
				t.Fatalf("rule for %s = %q, want an id starting %q (not the fallback)", st, r.ID, prefix)
			}
		})
	}
}

func TestDefaultMedicaidStatesARulesAreSourcedAndQuoted(t *testing.T) {
	ix := mustDefault(t)
	for _, st := range statesA {
		prefix := "medicaid-" + strings.ToLower(st) + "-"
		n := 0
		for _, r := range ix.Snapshot().Rules {
			if !strings.HasPrefix(r.ID, prefix) {
				continue
			}
			n++
			if r.States.All || len(r.States.Items) != 1 || r.States.Items[0] != st {
				t.Errorf("%s: states = %v, want [%s]", r.ID, r.States, st)
			}
			if len(r.Sources) == 0 {
				t.Errorf("%s: no source", r.ID)
			}
			for i, s := range r.Sources {
				if s.Title == "" || s.URL == "" || s.Date.IsZero() || strings.TrimSpace(s.Quote) == "" {
					t.Errorf("%s: source %d lacks a title, url, date or quote: %+v", r.ID, i, s)
				}
			}
			if r.Status == Unknown && !searched(r.Notes) {
				t.Errorf("%s: unknown rule has no note saying what was searched", r.ID)
			}
		}
		if n == 0 {
			t.Errorf("%s: no rule with id prefix %q", st, prefix)
		}
	}
}

func searched(notes []string) bool {
	for _, n := range notes {
		if strings.Contains(n, "Searched") {
			return true
		}
	}
	return false
}
