package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// FactKind is the type of a patient fact.
type FactKind int

// Fact kinds.
const (
	BoolFact FactKind = iota
	IntFact
)

// Facts are the patient facts that criteria and extensions may test, with
// their types. Callers answer them in the coverage request's patient object.
var Facts = map[string]FactKind{
	"pain_weeks":        IntFact,
	"systemic_cause":    BoolFact,
	"surgery_related":   BoolFact,
	"pregnancy_related": BoolFact,
	"improving":         BoolFact,
	"age_under_21":      BoolFact,
}

// Test is a parsed criterion test: Fact Op Value.
type Test struct {
	Fact  string
	Op    string
	Value int  // for IntFact
	Bool  bool // for BoolFact
}

// splitTest splits "fact op value" into its three parts, accepting exactly
// what `^\s*([a-z_][a-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$` matches (including
// its backtracking: "a <= " is fact a, op <, value =). It is hand written
// because coverage.Decide parses every criterion of a rule on each call and a
// regexp match was half of Decide's time.
func splitTest(s string) (m [4]string, ok bool) {
	i := skipSpace(s, 0)
	j := i
	for j < len(s) && (s[j] == '_' || (s[j] >= 'a' && s[j] <= 'z') || (j > i && digit(s[j]))) {
		j++
	}
	if j == i {
		return m, false
	}
	m[1] = s[i:j]
	j = skipSpace(s, j)
	if j+1 < len(s) && strings.ContainsRune("=!<>", rune(s[j])) && s[j+1] == '=' {
		if v, ok := testValue(s, j+2); ok {
			m[2], m[3] = s[j:j+2], v
			return m, true
		}
	}
	if j < len(s) && (s[j] == '<' || s[j] == '>') {
		if v, ok := testValue(s, j+1); ok {
			m[2], m[3] = s[j:j+1], v
			return m, true
		}
	}
	return m, false
}

// testValue reads `\s*(\S+)\s*$` from s[i:].
func testValue(s string, i int) (string, bool) {
	j := skipSpace(s, i)
	k := j
	for k < len(s) && !isTestSpace(s[k]) {
		k++
	}
	return s[j:k], k > j && skipSpace(s, k) == len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && isTestSpace(s[i]) {
		i++
	}
	return i
}

// isTestSpace is RE2's \s: [\t\n\f\r ].
func isTestSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r' }

// ParseTest parses "fact op value". Boolean facts take == or != with true or
// false; integer facts take any comparison with a non-negative integer.
func ParseTest(s string) (Test, error) {
	m, ok := splitTest(s)
	if !ok {
		return Test{}, fmt.Errorf("test %q is not of the form \"fact op value\"", s)
	}
	t := Test{Fact: m[1], Op: m[2]}
	kind, ok := Facts[t.Fact]
	if !ok {
		return Test{}, fmt.Errorf("test %q: unknown fact %q (known: %s)", s, t.Fact, factNames())
	}
	switch kind {
	case BoolFact:
		if t.Op != "==" && t.Op != "!=" {
			return Test{}, fmt.Errorf("test %q: boolean fact %q takes == or !=", s, t.Fact)
		}
		b, err := strconv.ParseBool(m[3])
		if err != nil || (m[3] != "true" && m[3] != "false") {
			return Test{}, fmt.Errorf("test %q: boolean fact %q needs true or false", s, t.Fact)
		}
		t.Bool = b
	case IntFact:
		n, err := strconv.Atoi(m[3])
		if err != nil || n < 0 {
			return Test{}, fmt.Errorf("test %q: %q needs a non-negative whole number", s, t.Fact)
		}
		t.Value = n
	}
	return t, nil
}

// EvalBool applies t to a boolean fact value.
func (t Test) EvalBool(v bool) bool {
	if t.Op == "==" {
		return v == t.Bool
	}
	return v != t.Bool
}

