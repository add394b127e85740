package access

import (
	"fmt"
	"testing"
	"time"
)

func TestKeyCache(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	secret, prefix, hash, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	other := Hash(secret + "x")
	reader := Principal{Name: "r", Role: Reader}
	c := NewKeyCache()
	check := func(what string, h []byte, now time.Time, want Verdict) {
		t.Helper()
		p, v := c.Lookup(prefix, h, now)
		if v != want || (want == Valid || want == Stale) && p != reader {
			t.Errorf("%s: %v %v, want %v", what, p, v, want)
		}
	}
	check("empty cache", hash, t0, Miss)
	c.RememberUnknown(prefix, t0)
	check("unknown prefix", hash, t0.Add(CacheUnknown-time.Second), Invalid)
	check("unknown prefix, forgotten", hash, t0.Add(CacheUnknown), Miss)
	c.Remember(prefix, hash, reader, t0)
	check("verified", hash, t0.Add(CacheFresh-time.Second), Valid)
	check("verified, wrong hash", other, t0.Add(time.Second), Invalid)
	check("verified, wrong hash, later", other, t0.Add(CacheFresh), Miss)
	check("verified a while ago", hash, t0.Add(CacheFresh), Stale)
	check("verified too long ago", hash, t0.Add(CacheStale), Miss)
	check("dropped", hash, t0, Miss)
	c.Remember(prefix, hash, reader, t0)
	c.Expire()
	check("expired (listener reconnected)", hash, t0, Stale)
	c.Forget(prefix)
	check("revoked", hash, t0, Miss)

	// Bounded: the oldest entries go first.
	c = NewKeyCache()
	c.max = 3
	for i := range 5 {
		c.RememberUnknown(fmt.Sprint("u", i), t0.Add(time.Duration(i)*time.Second))
		c.Remember(fmt.Sprint(i), hash, reader, t0.Add(time.Duration(i)*time.Second))
	}
	if len(c.known) != 3 || len(c.unknown) != 3 {
		t.Errorf("cache holds %d keys and %d unknown prefixes, want at most 3", len(c.known), len(c.unknown))
	}
	if _, v := c.Lookup("4", hash, t0.Add(5*time.Second)); v != Valid {
		t.Errorf("newest key evicted: %v", v)
	}
}
