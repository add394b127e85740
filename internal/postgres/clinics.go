package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/clinic"
)

// Clinics are stored whole, one jsonb row per clinic (table clinics),
// validated by clinic.Validate before every write. Their ETag is
// clinic.ETag of the stored content, so it is the same on every replica and
// for FileStore. Every change is audited in its own transaction (resource
// "clinic", before and after the whole record: clinic data, not patient
// data). DB implements clinic.Editor.
var _ clinic.Editor = (*DB)(nil)

func decodeClinic(raw []byte) (clinic.Clinic, error) {
	var c clinic.Clinic
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("stored clinic does not decode: %w", err)
	}
	return c, nil
}

// Clinics lists every clinic by id.
func (db *DB) Clinics(ctx context.Context) ([]clinic.Clinic, error) {
	var rows [][]byte
	if err := db.db.SelectContext(ctx, &rows, `SELECT content FROM clinics ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list clinics: %w", notMigrated(err))
	}
	out := make([]clinic.Clinic, 0, len(rows))
	for _, raw := range rows {
		c, err := decodeClinic(raw)
		if err != nil {
			return nil, fmt.Errorf("list clinics: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Clinic returns the clinic with id and its ETag. Errors wrap
// clinic.ErrUnknown.
func (db *DB) Clinic(ctx context.Context, id string) (clinic.Clinic, string, error) {
	var raw []byte
	err := db.db.GetContext(ctx, &raw, `SELECT content FROM clinics WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return clinic.Clinic{}, "", fmt.Errorf("clinic %q: %w", id, clinic.ErrUnknown)
	}
	if err != nil {
		return clinic.Clinic{}, "", fmt.Errorf("read clinic %q: %w", id, notMigrated(err))
	}
	c, err := decodeClinic(raw)
	if err != nil {
		return clinic.Clinic{}, "", fmt.Errorf("read clinic %q: %w", id, err)
	}
	return c, clinic.ETag(&c), nil
}

// lockedClinic reads the clinic with id for update in tx; ok is false when
// there is none.
func lockedClinic(ctx context.Context, tx *sqlx.Tx, id string) (c clinic.Clinic, ok bool, err error) {
	var raw []byte
	err = tx.GetContext(ctx, &raw, `SELECT content FROM clinics WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	c, err = decodeClinic(raw)
	return c, err == nil, err
}

// matches reports whether etag is one of the If-Match tags; nil tags (the
// CLI) match anything.
func matches(tags []string, etag string) bool { return tags == nil || slices.Contains(tags, etag) }

// CreateClinic stores a new clinic, audited with actor, and returns its
// ETag. Errors: clinic.Problems for an invalid clinic, clinic.ErrExists.
func (db *DB) CreateClinic(ctx context.Context, c clinic.Clinic, actor string) (string, error) {
	if ps := c.Validate(""); ps != nil {
		return "", ps
	}
	content, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	err = db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO clinics (id, content) VALUES ($1, $2)`, c.ID, string(content)); err != nil {
			if pe := pq.As(err); pe != nil && pe.Code == "23505" {
				return fmt.Errorf("clinic %q: %w", c.ID, clinic.ErrExists)
			}
			return err
		}
		return insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "edit", Resource: "clinic", ResourceID: c.ID,
			Action: "create", After: json.RawMessage(content)})
	})
	if err != nil {
		return "", clinicError("create", c.ID, err)
	}
	return clinic.ETag(&c), nil
}

