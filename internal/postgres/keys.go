package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/clinic"
)

// CreateKey generates an API key named name with role, stores its hash and
// prefix, audits the creation (actor by), and returns the secret, which is
// not stored and cannot be shown again. Errors wrap access.ErrKeyExists if
// the name is taken (revoked keys keep their names).
func (db *DB) CreateKey(ctx context.Context, name string, role access.Role, by string) (secret string, k access.Key, err error) {
	return db.CreateClinicKey(ctx, name, role, "", by)
}

// CreateClinicKey is CreateKey for a key scoped to clinic (empty: not
// scoped), which must exist. A scoped key reads and edits only that clinic
// and its Good Faith Estimates (access.Principal.Clinic). Errors wrap
// clinic.ErrUnknown for a clinic that does not exist.
func (db *DB) CreateClinicKey(ctx context.Context, name string, role access.Role, clinicID, by string) (secret string, k access.Key, err error) {
	if !access.ValidName(name) {
		return "", k, fmt.Errorf("create key: name %q must be lower-case letters, digits, '_', '.', '@' or '-', starting with a letter (at most 64)", name)
	}
	if !role.Valid() {
		return "", k, fmt.Errorf("create key: role %q is not reader, editor or admin", role)
	}
	// A prefix collision (48 bits) is astronomically rare; a new key fixes it.
	for attempt := 0; attempt < 3; attempt++ {
		secret, prefix, hash, err := access.NewKey()
		if err != nil {
			return "", k, err
		}
		err = db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
			if clinicID != "" {
				// FOR SHARE: the clinic cannot be deleted (revoking its
				// keys) until this key is committed.
				const qClinic = `SELECT EXISTS (SELECT 1 FROM clinics WHERE id = $1 FOR SHARE)`
				var ok bool
				if err := tx.GetContext(ctx, &ok, qClinic, clinicID); err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("clinic %q: %w", clinicID, clinic.ErrUnknown)
				}
			}
			const q = `
				INSERT INTO api_keys (name, role, prefix, hash, created_by, clinic_id)
				VALUES ($1, $2, $3, $4, $5, NULLIF($6, '')) RETURNING created_at`
			if err := tx.GetContext(ctx, &k.CreatedAt, q, name, string(role), prefix, hash, by, clinicID); err != nil {
				return err
			}
			k = access.Key{Name: name, Role: role, Prefix: prefix, Clinic: clinicID, CreatedAt: k.CreatedAt, CreatedBy: by}
			if err := notifyKey(ctx, tx, prefix); err != nil { // replicas forget it was unknown
				return err
			}
			after := map[string]string{"name": name, "role": string(role), "prefix": prefix}
			if clinicID != "" {
				after["clinic"] = clinicID
			}
			return insertAudit(ctx, tx, auditRow{
				Actor: actorOr(by), Operation: "keys", Resource: "api_key", ResourceID: name, Action: "create",
				After: after,
			})
		})
		if pe := pq.As(err); pe != nil && pe.Code == "23505" {
			if pe.Constraint == "api_keys_name_unique" {
				return "", access.Key{}, fmt.Errorf("create key %s: %w", name, access.ErrKeyExists)
			}
			continue // the prefix
		}
		if errors.Is(err, clinic.ErrUnknown) {
			return "", access.Key{}, fmt.Errorf("create key: %w", err)
		}
		if err != nil {
			return "", access.Key{}, fmt.Errorf("create key: %w", notMigrated(err))
		}
		db.keys.Forget(prefix)
		return secret, k, nil
	}
	return "", access.Key{}, errors.New("create key: could not find a free key prefix")
}

func actorOr(by string) string {
	if by == "" {
		return "unknown"
	}
	return by
}

type keyRow struct {
	ID         int64          `db:"id"`
	Name       string         `db:"name"`
	Role       string         `db:"role"`
	Prefix     string         `db:"prefix"`
	Hash       []byte         `db:"hash"`
	CreatedAt  time.Time      `db:"created_at"`
	CreatedBy  string         `db:"created_by"`
	LastUsedAt sql.NullTime   `db:"last_used_at"`
	RevokedAt  sql.NullTime   `db:"revoked_at"`
	Clinic     sql.NullString `db:"clinic_id"`
}

func (r keyRow) key() access.Key {
	k := access.Key{Name: r.Name, Role: access.Role(r.Role), Prefix: r.Prefix, Clinic: r.Clinic.String, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}
	if r.LastUsedAt.Valid {
		k.LastUsedAt = &r.LastUsedAt.Time
	}
	if r.RevokedAt.Valid {
		k.RevokedAt = &r.RevokedAt.Time
	}
	return k
}

// Keys lists every key, revoked ones included, in creation order.
func (db *DB) Keys(ctx context.Context) ([]access.Key, error) {
	const q = `
		SELECT id, name, role, prefix, hash, created_at, created_by, last_used_at, revoked_at, clinic_id
		FROM api_keys ORDER BY id`
	var rows []keyRow
	if err := db.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("list keys: %w", notMigrated(err))
	}
	out := make([]access.Key, len(rows))
	for i, r := range rows {
		out[i] = r.key()
	}
	return out, nil
}

