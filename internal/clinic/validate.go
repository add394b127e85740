package clinic

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
)

// Problem is one thing wrong with a clinic, with the field it is in, e.g.
// `clinics[0].locations[1].zip`.
type Problem struct {
	Path string `json:"path,omitempty"`
	Msg  string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Problems is a non-empty list of problems: the error Validate and ParseFile
// return.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return "invalid clinic: " + ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid clinic: %d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// MaxPrice bounds every price and allowed amount: $100,000 for one unit.
const MaxPrice Money = 100_000_00

// States are the USPS codes a location may be in: the 50 states, DC and the
// territories.
var States = map[string]bool{}

func init() {
	for _, s := range strings.Fields("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP") {
		States[s] = true
	}
}

// Validate reports every problem with c at once, each with its field path
// under prefix (e.g. "clinics[0]"; empty for a lone clinic). It returns nil
// when c is valid.
func (c *Clinic) Validate(prefix string) Problems {
	v := &validator{prefix: prefix}
	v.clinic(c)
	if len(v.ps) == 0 {
		return nil
	}
	return v.ps
}

type validator struct {
	prefix string
	ps     Problems
}

func (v *validator) add(path, format string, args ...any) {
	if v.prefix != "" {
		if path == "" {
			path = v.prefix
		} else {
			path = v.prefix + "." + path
		}
	}
	v.ps = append(v.ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) clinic(c *Clinic) {
	if !catalog.ValidID(c.ID) {
		v.add("id", "%q is not an id (lower case letters, digits, '-' and '_', starting with a letter, at most 64 characters)", c.ID)
	}
	if strings.TrimSpace(c.Name) == "" {
		v.add("name", "the clinic's name is required")
	}
	if err := CheckNPI(c.NPI); err != nil {
		v.add("npi", "%v", err)
	}
	if err := CheckTIN(c.TIN); err != nil {
		v.add("tin", "%v", err)
	}
	if len(c.Locations) == 0 {
		v.add("locations", "at least one location is required")
	}
	seen := map[string]bool{}
	for i, l := range c.Locations {
		p := "locations[" + strconv.Itoa(i) + "]"
		if !catalog.ValidID(l.ID) {
			v.add(p+".id", "%q is not an id", l.ID)
		} else if seen[l.ID] {
			v.add(p+".id", "location %q is listed twice", l.ID)
		}
		seen[l.ID] = true
		if len(l.AddressLines) == 0 {
			v.add(p+".address_lines", "at least one address line is required")
		}
		for j, line := range l.AddressLines {
			if strings.TrimSpace(line) == "" {
				v.add(p+".address_lines["+strconv.Itoa(j)+"]", "an address line is empty")
			}
		}
		if strings.TrimSpace(l.City) == "" {
			v.add(p+".city", "the city is required")
		}
		if !States[l.State] {
			v.add(p+".state", "%q is not a two-letter USPS state code such as CA", l.State)
		}
		if !validZIP(l.ZIP) {
			v.add(p+".zip", "%q is not a ZIP code (NNNNN or NNNNN-NNNN)", l.ZIP)
		}
		if len(l.PlaceOfService) != 2 || !allDigits(l.PlaceOfService) || l.PlaceOfService == "00" {
			v.add(p+".place_of_service", "%q is not a place of service code (two digits, e.g. 11 for an office)", l.PlaceOfService)
		}
	}
	if len(c.CashPrices) == 0 {
		v.add("cash_prices", "at least one cash price is required")
	}
	var spans []span
	for i, p := range c.CashPrices {
		path := "cash_prices[" + strconv.Itoa(i) + "]"
		v.cpt(path+".cpt", p.CPT)
		v.money(path+".price", p.Price)
		v.period(path, p.EffectiveFrom, p.EffectiveTo)
		spans = append(spans, span{key: p.CPT, from: p.EffectiveFrom, to: p.EffectiveTo, path: path})
	}
	v.overlaps(spans, "a cash price for %s overlaps %s")
	if s := c.SlidingScale; s != nil {
		if s.BasisPoints < 1 || s.BasisPoints > 10000 {
			v.add("sliding_scale.basis_points", "%d is not a discount between 1 (0.01 %%) and 10000 (100 %%)", s.BasisPoints)
		}
		if strings.TrimSpace(s.Eligibility) == "" {
			v.add("sliding_scale.eligibility", "say who is eligible for the sliding scale")
		}
	}
	spans = spans[:0]
	for i, k := range c.Contracts {
		path := "contracts[" + strconv.Itoa(i) + "]"
		if !catalog.ValidID(k.Payer) {
			v.add(path+".payer", "%q is not a payer id", k.Payer)
		}
		if k.Plan != "" && !catalog.ValidID(k.Plan) {
			v.add(path+".plan", "%q is not a plan id", k.Plan)
		}
		v.cpt(path+".cpt", k.CPT)
		v.money(path+".allowed", k.Allowed)
		v.period(path, k.EffectiveFrom, k.EffectiveTo)
		spans = append(spans, span{key: k.Payer + "/" + k.Plan + "/" + k.CPT, from: k.EffectiveFrom, to: k.EffectiveTo, path: path})
	}
	v.overlaps(spans, "a contract for the same payer, plan and CPT code (%s) overlaps %s")
	plans := make([]string, 0, len(c.Networks))
	for plan := range c.Networks {
		plans = append(plans, plan)
	}
	sort.Strings(plans)
	for _, plan := range plans {
		if !catalog.ValidID(plan) {
			v.add("networks", "%q is not a plan id", plan)
		}
		if n := c.Networks[plan]; n != catalog.InNetwork && n != catalog.OutNetwork {
			v.add("networks."+plan, "%q is not a network status (in or out)", n)
		}
	}
}

func validZIP(z string) bool {
	switch len(z) {
	case 5:
		return allDigits(z)
	case 10:
		return allDigits(z[:5]) && z[5] == '-' && allDigits(z[6:])
	}
	return false
}

// ValidCPT reports whether s has the shape of a CPT or HCPCS code: five
// characters, digits, or four digits and a letter (Category II/III), or a
// letter and four digits (HCPCS Level II).
func ValidCPT(s string) bool {
	if len(s) != 5 {
		return false
	}
	if allDigits(s) {
		return true
	}
	isUpper := func(b byte) bool { return b >= 'A' && b <= 'Z' }
	return (allDigits(s[:4]) && isUpper(s[4])) || (isUpper(s[0]) && allDigits(s[1:]))
}

func (v *validator) cpt(path, code string) {
	if !ValidCPT(code) {
		v.add(path, "%q is not a CPT or HCPCS code (five characters, e.g. 97810)", code)
	}
}

func (v *validator) money(path string, m Money) {
	if m < 0 || m > MaxPrice {
		v.add(path, "%s is not an amount from 0 to %s", m.Dollars(), MaxPrice.Dollars())
	}
}

func (v *validator) period(path string, from, to catalog.Date) {
	if from.IsZero() {
		v.add(path+".effective_from", "the date it takes effect is required")
	}
	if !to.IsZero() && !from.IsZero() && !from.Before(to) {
		v.add(path+".effective_to", "%s is not after effective_from %s", to, from)
	}
}

type span struct {
	key      string
	from, to catalog.Date
	path     string
}

// overlaps reports spans of the same key whose [from, to) periods overlap.
func (v *validator) overlaps(spans []span, format string) {
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			a, b := spans[i], spans[j]
			if a.key != b.key || a.from.IsZero() || b.from.IsZero() {
				continue
			}
			if (a.to.IsZero() || b.from.Before(a.to)) && (b.to.IsZero() || a.from.Before(b.to)) {
				v.add(strings.TrimPrefix(b.path, ""), format, a.key, a.path)
			}
		}
	}
}

