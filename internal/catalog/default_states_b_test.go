package catalog

import (
	"strings"
	"testing"
	"time"
)

// statesB are the Medicaid programs researched in default/medicaid/<XX>.yaml
// by the states-b pass.
var statesB = []string{
	"MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OK", "OR", "PA",
	"RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
}

// TestMedicaidStatesBHaveOwnSourcedRules checks that for each state the rule
// in force today for chronic low back pain is the state's own rule (not the
// plan-wide fallback) and that every Medicaid rule naming the state carries
// sources with a URL, a date read and a quote, and that an unknown rule says
// what was searched.
func TestMedicaidStatesBHaveOwnSourcedRules(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	today := date(t, time.Now().UTC().Format("2006-01-02"))
	for _, st := range statesB {
		t.Run(st, func(t *testing.T) {
			r := ix.Rule("medicaid", st, "chronic_low_back_pain", today)
			if r == nil {
				t.Fatal("no medicaid rule in force today for chronic_low_back_pain")
			}
			prefix := "medicaid-" + strings.ToLower(st) + "-"
			if !strings.HasPrefix(r.ID, prefix) {
				t.Errorf("deciding rule is %q, want one of the state's own rules (%s…)", r.ID, prefix)
			}
			n := 0
			for i := range ix.Snapshot().Rules {
				rule := ix.Snapshot().Rules[i]
				if rule.Plan != "medicaid" || !strings.HasPrefix(rule.ID, prefix) {
					continue
				}
				n++
				if len(rule.Sources) == 0 {
					t.Errorf("%s: no sources", rule.ID)
				}
				for _, s := range rule.Sources {
					if !strings.HasPrefix(s.URL, "http") || s.Date.IsZero() || strings.TrimSpace(s.Quote) == "" {
						t.Errorf("%s: source %q needs url, date and quote (got url %q, date %v, quote %q)", rule.ID, s.Title, s.URL, s.Date, s.Quote)
					}
				}
				if rule.Status == Unknown && !notesSay(rule.Notes, "Searched") {
					t.Errorf("%s: an unknown rule needs a note saying what was searched", rule.ID)
				}
				if !rule.States.Contains(st) {
					t.Errorf("%s: does not name state %s", rule.ID, st)
				}
			}
			if n == 0 {
				t.Errorf("no medicaid rules with prefix %s", prefix)
			}
		})
	}
}

func notesSay(notes []string, word string) bool {
	for _, n := range notes {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}
