package access

import (
	"sync"
	"time"
)

// Key cache lifetimes (internal/httpapi/README.md, "API keys").
const (
	// CacheFresh is how long a verified key is trusted without asking the
	// store of record again. A revocation reaches every replica at once by
	// NOTIFY; CacheFresh bounds it only when that notification is lost.
	CacheFresh = 30 * time.Second
	// CacheStale is how long a verified key keeps being served while the
	// store of record cannot be reached: a database restart must not lock
	// out known clients.
	CacheStale = 15 * time.Minute
	// CacheUnknown is how long a prefix that matched no key is remembered,
	// so a flood of bogus keys is answered without a lookup.
	CacheUnknown = 30 * time.Second
	// cacheMax bounds each of the cache's two maps.
	cacheMax = 10_000
)

// Verdict is what a KeyCache knows of a presented key.
type Verdict int

// Verdicts of KeyCache.Lookup.
const (
	// Miss: nothing usable is cached; ask the store.
	Miss Verdict = iota
	// Valid: verified within CacheFresh; no need to ask.
	Valid
	// Stale: verified within CacheStale; ask, and serve it only if the store
	// cannot answer.
	Stale
	// Invalid: the prefix matched no key within CacheUnknown, or it belongs
	// to a freshly verified key whose hash differs; refuse without asking.
	Invalid
)

// KeyCache remembers recent verifications: keys that were valid (by prefix,
// with their hash, never the secret) and prefixes that matched no key. It
// is safe for concurrent use. The zero value is not usable; see
// NewKeyCache.
type KeyCache struct {
	mu      sync.Mutex
	known   map[string]cachedKey // prefix → verified key
	unknown map[string]time.Time // prefix → when it matched nothing
	max     int
}

type cachedKey struct {
	hash      [32]byte
	principal Principal
	at        time.Time // when it was verified (moved back by Expire)
}

// NewKeyCache returns an empty cache.
func NewKeyCache() *KeyCache {
	return &KeyCache{known: map[string]cachedKey{}, unknown: map[string]time.Time{}, max: cacheMax}
}

// Lookup returns what the cache knows of the key with prefix and hash at
// now, and its principal for Valid and Stale.
func (c *KeyCache) Lookup(prefix string, hash []byte, now time.Time) (Principal, Verdict) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at, ok := c.unknown[prefix]; ok {
		if now.Sub(at) < CacheUnknown {
			return Principal{}, Invalid
		}
		delete(c.unknown, prefix)
	}
	k, ok := c.known[prefix]
	if !ok {
		return Principal{}, Miss
	}
	age := now.Sub(k.at)
	switch {
	case !Match(k.hash[:], hash):
		if age < CacheFresh {
			return Principal{}, Invalid
		}
		return Principal{}, Miss
	case age < CacheFresh:
		return k.principal, Valid
	case age < CacheStale:
		return k.principal, Stale
	}
	delete(c.known, prefix)
	return Principal{}, Miss
}

// Remember records that the key with prefix and hash was verified at now.
func (c *KeyCache) Remember(prefix string, hash []byte, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.unknown, prefix)
	if _, ok := c.known[prefix]; !ok && len(c.known) >= c.max {
		evictOldest(c.known, func(k cachedKey) time.Time { return k.at })
	}
	k := cachedKey{principal: p, at: now}
	copy(k.hash[:], hash)
	c.known[prefix] = k
}

// RememberUnknown records that prefix matched no key at now.
func (c *KeyCache) RememberUnknown(prefix string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.unknown[prefix]; !ok && len(c.unknown) >= c.max {
		evictOldest(c.unknown, func(t time.Time) time.Time { return t })
	}
	c.unknown[prefix] = now
}

// Forget drops everything known of prefix: its key was revoked or created.
func (c *KeyCache) Forget(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.known, prefix)
	delete(c.unknown, prefix)
}

// Expire marks every cached key stale and forgets the unknown prefixes, for
// when notifications may have been missed (the listener reconnected):
// each key is verified again on its next use, but still served if the store
// cannot answer.
func (c *KeyCache) Expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, k := range c.known {
		k.at = k.at.Add(-CacheFresh)
		c.known[p] = k
	}
	clear(c.unknown)
}

// evictOldest deletes the entry of m with the earliest time.
func evictOldest[V any](m map[string]V, at func(V) time.Time) {
	var oldest string
	var oldestAt time.Time
	for p, v := range m {
		t := at(v)
		if oldest == "" || t.Before(oldestAt) {
			oldest, oldestAt = p, t
		}
	}
	delete(m, oldest)
}
