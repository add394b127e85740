package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/gfe"
)

// Good Faith Estimates are stored in table gfes, with the patient's name and
// date of birth (PHI) in their own columns and in the document. Their audit
// entries (resource "gfe") name the estimate, its clinic, number and total,
// never the patient. DB implements gfe.Store.
var _ gfe.Store = (*DB)(nil)

// gfeAudit is what the audit log says about an estimate: no patient data.
func gfeAudit(id int64, clinicID string, total int64) map[string]any {
	return map[string]any{"id": id, "clinic": clinicID, "number": gfe.FormatNumber(id), "total_cents": total}
}

// CreateGFE draws the next estimate number, builds the estimate with the
// clinic's stored record (locked against deletion until the commit) and
// stores it, audited with actor. An error from build (gfe.Problems) is
// returned as is; the number drawn is then not used. Errors wrap
// clinic.ErrUnknown.
func (db *DB) CreateGFE(ctx context.Context, clinicID, actor string, build func(c *clinic.Clinic, number string) (*gfe.GFE, error)) (gfe.Record, error) {
	var rec gfe.Record
	err := db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var raw []byte
		err := tx.GetContext(ctx, &raw, `SELECT content FROM clinics WHERE id = $1 FOR SHARE`, clinicID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("clinic %q: %w", clinicID, clinic.ErrUnknown)
		}
		if err != nil {
			return err
		}
		c, err := decodeClinic(raw)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.GetContext(ctx, &id, `SELECT nextval('gfe_numbers')`); err != nil {
			return err
		}
		g, err := build(&c, gfe.FormatNumber(id))
		if err != nil {
			return err
		}
		doc, err := json.Marshal(g)
		if err != nil {
			return err
		}
		const q = `
			INSERT INTO gfes (id, clinic_id, patient_name, patient_dob, document, total_cents, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at`
		var at time.Time
		if err := tx.GetContext(ctx, &at, q, id, clinicID, g.Patient.Name, g.Patient.DateOfBirth.Time(), string(doc), g.TotalCents, actorOr(actor)); err != nil {
			return err
		}
		rec = gfe.Record{ID: id, Clinic: clinicID, CreatedAt: at.UTC(), CreatedBy: actorOr(actor), GFE: g}
		return insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "edit", Resource: "gfe", ResourceID: fmt.Sprint(id),
			Action: "create", After: gfeAudit(id, clinicID, g.TotalCents)})
	})
	if err != nil {
		var ps gfe.Problems
		if errors.As(err, &ps) {
			return gfe.Record{}, ps
		}
		return gfe.Record{}, fmt.Errorf("create good faith estimate: %w", notMigrated(describe(err)))
	}
	return rec, nil
}

// GFE returns the stored estimate with id; a non-empty scope finds only
// that clinic's. Errors wrap gfe.ErrNotFound.
func (db *DB) GFE(ctx context.Context, id int64, scope string) (gfe.Record, error) {
	var row struct {
		ID        int64     `db:"id"`
		Clinic    string    `db:"clinic_id"`
		Document  []byte    `db:"document"`
		CreatedAt time.Time `db:"created_at"`
		CreatedBy string    `db:"created_by"`
	}
	const q = `
		SELECT id, clinic_id, document, created_at, created_by FROM gfes
		WHERE id = $1 AND ($2 = '' OR clinic_id = $2)`
	err := db.db.GetContext(ctx, &row, q, id, scope)
	if errors.Is(err, sql.ErrNoRows) {
		return gfe.Record{}, fmt.Errorf("good faith estimate %d: %w", id, gfe.ErrNotFound)
	}
	if err != nil {
		return gfe.Record{}, fmt.Errorf("read good faith estimate %d: %w", id, notMigrated(err))
	}
	var g gfe.GFE
	if err := json.Unmarshal(row.Document, &g); err != nil {
		return gfe.Record{}, fmt.Errorf("read good faith estimate %d: stored document does not decode: %w", id, err)
	}
	return gfe.Record{ID: row.ID, Clinic: row.Clinic, CreatedAt: row.CreatedAt.UTC(), CreatedBy: row.CreatedBy, GFE: &g}, nil
}

// DeleteGFE deletes the stored estimate with id (of clinic scope, if not
// empty), audited with actor. The patient's data is gone when it commits;
// the audit entry keeps the estimate's id, clinic, number and total.
// Errors wrap gfe.ErrNotFound.
func (db *DB) DeleteGFE(ctx context.Context, id int64, scope, actor string) error {
	err := db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var row struct {
			Clinic string `db:"clinic_id"`
			Total  int64  `db:"total_cents"`
		}
		const q = `
			DELETE FROM gfes WHERE id = $1 AND ($2 = '' OR clinic_id = $2)
			RETURNING clinic_id, total_cents`
		err := tx.GetContext(ctx, &row, q, id, scope)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("good faith estimate %d: %w", id, gfe.ErrNotFound)
		}
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "edit", Resource: "gfe", ResourceID: fmt.Sprint(id),
			Action: "delete", Before: gfeAudit(id, row.Clinic, row.Total)})
	})
	if err != nil {
		if errors.Is(err, gfe.ErrNotFound) {
			return err
		}
		return fmt.Errorf("delete good faith estimate %d: %w", id, notMigrated(err))
	}
	return nil
}

// GFESummary is a stored estimate without the patient's data, for
// listings.
type GFESummary struct {
	ID         int64     `db:"id" json:"id"`
	Clinic     string    `db:"clinic_id" json:"clinic"`
	TotalCents int64     `db:"total_cents" json:"total_cents"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	CreatedBy  string    `db:"created_by" json:"created_by"`
}

// GFEs lists the stored estimates of clinic scope (all when empty) created
// before before (all when zero), newest first, without patient data: what
// retention reviews need.
func (db *DB) GFEs(ctx context.Context, scope string, before time.Time) ([]GFESummary, error) {
	const q = `
		SELECT id, clinic_id, total_cents, created_at, created_by FROM gfes
		WHERE ($1 = '' OR clinic_id = $1) AND ($2::timestamptz IS NULL OR created_at < $2)
		ORDER BY id DESC`
	var out []GFESummary
	if err := db.db.SelectContext(ctx, &out, q, scope, nullTime(before)); err != nil {
		return nil, fmt.Errorf("list good faith estimates: %w", notMigrated(err))
	}
	return out, nil
}
