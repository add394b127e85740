package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100}, {1 << 20, 6400}, {4 << 20, 1600}, {32 << 20, 200}, {64<<20 - 1, 100}, {64 << 20, 100}, {1 << 30, 100},
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", tc.live, got, tc.want)
		}
		// Below the floor, the heap may grow by the floor (less rounding).
		if tc.live > 0 && tc.live < minGCHeadroom {
			if growth := tc.live * uint64(tc.want) / 100; growth > minGCHeadroom || growth+tc.live/100+1 < minGCHeadroom {
				t.Errorf("live %d: growth %d, want about %d", tc.live, growth, minGCHeadroom)
			}
		}
	}
}

// TestKeepGCHeadroom: with a small live heap, the tuner raises the GC
// percentage after a collection; with GOGC set it leaves it alone.
func TestKeepGCHeadroom(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	keepGCHeadroom(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if p := gcPercent(); p != 100 {
		t.Fatalf("GOGC set: GC percent changed to %d", p)
	}
	keepGCHeadroom(func(string) string { return "" })
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() <= 100 {
		if time.Now().After(deadline) {
			t.Fatal("the GC percent stayed at 100 with a small live heap")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
