package console

import (
	"errors"
	"strconv"
	"strings"
)

// maxDollars bounds an amount typed into the console: $10,000,000.
const maxDollars = 10_000_000

var errMoney = errors.New("enter an amount in dollars, like 283 or 1,234.50")

// parseCents reads a dollar amount as typed by a person — "283", "$1,234.5",
// " 12.05 " — into integer cents. At most two decimals; no rounding: "1.005"
// is refused rather than guessed. Commas are allowed only as thousands
// separators; negative amounts and amounts over maxDollars are refused.
func parseCents(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, errMoney
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, errMoney
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, errMoney
			}
		}
		whole = strings.Join(groups, "")
	}
	if !digits(whole) || !digits(frac) || len(frac) > 2 || (hasDot && frac == "") {
		return 0, errMoney
	}
	var d int64
	if whole != "" {
		if len(whole) > 8 {
			return 0, errMoney
		}
		d, _ = strconv.ParseInt(whole, 10, 64)
	}
	c := int64(0)
	if frac != "" {
		c, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			c *= 10
		}
	}
	if d > maxDollars || (d == maxDollars && c > 0) {
		return 0, errMoney
	}
	return d*100 + c, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
