package catalog

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// origin is a store of record whose head the test moves. A load returns the
// head as it was when the load began; hold, if set, is closed by the load
// and the load then waits for release.
type origin struct {
	mu            sync.Mutex
	base          *Snapshot
	head          string
	heads, loads  int
	hold, release chan struct{}
	err           error
}

func (o *origin) setHead(rev string) { o.mu.Lock(); o.head = rev; o.mu.Unlock() }

func (o *origin) HeadRevision(context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.heads++
	return o.head, o.err
}

func (o *origin) LoadCatalog(context.Context) (*Snapshot, error) {
	o.mu.Lock()
	s := *o.base
	s.Revision = o.head
	o.loads++
	hold, release := o.hold, o.release
	o.hold = nil
	o.mu.Unlock()
	if hold != nil {
		close(hold)
		<-release
	}
	return &s, o.err
}

func TestRefresh(t *testing.T) {
	ix := mustDefault(t)
	o := &origin{base: ix.Snapshot(), head: ix.Revision()}
	s := NewStore(ix)
	ctx := t.Context()

	// The head in force: one head query, no load.
	if changed, err := s.Refresh(ctx, o); err != nil || changed || o.loads != 0 {
		t.Fatalf("refresh at the head: changed %v, err %v, %d loads; want false, nil, 0", changed, err, o.loads)
	}
	// A new head is loaded and swapped in.
	o.setHead("r2")
	if changed, err := s.Refresh(ctx, o); err != nil || !changed || s.Index().Revision() != "r2" {
		t.Fatalf("refresh to r2: changed %v, err %v, serving %q", changed, err, s.Index().Revision())
	}
	// A failure keeps the index in force.
	o.err = errors.New("database down")
	o.setHead("r3")
	if _, err := s.Refresh(ctx, o); err == nil || s.Index().Revision() != "r2" {
		t.Fatalf("failed refresh: err %v, serving %q; want an error and r2", err, s.Index().Revision())
	}
}

// TestRefreshNeverGoesBack: a refresh that read head r2 and loads slowly,
// and one that starts after the head moved to r3, leave r3 in force
// whatever order their loads end in: the second waits for the first and
// reads the head after it swapped.
func TestRefreshNeverGoesBack(t *testing.T) {
	ix := mustDefault(t)
	o := &origin{base: ix.Snapshot(), head: "r2", hold: make(chan struct{}), release: make(chan struct{})}
	s := NewStore(ix)
	ctx := t.Context()
	hold := o.hold

	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := s.Refresh(ctx, o); err != nil {
			t.Error(err)
		}
	})
	<-hold // the first refresh has loaded r2 and waits
	o.setHead("r3")
	second := make(chan struct{})
	wg.Go(func() {
		defer close(second)
		if _, err := s.Refresh(ctx, o); err != nil {
			t.Error(err)
		}
	})
	// Without the lock the second refresh would serve r3 now, and the
	// first would then swap r2 over it; give it the time to.
	select {
	case <-second:
	case <-time.After(500 * time.Millisecond):
	}
	close(o.release)
	<-second
	wg.Wait()
	if got := s.Index().Revision(); got != "r3" {
		t.Errorf("serving %q after both refreshes, want the head r3", got)
	}
}
