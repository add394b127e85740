package catalog

import (
	"context"
	"sync/atomic"
	"time"
)

// Store holds the Index in force. Readers call Index; a new Index is built off
// to the side and swapped in atomically, so a request sees one whole catalog.
type Store struct {
	cur      atomic.Pointer[Index]
	loadedAt atomic.Int64 // unix nanoseconds of the last successful load
}

// NewStore returns a Store serving first, which must not be nil.
func NewStore(first *Index) *Store {
	s := &Store{}
	s.Swap(first)
	return s
}

// Index returns the Index in force.
func (s *Store) Index() *Index { return s.cur.Load() }

// Swap puts ix in force and records the load time.
func (s *Store) Swap(ix *Index) {
	s.cur.Store(ix)
	s.loadedAt.Store(time.Now().UnixNano())
}

// LoadedAt is when the Index in force was last loaded or confirmed current.
func (s *Store) LoadedAt() time.Time { return time.Unix(0, s.loadedAt.Load()) }

// Loader loads a whole catalog snapshot from a store of record.
type Loader func(ctx context.Context) (*Snapshot, error)

// Reload loads a snapshot and, if it builds, swaps it in. On any error the
// Index in force stays and the error is returned. A snapshot whose revision
// equals the current one only refreshes the load time.
func (s *Store) Reload(ctx context.Context, load Loader) (changed bool, err error) {
	snap, err := load(ctx)
	if err != nil {
		return false, err
	}
	if snap.Revision != "" && snap.Revision == s.Index().Revision() {
		s.loadedAt.Store(time.Now().UnixNano())
		return false, nil
	}
	ix, err := Build(snap)
	if err != nil {
		return false, err
	}
	s.Swap(ix)
	return true, nil
}
