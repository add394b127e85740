package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// minGCHeadroom is the least heap growth serve allows between two garbage
// collections. Go's default (GOGC=100) lets the heap grow by its live size,
// which with the embedded catalog is small, so under load the collector ran
// many times a second and took a large share of an estimate's CPU (figures
// in the README, Performance). With a floor of 64 MiB it runs a few times a
// second. Once the live heap is larger than the floor
// (large catalogs), GOGC=100 applies unchanged; GOMEMLIMIT (set by the Helm
// chart) still bounds the total.
const minGCHeadroom = 64 << 20

var gcTunerOnce sync.Once

// keepGCHeadroom makes the collector run once every max(live heap,
// minGCHeadroom) bytes of allocation, unless GOGC is set: then the operator
// has chosen and nothing changes. After every collection it sets the GC
// percentage so the next one starts at about live + minGCHeadroom, which keeps
// the extra memory near minGCHeadroom however the live heap moves.
// (A cycle's goal is set from the previous cycle's figures; a catalog
// loaded in between is bounded by GOGC=100 from the next cycle on.)
func keepGCHeadroom(getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	gcTunerOnce.Do(func() {
		current := debug.SetGCPercent(100)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
		var arm func()
		tune := func() {
			metrics.Read(sample)
			var base uint64
			for _, s := range sample {
				if s.Value.Kind() == metrics.KindUint64 {
					base += s.Value.Uint64()
				}
			}
			if pct := gcPercentFor(base); pct != current {
				debug.SetGCPercent(pct)
				current = pct
			}
			arm()
		}
		// A cleanup runs once its object has been found unreachable by a
		// collection: a fresh object per cycle calls tune after each one.
		// (With a pointer in it, so the object is not batched with others
		// by the tiny allocator, which would delay its cleanup.)
		arm = func() { runtime.AddCleanup(new(*byte), func(struct{}) { tune() }, struct{}{}) }
		arm()
	})
}

// gcPercentFor is the GOGC that gives minGCHeadroom of heap growth, or 100
// if that gives more. The runtime's heap goal is the live heap plus GOGC% of
// what the collector scans (live heap, goroutine stacks, globals): live is
// that sum.
func gcPercentFor(live uint64) int {
	if live == 0 || live >= minGCHeadroom {
		return 100
	}
	return int(minGCHeadroom * 100 / live)
}