// RevokeKey revokes the key named name, audited with actor by. It takes
// effect at once on every replica that runs WatchKeys: the revocation is
// sent by NOTIFY on KeyChannel and drops the key from their caches (within
// access.CacheFresh if the notification is lost). Revoking a revoked key
// does nothing. Errors wrap access.ErrUnknownKey.
func (db *DB) RevokeKey(ctx context.Context, name, by string) error {
	var revoked struct {
		Role   string `db:"role"`
		Prefix string `db:"prefix"`
	}
	err := db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		const q = `
			UPDATE api_keys SET revoked_at = now()
			WHERE name = $1 AND revoked_at IS NULL RETURNING role, prefix`
		err := tx.GetContext(ctx, &revoked, q, name)
		role := revoked.Role
		if errors.Is(err, sql.ErrNoRows) {
			const qExists = `SELECT EXISTS (SELECT 1 FROM api_keys WHERE name = $1)`
			var ok bool
			if err := tx.GetContext(ctx, &ok, qExists, name); err != nil {
				return err
			}
			if !ok {
				return access.ErrUnknownKey
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := notifyKey(ctx, tx, revoked.Prefix); err != nil {
			return err
		}
		return insertAudit(ctx, tx, auditRow{
			Actor: actorOr(by), Operation: "keys", Resource: "api_key", ResourceID: name, Action: "revoke",
			Before: map[string]string{"name": name, "role": role},
		})
	})
	if err != nil {
		return fmt.Errorf("revoke key %s: %w", name, notMigrated(err))
	}
	if revoked.Prefix != "" {
		db.keys.Forget(revoked.Prefix)
	}
	return nil
}

// lastUsedEvery bounds last_used_at writes to one per key per minute: a
// key used for every request must not turn reads into writes.
const lastUsedEvery = time.Minute

// Authenticate returns the principal of a presented key. Malformed, unknown
// and revoked keys all return access.ErrInvalidKey. The stored hash is
// compared in constant time.
//
// Verifications are cached (access.KeyCache): a key verified within
// access.CacheFresh is answered without a query, and a prefix that matched
// no key within access.CacheUnknown is refused without one, so floods of
// bogus keys never reach the database. When the database cannot answer, a
// key verified within access.CacheStale is still served. Revocation drops a
// key from the cache at once, here and (by NOTIFY, see WatchKeys) on every
// other replica.
func (db *DB) Authenticate(ctx context.Context, secret string) (access.Principal, error) {
	prefix, hash, err := access.Parse(secret)
	if err != nil {
		return access.Principal{}, err
	}
	now := db.now()
	cached, verdict := db.keys.Lookup(prefix, hash, now)
	switch verdict {
	case access.Valid:
		return cached, nil
	case access.Invalid:
		return access.Principal{}, access.ErrInvalidKey
	}
	const q = `
		SELECT id, name, role, prefix, hash, created_at, created_by, last_used_at, revoked_at, clinic_id
		FROM api_keys WHERE prefix = $1`
	var r keyRow
	err = db.db.GetContext(ctx, &r, q, prefix)
	if errors.Is(err, sql.ErrNoRows) {
		db.keys.RememberUnknown(prefix, now)
		return access.Principal{}, access.ErrInvalidKey
	}
	if err != nil {
		if verdict == access.Stale && ctx.Err() == nil {
			return cached, nil // the database is away; the key was good lately
		}
		return access.Principal{}, fmt.Errorf("authenticate: %w", notMigrated(err))
	}
	if !access.Match(r.Hash, hash) || r.RevokedAt.Valid {
		if r.RevokedAt.Valid {
			db.keys.Forget(prefix)
		}
		return access.Principal{}, access.ErrInvalidKey
	}
	if !r.LastUsedAt.Valid || time.Since(r.LastUsedAt.Time) > lastUsedEvery {
		// Best effort: a failed bookkeeping write must not refuse a valid key.
		const qUsed = `UPDATE api_keys SET last_used_at = now() WHERE id = $1`
		_, _ = db.db.ExecContext(ctx, qUsed, r.ID)
	}
	p := access.Principal{Name: r.Name, Role: access.Role(r.Role), Clinic: r.Clinic.String}
	db.keys.Remember(prefix, hash, p, now)
	return p, nil
}

// Verified returns the principal of a key verified within
// access.CacheStale, without asking the database; the rate limiter uses it
// to charge a known key's own bucket before verification (which still
// happens).
func (db *DB) Verified(secret string) (access.Principal, bool) {
	prefix, hash, err := access.Parse(secret)
	if err != nil {
		return access.Principal{}, false
	}
	p, v := db.keys.Lookup(prefix, hash, db.now())
	return p, v == access.Valid || v == access.Stale
}
