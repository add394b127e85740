package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/acucover/acucover/internal/catalog"
)

// Edit changes the catalog: it loads the head revision, passes it to fn,
// and stores what fn returns as the new head, with one audit entry per
// changed resource, all in one transaction.
//
// Writers are serialized (the same advisory lock as Import), and fn runs
// inside the transaction with the lock held, so what fn sees is what it
// changes: a precondition checked in fn (an ETag) cannot be invalidated by
// another writer before the commit. fn may add, replace or remove whole items
// of cur's lists and return cur (whose Revision is the head revision id), or
// return another snapshot; it must not change an item's own lists in place.
// An error from fn is returned as is (wrapped), writing nothing.
//
// The result is validated as a whole (catalog.Validate); an invalid result
// returns catalog.Problems and writes nothing. A result equal to the head
// writes nothing and returns no changes. It returns the head revision after
// the edit (a new revision, an older one whose content the edit restored, or
// the unchanged head) and every changed resource, each audited. actor (the key name), operation
// ("edit", "upload", "restore") and comment are recorded with the revision
// and in the audit log. Errors wrap ErrNoCatalog before the first import.
func (db *DB) Edit(ctx context.Context, actor, operation, comment string, fn func(cur *catalog.Snapshot) (*catalog.Snapshot, error)) (rev string, changes []catalog.Change, err error) {
	if actor == "" {
		return "", nil, errors.New("edit catalog: an actor is required")
	}
	err = db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		const qLock = `SELECT pg_advisory_xact_lock($1)`
		if _, err := tx.ExecContext(ctx, qLock, importLock); err != nil {
			return err
		}
		head, err := headRevision(ctx, tx)
		if err != nil {
			return err
		}
		cur, err := loadRevision(ctx, tx, head)
		if err != nil {
			return err
		}
		rev = strconv.FormatInt(head, 10)
		cur.Revision = rev
		// Diff needs the head as it was. fn changes only cur's lists, so
		// copies of them keep it, without reading the revision again.
		before := *cur
		before.Plans = slices.Clone(cur.Plans)
		before.Conditions = slices.Clone(cur.Conditions)
		before.Rules = slices.Clone(cur.Rules)
		before.FeeSchedules = slices.Clone(cur.FeeSchedules)
		before.CashPrices = slices.Clone(cur.CashPrices)
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if ps := catalog.Validate(next, nil); len(ps) > 0 {
			return ps
		}
		changes, err = catalog.Diff(&before, next)
		if err != nil || len(changes) == 0 {
			return err
		}
		c := canonical(next)
		hash, err := catalog.ContentHash(c)
		if err != nil {
			return err
		}
		id, _, _, err := importTx(ctx, tx, c, hash, actor, comment, nil)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			if err := insertAudit(ctx, tx, auditRow{
				Actor: actor, Operation: operation, Resource: ch.Kind, ResourceID: ch.ID, Action: ch.Action,
				Before: ch.Before, After: ch.After, Revision: id, Comment: comment,
			}); err != nil {
				return err
			}
		}
		rev = strconv.FormatInt(id, 10)
		return nil
	})
	if err != nil {
		var ps catalog.Problems
		if errors.As(err, &ps) {
			return "", nil, fmt.Errorf("edit catalog: %w", ps)
		}
		return "", nil, fmt.Errorf("edit catalog: %w", asProblems(describe(err)))
	}
	return rev, changes, nil
}

// asProblems reports a constraint the database refused as a catalog
// problem: catalog.Validate mirrors the constraints, so this is a gap in the
// validator, but the caller still learns it was the data, not the server.
func asProblems(err error) error {
	var ce *ConstraintError
	if errors.As(err, &ce) {
		return catalog.Problems{{Where: "table " + ce.Table, Msg: ce.Error()}}
	}
	return err
}
