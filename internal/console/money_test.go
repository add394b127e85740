package console

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseCents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"283", 28300, true}, {"$283", 28300, true}, {" 12.05 ", 1205, true}, {"1,234.5", 123450, true},
		{"0", 0, true}, {".5", 50, true}, {"10,000,000", 1_000_000_000, true}, {"1,000", 100000, true},
		{"", 0, false}, {"$", 0, false}, {"-5", 0, false}, {"1.005", 0, false}, {"1.", 0, false}, {"1,00", 0, false},
		{",100", 0, false}, {"1234,567", 0, false}, {"10000000.01", 0, false}, {"99999999999", 0, false},
		{"1e3", 0, false}, {"12 34", 0, false}, {"１２", 0, false},
	} {
		got, err := parseCents(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseCents(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseCents(f *testing.F) {
	for _, s := range []string{"283", "$1,234.56", ".5", "1.", "-1", "99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCents(s)
		if err != nil {
			return
		}
		if c < 0 || c > maxDollars*100 {
			t.Fatalf("parseCents(%q) = %d, out of range", s, c)
		}
		// The amount formats back to what was typed, less "$", commas and
		// trailing zeros.
		typed := strings.NewReplacer("$", "", ",", "").Replace(strings.TrimSpace(s))
		w, frac, _ := strings.Cut(typed, ".")
		frac = (frac + "00")[:2]
		if w == "" {
			w = "0"
		}
		n, _ := strconv.ParseInt(w+frac, 10, 64)
		if n != c {
			t.Fatalf("parseCents(%q) = %d, want %d", s, c, n)
		}
	})
}
