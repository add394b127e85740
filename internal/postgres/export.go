package postgres

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/acucover/acucover/internal/catalog"
)

// Export writes revision rev ("" for the head) to w as a catalog document in
// format ("yaml" or "json"), streaming its items from the database kind by
// kind, so memory stays that of one item whatever the catalog's size. It
// reads in one REPEATABLE READ transaction. header, if not nil, is called
// with the revision id before anything is written. Errors wrap
// ErrUnknownRevision, ErrNoCatalog or ErrNotMigrated.
func (db *DB) Export(ctx context.Context, rev, format string, w io.Writer, header func(id string) error) error {
	doc, err := catalog.NewDocumentWriter(w, format)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, readSnapshot, func(tx *sqlx.Tx) error {
		head, err := headRevision(ctx, tx)
		if err != nil {
			return err
		}
		id := head
		if rev != "" {
			n, err := strconv.ParseInt(rev, 10, 64)
			if err != nil {
				return fmt.Errorf("%w %q: revision ids are whole numbers", ErrUnknownRevision, rev)
			}
			var ok bool
			if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM catalog_revisions WHERE id = $1)`, n); err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w %s", ErrUnknownRevision, rev)
			}
			id = n
		}
		if header != nil {
			if err := header(strconv.FormatInt(id, 10)); err != nil {
				return err
			}
		}
		const q = `
			SELECT i.content
			FROM item_versions v JOIN catalog_items i ON i.hash = v.hash
			WHERE v.kind = $1 AND v.from_revision <= $2 AND (v.to_revision IS NULL OR v.to_revision > $2)
			ORDER BY v.position`
		for _, k := range catalog.ItemKinds {
			if err := doc.Kind(k); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, q, k.Name(), id)
			if err != nil {
				return err
			}
			var b []byte
			for rows.Next() {
				if err := rows.Scan(&b); err != nil {
					rows.Close()
					return err
				}
				v, err := k.DecodeJSON(b)
				if err == nil {
					err = doc.Item(v)
				}
				if err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return doc.Close()
	})
	if err != nil {
		return fmt.Errorf("export catalog: %w", err)
	}
	return nil
}
