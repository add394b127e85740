package eligibilitytest

import (
	"math/rand/v2"
	"testing"
)

func TestMangle(t *testing.T) {
	t.Parallel()
	s := Sorted(t)
	if len(s) < 5 {
		t.Fatalf("%d samples", len(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	changed := 0
	for i := range 1000 {
		if Mangle(r, s[i%len(s)]) != s[i%len(s)] {
			changed++
		}
	}
	if changed < 990 {
		t.Errorf("only %d of 1000 mangled samples differ from the original", changed)
	}
}
