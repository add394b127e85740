package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/history"
)

// Revision describes one stored catalog revision. It is history.Revision, so
// the HTTP API can list revisions without importing this package.
type Revision = history.Revision

// LoadCatalog returns the head revision: the catalog being served, with
// Snapshot.Revision its id. It reads in one read-only REPEATABLE READ
// transaction, so the snapshot is one whole revision even while a writer
// commits. The first call reads every item; later calls read only the items
// that changed since the revision the DB last loaded or wrote, and share the
// rest with it, so the snapshot's items must not be changed in place
// (replace or append them in a list of your own). Errors wrap ErrNoCatalog
// before the first import and ErrNotMigrated before the schema exists. It is
// a catalog.Loader.
func (db *DB) LoadCatalog(ctx context.Context) (*catalog.Snapshot, error) {
	var s *state
	err := db.inTx(ctx, readSnapshot, func(tx *sqlx.Tx) error {
		id, err := headRevision(ctx, tx)
		if err != nil {
			return err
		}
		s, err = db.headState(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	return s.view(), nil
}

// view is a snapshot of s for a caller: its own Snapshot value, whose lists
// have no spare capacity, so an append copies them.
func (s *state) view() *catalog.Snapshot {
	v := *s.snap
	for _, k := range catalog.ItemKinds {
		k.Clip(&v)
	}
	return &v
}

// LoadRevision reads the revision with id, current or not. Errors wrap
// ErrUnknownRevision if there is none.
func (db *DB) LoadRevision(ctx context.Context, id string) (*catalog.Snapshot, error) {
	var s *state
	err := db.inTx(ctx, readSnapshot, func(tx *sqlx.Tx) error {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return fmt.Errorf("%w %q: revision ids are whole numbers", ErrUnknownRevision, id)
		}
		const q = `SELECT EXISTS (SELECT 1 FROM catalog_revisions WHERE id = $1)`
		var ok bool
		if err := tx.GetContext(ctx, &ok, q, n); err != nil {
			return notMigrated(err)
		}
		if !ok {
			return fmt.Errorf("%w %s", ErrUnknownRevision, id)
		}
		head, err := headRevision(ctx, tx)
		if err != nil {
			return err
		}
		switch held := db.held.Load(); {
		case n == head:
			s, err = db.headState(ctx, tx, n)
		case held != nil && held.rev <= head: // held is in this transaction's view
			// What differs from the revision held, often little: a
			// restore of it then finds the unchanged items untouched.
			s, err = advance(ctx, tx, held, n)
		default:
			s, err = loadState(ctx, tx, n, false)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load catalog revision %s: %w", id, err)
	}
	return s.view(), nil
}

// HeadRevision returns the id of the revision being served. It is one cheap
// query, for polling. Errors wrap ErrNoCatalog or ErrNotMigrated.
func (db *DB) HeadRevision(ctx context.Context) (string, error) {
	id, err := headRevision(ctx, db.db)
	if err != nil {
		return "", fmt.Errorf("head revision: %w", err)
	}
	return strconv.FormatInt(id, 10), nil
}

// Revisions lists every stored revision, newest first.
func (db *DB) Revisions(ctx context.Context) ([]Revision, error) {
	const q = `
		SELECT r.id, r.created_at, r.author, r.comment, r.content_hash,
		       coalesce(h.revision_id = r.id, false) AS current
		FROM catalog_revisions r LEFT JOIN catalog_head h ON true
		ORDER BY r.id DESC`
	var rows []struct {
		ID          int64     `db:"id"`
		CreatedAt   time.Time `db:"created_at"`
		Author      string    `db:"author"`
		Comment     string    `db:"comment"`
		ContentHash string    `db:"content_hash"`
		Current     bool      `db:"current"`
	}
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("list revisions: %w", notMigrated(err))
	}
	out := make([]Revision, len(rows))
	for i, r := range rows {
		out[i] = Revision{ID: strconv.FormatInt(r.ID, 10), CreatedAt: r.CreatedAt, Author: r.Author,
			Comment: r.Comment, ContentHash: r.ContentHash, Current: r.Current}
	}
	return out, nil
}

func headRevision(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	const query = `SELECT revision_id FROM catalog_head`
	var id int64
	err := sqlx.GetContext(ctx, q, &id, query)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoCatalog
	}
	if err != nil {
		return 0, notMigrated(err)
	}
	return id, nil
}

func notMigrated(err error) error {
	if undefinedTable(err) {
		return fmt.Errorf("%w (%v)", ErrNotMigrated, err)
	}
	return err
}
