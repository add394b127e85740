package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
)

// Listener reconnect bounds: retry quickly after a blip, and at least every
// few seconds while the database is down, so a restarted database is noticed
// soon.
const (
	listenMinReconnect = 100 * time.Millisecond
	listenMaxReconnect = 5 * time.Second
	// listenPing checks the LISTEN connection when it has been quiet, to
	// notice a silently dropped TCP connection.
	listenPing = time.Minute
)

// Listen delivers catalog change notifications until ctx is done, then
// returns nil. It holds one dedicated connection to url, LISTENs on Channel
// and reconnects with backoff whenever the connection is lost.
//
// onNotify is called, on Listen's goroutine, with the revision id of each
// NOTIFY, and with "" once the connection is (re)established, because
// notifications sent while it was down are lost: "" means "check the head
// revision". logger may be nil.
func Listen(ctx context.Context, url string, onNotify func(rev string), logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := pq.NewListener(url, listenMinReconnect, listenMaxReconnect, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			logger.Warn("catalog listener: database connection lost", "event", ev.String(), "err", err)
		case pq.ListenerEventReconnected:
			logger.Info("catalog listener: reconnected")
		}
	})
	defer func() {
		l.Close()
		// The listener's goroutine may be blocked handing us a notification,
		// or asleep before a reconnect attempt; drain aside until it closes
		// the channel, so it can exit and Listen need not wait for it.
		go func() {
			for range l.Notify {
			}
		}()
	}()

	// Listen blocks until the first connection is up, which may be never;
	// run it aside so ctx can still end Listen.
	listening := make(chan error, 1)
	go func() { listening <- l.Listen(Channel) }()

	ping := time.NewTicker(listenPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-listening:
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				logger.Error("catalog listener: LISTEN failed", "err", err)
				return err
			}
			// Changes between the caller's last load and now were not heard.
			onNotify("")
		case n, ok := <-l.Notify:
			if !ok {
				return nil
			}
			if n == nil { // reconnected
				onNotify("")
				continue
			}
			onNotify(n.Extra)
		case <-ping.C:
			go func() { _ = l.Ping() }() // a failure makes the listener reconnect
		}
	}
}

// WatchOptions configure Watch. The zero value is usable.
type WatchOptions struct {
	// Every is the periodic refresh, which catches changes whose
	// notification was lost. Default 30s.
	Every time.Duration
	// Logger gets reload results and failures; nil discards them.
	Logger *slog.Logger
	// OnSuccess, if set, is called after every successful reload (changed
	// or not), e.g. to update a snapshot-age metric.
	OnSuccess func()
	// OnFailure, if set, is called with every failed reload, e.g. to count
	// refresh failures.
	OnFailure func(error)
	// OnReload, if set, is called after every reload that swapped in a new
	// revision, with how long the reload took (head check, load and build),
	// e.g. to time reloads.
	OnReload func(time.Duration)
}

// Retry backoff after a failed reload, and the bound on one reload.
const (
	retryMin      = 250 * time.Millisecond
	retryMax      = 30 * time.Second
	reloadTimeout = 2 * time.Minute
)

// Watch keeps store serving db's head revision until ctx is done, then
// returns. It reloads within moments of a NOTIFY on Channel, after the
// listener reconnects, and every opts.Every. A failed reload (database down,
// a revision that does not build) leaves the index in force, is logged and
// reported to OnFailure, and is retried with exponential backoff up to 30s.
//
// A reload is store.Refresh: it first asks for the head revision (one cheap
// query) and, only if it differs from the one served, loads it (LoadCatalog
// reads just the items that changed since the revision db holds), builds
// its Index with catalog.BuildFrom the Index in force (checking and
// indexing only the items that changed) and swaps it in, one reload at a
// time with the Store's other callers.
func Watch(ctx context.Context, db *DB, store *catalog.Store, opts WatchOptions) {
	every := opts.Every
	if every <= 0 {
		every = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	// A buffered channel of one coalesces a burst of notifications into one
	// reload.
	wake := make(chan struct{}, 1)
	listenDone := make(chan struct{})
	go func() {
		defer close(listenDone)
		_ = Listen(ctx, db.url, func(string) {
			select {
			case wake <- struct{}{}:
			default:
			}
		}, log)
	}()
	defer func() { <-listenDone }()

	tick := time.NewTicker(every)
	defer tick.Stop()
	var retry <-chan time.Time
	backoff := retryMin
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		case <-retry:
		}
		rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
		began := time.Now()
		changed, err := store.Refresh(rctx, db)
		took := time.Since(began)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Warn("catalog reload failed; serving the last good catalog",
				"revision", store.Index().Revision(), "retry_in", backoff.String(), "err", err)
			if opts.OnFailure != nil {
				opts.OnFailure(err)
			}
			retry = time.After(backoff)
			backoff = min(2*backoff, retryMax)
			continue
		}
		retry, backoff = nil, retryMin
		if changed {
			log.Info("catalog reloaded", "revision", store.Index().Revision(), "rules", store.Index().RuleCount(), "took_ms", took.Milliseconds())
			if opts.OnReload != nil {
				opts.OnReload(took)
			}
		}
		if opts.OnSuccess != nil {
			opts.OnSuccess()
		}
	}
}