// UpdateClinic replaces the clinic with c.ID if its ETag is one of ifMatch
// (nil: any), audited with actor, and returns the new ETag. A clinic equal
// to the stored one writes nothing. Errors: clinic.Problems,
// clinic.ErrUnknown, *clinic.StaleError.
func (db *DB) UpdateClinic(ctx context.Context, c clinic.Clinic, ifMatch []string, actor string) (string, error) {
	if ps := c.Validate(""); ps != nil {
		return "", ps
	}
	content, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	etag := clinic.ETag(&c)
	err = db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		cur, ok, err := lockedClinic(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("clinic %q: %w", c.ID, clinic.ErrUnknown)
		}
		now := clinic.ETag(&cur)
		if !matches(ifMatch, now) {
			return &clinic.StaleError{Current: now}
		}
		if now == etag {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clinics SET content = $2, updated_at = now() WHERE id = $1`, c.ID, string(content)); err != nil {
			return err
		}
		return insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "edit", Resource: "clinic", ResourceID: c.ID,
			Action: "update", Before: &cur, After: json.RawMessage(content)})
	})
	if err != nil {
		return "", clinicError("update", c.ID, err)
	}
	return etag, nil
}

// DeleteClinic deletes the clinic with id if its ETag is one of ifMatch
// (nil: any), audited with actor, and revokes the keys scoped to it in the
// same transaction (each revocation audited and announced to replicas).
// Errors: clinic.ErrUnknown, *clinic.StaleError, clinic.ErrInUse while it
// has stored Good Faith Estimates.
func (db *DB) DeleteClinic(ctx context.Context, id string, ifMatch []string, actor string) error {
	var revoked []string
	err := db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		cur, ok, err := lockedClinic(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("clinic %q: %w", id, clinic.ErrUnknown)
		}
		if now := clinic.ETag(&cur); !matches(ifMatch, now) {
			return &clinic.StaleError{Current: now}
		}
		var n int64
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM gfes WHERE clinic_id = $1`, id); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("clinic %q: %w (%d): delete them first", id, clinic.ErrInUse, n)
		}
		var keys []struct {
			Name   string `db:"name"`
			Role   string `db:"role"`
			Prefix string `db:"prefix"`
		}
		const qRevoke = `
			UPDATE api_keys SET revoked_at = now()
			WHERE clinic_id = $1 AND revoked_at IS NULL RETURNING name, role, prefix`
		if err := tx.SelectContext(ctx, &keys, qRevoke, id); err != nil {
			return err
		}
		for _, k := range keys {
			if err := notifyKey(ctx, tx, k.Prefix); err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "edit", Resource: "api_key", ResourceID: k.Name,
				Action: "revoke", Before: map[string]string{"name": k.Name, "role": k.Role, "clinic": id},
				Comment: "its clinic was deleted"}); err != nil {
				return err
			}
			revoked = append(revoked, k.Prefix)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM clinics WHERE id = $1`, id); err != nil {
			return err
		}
		return insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "edit", Resource: "clinic", ResourceID: id,
			Action: "delete", Before: &cur})
	})
	if err != nil {
		return clinicError("delete", id, err)
	}
	for _, p := range revoked {
		db.keys.Forget(p)
	}
	return nil
}

// ImportClinics creates or replaces every clinic of cs (validated, e.g. by
// clinic.ParseFile) in one transaction, audited with actor; clinics not in
// cs are left alone. It returns how many were created and updated (an
// unchanged clinic counts as neither).
func (db *DB) ImportClinics(ctx context.Context, cs []clinic.Clinic, actor string) (created, updated int, err error) {
	var ps clinic.Problems
	for i := range cs {
		ps = append(ps, cs[i].Validate(fmt.Sprintf("clinics[%d]", i))...)
	}
	if len(ps) > 0 {
		return 0, 0, ps
	}
	err = db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		created, updated = 0, 0
		for i := range cs {
			c := &cs[i]
			content, err := json.Marshal(c)
			if err != nil {
				return err
			}
			cur, ok, err := lockedClinic(ctx, tx, c.ID)
			if err != nil {
				return err
			}
			switch {
			case !ok:
				if _, err := tx.ExecContext(ctx, `INSERT INTO clinics (id, content) VALUES ($1, $2)`, c.ID, string(content)); err != nil {
					return err
				}
				created++
				err = insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "import", Resource: "clinic", ResourceID: c.ID,
					Action: "create", After: json.RawMessage(content)})
			case clinic.ETag(&cur) != clinic.ETag(c):
				if _, err := tx.ExecContext(ctx, `UPDATE clinics SET content = $2, updated_at = now() WHERE id = $1`, c.ID, string(content)); err != nil {
					return err
				}
				updated++
				err = insertAudit(ctx, tx, auditRow{Actor: actorOr(actor), Operation: "import", Resource: "clinic", ResourceID: c.ID,
					Action: "update", Before: &cur, After: json.RawMessage(content)})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, clinicError("import", "", err)
	}
	return created, updated, nil
}

// clinicError wraps a store error; clinic errors and Problems keep their
// identity for errors.Is and errors.As.
func clinicError(op, id string, err error) error {
	var ps clinic.Problems
	if errors.As(err, &ps) {
		return err
	}
	what := "clinics"
	if id != "" {
		what = "clinic " + id
	}
	return fmt.Errorf("%s %s: %w", op, what, notMigrated(describe(err)))
}
