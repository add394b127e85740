package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// KeyChannel is the LISTEN/NOTIFY channel on which CreateKey and RevokeKey
// announce a key's prefix, so every replica drops what it cached about it.
const KeyChannel = "acucover_keys"

// notifyKey announces prefix on KeyChannel when tx commits.
func notifyKey(ctx context.Context, tx *sqlx.Tx, prefix string) error {
	const q = `SELECT pg_notify($1, $2)`
	_, err := tx.ExecContext(ctx, q, KeyChannel, prefix)
	return err
}

// WatchKeys keeps db's key cache in step with revocations and creations on
// every replica until ctx is done: each NOTIFY on KeyChannel drops its
// prefix from the cache. While the dedicated connection is down,
// notifications are lost, so when it is (re)established every cached key
// is marked for verification again (still served if the database cannot
// answer). onReady, if set, is called each time the LISTEN connection is
// up. logger may be nil.
func (db *DB) WatchKeys(ctx context.Context, logger *slog.Logger, onReady func()) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := pq.NewListener(db.url, listenMinReconnect, listenMaxReconnect, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			logger.Warn("key listener: database connection lost", "event", ev.String(), "err", err)
		case pq.ListenerEventReconnected:
			logger.Info("key listener: reconnected")
		}
	})
	defer func() {
		l.Close()
		go func() { // let the listener's goroutine hand over and exit
			for range l.Notify {
			}
		}()
	}()
	listening := make(chan error, 1)
	go func() { listening <- l.Listen(KeyChannel) }()
	ready := func() {
		db.keys.Expire()
		if onReady != nil {
			onReady()
		}
	}
	ping := time.NewTicker(listenPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-listening:
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("key listener: LISTEN failed; revocations reach this replica within the cache's lifetime only", "err", err)
				}
				return
			}
			ready()
		case n, ok := <-l.Notify:
			if !ok {
				return
			}
			if n == nil { // reconnected
				ready()
				continue
			}
			db.keys.Forget(n.Extra)
		case <-ping.C:
			go func() { _ = l.Ping() }()
		}
	}
}
