package catalog

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Store holds the Index in force. Readers call Index; a new Index is built off
// to the side and swapped in atomically, so a request sees one whole catalog.
//
// Reloads (Refresh, Reload) run one at a time under the Store's lock, which
// makes the Store the one owner of what is in force: two callers reloading
// at once (the change watcher and an editor reading its own write) cannot
// swap in an older revision after a newer one.
type Store struct {
	cur      atomic.Pointer[Index]
	loadedAt atomic.Int64 // unix nanoseconds of the last successful load
	reload   sync.Mutex   // held across a reload's load, build and swap
}

// NewStore returns a Store serving first, which must not be nil.
func NewStore(first *Index) *Store {
	s := &Store{}
	s.swap(first)
	return s
}

// Index returns the Index in force.
func (s *Store) Index() *Index { return s.cur.Load() }

// Swap puts ix in force and records the load time. It waits for a reload in
// progress, so that reload cannot overwrite ix with what it loaded before.
func (s *Store) Swap(ix *Index) {
	s.reload.Lock()
	defer s.reload.Unlock()
	s.swap(ix)
}

func (s *Store) swap(ix *Index) {
	s.cur.Store(ix)
	s.loadedAt.Store(time.Now().UnixNano())
}

// LoadedAt is when the Index in force was last loaded or confirmed current.
func (s *Store) LoadedAt() time.Time { return time.Unix(0, s.loadedAt.Load()) }

// Loader loads a whole catalog snapshot from a store of record.
type Loader func(ctx context.Context) (*Snapshot, error)

// Origin is a store of record that names its head revision. *postgres.DB
// implements it.
type Origin interface {
	// HeadRevision returns the id of the revision LoadCatalog would load.
	HeadRevision(ctx context.Context) (string, error)
	// LoadCatalog loads the head revision.
	LoadCatalog(ctx context.Context) (*Snapshot, error)
}

// Refresh puts src's head revision in force. It asks for the head (one
// cheap query) and loads the whole catalog only if the head differs from
// the revision in force; otherwise it only refreshes the load time.
//
// The head is read under the Store's lock, after every earlier reload has
// swapped, so as long as src's head only moves forward, neither does the
// Index in force: a refresh never swaps in a revision older than one already
// served. On any error the Index in force stays and the error is returned.
func (s *Store) Refresh(ctx context.Context, src Origin) (changed bool, err error) {
	return s.Reload(ctx, func(ctx context.Context) (*Snapshot, error) {
		head, err := src.HeadRevision(ctx)
		if err != nil {
			return nil, err
		}
		if head == s.Index().Revision() {
			return &Snapshot{Revision: head}, nil // Reload only refreshes the load time
		}
		return src.LoadCatalog(ctx)
	})
}

// Reload loads a snapshot and, if it builds, swaps it in, under the Store's
// lock. It builds with BuildFrom the Index in force: a snapshot that shares
// its unchanged items with the one in force (a store's delta load) costs
// what differs. On any error the Index in force stays and the error is returned. A
// snapshot whose revision equals the current one only refreshes the load
// time.
func (s *Store) Reload(ctx context.Context, load Loader) (changed bool, err error) {
	s.reload.Lock()
	defer s.reload.Unlock()
	snap, err := load(ctx)
	if err != nil {
		return false, err
	}
	if snap.Revision != "" && snap.Revision == s.Index().Revision() {
		s.loadedAt.Store(time.Now().UnixNano())
		return false, nil
	}
	ix, err := BuildFrom(s.Index(), snap)
	if err != nil {
		return false, err
	}
	s.swap(ix)
	return true, nil
}
