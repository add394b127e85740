package clinic

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Money is an amount in integer cents. In clinic files it is written in
// dollars, as a number or a string: 85, 85.5, 85.50, "85.50" or "$85.50".
// More than two decimals (not whole cents), exponents, signs and amounts of
// a billion dollars or more are refused, so a price is never rounded on the
// way in.
type Money int64

// MoneyError is an amount that is not whole cents in dollars.
type MoneyError struct{ Value string }

func (e *MoneyError) Error() string {
	return fmt.Sprintf("amount %q is not dollars and whole cents (e.g. 85 or 85.50)", e.Value)
}

// ParseMoney parses a dollar amount into cents.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "$")
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" || len(whole) > 9 || len(frac) > 2 || (dot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, &MoneyError{Value: s}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, &MoneyError{Value: s}
	}
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return Money(w*100 + f), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Dollars writes m as dollars with two decimals, e.g. 85.50.
func (m Money) Dollars() string { return Dollars(int64(m)) }

// Dollars writes cents as dollars with two decimals and thousands
// separators, e.g. 1,234.50 (negative amounts with a leading minus).
func Dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s%s.%02d", sign, b.String(), cents%100)
}

// MarshalJSON writes m as a JSON number in dollars, e.g. 85.50.
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(plain(int64(m))), nil
}

// UnmarshalJSON accepts a JSON number or string in dollars.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalYAML writes m as a dollar string, e.g. "85.50".
func (m Money) MarshalYAML() (any, error) {
	return plain(int64(m)), nil
}

// UnmarshalYAML accepts a scalar number or string in dollars.
func (m *Money) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: an amount must be a number of dollars, e.g. 85.50", n.Line)
	}
	v, err := ParseMoney(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*m = v
	return nil
}

// plain writes cents as dollars with two decimals and no separators.
func plain(cents int64) string {
	return strings.ReplaceAll(Dollars(cents), ",", "")
}
