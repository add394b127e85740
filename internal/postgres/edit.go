package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/acucover/acucover/internal/catalog"
)

// Edit changes the catalog: it passes the head revision to fn and stores
// what fn returns as the new head, in one transaction, writing rows only for
// the items that changed.
//
// Writers are serialized (the same advisory lock as Import, waited for at
// most LockWait: a *BusyError then), and fn runs inside the transaction with
// the lock held, so what fn sees is what it changes: a precondition checked
// in fn (an ETag) cannot be invalidated by another writer before the commit.
// fn gets a snapshot whose lists are its own: it may add, replace or remove
// items of them and return it (its Revision is the head revision id), or
// return another snapshot. The rules in its list are the head's, which is
// served: fn must replace a rule it changes (catalog.Snapshot.ChangeRule,
// ItemKind.Set), never change it in place, and must not change an item's
// own lists in place. Edit may replace the items fn returns by their
// canonical form. An error from fn is returned as is (wrapped), writing
// nothing.
//
// The result is validated as catalog.Build would (by catalog.BuildFrom the
// head's Index, checking only what changed); an invalid result returns
// catalog.Problems and writes nothing. A result whose items equal
// the head's writes nothing and returns no changes. It returns the head
// revision after the edit (a new revision, or the unchanged head) and every
// changed item. actor (the key name), operation ("edit", "upload",
// "restore") and comment are recorded with the revision and in the audit
// log: one entry per changed item, except a restore, which writes one entry
// listing the ids it changed. If ctx's deadline is too near to answer once
// committed, it rolls back with a *BusyError. Errors wrap ErrNoCatalog
// before the first import.
func (db *DB) Edit(ctx context.Context, actor, operation, comment string, fn func(cur *catalog.Snapshot) (*catalog.Snapshot, error)) (rev string, changes []catalog.Change, err error) {
	if actor == "" {
		return "", nil, errors.New("edit catalog: an actor is required")
	}
	var held *state
	err = db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if err := lockCatalog(ctx, tx); err != nil {
			return err
		}
		head, err := headRevision(ctx, tx)
		if err != nil {
			return err
		}
		prev, err := db.headState(ctx, tx, head)
		if err != nil {
			return err
		}
		rev = strconv.FormatInt(head, 10)
		cur := *prev.snap
		for _, k := range catalog.ItemKinds {
			k.Clone(&cur)
		}
		next, err := fn(&cur)
		if err != nil {
			return err
		}
		man, st, chs, err := plan(prev, next, true)
		if err != nil {
			return err
		}
		// Checked from the head's Index: what changed, not the whole
		// catalog (catalog.BuildFrom is catalog.Build, faster).
		base, err := prev.index()
		if err != nil {
			base = nil // a head that does not build (stored by an older check): next is checked whole
		}
		ix, err := catalog.BuildFrom(base, next)
		if err != nil {
			return err
		}
		if len(chs) == 0 {
			return nil
		}
		id, err := newRevision(ctx, tx, actor, comment, man.contentHash())
		if err != nil {
			return err
		}
		if err := write(ctx, tx, id, st, nil); err != nil {
			return err
		}
		if err := setHead(ctx, tx, id); err != nil {
			return err
		}
		if err := auditChanges(ctx, tx, actor, operation, comment, head, id, chs); err != nil {
			return err
		}
		if err := answerable(ctx); err != nil {
			return err
		}
		done := *next
		done.Revision = strconv.FormatInt(id, 10)
		if ix, err = catalog.BuildFrom(ix, &done); err != nil { // the same lists: ix's maps
			return err
		}
		held = &state{rev: id, snap: &done, man: man, ix: ix}
		rev, changes = done.Revision, chs
		return nil
	})
	if err != nil {
		var ps catalog.Problems
		if errors.As(err, &ps) {
			return "", nil, fmt.Errorf("edit catalog: %w", ps)
		}
		return "", nil, fmt.Errorf("edit catalog: %w", asProblems(describe(err)))
	}
	if held != nil {
		db.hold(held)
	}
	return rev, changes, nil
}

// auditChanges records the changes of revision id (made from head): one
// entry per item, or for a restore one entry that lists the ids changed per
// kind.
func auditChanges(ctx context.Context, tx *sqlx.Tx, actor, operation, comment string, head, id int64, changes []catalog.Change) error {
	if operation == "restore" {
		type ids struct {
			Added   []string `json:"added,omitempty"`
			Removed []string `json:"removed,omitempty"`
			Changed []string `json:"changed,omitempty"`
		}
		byKind := map[string]*ids{}
		for _, ch := range changes {
			e := byKind[ch.Kind]
			if e == nil {
				e = &ids{}
				byKind[ch.Kind] = e
			}
			switch ch.Action {
			case catalog.Create:
				e.Added = append(e.Added, ch.ID)
			case catalog.Delete:
				e.Removed = append(e.Removed, ch.ID)
			default:
				e.Changed = append(e.Changed, ch.ID)
			}
		}
		return insertAudit(ctx, tx, auditRow{
			Actor: actor, Operation: operation, Resource: "catalog", Action: "replace",
			Before:   map[string]any{"revision": strconv.FormatInt(head, 10)},
			After:    map[string]any{"revision": strconv.FormatInt(id, 10), "changes": byKind},
			Revision: id, Comment: comment,
		})
	}
	for _, ch := range changes {
		if err := insertAudit(ctx, tx, auditRow{
			Actor: actor, Operation: operation, Resource: ch.Kind, ResourceID: ch.ID, Action: ch.Action,
			Before: ch.Before, After: ch.After, Revision: id, Comment: comment,
		}); err != nil {
			return err
		}
	}
	return nil
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
