package catalog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/bits"
	"runtime"
	"strconv"
	"sync"
)

// ContentHash returns the hex SHA-256 of s's content (its revision
// excluded), stable across runs: equal catalogs hash equal.
//
// It is computed so that an edit can update it for the items it changes
// alone (see BuildFrom): each list of the catalog is the sum, modulo 2^256,
// of one hash per pair of neighbours in it, the first and last item paired
// with a start and an end mark; an item's hash is the SHA-256 of its kind
// and JSON. The pairs of a list whose items differ (as a valid catalog's
// do: their ids are unique) give back the list and its order, so a
// reordered catalog hashes differently. The hash is the SHA-256 of each
// kind's name, length and sum.
func ContentHash(s *Snapshot) (string, error) {
	sums, err := contentSums(s)
	if err != nil {
		return "", err
	}
	return finalHash(s, sums), nil
}

// sum256 is a number modulo 2^256, in little-endian 64-bit limbs.
type sum256 [4]uint64

func limbs(h [32]byte) sum256 {
	var x sum256
	for i := range x {
		x[i] = binary.LittleEndian.Uint64(h[8*i:])
	}
	return x
}

func (a *sum256) add(h [32]byte) {
	x := limbs(h)
	var c uint64
	for i := range a {
		a[i], c = bits.Add64(a[i], x[i], c)
	}
}

func (a *sum256) sub(h [32]byte) {
	x := limbs(h)
	var b uint64
	for i := range a {
		a[i], b = bits.Sub64(a[i], x[i], b)
	}
}

func (a *sum256) plus(b sum256) {
	var c uint64
	for i := range a {
		a[i], c = bits.Add64(a[i], b[i], c)
	}
}

var (
	listStart = sha256.Sum256([]byte("acucover catalog list start"))
	listEnd   = sha256.Sum256([]byte("acucover catalog list end"))
)

// itemHash is the hash of item i of kind k in s.
func itemHash(k ItemKind, s *Snapshot, i int) ([32]byte, error) {
	b, err := json.Marshal(k.Item(s, i))
	if err != nil {
		return [32]byte{}, fmt.Errorf("hash catalog: %s %q: %w", k.Name(), k.ID(s, i), err)
	}
	h := sha256.New()
	h.Write([]byte(k.Name()))
	h.Write([]byte{0})
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}

// pairHash is the hash of neighbours a, b.
func pairHash(a, b [32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:32], a[:])
	copy(buf[32:], b[:])
	return sha256.Sum256(buf[:])
}

// contentSums returns the sum of every kind of s, ItemKinds order.
func contentSums(s *Snapshot) ([]sum256, error) {
	sums := make([]sum256, len(ItemKinds))
	for ki, k := range ItemKinds {
		n := k.Len(s)
		hs := make([][32]byte, n)
		workers := min(runtime.GOMAXPROCS(0), max(1, n/2000))
		part := make([]sum256, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			lo, hi := n*w/workers, n*(w+1)/workers
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					if hs[i], errs[w] = itemHash(k, s, i); errs[w] != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		for w := range workers {
			lo, hi := n*w/workers, n*(w+1)/workers
			wg.Go(func() {
				for i := lo; i < hi; i++ {
					part[w].add(pairHash(prevHash(hs, i), hs[i]))
				}
			})
		}
		wg.Wait()
		for _, p := range part {
			sums[ki].plus(p)
		}
		if n > 0 {
			sums[ki].add(pairHash(hs[n-1], listEnd))
		} else {
			sums[ki].add(pairHash(listStart, listEnd))
		}
	}
	return sums, nil
}

func prevHash(hs [][32]byte, i int) [32]byte {
	if i == 0 {
		return listStart
	}
	return hs[i-1]
}

// finalHash is the hex content hash of s from its sums.
func finalHash(s *Snapshot, sums []sum256) string {
	h := sha256.New()
	for ki, k := range ItemKinds {
		h.Write([]byte(k.Name() + ":" + strconv.Itoa(k.Len(s)) + ":"))
		var b [32]byte
		for i, x := range sums[ki] {
			binary.LittleEndian.PutUint64(b[8*i:], x)
		}
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
