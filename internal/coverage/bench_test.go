package coverage

import "testing"

func BenchmarkDecide(b *testing.B) {
	ix := defaultIndex(b)
	cases := map[string]Query{
		"bare":     {Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain"},
		"icd":      {Plan: "medicare-part-b", State: "CA", Condition: "M54.50"},
		"facts":    {Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", Patient: clbp(), Usage: usage(12, 12, 3), Provider: &Provider{Type: "physician"}},
		"notcover": {Plan: "medicare-part-b", State: "CA", Condition: "neck_pain"},
	}
	for name, q := range cases {
		q.Date = day(b, "2026-03-10")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decide(ix, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
