package eligibility

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/x12"
)

// Fact is one value the payer states, and where it says so.
type Fact[T any] struct {
	Value  T
	Source string
}

// Facts are what the payer states for one member and one network. A nil
// field is a question the payer did not answer. Money is in cents,
// Coinsurance in basis points (2000 is 20%).
type Facts struct {
	DeductibleTotal, DeductibleRemaining, DeductibleMet *Fact[int64]
	OOPTotal, OOPRemaining, OOPMet                      *Fact[int64]
	Copay                                               *Fact[int64]
	Coinsurance                                         *Fact[x12.Percent]
	VisitsAllowed, VisitsUsed, VisitsRemaining          *Fact[int64]
	AuthorizationRequired                               *Fact[bool]
	// CoverageInactive is true when the payer says the member's coverage is
	// inactive (EB01 6, 7, 8), false when it says active (EB01 1-5).
	CoverageInactive *Fact[bool]
	// NotCovered is true when the payer says acupuncture is non-covered or
	// excluded (EB01 I or E for service type 64 or an acupuncture CPT), false
	// when it states an acupuncture benefit otherwise.
	NotCovered *Fact[bool]
	// Rejections are AAA segments concerning the member (set by the caller
	// from Rejections); with any, the other facts may be incomplete.
	Rejections []string
}

// Options choose which of the payer's statements apply.
type Options struct {
	// OutOfNetwork selects out-of-network statements (EB12 N) instead of
	// in-network ones (EB12 Y).
	OutOfNetwork bool
}

// candidate is one possible value for a fact with its rank.
type candidate struct {
	rank   [5]int // service, network, level, form, time (higher wins)
	value  int64
	source string
}

type picker struct{ best map[string]candidate }

func (p *picker) offer(kind string, c candidate) {
	old, ok := p.best[kind]
	if !ok || greater(c.rank, old.rank) {
		p.best[kind] = c
	}
}

func greater(a, b [5]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false // ties keep the earlier statement
}

func (p *picker) get(kind string) *Fact[int64] {
	c, ok := p.best[kind]
	if !ok {
		return nil
	}
	return &Fact[int64]{Value: c.value, Source: c.source}
}

func (p *picker) flag(kind string) *Fact[bool] {
	c, ok := p.best[kind]
	if !ok {
		return nil
	}
	return &Fact[bool]{Value: c.value != 0, Source: c.source}
}

// Form ranks (precedence rule 4).
const (
	formMSG = 1 + iota
	formHSD
	formElement
)

