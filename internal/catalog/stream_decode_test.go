package catalog_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// bigJSON is a JSON catalog of n rules whose rule bad (if ≥ 0) has the
// field extra, followed by tail.
func bigJSON(n, bad int, extra, tail string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"plans": [], "rules": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		x := ""
		if i == bad {
			x = extra
		}
		fmt.Fprintf(&b, `{"id": "r%d", "plan": "p", "summary": "rule %d"%s}`, i, i, x)
	}
	b.WriteString("]" + tail)
	return b.Bytes()
}

// Items are decoded in parallel batches: the items keep their order, and a
// bad item is reported by its index and where its text ends, the first one
// first, even when the text after it is broken too.
func TestReadDocumentJSONBatches(t *testing.T) {
	doc := bigJSON(5000, -1, "", "}")
	s, _, err := catalog.ReadDocument(bytes.NewReader(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rules) != 5000 {
		t.Fatalf("%d rules, want 5000", len(s.Rules))
	}
	for i, r := range s.Rules {
		if r.ID != fmt.Sprintf("r%d", i) || r.Summary != fmt.Sprintf("rule %d", i) {
			t.Fatalf("rules[%d] = %s %q", i, r.ID, r.Summary)
		}
	}

	doc = bigJSON(5000, 3001, `, "colour": "red"`, `, "bogus": [}`)
	_, _, err = catalog.ReadDocument(bytes.NewReader(doc), nil)
	var ps catalog.Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("err = %v, want one problem", err)
	}
	end := bytes.Index(doc, []byte(`"colour": "red"}`)) + len(`"colour": "red"}`)
	if !strings.HasPrefix(ps[0].Msg, "rules[3001]: unknown field \"colour\"") || ps[0].Where != fmt.Sprintf("byte %d", end) {
		t.Errorf("problem = %s: %s, want rules[3001]'s unknown field at byte %d", ps[0].Where, ps[0].Msg, end)
	}

	doc = bigJSON(2000, -1, "", "")
	doc = append(doc[:len(doc)-len("]")-200], "xx"...)
	if _, _, err := catalog.ReadDocument(bytes.NewReader(doc), nil); !errors.As(err, &ps) || !strings.HasPrefix(ps[0].Msg, "rules[") {
		t.Errorf("broken JSON: err = %v, want a problem naming the rule", err)
	}
}

// TestReadDocumentYAMLBatches: YAML list items are decoded in parallel
// batches too: order, positions and the line of the first bad item hold.
func TestReadDocumentYAMLBatches(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("plans: []\nrules:\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "  - id: r%d\n    plan: p\n    summary: rule %d\n", i, i)
	}
	s, pos, err := catalog.ReadDocument(bytes.NewReader(b.Bytes()), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range s.Rules {
		if r.ID != fmt.Sprintf("r%d", i) {
			t.Fatalf("rules[%d] = %s", i, r.ID)
		}
	}
	if len(s.Rules) != 3000 || pos["rules[2000]"] != 3+3*2000 {
		t.Errorf("%d rules, rules[2000] on line %d; want 3000, line %d", len(s.Rules), pos["rules[2000]"], 3+3*2000)
	}
	bad := bytes.Replace(b.Bytes(), []byte("summary: rule 2500\n"), []byte("summary: rule 2500\n    colour: red\n"), 1)
	bad = bytes.Replace(bad, []byte("summary: rule 2900\n"), []byte("summary: rule 2900\n    size: big\n"), 1)
	_, _, err = catalog.ReadDocument(bytes.NewReader(bad), nil)
	var ps catalog.Problems
	if want := fmt.Sprintf("line %d", 3+3*2500+2+1); !errors.As(err, &ps) || ps[0].Where != want {
		t.Errorf("err = %v, want the unknown field of rules[2500] on %s", err, want)
	}
}
