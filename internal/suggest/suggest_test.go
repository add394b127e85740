package suggest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSuggestDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"summary", "summary", 0},
		{"summry", "summary", 1},
		{"Summary", "summary", 0},
		{"pain_week", "pain_weeks", 1},
		{"covred", "covered", 1},
		{"ab", "ba", 1}, // a swap counts once
		{"kitten", "sitting", 3},
		{"états", "etats", 1}, // runes, not bytes
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestSuggestClosest(t *testing.T) {
	t.Parallel()
	fields := []string{"id", "plan", "states", "conditions", "status", "summary", "sources", "effective_from", "effective_to"}
	conditions := []string{"chronic_low_back_pain", "chronic_neck_pain", "migraine", "knee_osteoarthritis"}
	for _, tc := range []struct {
		got        string
		candidates []string
		want       string
		ok         bool
	}{
		{"summry", fields, "summary", true},
		{"stats", fields, "states", true}, // "status" is as close; the first listed wins
		{"efective_to", fields, "effective_to", true},
		{"summary", fields, "summary", true},
		{"back_pain", conditions, "chronic_low_back_pain", true},                                     // contained in exactly one
		{"pain", conditions, "", false},                                                              // contained in two: no guess
		{"back_pain", []string{"neck_pain", "chronic_low_back_pain"}, "chronic_low_back_pain", true}, // containing beats two edits
		{"neck_pan", []string{"neck_pain", "chronic_neck_pan"}, "neck_pain", true},                   // one edit beats containing
		{"knee_pain", []string{"neck_pain"}, "neck_pain", true},                                      // nothing contains it: the nearest
		{"xyz", fields, "", false},
		{"ip", fields, "id", true},
		{"", fields, "", false},
		{"anything", nil, "", false},
		{"colour", []string{"red"}, "", false},
	} {
		got, ok := Closest(tc.got, tc.candidates)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tc.got, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSuggestDidYouMean(t *testing.T) {
	t.Parallel()
	if got, want := DidYouMean("summry", []string{"summary"}), ` (did you mean "summary"?)`; got != want {
		t.Errorf("DidYouMean = %q, want %q", got, want)
	}
	if got := DidYouMean("summary", []string{"summary"}); got != "" {
		t.Errorf("DidYouMean of an exact match = %q, want nothing", got)
	}
	if got := DidYouMean("zzzzzz", []string{"summary"}); got != "" {
		t.Errorf("DidYouMean of nothing close = %q, want nothing", got)
	}
}

func FuzzDistance(f *testing.F) {
	f.Add("summry", "summary")
	f.Add("", "x")
	f.Add("états", "etats")
	f.Fuzz(func(t *testing.T, a, b string) {
		d := Distance(a, b)
		la, lb := utf8.RuneCountInString(strings.ToLower(a)), utf8.RuneCountInString(strings.ToLower(b))
		if d < 0 || d > max(la, lb) || d < max(la, lb)-min(la, lb) {
			t.Fatalf("Distance(%q, %q) = %d outside [%d, %d]", a, b, d, max(la, lb)-min(la, lb), max(la, lb))
		}
		if d != Distance(b, a) {
			t.Fatalf("Distance not symmetric for %q, %q", a, b)
		}
		if Distance(a, a) != 0 {
			t.Fatalf("Distance(%q, itself) != 0", a)
		}
		if c, ok := Closest(a, []string{b}); ok && c != b {
			t.Fatalf("Closest returned %q, not a candidate", c)
		}
	})
}