// Extract reads the payer facts from benefits (from FromX12 or decoded
// JSON) under the precedence rules in the package comment. JSON benefits
// that do not parse return a *FieldError naming benefits[i].field.
func Extract(benefits []Benefit, opt Options) (Facts, error) {
	p := &picker{best: map[string]candidate{}}
	for i, b := range benefits {
		src := b.source
		if src == "" {
			src = fmt.Sprintf("benefits[%d]", i)
		}
		field := func(name string) string { return fmt.Sprintf("benefits[%d].%s", i, name) }
		svc := serviceRank(b)
		net := networkRank(b.InNetwork, opt.OutOfNetwork)
		lvl := levelRank(b.CoverageLevel)
		if b.Code == "" {
			return Facts{}, &FieldError{Field: field("code"), Msg: "EB01 code is required"}
		}
		if _, ok := x12.InfoNames[b.Code]; !ok {
			return Facts{}, &FieldError{Field: field("code"), Msg: fmt.Sprintf("%q is not an EB01 eligibility or benefit code", b.Code)}
		}
		amount, err := optCents(b.Amount)
		if err != nil {
			return Facts{}, &FieldError{Field: field("amount"), Msg: err.Error()}
		}
		pct, err := optPercent(b.Percent)
		if err != nil {
			return Facts{}, &FieldError{Field: field("percent"), Msg: err.Error()}
		}
		qty, err := optWhole(b.Quantity)
		if err != nil {
			return Facts{}, &FieldError{Field: field("quantity"), Msg: err.Error()}
		}
		if svc == 0 || net == 0 || lvl == 0 {
			continue
		}
		rank := func(form, time int) [5]int { return [5]int{svc, net, lvl, form, time} }

		switch b.Code {
		case "6", "7", "8":
			p.offer("inactive", candidate{rank: [5]int{svc}, value: 1, source: src})
		case "1", "2", "3", "4", "5":
			p.offer("inactive", candidate{rank: [5]int{svc}, value: 0, source: src})
		}
		if svc == 4 {
			switch b.Code {
			case "I", "E":
				p.offer("not_covered", candidate{rank: rank(formElement, 0), value: 1, source: src})
			case "1", "2", "3", "4", "5", "A", "B", "C", "F", "G":
				p.offer("not_covered", candidate{rank: rank(formElement, 0), value: 0, source: src})
			}
		}
		switch b.AuthorizationRequired {
		case "Y":
			p.offer("auth", candidate{rank: rank(formElement, 0), value: 1, source: src})
		case "N":
			p.offer("auth", candidate{rank: rank(formElement, 0), value: 0, source: src})
		}

		switch b.Code {
		case "C", "G":
			if amount == nil {
				break
			}
			prefix := map[string]string{"C": "deductible_", "G": "oop_"}[b.Code]
			kind, t := amountKind(b.TimeQualifier)
			if kind != "" {
				p.offer(prefix+kind, candidate{rank: rank(formElement, t), value: *amount, source: src})
			}
		case "B":
			if amount != nil {
				t := 1
				if b.TimeQualifier == "27" {
					t = 2 // a copay is per visit
				}
				p.offer("copay", candidate{rank: rank(formElement, t), value: *amount, source: src})
			}
		case "A":
			if pct != nil {
				p.offer("coinsurance", candidate{rank: rank(formElement, 0), value: int64(*pct), source: src})
			}
		}

		if (b.QuantityQualifier == "VS" || b.QuantityQualifier == "99") && qty != nil {
			kind, t := visitKind(b.QuantityQualifier, b.TimeQualifier)
			if kind != "" {
				p.offer(kind, candidate{rank: rank(formElement, t), value: *qty, source: src})
			}
		}
		for j, h := range b.Deliveries {
			if h.QuantityQualifier != "VS" {
				continue
			}
			n, err := optWhole(h.Quantity)
			if err != nil {
				return Facts{}, &FieldError{Field: field(fmt.Sprintf("deliveries[%d].quantity", j)), Msg: err.Error()}
			}
			if n == nil {
				continue
			}
			hsrc := h.source
			if hsrc == "" {
				hsrc = fmt.Sprintf("benefits[%d].deliveries[%d]", i, j)
			}
			kind, t := visitKind("VS", h.TimeQualifier)
			if kind != "" {
				p.offer(kind, candidate{rank: rank(formHSD, t), value: *n, source: hsrc})
			}
		}
		for j, text := range b.Messages {
			msrc := fmt.Sprintf("benefits[%d].messages[%d]", i, j)
			if j < len(b.msgSources) {
				msrc = b.msgSources[j]
			}
			// Free text about "visits" under a plan-level benefit may be
			// about chiropractic or therapy: read it only when it is an
			// acupuncture statement or says acupuncture.
			if svc != 4 && !strings.Contains(strings.ToUpper(text), "ACUPUNCTURE") {
				continue
			}
			for _, v := range visitsInText(text) {
				p.offer(v.kind, candidate{rank: rank(formMSG, 0), value: v.n, source: msrc})
			}
		}
	}

	f := Facts{
		DeductibleTotal: p.get("deductible_total"), DeductibleRemaining: p.get("deductible_remaining"), DeductibleMet: p.get("deductible_met"),
		OOPTotal: p.get("oop_total"), OOPRemaining: p.get("oop_remaining"), OOPMet: p.get("oop_met"),
		Copay:         p.get("copay"),
		VisitsAllowed: p.get("visits_allowed"), VisitsUsed: p.get("visits_used"), VisitsRemaining: p.get("visits_remaining"),
		AuthorizationRequired: p.flag("auth"), CoverageInactive: p.flag("inactive"), NotCovered: p.flag("not_covered"),
	}
	if c := p.get("coinsurance"); c != nil {
		f.Coinsurance = &Fact[x12.Percent]{Value: x12.Percent(c.Value), Source: c.Source}
	}
	f.DeductibleMet = derive(f.DeductibleMet, f.DeductibleTotal, f.DeductibleRemaining)
	f.OOPMet = derive(f.OOPMet, f.OOPTotal, f.OOPRemaining)
	f.VisitsUsed = derive(f.VisitsUsed, f.VisitsAllowed, f.VisitsRemaining)
	f.VisitsRemaining = derive(f.VisitsRemaining, f.VisitsAllowed, f.VisitsUsed)
	if f.DeductibleRemaining == nil {
		f.DeductibleRemaining = derive(nil, f.DeductibleTotal, f.DeductibleMet)
	}
	if f.OOPRemaining == nil {
		f.OOPRemaining = derive(nil, f.OOPTotal, f.OOPMet)
	}
	return f, nil
}

