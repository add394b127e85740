package catalog

import (
	"regexp"
	"testing"
)

// testRE is the grammar splitTest implements by hand.
var testRE = regexp.MustCompile(`^\s*([a-z_][a-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$`)

func FuzzSplitTestMatchesRegexp(f *testing.F) {
	for _, s := range []string{"pain_weeks >= 12", "systemic_cause == false", " improving!=true ", "a<1", "a <= ", "a =< 1",
		"pain_weeks>=12x y", "A == 1", "a == 1\t", "a\v== 1", "a === 1", "a >== 1", "", "a ! 1", "a => 1", "_ > 0", "age_under_21 == true", "a1b2<3", "1a > 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := splitTest(s)
		want := testRE.FindStringSubmatch(s)
		if ok != (want != nil) {
			t.Fatalf("splitTest(%q) ok = %v, regexp match = %v", s, ok, want != nil)
		}
		if ok && (m[1] != want[1] || m[2] != want[2] || m[3] != want[3]) {
			t.Fatalf("splitTest(%q) = %q, regexp = %q", s, m[1:], want[1:])
		}
	})
}
