// Package suggest finds the valid name closest to a mistyped one, for
// "did you mean" hints in catalog files, the CLI and the API. It is pure: no
// I/O, no allocation beyond two rows of the distance table.
package suggest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Distance is the optimal-string-alignment edit distance between a and b,
// in runes: an insertion, deletion, substitution or swap of two adjacent
// runes each count 1. It compares case-insensitively, so "Summary" and
// "summary" are at distance 0.
func Distance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	if len(ra) == 0 {
		return len(rb)
	}
	if len(rb) == 0 {
		return len(ra)
	}
	// Three rows: the one before the previous is needed for swaps.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Closest returns the candidate nearest to got, and false when none is near
// enough to be a plausible typo: within an edit distance of a third of got's
// length (at least 1), or, for got of 4 runes or more, the only candidate
// that contains got ("back_pain" for "chronic_low_back_pain"), which wins
// over a candidate more than one edit away ("neck_pain"). Ties go to the
// candidate listed first. An exact match is returned as itself.
func Closest(got string, candidates []string) (string, bool) {
	if got == "" {
		return "", false
	}
	n := utf8.RuneCountInString(got)
	limit := max(1, n/3)
	best, bestD := "", -1
	for _, c := range candidates {
		d := Distance(got, c)
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	if bestD >= 0 && (bestD <= 1 || n < 4) {
		return best, true
	}
	if n < 4 {
		return "", false
	}
	// Beyond one edit, a name that contains what was typed is the better
	// guess: "back_pain" means "chronic_low_back_pain", not "neck_pain".
	if c, ok := onlyContaining(got, candidates); ok {
		return c, true
	}
	if bestD >= 0 {
		return best, true
	}
	return "", false
}

// onlyContaining returns the one candidate that contains got, ignoring case;
// false when none or several do (a guess would mislead).
func onlyContaining(got string, candidates []string) (string, bool) {
	lg := strings.ToLower(got)
	var only string
	for _, c := range candidates {
		if strings.Contains(strings.ToLower(c), lg) {
			if only != "" && only != c {
				return "", false // ambiguous: a guess would mislead
			}
			only = c
		}
	}
	return only, only != ""
}

// DidYouMean returns ` (did you mean "x"?)` for the closest candidate, or ""
// when there is none, ready to append to an error message.
func DidYouMean(got string, candidates []string) string {
	if c, ok := Closest(got, candidates); ok && c != got {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}
