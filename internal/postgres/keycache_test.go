package postgres_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestKeysSurviveDatabaseRestart: in key mode a PostgreSQL restart must not
// lock out known keys (it gave 161 × 503 in 3.7 s), bogus keys are refused
// from the negative cache without a query, and a revocation on another
// replica applies at once by NOTIFY, before and after the restart.
func TestKeysSurviveDatabaseRestart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := pgtest.NewCluster(t)
	url := c.URL("postgres")
	if err := pgtest.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := postgres.Open(ctx, url) // another replica, or the CLI
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC).UnixNano())
	db.SetKeyClock(func() time.Time { return time.Unix(0, clock.Load()) })
	advance := func(d time.Duration) { clock.Add(int64(d)) }

	ready := make(chan struct{}, 4)
	watched := make(chan struct{})
	go func() { defer close(watched); db.WatchKeys(ctx, nil, func() { ready <- struct{}{} }) }()
	defer func() { cancel(); <-watched }()
	waitReady := func() {
		t.Helper()
		select {
		case <-ready:
		case <-time.After(60 * time.Second):
			t.Fatal("the key listener did not (re)connect")
		}
	}
	waitReady()

	keep, _, err := other.CreateKey(ctx, "keep", access.Reader, "test")
	if err != nil {
		t.Fatal(err)
	}
	gone, _, err := other.CreateKey(ctx, "gone", access.Editor, "test")
	if err != nil {
		t.Fatal(err)
	}
	bogus, _, _, _ := access.NewKey() // well formed, never stored
	for _, s := range []string{keep, gone} {
		if _, err := db.Authenticate(ctx, s); err != nil {
			t.Fatalf("fresh key: %v", err)
		}
	}
	if _, err := db.Authenticate(ctx, bogus); !errors.Is(err, access.ErrInvalidKey) {
		t.Fatalf("bogus key: %v, want ErrInvalidKey", err)
	}
	revokedSoon := func(secret string) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if _, err := db.Authenticate(ctx, secret); errors.Is(err, access.ErrInvalidKey) {
				return
			}
		}
		t.Fatal("a key revoked on another replica is still accepted from the cache")
	}
	if err := other.RevokeKey(ctx, "gone", "test"); err != nil {
		t.Fatal(err)
	}
	revokedSoon(gone) // the cache still held it as fresh: only the NOTIFY can drop it

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if p, err := db.Authenticate(ctx, keep); err != nil || p.Name != "keep" {
		t.Errorf("known key, database down: %v %v", p, err)
	}
	if _, err := db.Authenticate(ctx, bogus); !errors.Is(err, access.ErrInvalidKey) {
		t.Errorf("bogus key, database down: %v; want ErrInvalidKey from the negative cache, no query", err)
	}
	advance(access.CacheFresh + time.Second)
	if p, err := db.Authenticate(ctx, keep); err != nil || p.Name != "keep" {
		t.Errorf("known key past CacheFresh, database down: %v %v; want it served", p, err)
	}
	stranger, _, _, _ := access.NewKey()
	if _, err := db.Authenticate(ctx, stranger); err == nil || errors.Is(err, access.ErrInvalidKey) {
		t.Errorf("never-seen key, database down: %v; want an error saying it cannot be verified", err)
	}
	advance(access.CacheStale)
	if _, err := db.Authenticate(ctx, keep); err == nil {
		t.Error("key verified longer than CacheStale ago is still served while the database is down")
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitReady()
	if p, err := db.Authenticate(ctx, keep); err != nil || p.Name != "keep" {
		t.Fatalf("known key after the restart: %v %v", p, err)
	}
	if err := other.RevokeKey(ctx, "keep", "test"); err != nil {
		t.Fatal(err)
	}
	revokedSoon(keep)
}
