package catalog

import (
	"fmt"
	"strings"
)

// ExampleSourceURL marks fictional example content. A plan or rule that cites
// a source with this URL (the README's "Catalog format" anchor) is an example
// invented to show a benefit shape, not a real insurer's benefit; it has no
// real source to check.
const ExampleSourceURL = "https://github.com/acucover/acucover#catalog-format"

// IsExample reports whether r is fictional example content: r, or its plan p
// (which may be nil), cites ExampleSourceURL.
func IsExample(r *Rule, p *Plan) bool {
	return citesExample(r.Sources) || p != nil && citesExample(p.Sources)
}

func citesExample(ss []Source) bool {
	for _, s := range ss {
		if s.URL == ExampleSourceURL {
			return true
		}
	}
	return false
}

// SourceReport is the result of CheckSources.
type SourceReport struct {
	// Problems names every rule and licensure entry that fails the check.
	Problems []Problem
	// Checked counts the rules and licensure entries checked;
	// ExemptRules counts the example rules skipped (see IsExample).
	Checked     int
	ExemptRules int
}

// CheckSources checks what can be checked offline about a catalog's sources
// (whether a link is alive cannot be, and is not claimed):
//
//   - every rule and licensure entry has at least one source with a URL, a
//     date read and a quote, all three on the same source;
//   - every unknown rule, and every unknown licensure entry, says in its
//     notes what was searched (a note containing "searched").
//
// Rules of fictional example plans (IsExample) are not checked; they are only
// counted in ExemptRules. Validate already checks that URLs are http(s).
func CheckSources(s *Snapshot) SourceReport {
	plans := make(map[string]*Plan, len(s.Plans))
	for i := range s.Plans {
		plans[s.Plans[i].ID] = &s.Plans[i]
	}
	var rep SourceReport
	for _, r := range s.Rules {
		if IsExample(r, plans[r.Plan]) {
			rep.ExemptRules++
			continue
		}
		rep.Checked++
		where := fmt.Sprintf("rule %q", r.ID)
		rep.check(where, r.Sources, r.Status == Unknown, r.Notes)
	}
	for i := range s.Licensure {
		l := &s.Licensure[i]
		rep.Checked++
		rep.check(fmt.Sprintf("licensure %q", l.State), l.Sources, l.Status == LicensureUnknown, l.Notes)
	}
	return rep
}

func (rep *SourceReport) check(where string, sources []Source, unknown bool, notes []string) {
	if !hasFullSource(sources) {
		rep.Problems = append(rep.Problems, Problem{Where: where, Msg: "needs at least one source with a URL, a date read and a quote"})
	}
	if unknown && !saysSearched(notes) {
		rep.Problems = append(rep.Problems, Problem{Where: where, Msg: "is unknown: its notes must say what was searched (a note with \"searched\")"})
	}
}

func hasFullSource(ss []Source) bool {
	for _, s := range ss {
		if strings.TrimSpace(s.URL) != "" && !s.Date.IsZero() && strings.TrimSpace(s.Quote) != "" {
			return true
		}
	}
	return false
}

func saysSearched(notes []string) bool {
	for _, n := range notes {
		if strings.Contains(strings.ToLower(n), "searched") {
			return true
		}
	}
	return false
}
