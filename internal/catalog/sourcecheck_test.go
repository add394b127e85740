package catalog

import (
	"slices"
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
	r := Rule{ID: "split", Status: Covered, Sources: []Source{
		{Title: "a", URL: "https://example.org/a", Date: NewDate(2026, 12, 4)},
		{Title: "b", URL: "https://example.org/b", Quote: "Covered."},
	}}
	if rep := CheckSources(&Snapshot{Rules: []Rule{r}}); len(rep.Problems) != 1 {
		t.Errorf("date and quote on different sources passed: %+v", rep)
	}
	r.Sources[0].Quote = "Covered."
	if rep := CheckSources(&Snapshot{Rules: []Rule{r}}); len(rep.Problems) != 0 {
		t.Errorf("a full source failed: %+v", rep.Problems)
	}
}

// programFiles are the default catalog files whose every rule and licensure
// entry must pass CheckSources now. The other files are still gaining
// quotes; the coordinator widens this list as they pass.
var programFiles = []string{"default/licensure.yaml", "default/federal.yaml", "default/marketplace.yaml"}

func TestDefaultProgramFilesPassTheSourceCheck(t *testing.T) {
	files := DefaultFiles()
	for _, name := range programFiles {
		if !slices.Contains(files, name) {
			t.Fatalf("%s is not in the default catalog", name)
		}
		b, err := defaultFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep := CheckSources(s)
		for _, p := range rep.Problems {
			t.Errorf("%s: %s", name, p)
		}
		if rep.Checked == 0 {
			t.Errorf("%s: nothing checked", name)
		}
		if rep.ExemptRules != 0 {
			t.Errorf("%s: %d example rules; these files hold real programs only", name, rep.ExemptRules)
		}
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
