package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckSourcesFixture(t *testing.T) {
	rep := CheckSources(fixture(t))
	if rep.Checked != 8 || rep.ExemptRules != 1 {
		t.Errorf("checked %d, exempt %d; want 8 (5 rules, 3 licensure entries) and 1", rep.Checked, rep.ExemptRules)
	}
	want := []Problem{
		{Where: `rule "or-migraine"`, Msg: "needs at least one source with a URL, a date read and a quote"},
		{Where: `rule "federal-unknown"`, Msg: "needs at least one source with a URL, a date read and a quote"},
		{Where: `rule "federal-unknown"`, Msg: `is unknown: its notes must say what was searched (a note with "searched")`},
		{Where: `licensure "TX"`, Msg: `is unknown: its notes must say what was searched (a note with "searched")`},
	}
	if diff := cmp.Diff(want, rep.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestCheckSourcesNeedsAllThreeOnOneSource(t *testing.T) {
	r := &Rule{ID: "split", Status: Covered, Sources: []Source{
		{Title: "a", URL: "https://example.org/a", Date: NewDate(2026, 12, 4)},
		{Title: "b", URL: "https://example.org/b", Quote: "Covered."},
	}}
	if rep := CheckSources(&Snapshot{Rules: []*Rule{r}}); len(rep.Problems) != 1 {
		t.Errorf("date and quote on different sources passed: %+v", rep)
	}
	r.Sources[0].Quote = "Covered."
	if rep := CheckSources(&Snapshot{Rules: []*Rule{r}}); len(rep.Problems) != 0 {
		t.Errorf("a full source failed: %+v", rep.Problems)
	}
}

// TestDefaultCatalogPassesTheSourceCheck holds the embedded default catalog,
// all of its files, to the sources check: every rule and licensure entry has
// a source with a URL, a date read and a quote, and every unknown one says
// what was searched. Only the fictional example plans' rules are exempt.
func TestDefaultCatalogPassesTheSourceCheck(t *testing.T) {
	s, err := DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	rep := CheckSources(s)
	for _, p := range rep.Problems {
		t.Error(p)
	}
	examples := map[string]bool{}
	for _, p := range s.Plans {
		if strings.Contains(p.Name, "(fictional example)") {
			examples[p.ID] = true
		}
	}
	want := 0
	for _, r := range s.Rules {
		if examples[r.Plan] {
			want++
		}
	}
	if rep.ExemptRules != want || rep.Checked < len(s.Rules)-want {
		t.Errorf("checked %d, exempted %d; want every rule but the %d of the fictional example plans checked", rep.Checked, rep.ExemptRules, want)
	}
}

func TestLicensureCoversEveryStateOnce(t *testing.T) {
	b, err := defaultFS.ReadFile("default/licensure.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if ps := Validate(s, nil); len(ps) > 0 {
		t.Fatal(ps)
	}
	var got []string
	for _, l := range s.Licensure {
		got = append(got, l.State)
	}
	if !slices.Equal(got, States) {
		t.Errorf("licensure states = %v, want every state and DC in order %v", got, States)
	}
	for _, l := range s.Licensure {
		if (l.State == "AL" || l.State == "OK" || l.State == "SD") != (l.Status == NotLicensed) {
			t.Errorf("%s: status %s; only AL, OK and SD have no licensure", l.State, l.Status)
		}
	}
}
