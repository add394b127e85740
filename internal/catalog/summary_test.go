package catalog

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixture parses and validates testdata/summary.yaml.
func fixture(t *testing.T) *Snapshot {
	t.Helper()
	b, err := os.ReadFile("testdata/summary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(s); err != nil {
		t.Fatalf("fixture is not a valid catalog: %v", err)
	}
	return s
}

func stateOf(t *testing.T, sum Summary, st string) StateSummary {
	t.Helper()
	for _, ss := range sum.States {
		if ss.State == st {
			return ss
		}
	}
	t.Fatalf("no summary for %s", st)
	return StateSummary{}
}

func statuses(covered, conditional, notCovered, unknown int) map[Status]int {
	return map[Status]int{Covered: covered, Conditional: conditional, NotCovered: notCovered, Unknown: unknown}
}

func TestSummarizeCountsByHand(t *testing.T) {
	s := fixture(t)
	sum := Summarize(s, date(t, "2026-12-04"))
	if len(sum.States) != len(States) {
		t.Fatalf("%d states summarized, want %d (every state and DC)", len(sum.States), len(States))
	}
	// federal-old expired on 2020-01-01; example-rule is fictional.
	if sum.Rules != 5 || sum.ExampleRules != 1 {
		t.Errorf("rules = %d, example rules = %d; want 5 and 1", sum.Rules, sum.ExampleRules)
	}
	want := map[string]StateSummary{
		"CA": {
			State: "CA", Name: "California",
			Programs: []ProgramSummary{
				{Type: Medicaid, Plans: []string{"real-medicaid"}, Known: []string{"real-medicaid"}, Rules: 2, Statuses: statuses(1, 0, 0, 1)},
				{Type: Commercial, Plans: []string{"federal"}, Known: []string{}, Rules: 1, Statuses: statuses(0, 0, 0, 1)},
			},
			Licensure: Licensed, Confirmed: 2, Unconfirmed: 2,
			OldestSource: date(t, "2025-03-01"), UndatedSources: 1,
		},
		"OR": {
			State: "OR", Name: "Oregon",
			Programs: []ProgramSummary{
				{Type: Medicaid, Plans: []string{"real-medicaid"}, Known: []string{"real-medicaid"}, Rules: 2, Statuses: statuses(0, 0, 1, 1)},
				{Type: Commercial, Plans: []string{"federal"}, Known: []string{}, Rules: 1, Statuses: statuses(0, 0, 0, 1)},
			},
			Confirmed: 0, Unconfirmed: 3, // the lower-case "unconfirmed:" note counts
			OldestSource: date(t, "2024-06-30"), UndatedSources: 1,
		},
		"AL": {
			State: "AL", Name: "Alabama",
			Programs: []ProgramSummary{
				{Type: Commercial, Plans: []string{"federal"}, Known: []string{}, Rules: 1, Statuses: statuses(0, 0, 0, 1)},
			},
			Licensure: NotLicensed, Unconfirmed: 2,
			OldestSource: date(t, "2026-12-04"), UndatedSources: 1,
		},
		"TX": {
			State: "TX", Name: "Texas",
			Programs: []ProgramSummary{
				{Type: Commercial, Plans: []string{"federal"}, Known: []string{}, Rules: 1, Statuses: statuses(0, 0, 0, 1)},
			},
			Licensure: LicensureUnknown, Unconfirmed: 2,
			OldestSource: date(t, "2026-12-04"), UndatedSources: 1,
		},
		"NY": {
			State: "NY", Name: "New York",
			Programs: []ProgramSummary{
				{Type: Commercial, Plans: []string{"federal"}, Known: []string{}, Rules: 1, Statuses: statuses(0, 0, 0, 1)},
			},
			Unconfirmed: 1, UndatedSources: 1,
		},
	}
	for st, w := range want {
		if diff := cmp.Diff(w, stateOf(t, sum, st), cmp.AllowUnexported(Date{})); diff != "" {
			t.Errorf("%s summary (-want +got):\n%s", st, diff)
		}
	}
}

func TestSummarizeHonoursTheDate(t *testing.T) {
	s := fixture(t)
	// On 2019-06-01 federal-old (until 2020-01-01) is in force too.
	sum := Summarize(s, date(t, "2019-06-01"))
	ny := stateOf(t, sum, "NY")
	if len(ny.Programs) != 1 || ny.Programs[0].Rules != 2 || ny.Programs[0].Statuses[Covered] != 1 {
		t.Errorf("NY on 2019-06-01 = %+v; want the commercial program with 2 rules, 1 covered", ny.Programs)
	}
	if ny.OldestSource != date(t, "2019-01-01") {
		t.Errorf("NY oldest source on 2019-06-01 = %s, want 2019-01-01", ny.OldestSource)
	}
}

func TestUnconfirmed(t *testing.T) {
	for _, c := range []struct {
		status Status
		notes  []string
		want   bool
	}{
		{Covered, nil, false},
		{Unknown, nil, true},
		{Covered, []string{"Unconfirmed: 2026 status"}, true},
		{NotCovered, []string{"the rule is UNCONFIRMED"}, true},
		{Conditional, []string{"Confirmed in the manual."}, false},
	} {
		if got := Unconfirmed(c.status, c.notes); got != c.want {
			t.Errorf("Unconfirmed(%s, %q) = %v, want %v", c.status, c.notes, got, c.want)
		}
	}
}

func TestSummarizeDefaultCatalog(t *testing.T) {
	ix := mustDefault(t)
	sum := ix.Summary(date(t, "2026-12-04"))
	if sum.Revision != ix.Revision() || sum.Revision == "" {
		t.Errorf("revision = %q, want the index's %q", sum.Revision, ix.Revision())
	}
	if sum.ExampleRules == 0 {
		t.Error("the default catalog's fictional example rules are not counted as examples")
	}
	for _, ss := range sum.States {
		var types []PlanType
		for _, p := range ss.Programs {
			types = append(types, p.Type)
			for _, id := range p.Plans {
				if pl, err := ix.Plan(id); err != nil || IsExample(&Rule{}, pl) {
					t.Errorf("%s: program %s lists plan %q, a fictional example or unknown plan", ss.State, p.Type, id)
				}
			}
		}
		// Original Medicare applies everywhere.
		if len(types) == 0 || types[0] != OriginalMedicare {
			t.Errorf("%s programs = %v; want original_medicare first", ss.State, types)
		}
		if ss.Confirmed+ss.Unconfirmed == 0 {
			t.Errorf("%s: no facts counted", ss.State)
		}
	}
}
