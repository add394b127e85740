package x12

import "testing"

func TestParseCents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"500", 50000, true},
		{"500.00", 50000, true},
		{"500.5", 50050, true},
		{"0.07", 7, true},
		{".5", 50, true},
		{"-12.34", -1234, true},
		{"0", 0, true},
		{"000123.10", 12310, true},
		{"999999999999999.99", 99999999999999999, true},
		{"10.005", 0, false}, // more than two decimals: rejected, not rounded
		{"10.000", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{".", 0, false},
		{"1e3", 0, false},
		{"+5", 0, false},
		{"1,000", 0, false},
		{"1000000000000000", 0, false},
	} {
		got, err := ParseCents(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && tc.in != "-" {
			if back, err := ParseCents(FormatCents(got)); err != nil || back != got {
				t.Errorf("FormatCents(%d) = %q does not round-trip", got, FormatCents(got))
			}
		}
	}
}

func TestParsePercent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"0.2", "20%", true},
		{".20", "20%", true},
		{"0.125", "12.5%", true},
		{"0.1234", "12.34%", true},
		{"1", "100%", true},
		{"0", "0%", true},
		{"20", "", false}, // 20 for 20% is a payer error, reported
		{"-0.1", "", false},
		{"0.12345", "", false},
		{"abc", "", false},
	} {
		got, err := ParsePercent(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got.String() != tc.want) {
			t.Errorf("ParsePercent(%q) = %v, %v; want %s, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		want  string
		whole bool
		ok    bool
	}{
		{"20", "20", true, true},
		{"20.0", "20", true, true},
		{"1.5", "1.5", false, true},
		{"-1", "", false, false},
		{"1.2345", "", false, false},
	} {
		got, err := ParseQuantity(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseQuantity(%q) error = %v, want ok %v", tc.in, err, tc.ok)
			continue
		}
		if _, whole := got.Whole(); tc.ok && (got.String() != tc.want || whole != tc.whole) {
			t.Errorf("ParseQuantity(%q) = %s (whole %v), want %s (%v)", tc.in, got, whole, tc.want, tc.whole)
		}
	}
}