// derive returns have when the payer stated it, else total − part when both
// are known and the difference is not negative (a negative difference means
// the statements disagree, and nothing is derived).
func derive(have, total, part *Fact[int64]) *Fact[int64] {
	if have != nil || total == nil || part == nil || total.Value < part.Value {
		return have
	}
	return &Fact[int64]{Value: total.Value - part.Value, Source: "derived: " + total.Source + " minus " + part.Source}
}

func networkRank(v string, out bool) int {
	yes, no := "Y", "N"
	if out {
		yes, no = no, yes
	}
	switch v {
	case yes:
		return 3
	case "W":
		return 2
	case "", "U":
		return 1
	case no:
		return 0
	}
	return 0
}

func levelRank(v string) int {
	switch v {
	case "IND", "EMP":
		return 2
	case "":
		return 1
	}
	return 0
}

// amountKind classifies a deductible or out-of-pocket amount by EB06.
func amountKind(time string) (string, int) {
	switch time {
	case "29":
		return "remaining", 2
	case "33":
		return "remaining", 1
	case "24":
		return "met", 2
	case "21", "22", "23", "25":
		return "total", 3
	case "":
		return "total", 2
	case "32":
		return "total", 1
	}
	return "", 0 // exceeded, not exceeded, per visit, ...: not a total
}

// visitKind classifies a visit count by its qualifier and time period.
func visitKind(qual, time string) (string, int) {
	if qual == "99" {
		return "visits_used", 2
	}
	switch time {
	case "29", "33":
		return "visits_remaining", 2
	case "24":
		return "visits_used", 2
	case "21", "22", "23", "25":
		return "visits_allowed", 3
	case "", "32":
		return "visits_allowed", 1
	}
	return "", 0
}

var (
	visitWord = `(?:VISITS?|TREATMENTS?|SESSIONS?)`
	msgRules  = []struct {
		kind string
		re   *regexp.Regexp
	}{
		{"visits_remaining", regexp.MustCompile(`(\d{1,3})\s+` + visitWord + `\s+(?:REMAIN(?:ING)?|LEFT|AVAILABLE)`)},
		{"visits_remaining", regexp.MustCompile(visitWord + `\s+(?:REMAINING|LEFT|AVAILABLE)\s*[:=-]?\s*(\d{1,3})\b`)},
		{"visits_remaining", regexp.MustCompile(`(\d{1,3})\s+(?:REMAINING|AVAILABLE)\s+` + visitWord)},
		{"visits_remaining", regexp.MustCompile(`(?:REMAINING|AVAILABLE)\s+` + visitWord + `\s*[:=-]?\s*(\d{1,3})\b`)},
		{"visits_used", regexp.MustCompile(`(\d{1,3})\s+` + visitWord + `\s+(?:USED|TAKEN|APPLIED)`)},
		{"visits_used", regexp.MustCompile(visitWord + `\s+USED\s*[:=-]?\s*(\d{1,3})\b`)},
		{"visits_used", regexp.MustCompile(`(?:USED|APPLIED)\s+` + visitWord + `\s*[:=-]?\s*(\d{1,3})\b`)},
		{"visits_allowed", regexp.MustCompile(`(\d{1,3})\s+` + visitWord + `\s*(?:PER|/|EACH|A|EVERY)\s*(?:CALENDAR\s+|PLAN\s+|BENEFIT\s+|CONTRACT\s+|POLICY\s+|SERVICE\s+)?(?:YEAR|YR|PERIOD)\b`)},
		{"visits_allowed", regexp.MustCompile(visitWord + `\s+(?:LIMIT|MAX(?:IMUM)?)\s*(?:OF|IS)?\s*[:=-]?\s*(\d{1,3})\b`)},
		{"visits_allowed", regexp.MustCompile(`(?:LIMIT(?:ED)?|MAX(?:IMUM)?|UP)\s*(?:OF|TO|IS)?\s*[:=-]?\s*(\d{1,3})\s+` + visitWord)},
		{"visits_allowed", regexp.MustCompile(`(\d{1,3})\s+(?:VISIT|TREATMENT|SESSION)\s+(?:LIMIT|MAX(?:IMUM)?)`)},
	}
)

