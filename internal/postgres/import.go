package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
)

// Progress reports how far an import is: Rows of Total rows of phase Table
// have been written so far. Phases are "prepare" (marshal and hash the
// items; Rows counts the items prepared, changed or not), an item kind
// ("rule", …: its new content), "catalog_items index", "item_versions",
// "constraints" and "analyze", as the import needs them. A bulk import into
// an empty store prepares each item as it sends it: it has no "prepare"
// phase, and its kinds' phases include it. A phase is reported when it
// starts (Rows 0, on the bulk path), every progressEvery rows, and when it
// is done (Done true).
type Progress struct {
	Table string
	Rows  int
	Total int
	Done  bool
}

const progressEvery = 50_000

// ImportOption changes how Import runs.
type ImportOption func(*importConfig)

type importConfig struct {
	progress      func(Progress)
	allowRollback bool
	onRollback    func(from, to string)
	handedOver    bool
}

// HandedOver tells Import that the snapshot is the caller's to give and has
// passed catalog.Validate (as the CLI checks a file before it imports it):
// Import does not validate it again, and puts its items in canonical form
// in its lists instead of copying the lists first. At a million rules that
// saves seconds of each. The caller must not use or change the snapshot
// afterwards.
func HandedOver() ImportOption {
	return func(c *importConfig) { c.handedOver = true }
}

// WithProgress has Import call fn as it writes; fn runs on the importing
// goroutine, so it must be quick.
func WithProgress(fn func(Progress)) ImportOption {
	return func(c *importConfig) { c.progress = fn }
}

// AllowRollback lets Import store content equal to a revision older than the
// head, which moves the head back to that content; report, if not nil, is
// told the head revision and the older one before the import commits.
// Without it such an import returns a *RollbackError and writes nothing.
func AllowRollback(report func(from, to string)) ImportOption {
	return func(c *importConfig) { c.allowRollback, c.onRollback = true, report }
}

// RollbackError: the imported content equals revision To, older than the
// head revision From, so importing it would move the head back.
type RollbackError struct{ From, To string }

func (e *RollbackError) Error() string {
	return fmt.Sprintf("the content equals revision %s: importing it moves the head back from revision %s to %s's content (allow the rollback to do it)", e.To, e.From, e.To)
}

// importLock serializes writers (pg_advisory_xact_lock): two concurrent
// imports of different content would otherwise both become head in commit
// order after each checked the old head.
const importLock = 0x61637563 // "acuc"

// LockWait bounds how long a writer waits for another to finish before it
// gives up with a *BusyError; a context deadline nearer than that bounds it
// too. A variable for tests.
var LockWait = 10 * time.Second

// commitMargin is the least time left before a context's deadline in which
// a writer still commits: what commits must be answered, so a writer that
// could not answer in time rolls back instead.
const commitMargin = 250 * time.Millisecond

// BusyError: another writer held the catalog for longer than this one
// could wait, or its deadline was too near to commit and still answer.
// Nothing was written; retry after RetryAfter.
type BusyError struct{ Waited time.Duration }

func (e *BusyError) Error() string {
	return fmt.Sprintf("the catalog is busy with another change (waited %s); nothing was written: retry shortly", e.Waited.Round(time.Millisecond))
}

// RetryAfter is how long a client should wait before retrying.
func (e *BusyError) RetryAfter() time.Duration { return time.Second }