// EvalInt applies t to an integer fact value.
func (t Test) EvalInt(v int) bool {
	switch t.Op {
	case "==":
		return v == t.Value
	case "!=":
		return v != t.Value
	case ">=":
		return v >= t.Value
	case "<=":
		return v <= t.Value
	case ">":
		return v > t.Value
	default: // "<"
		return v < t.Value
	}
}

func factNames() string {
	return "pain_weeks, systemic_cause, surgery_related, pregnancy_related, improving, age_under_21"
}

// States are the two-letter codes acucover knows: the 50 states and DC.
var States = []string{
	"AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA",
	"ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS",
	"MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA",
	"RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
}

// StateNames maps each code in States to its name.
var StateNames = map[string]string{
	"AK": "Alaska", "AL": "Alabama", "AR": "Arkansas", "AZ": "Arizona",
	"CA": "California", "CO": "Colorado", "CT": "Connecticut",
	"DC": "District of Columbia", "DE": "Delaware", "FL": "Florida",
	"GA": "Georgia", "HI": "Hawaii", "IA": "Iowa", "ID": "Idaho",
	"IL": "Illinois", "IN": "Indiana", "KS": "Kansas", "KY": "Kentucky",
	"LA": "Louisiana", "MA": "Massachusetts", "MD": "Maryland", "ME": "Maine",
	"MI": "Michigan", "MN": "Minnesota", "MO": "Missouri", "MS": "Mississippi",
	"MT": "Montana", "NC": "North Carolina", "ND": "North Dakota",
	"NE": "Nebraska", "NH": "New Hampshire", "NJ": "New Jersey",
	"NM": "New Mexico", "NV": "Nevada", "NY": "New York", "OH": "Ohio",
	"OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
	"SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
	"TX": "Texas", "UT": "Utah", "VA": "Virginia", "VT": "Vermont",
	"WA": "Washington", "WI": "Wisconsin", "WV": "West Virginia", "WY": "Wyoming",
}

// NormalizeState upper-cases s and reports whether it is a known state code.
func NormalizeState(s string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	_, ok := StateNames[u]
	return u, ok
}

// icd10Shape reports whether c has the shape of an ICD-10-CM code: an upper
// case letter, a digit, a digit or letter, then an optional dot and 1–4
// digits or upper case letters. (A loop, not a regexp: it is on every
// request's path.)
func icd10Shape(c string) bool {
	if len(c) < 3 || !upper(c[0]) || !digit(c[1]) || !(digit(c[2]) || upper(c[2])) {
		return false
	}
	if len(c) == 3 {
		return true
	}
	if c[3] != '.' || len(c) < 5 || len(c) > 8 {
		return false
	}
	for i := 4; i < len(c); i++ {
		if !digit(c[i]) && !upper(c[i]) {
			return false
		}
	}
	return true
}

func upper(b byte) bool { return b >= 'A' && b <= 'Z' }
func digit(b byte) bool { return b >= '0' && b <= '9' }

// NormalizeICD10 returns code in canonical form (upper case, dot after the
// third character) or an error saying why it is not an ICD-10-CM code. Both
// "m54.50" and "M5450" normalize to "M54.50".
func NormalizeICD10(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) > 3 && !strings.Contains(c, ".") {
		c = c[:3] + "." + c[3:]
	}
	if !icd10Shape(c) {
		return "", fmt.Errorf("%q is not an ICD-10-CM code (expected a letter, two characters and an optional dot with up to 4 more, e.g. M54.50)", code)
	}
	return c, nil
}

// LooksLikeICD10 reports whether s has the shape of an ICD-10-CM code rather
// than a condition slug: a letter followed by a digit.
func LooksLikeICD10(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) >= 2 && isLetter(s[0]) && s[1] >= '0' && s[1] <= '9'
}

func isLetter(b byte) bool { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') }

// ValidID reports whether s is a valid id for a plan, condition, rule or fee
// schedule: lower case letters, digits, '_' and '-', starting with a letter,
// at most 64 characters.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if b := s[i]; !(b >= 'a' && b <= 'z' || digit(b) || b == '_' || b == '-') {
			return false
		}
	}
	return true
}
