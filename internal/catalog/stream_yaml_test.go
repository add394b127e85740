package catalog_test

import (
	"bytes"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// yamlRoundTrip writes s as YAML and reads it back with both readers.
func yamlRoundTrip(t *testing.T, s *catalog.Snapshot) (*catalog.Snapshot, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := catalog.WriteDocument(&b, s, "yaml"); err != nil {
		t.Fatal(err)
	}
	got, _, err := catalog.Parse(b.Bytes())
	if err != nil {
		t.Fatalf("Parse of the written YAML: %v\n%s", err, b.Bytes())
	}
	streamed, _, err := catalog.ReadDocument(bytes.NewReader(b.Bytes()), nil)
	if err != nil {
		t.Fatalf("ReadDocument of the written YAML: %v\n%s", err, b.Bytes())
	}
	h1, _ := catalog.ContentHash(catalog.Canonical(got))
	h2, _ := catalog.ContentHash(catalog.Canonical(streamed))
	if h1 != h2 {
		t.Fatalf("Parse and ReadDocument read the written YAML differently:\n%s", b.Bytes())
	}
	return got, b.Bytes()
}

var trickyStrings = []string{
	"", " ", "yes", "No", "on", "OFF", "y", "N", "true", "False", "null", "NULL", "~", "-", "- x", "a: b", "a:b", "# c", "a #c",
	"97810", "1.5", "0x1F", "1e3", ".inf", ".NaN", "2025-01-01", "'quoted'", `"dq"`, `back\slash`, "tab\there", "line\nbreak",
	"cr\rhere", "trailing ", " leading", "ünïcode é", "emoji 🙂", "bell\a", "del\x7f", "c1\u0085", "bom\ufeff", "ls\u2028",
	"{flow}", "[list]", "&anchor", "*alias", "!tag", "|block", ">fold", "%dir", "@at", "`tick", "a, b (c) d/e+f-g.h_i'j",
	"Covered, up to 8 visits", "<html> & more",
}

// TestWriteYAMLTrickyStrings: every string reads back as itself, in the
// places strings go: values, list elements and map keys.
func TestWriteYAMLTrickyStrings(t *testing.T) {
	s, err := catalog.DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	s.ChangeRule(0).Notes = append([]string(nil), trickyStrings...)
	s.FeeSchedules[0].AmountsCents = map[string]int64{}
	for i, str := range trickyStrings {
		s.FeeSchedules[0].AmountsCents[str] = int64(i)
	}
	got, doc := yamlRoundTrip(t, s)
	for i, want := range trickyStrings {
		if g := got.Rules[0].Notes[i]; g != want {
			t.Errorf("note %q read back as %q", want, g)
		}
		if g, ok := got.FeeSchedules[0].AmountsCents[want]; !ok || g != int64(i) {
			t.Errorf("amount key %q read back as missing or %d", want, g)
		}
	}
	if t.Failed() {
		t.Logf("%s", doc)
	}
}

// FuzzWriteYAMLString: any valid UTF-8 text written as a rule's summary
// reads back as itself.
func FuzzWriteYAMLString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, str string) {
		if !utf8Valid(str) {
			return
		}
		c := catalog.Snapshot{Rules: []*catalog.Rule{{ID: "r", Plan: "p", Summary: str, Notes: []string{str}}}}
		got, _ := yamlRoundTrip(t, &c)
		if got.Rules[0].Summary != str {
			t.Errorf("summary %q read back as %q", str, got.Rules[0].Summary)
		}
	})
}

func utf8Valid(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}
