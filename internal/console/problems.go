package console

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
)

// A catalog problem names its item in Where (`rule "x" (line 3)`, `plan "p"
// cost_sharing[1]`, or a path like `rules[4].criteria[0].question` for a
// text too long) and usually starts its message with the field it is about
// ("coinsurance_percent 120 is not between 0 and 100"). problemPlaces maps
// those to the form's fields; what it cannot place is shown above the form.

// phraseFields place messages that name their field in words.
var phraseFields = []struct{ prefix, field string }{
	{"state ", "states"},
	{"plan ", "plan"},
	{"condition", "conditions"},
	{"conditions ", "conditions"},
	{"criterion ", "criteria"},
	{"a conditional rule needs criteria", "criteria"},
	{"only a conditional rule may have criteria", "criteria"},
	{"provider type", "providers"},
	{"billing modifier", "billing.modifiers"},
	{"benefit_period:", "benefit_period.kind"},
	{"overlaps cost_sharing", "effective_from"},
	{"a medicare_assignment plan has no network", "network_model"},
	{"retired code", "retired_icd10"},
	{"needs at least one icd10", "icd10"},
	{"ambiguous with", "states"},
	{"duplicate ", "id"},
}

var (
	wherePrefix = regexp.MustCompile(`^(\w+) ("(?:[^"\\]|\\.)*")(?: \(line \d+\))?(?: cost_sharing\[(\d+)\])?$`)
	pathIndex   = regexp.MustCompile(`\[(\d+)\]`)
)

// placedProblem is a problem for the error summary: Target is the HTML id
// of its field, or "" when it has none on this form.
type placedProblem struct {
	Target, Label, Msg string
}

// problemPlaces maps the problems of item kind/id (at index idx of its list
// listName) to form entries: it returns each field's message by form name,
// and the summary of every problem in order.
func problemPlaces(ps catalog.Problems, kind, id, listName string, idx int, entries []entry) (map[string]string, []placedProblem) {
	var names []string
	for _, e := range entries {
		if e.Path != "" && (e.Kind == "field" || e.Kind == "open") {
			names = append(names, e.Path)
		}
	}
	errs := map[string]string{}
	var sum []placedProblem
	add := func(path, msg, where string) {
		target, lbl := "", where
		if path != "" {
			if errs[path] != "" {
				errs[path] += "; " + msg
			} else {
				errs[path] = msg
			}
			target = htmlID(path)
			lbl = showOf(path)
		}
		sum = append(sum, placedProblem{Target: target, Label: lbl, Msg: msg})
	}
	listPrefix := "." + listName + "[" + strconv.Itoa(idx) + "]"
	for _, p := range ps {
		where := strings.TrimPrefix(p.Where, ".")
		// A too-long text: the exact path.
		if rest, ok := strings.CutPrefix("."+where, listPrefix); ok && (rest == "" || strings.HasPrefix(rest, ".")) {
			path := strings.TrimPrefix(pathIndex.ReplaceAllString(rest, ".$1"), ".")
			if path != "" && hasName(names, path) {
				add(path, p.Msg, p.Where)
			} else {
				add("", p.Msg, p.Where)
			}
			continue
		}
		m := wherePrefix.FindStringSubmatch(p.Where)
		if m == nil || m[1] != kind {
			add("", p.Msg, orCatalog(p.Where))
			continue
		}
		if q, err := strconv.Unquote(m[2]); err != nil || q != id {
			add("", p.Msg, p.Where)
			continue
		}
		base := ""
		if m[3] != "" {
			base = "cost_sharing." + m[3]
		}
		add(placeMessage(p.Msg, base, names), p.Msg, p.Where)
	}
	return errs, sum
}

func orCatalog(s string) string {
	if s == "" {
		return "catalog"
	}
	return s
}

func hasName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// showOf turns a form name into the path people read: cost_sharing[1].copay_cents.
func showOf(path string) string {
	parts := strings.Split(path, ".")
	var b strings.Builder
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return b.String()
}

// placeMessage returns the form name of the field msg is about, under base
// (a cost_sharing element, or "" for the item), or "".
func placeMessage(msg, base string, names []string) string {
	cand := msg
	if i := strings.IndexAny(cand, " :"); i >= 0 {
		cand = cand[:i]
	}
	fields := []string{cand}
	for _, pf := range phraseFields {
		if strings.HasPrefix(msg, pf.prefix) {
			fields = append([]string{pf.field}, fields...)
		}
	}
	for _, f := range fields {
		if f == "" {
			continue
		}
		want := join(base, f)
		for _, n := range names {
			if n == want {
				return n
			}
		}
		// A list's elements: its fieldset.
		for _, n := range names {
			if stripIndex(n) == stripIndex(want) && strings.HasPrefix(n, base) {
				return n
			}
		}
	}
	return ""
}

func stripIndex(path string) string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}
