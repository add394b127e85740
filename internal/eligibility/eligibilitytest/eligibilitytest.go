// Package eligibilitytest gives tests the hand-built 271 samples of package
// eligibility (its testdata) and mangled variants of them.
package eligibilitytest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// Samples returns the testdata 271s by file name.
func Samples(tb testing.TB) map[string]string {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	files, err := filepath.Glob(filepath.Join(filepath.Dir(here), "..", "testdata", "*.271"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no 271 samples found: %v", err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

// Sorted returns the samples' texts in file-name order.
func Sorted(tb testing.TB) []string {
	m := Samples(tb)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

// delimiterish are bytes a mutation likes to insert: X12 separators and
// the bytes that break parsers.
var delimiterish = []byte("*~^:|>!\n\r\x00\xff0123456789ENHLSAI ")

// Mangle returns a byte-level mutation of s, reproducible from r: 1 to 8
// edits, each flipping, deleting, inserting or duplicating bytes, swapping
// two bytes, or cutting the text short.
func Mangle(r *rand.Rand, s string) string {
	b := []byte(s)
	for range 1 + r.IntN(8) {
		if len(b) == 0 {
			b = append(b, delimiterish[r.IntN(len(delimiterish))])
			continue
		}
		i := r.IntN(len(b))
		switch r.IntN(7) {
		case 0:
			b[i] ^= byte(1 << r.IntN(8))
		case 1:
			n := 1 + r.IntN(min(16, len(b)-i))
			b = append(b[:i], b[i+n:]...)
		case 2:
			b = append(b[:i], append([]byte{delimiterish[r.IntN(len(delimiterish))]}, b[i:]...)...)
		case 3:
			n := 1 + r.IntN(min(64, len(b)-i))
			chunk := append([]byte(nil), b[i:i+n]...)
			j := r.IntN(len(b) + 1)
			b = append(b[:j], append(chunk, b[j:]...)...)
		case 4:
			j := r.IntN(len(b))
			b[i], b[j] = b[j], b[i]
		case 5:
			b = b[:i]
		case 6:
			b[i] = delimiterish[r.IntN(len(delimiterish))]
		}
	}
	return string(b)
}
