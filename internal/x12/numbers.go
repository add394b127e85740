package x12

import (
	"errors"
	"fmt"
	"strings"
)

// maxIntDigits bounds the integer part of a decimal: X12 R elements are at
// most 18 characters, and 15 digits keep every result inside int64 after
// scaling.
const maxIntDigits = 15

// decimal splits X12 decimal text (R data type: optional leading minus,
// digits, optional point and digits) into its sign, integer and fraction
// digits. No floats are involved anywhere.
func decimal(s string) (neg bool, intPart, frac string, err error) {
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	intPart, frac, _ = strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return false, "", "", errors.New("no digits")
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false, "", "", fmt.Errorf("%q is not a decimal number", clip(s))
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > maxIntDigits {
		return false, "", "", fmt.Errorf("%q has more than %d integer digits", clip(s), maxIntDigits)
	}
	return neg, intPart, frac, nil
}

// scaled returns the decimal text as an integer count of 10^-places units,
// failing when the text has more fraction digits than places.
func scaled(s string, places int) (int64, error) {
	neg, intPart, frac, err := decimal(s)
	if err != nil {
		return 0, err
	}
	if len(frac) > places {
		return 0, fmt.Errorf("%q has more than %d decimal places", clip(s), places)
	}
	frac += strings.Repeat("0", places-len(frac))
	var v int64
	for _, c := range intPart + frac {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// ParseCents parses a monetary amount ("500", "500.5", "500.00") into integer
// cents exactly. More than two decimal places is an error, not a rounding.
func ParseCents(s string) (int64, error) { return scaled(s, 2) }

// Percent is a percentage held exactly in basis points (hundredths of a
// percent): 2000 is 20%.
type Percent int64

// ParsePercent parses an X12 percent, which is sent as a fraction of one
// ("0.2" is 20%, "1" is 100%), into basis points exactly. More than four
// decimal places, a negative value or a value above 1 is an error: "20" for
// 20% is a payer mistake and is reported rather than guessed.
func ParsePercent(s string) (Percent, error) {
	v, err := scaled(s, 4)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > 10000 {
		return 0, fmt.Errorf("%q is outside 0–1 (X12 sends 0.20 for 20%%)", clip(s))
	}
	return Percent(v), nil
}

// Whole returns the percent as a whole number and whether it is one
// (2000 basis points is 20, true; 1250 is 12, false).
func (p Percent) Whole() (int64, bool) { return int64(p) / 100, p%100 == 0 }

func (p Percent) String() string {
	if w, ok := p.Whole(); ok {
		return fmt.Sprintf("%d%%", w)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%02d", p/100, p%100), "0") + "%"
}

// Quantity is a non-negative decimal quantity held exactly in thousandths.
type Quantity int64

// ParseQuantity parses a quantity (EB10, HSD02, HSD06) exactly; more than
// three decimal places or a negative value is an error.
func ParseQuantity(s string) (Quantity, error) {
	v, err := scaled(s, 3)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, fmt.Errorf("%q is negative", clip(s))
	}
	return Quantity(v), nil
}

// Whole returns the quantity as a whole number and whether it is one.
func (q Quantity) Whole() (int64, bool) { return int64(q) / 1000, q%1000 == 0 }

func (q Quantity) String() string {
	if w, ok := q.Whole(); ok {
		return fmt.Sprint(w)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%03d", q/1000, q%1000), "0")
}

// FormatCents renders cents as dollars with two decimals ("500.00",
// "-0.05"), the inverse of ParseCents.
func FormatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-(c+1))+1
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}
