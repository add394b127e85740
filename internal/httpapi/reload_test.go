package httpapi

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
)

// gatedEditor holds its first LoadCatalog after the load has read the
// catalog until release is closed: a slow load whose snapshot predates the
// writes made meanwhile.
type gatedEditor struct {
	CatalogEditor
	once    sync.Once
	loaded  chan struct{}
	release chan struct{}
}

func (g *gatedEditor) LoadCatalog(ctx context.Context) (*catalog.Snapshot, error) {
	s, err := g.CatalogEditor.LoadCatalog(ctx)
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.loaded)
		<-g.release
	}
	return s, err
}

// TestReloadRace: an admin read that loads revision 1 slowly, while
// revision 2 is committed and the watcher serves it, must not swap revision
// 1 back in over revision 2. Both reload paths go through one lock, so the
// watcher waits for the admin's load and then serves the head.
func TestReloadRace(t *testing.T) {
	gate := &gatedEditor{loaded: make(chan struct{}), release: make(chan struct{})}
	var store *catalog.Store
	s := newDBServer(t, func(d *Deps) {
		gate.CatalogEditor = d.Editor
		d.Editor = gate
		store = d.Store
	})
	ctx := t.Context()
	commit := func(name string) string {
		t.Helper()
		rev, _, err := s.db.Edit(ctx, "test", "update", name, func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
			cur.Plans[0].Name = name
			return cur, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}

	// Revision 1 is committed while nothing watches, so the store is
	// behind and the admin's read loads it.
	rev1 := commit("revision 1")
	adminDone := make(chan struct{})
	go func() {
		defer close(adminDone)
		if rec := s.call(t, call{method: http.MethodGet, target: "/v1/admin/catalog", key: "editor"}); rec.Code != http.StatusOK {
			t.Errorf("GET /v1/admin/catalog = %d, want 200", rec.Code)
		}
	}()
	<-gate.loaded

	// Revision 2 is committed and a watcher starts; it reloads once its
	// LISTEN is up.
	rev2 := commit("revision 2")
	wctx, stop := context.WithCancel(ctx)
	var reloads atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		postgres.Watch(wctx, s.db, store, postgres.WatchOptions{Every: time.Hour, OnSuccess: func() { reloads.Add(1) }})
	})
	t.Cleanup(func() { stop(); wg.Wait() })
	// Give the watcher the chance to serve revision 2 before the admin's
	// load of revision 1 ends (with two unserialised paths it does so in
	// milliseconds; with one lock it cannot, and this wait runs out).
	for start := time.Now(); reloads.Load() == 0 && time.Since(start) < 3*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	close(gate.release)
	<-adminDone

	// Revision 2 is the head; nothing may leave revision 1 in force.
	deadline := time.Now().Add(10 * time.Second)
	for store.Index().Revision() != rev2 {
		if time.Now().After(deadline) {
			t.Fatalf("serving revision %s after the reloads settled, want the head %s (the admin loaded %s)",
				store.Index().Revision(), rev2, rev1)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
