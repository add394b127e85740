package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/acucover/acucover/internal/history"
)

// auditRow is one audit entry to write; Before and After are marshalled to
// JSON (nil is SQL NULL), Revision 0 is none.
type auditRow struct {
	Actor, Operation, Resource, ResourceID, Action string
	Before, After                                  any
	Revision                                       int64
	Comment                                        string
}

// insertAudit writes r in tx: the audit entry commits or rolls back with
// the change it records.
func insertAudit(ctx context.Context, tx *sqlx.Tx, r auditRow) error {
	before, err := jsonOrNull(r.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNull(r.After)
	if err != nil {
		return err
	}
	var rev any
	if r.Revision != 0 {
		rev = r.Revision
	}
	const q = `
		INSERT INTO audit_log (actor, operation, resource, resource_id, action, before, after, revision_id, comment)
		VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)`
	if _, err := tx.ExecContext(ctx, q, r.Actor, r.Operation, r.Resource, r.ResourceID, r.Action, before, after, rev, r.Comment); err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// jsonOrNull marshals v for a jsonb parameter: a string, or NULL for nil.
func jsonOrNull(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit entry: %w", err)
	}
	if string(b) == "null" { // a typed nil pointer
		return nil, nil
	}
	return string(b), nil
}

// Audit returns one page of the audit log, newest first, selected by f.
// f.Limit must be positive.
func (db *DB) Audit(ctx context.Context, f history.Filter) ([]history.Entry, error) {
	// One query for every filter: an empty filter value matches all rows.
	const q = `
		SELECT id, at, actor, operation, resource, resource_id, action,
		       before::text AS before, after::text AS after, revision_id, comment
		FROM audit_log
		WHERE ($1 = '' OR resource = $1)
		  AND ($2 = '' OR resource_id = $2)
		  AND ($3 = '' OR actor = $3)
		  AND ($4::timestamptz IS NULL OR at >= $4)
		  AND ($5::timestamptz IS NULL OR at < $5)
		  AND ($6 = 0 OR id < $6)
		ORDER BY id DESC
		LIMIT $7`
	var rows []struct {
		ID         int64          `db:"id"`
		At         time.Time      `db:"at"`
		Actor      string         `db:"actor"`
		Operation  string         `db:"operation"`
		Resource   string         `db:"resource"`
		ResourceID string         `db:"resource_id"`
		Action     string         `db:"action"`
		Before     sql.NullString `db:"before"`
		After      sql.NullString `db:"after"`
		RevisionID sql.NullInt64  `db:"revision_id"`
		Comment    string         `db:"comment"`
	}
	if err := db.db.SelectContext(ctx, &rows, q, f.Resource, f.ResourceID, f.Actor,
		nullTime(f.From), nullTime(f.To), f.Before, f.Limit); err != nil {
		return nil, fmt.Errorf("read audit log: %w", notMigrated(err))
	}
	out := make([]history.Entry, len(rows))
	for i, r := range rows {
		e := history.Entry{ID: r.ID, At: r.At, Actor: r.Actor, Operation: r.Operation, Resource: r.Resource,
			ResourceID: r.ResourceID, Action: r.Action, Comment: r.Comment}
		if r.Before.Valid {
			e.Before = json.RawMessage(r.Before.String)
		}
		if r.After.Valid {
			e.After = json.RawMessage(r.After.String)
		}
		if r.RevisionID.Valid {
			e.Revision = strconv.FormatInt(r.RevisionID.Int64, 10)
		}
		out[i] = e
	}
	return out, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