// CheckNPI checks a National Provider Identifier: 10 digits whose last is
// the Luhn check digit of the first 9 prefixed with 80840 (the card issuer
// prefix the NPI standard uses), e.g. 1234567893.
func CheckNPI(npi string) error {
	if len(npi) != 10 || !allDigits(npi) {
		return fmt.Errorf("%q is not an NPI (10 digits)", npi)
	}
	if npi[9] != NPICheckDigit(npi[:9]) {
		return fmt.Errorf("%q is not a valid NPI: its check digit should be %c", npi, NPICheckDigit(npi[:9]))
	}
	return nil
}

// NPICheckDigit returns the Luhn check digit of "80840" + first9.
func NPICheckDigit(first9 string) byte {
	s := "80840" + first9
	sum := 0
	// Double every second digit from the right of the payload (the check
	// digit will be appended at the right).
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// CheckTIN checks a Tax Identification Number: 9 digits, or an EIN written
// NN-NNNNNNN.
func CheckTIN(tin string) error {
	if _, ok := TINDigits(tin); !ok {
		return fmt.Errorf("%q is not a TIN (9 digits, or an EIN written NN-NNNNNNN)", tin)
	}
	return nil
}

// TINDigits returns the 9 digits of a TIN written as 9 digits or NN-NNNNNNN.
func TINDigits(tin string) (string, bool) {
	switch {
	case len(tin) == 9 && allDigits(tin):
		return tin, true
	case len(tin) == 10 && tin[2] == '-' && allDigits(tin[:2]) && allDigits(tin[3:]):
		return tin[:2] + tin[3:], true
	}
	return "", false
}
