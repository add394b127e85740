package catalog

import (
	"hash/maphash"
	"maps"
	"unsafe"
)

// shardCount is the number of maps a shardMap splits its keys over: an
// edit copies the maps of the keys it changes and shares the rest with the
// Index it started from.
const shardCount = 256

// shardMap is a map split over shardCount maps by a hash of the key. It is
// never changed once an Index holds it: a shardEdit makes the next one.
type shardMap[K comparable, V any] struct {
	m     *[shardCount]map[K]V
	shard func(K) uint8
}

func newShardMap[K comparable, V any](shard func(K) uint8, hint int) shardMap[K, V] {
	s := shardMap[K, V]{m: new([shardCount]map[K]V), shard: shard}
	for i := range s.m {
		s.m[i] = make(map[K]V, hint/shardCount)
	}
	return s
}

func (s shardMap[K, V]) get(k K) (V, bool) {
	v, ok := s.m[s.shard(k)][k]
	return v, ok
}

// set and del change s in place: only for a map being built.
func (s shardMap[K, V]) set(k K, v V) { s.m[s.shard(k)][k] = v }

// shardEdit makes a shardMap from another, copying only the maps it
// changes.
type shardEdit[K comparable, V any] struct {
	out shardMap[K, V]
	own [shardCount]bool
}

func (s shardMap[K, V]) edit() *shardEdit[K, V] {
	m := *s.m
	return &shardEdit[K, V]{out: shardMap[K, V]{m: &m, shard: s.shard}}
}

func (e *shardEdit[K, V]) mine(k K) map[K]V {
	i := e.out.shard(k)
	if !e.own[i] {
		e.out.m[i] = maps.Clone(e.out.m[i])
		if e.out.m[i] == nil {
			e.out.m[i] = map[K]V{}
		}
		e.own[i] = true
	}
	return e.out.m[i]
}

func (e *shardEdit[K, V]) set(k K, v V) { e.mine(k)[k] = v }
func (e *shardEdit[K, V]) del(k K)      { delete(e.mine(k), k) }

var shardSeed = maphash.MakeSeed()

func stringShard(s string) uint8 { return uint8(maphash.String(shardSeed, s)) }

func criteriaShard(c criteria) uint8 {
	p := uint64(uintptr(unsafe.Pointer(c.first)))
	return uint8((p * 0x9E3779B97F4A7C15) >> 56)
}
