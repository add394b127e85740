package catalog

import (
	"strings"
	"testing"
)

// TestTextLimits: every text field of a catalog has a length limit; the
// default catalog is well inside them.
func TestTextLimits(t *testing.T) {
	s, _, err := Parse(DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	if ps := textLimits(s); len(ps) > 0 {
		t.Fatalf("the default catalog breaks the text limits: %v", ps)
	}
	s.Plans[0].Name = strings.Repeat("n", MaxTextBytes+1)
	s.Plans[0].ID = s.Plans[0].ID + strings.Repeat("i", MaxIDBytes)
	ps := Validate(s, nil)
	var got []string
	for _, p := range ps {
		if strings.Contains(p.Msg, "bytes long") {
			got = append(got, p.String())
		}
	}
	if len(got) != 2 {
		t.Errorf("limit problems = %q; want the long name and the long id", got)
	}
}