// lockCatalog takes the writers' lock in tx, waiting at most LockWait and
// never past ctx's deadline less commitMargin.
func lockCatalog(ctx context.Context, tx *sqlx.Tx) error {
	wait := LockWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl)-2*commitMargin)
	}
	if wait < time.Millisecond {
		return &BusyError{}
	}
	q := fmt.Sprintf(`SET LOCAL lock_timeout = %d`, wait.Milliseconds())
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return err
	}
	const qLock = `SELECT pg_advisory_xact_lock($1)`
	start := time.Now()
	if _, err := tx.ExecContext(ctx, qLock, importLock); err != nil {
		if pe := pq.As(err); pe != nil && pe.Code == "55P03" { // lock_not_available
			return &BusyError{Waited: time.Since(start)}
		}
		return notMigrated(err)
	}
	_, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = 0`)
	return err
}

// answerable reports whether a writer may still commit: ctx is not done and
// its deadline leaves time to answer.
func answerable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < commitMargin {
		return &BusyError{}
	}
	return nil
}

// Import stores snap as the catalog to serve and returns its revision id.
//
// It validates snap first (catalog.Validate) and returns catalog.Problems,
// writing nothing, if it is invalid. If the content (snap.Revision is
// ignored) is already the head revision, it writes nothing and returns that
// revision with created false. If the content equals an older revision, it
// returns a *RollbackError unless AllowRollback is given. Otherwise it
// stores a new revision holding the items that changed and makes it head
// (created true), with one audit entry, and sends NOTIFY acucover_catalog
// with the revision id inside the transaction, so listeners hear of it only
// once it is committed.
//
// Everything happens in one transaction: on any error, including a
// cancelled ctx or a constraint violation (a *ConstraintError naming the
// constraint), nothing is stored. author must not be empty. The store
// keeps snap's rules (not its lists) for the edits that follow: the caller
// must not change them afterwards (see catalog.Snapshot.ChangeRule).
func (db *DB) Import(ctx context.Context, snap *catalog.Snapshot, author, comment string, opts ...ImportOption) (rev string, created bool, err error) {
	var cfg importConfig
	for _, o := range opts {
		o(&cfg)
	}
	if strings.TrimSpace(author) == "" {
		return "", false, errors.New("import catalog: an author is required")
	}
	if !cfg.handedOver {
		if ps := catalog.Validate(snap, nil); len(ps) > 0 {
			return "", false, fmt.Errorf("import catalog: %w", ps)
		}
	}
	next := *snap
	next.Revision = ""
	if !cfg.handedOver {
		for _, k := range catalog.ItemKinds {
			k.Clone(&next) // plan puts items in canonical form in the lists
		}
	}
	var held *state
	err = db.inConnTx(ctx, func(conn *sqlx.Conn, tx *sqlx.Tx) error {
		if err := lockCatalog(ctx, tx); err != nil {
			return err
		}
		var prev *state
		head, err := headRevision(ctx, tx)
		switch {
		case errors.Is(err, ErrNoCatalog):
		case err != nil:
			return err
		default:
			if prev, err = db.manifestOf(ctx, tx, head); err != nil {
				return err
			}
		}
		var (
			man      manifest
			id       int64
			versions int
		)
		first := false
		if prev == nil && countItems(&next) >= bulkAt {
			if first, err = noItems(ctx, tx); err != nil {
				return err
			}
		}
		if first {
			// Into an empty store, items are prepared while they are sent.
			if man, id, versions, err = importFirst(ctx, conn, tx, &next, author, comment, cfg.progress); err != nil {
				return err
			}
		} else {
			// Marshalling and hashing every item is the import's own work
			// before it writes: a phase of its own for the progress shown.
			if cfg.progress != nil {
				cfg.progress(Progress{Table: "prepare"})
			}
			var st staged
			if man, st, _, err = plan(prev, &next, false); err != nil {
				return err
			}
			if cfg.progress != nil {
				n := countItems(&next)
				cfg.progress(Progress{Table: "prepare", Rows: n, Total: n, Done: true})
			}
			hash := man.contentHash()
			if prev != nil && hash == prev.man.contentHash() {
				rev = strconv.FormatInt(head, 10)
				return nil
			}
			if prev != nil {
				const qOlder = `SELECT coalesce(max(id), 0) FROM catalog_revisions WHERE content_hash = $1 AND id < $2`
				var older int64
				if err := tx.GetContext(ctx, &older, qOlder, hash, head); err != nil {
					return err
				}
				if older != 0 {
					from, to := strconv.FormatInt(head, 10), strconv.FormatInt(older, 10)
					if !cfg.allowRollback {
						return &RollbackError{From: from, To: to}
					}
					if cfg.onRollback != nil {
						cfg.onRollback(from, to)
					}
				}
			}
			if id, err = newRevision(ctx, tx, author, comment, hash); err != nil {
				return err
			}
			if err := writeImport(ctx, conn, tx, id, st, cfg.progress); err != nil {
				return err
			}
			versions = len(st.opens)
		}
		if versions >= analyzeAt {
			if cfg.progress != nil {
				cfg.progress(Progress{Table: "analyze"})
			}
			// Fresh statistics for the planner before the first load
			// reads the revision: autovacuum would catch up only later.
			// No query filters on an item's content, so its statistics
			// (the costliest to gather) are left out.
			const qAnalyze = `ANALYZE catalog_items (hash, kind, item_id), item_versions`
			if _, err := tx.ExecContext(ctx, qAnalyze); err != nil {
				return fmt.Errorf("analyze: %w", err)
			}
			if cfg.progress != nil {
				cfg.progress(Progress{Table: "analyze", Done: true})
			}
		}
		if err := setHead(ctx, tx, id); err != nil {
			return err
		}
		// A whole-file import is audited as one row naming the revisions;
		// the revisions themselves hold both contents.
		var before any
		if prev != nil {
			before = map[string]string{"revision": strconv.FormatInt(head, 10)}
		}
		err = insertAudit(ctx, tx, auditRow{
			Actor: author, Operation: "import", Resource: "catalog", Action: "replace",
			Before: before, After: map[string]string{"revision": strconv.FormatInt(id, 10)},
			Revision: id, Comment: comment,
		})
		if err != nil {
			return err
		}
		next.Revision = strconv.FormatInt(id, 10)
		held = &state{rev: id, snap: &next, man: man}
		rev, created = next.Revision, true
		return answerable(ctx)
	})
	if err != nil {
		return "", false, fmt.Errorf("import catalog: %w", describe(err))
	}
	if held != nil {
		db.hold(held)
	}
	return rev, created, nil
}

// countItems is the number of items of s.
func countItems(s *catalog.Snapshot) int {
	n := 0
	for _, k := range catalog.ItemKinds {
		n += k.Len(s)
	}
	return n
}

// analyzeAt is the number of new item versions from which a write
// refreshes the planner's statistics.
const analyzeAt = 10_000

// manifestOf returns revision rev's entries: the held state if it is rev,
// else only the (kind, id, position, hash) of its items, without their
// content (state.snap nil).
func (db *DB) manifestOf(ctx context.Context, tx *sqlx.Tx, rev int64) (*state, error) {
	if s := db.held.Load(); s != nil && s.rev == rev {
		return s, nil
	}
	const q = `
		SELECT kind, item_id, position, hash, NULL::bytea
		FROM item_versions WHERE to_revision IS NULL AND $1::bigint IS NOT NULL
		ORDER BY kind, position`
	es := make([][]entry, len(catalog.ItemKinds))
	err := eachVersion(ctx, tx, q, []any{rev}, func(ki int, e entry, _ []byte) error {
		es[ki] = append(es[ki], e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	man := make(manifest, len(es))
	for ki := range es {
		man[ki] = pointers(es[ki])
	}
	return &state{rev: rev, man: man}, nil
}

// newRevision adds a revision row and returns its id.
func newRevision(ctx context.Context, tx *sqlx.Tx, author, comment, hash string) (int64, error) {
	const q = `
		INSERT INTO catalog_revisions (author, comment, content_hash)
		VALUES ($1, $2, $3) RETURNING id`
	var id int64
	if err := tx.GetContext(ctx, &id, q, author, comment, hash); err != nil {
		return 0, notMigrated(err)
	}
	return id, nil
}

// setHead points catalog_head at revision id and notifies listeners on
// commit.
func setHead(ctx context.Context, tx *sqlx.Tx, id int64) error {
	const q = `
		INSERT INTO catalog_head (revision_id) VALUES ($1)
		ON CONFLICT (singleton) DO UPDATE SET revision_id = excluded.revision_id, updated_at = now()`
	if _, err := tx.ExecContext(ctx, q, id); err != nil {
		return fmt.Errorf("set head revision: %w", err)
	}
	const qNotify = `SELECT pg_notify($1, $2)`
	if _, err := tx.ExecContext(ctx, qNotify, Channel, strconv.FormatInt(id, 10)); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}