type textVisits struct {
	kind string
	n    int64
}

// visitsInText reads visit counts from MSG free text, e.g. "20 VISITS PER
// CALENDAR YEAR", "8 VISITS REMAINING", "VISITS USED: 4", "LIMITED TO 12
// VISITS". The first match of each kind counts.
func visitsInText(text string) []textVisits {
	up := strings.ToUpper(text)
	var out []textVisits
	seen := map[string]bool{}
	for _, r := range msgRules {
		if seen[r.kind] {
			continue
		}
		m := r.re.FindStringSubmatch(up)
		if m == nil {
			continue
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			continue
		}
		seen[r.kind] = true
		out = append(out, textVisits{r.kind, n})
	}
	return out
}

func optCents(d Decimal) (*int64, error) {
	if d == "" {
		return nil, nil
	}
	c, err := x12.ParseCents(string(d))
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func optPercent(d Decimal) (*x12.Percent, error) {
	if d == "" {
		return nil, nil
	}
	p, err := x12.ParsePercent(string(d))
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// optWhole parses a count; a fractional count of visits is an error.
func optWhole(d Decimal) (*int64, error) {
	if d == "" {
		return nil, nil
	}
	q, err := x12.ParseQuantity(string(d))
	if err != nil {
		return nil, err
	}
	n, ok := q.Whole()
	if !ok {
		return nil, fmt.Errorf("%q is not a whole number", string(d))
	}
	return &n, nil
}

// Listed is one payer fact as an answer lists it (payer_facts[]: see
// coverage.PayerFact).
type Listed struct {
	What   string `json:"what"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// List returns the facts in a stable order with display values: dollars
// with two decimals, percents, counts, true/false.
func (f Facts) List() []Listed {
	var out []Listed
	money := func(what string, v *Fact[int64]) {
		if v != nil {
			out = append(out, Listed{what, x12.FormatCents(v.Value), v.Source})
		}
	}
	count := func(what string, v *Fact[int64]) {
		if v != nil {
			out = append(out, Listed{what, strconv.FormatInt(v.Value, 10), v.Source})
		}
	}
	flag := func(what string, v *Fact[bool]) {
		if v != nil {
			out = append(out, Listed{what, strconv.FormatBool(v.Value), v.Source})
		}
	}
	flag("coverage_inactive", f.CoverageInactive)
	flag("acupuncture_not_covered", f.NotCovered)
	flag("authorization_required", f.AuthorizationRequired)
	money("deductible_total", f.DeductibleTotal)
	money("deductible_remaining", f.DeductibleRemaining)
	money("deductible_met", f.DeductibleMet)
	money("out_of_pocket_total", f.OOPTotal)
	money("out_of_pocket_remaining", f.OOPRemaining)
	money("out_of_pocket_met", f.OOPMet)
	money("copay", f.Copay)
	if f.Coinsurance != nil {
		out = append(out, Listed{"coinsurance", f.Coinsurance.Value.String(), f.Coinsurance.Source})
	}
	count("visits_allowed", f.VisitsAllowed)
	count("visits_used", f.VisitsUsed)
	count("visits_remaining", f.VisitsRemaining)
	return out
}
