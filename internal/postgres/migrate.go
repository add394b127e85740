package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/acucover/acucover/sql/migrations"
)

// Direction is the way Migrate moves the schema.
type Direction string

// Directions.
const (
	// Up applies every pending migration.
	Up Direction = "up"
	// Down rolls back the most recently applied migration, one only: a
	// down migration drops catalog data, so it is never done in bulk.
	Down Direction = "down"
)

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version   int64
	Name      string // e.g. "0001_catalog"
	Applied   bool
	AppliedAt time.Time // zero when not applied
}

// migration is one NNNN_name.up.sql / .down.sql pair.
type migration struct {
	version  int64
	name     string
	up, down string
}

// readMigrations pairs the embedded files by version. goose v3 only reads
// single-file migrations with -- +goose annotations, so the pairs are
// registered as goose Go migrations instead: goose still versions, locks and
// reports them, and each file runs whole in one transaction.
func readMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	byVersion := map[int64]*migration{}
	for _, f := range names {
		base, dir, ok := strings.Cut(f, ".")
		if !ok || (dir != "up.sql" && dir != "down.sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.up.sql or NNNN_name.down.sql", f)
		}
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number", f)
		}
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &migration{version: v, name: base}
			byVersion[v] = m
		}
		if m.name != base {
			return nil, fmt.Errorf("migrations %s and %s share version %d", m.name, base, v)
		}
		if dir == "up.sql" {
			m.up = string(body)
		} else {
			m.down = string(body)
		}
	}
	var ms []migration
	for _, m := range byVersion {
		if m.up == "" || m.down == "" {
			return nil, fmt.Errorf("migration %s needs both an .up.sql and a .down.sql file", m.name)
		}
		ms = append(ms, *m)
	}
	slices.SortFunc(ms, func(a, b migration) int { return int(a.version - b.version) })
	return ms, nil
}

func execSQL(body string) *goose.GoFunc {
	return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		// No arguments: lib/pq sends a simple query, which may hold many
		// statements.
		_, err := tx.ExecContext(ctx, body)
		return err
	}}
}

// convertMarker is the line of an up migration at which convertLegacy runs.
const convertMarker = "-- acucover:convert"

// cutLine splits s around the line that starts with marker.
func cutLine(s, marker string) (before, after string, ok bool) {
	i := strings.Index(s, "\n"+marker)
	if i < 0 {
		return s, "", false
	}
	rest := s[i+1:]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		return s[:i+1], rest[j+1:], true
	}
	return s[:i+1], "", true
}

// convertLegacy stores every version-1 revision (0001_catalog's tables) as
// items, keeping its id: each revision is written as its changes from the
// one before, in id order. If the head was not the newest revision (a
// rollback under version 1), a new revision with the head's content is
// added, since the head is now always the newest. Content hashes are
// recomputed in the item form.
func convertLegacy(ctx context.Context, tx *sqlx.Tx) error {
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM catalog_revisions ORDER BY id`); err != nil {
		return err
	}
	var prev *state
	for _, id := range ids {
		snap, err := loadLegacyRevision(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("revision %d: %w", id, err)
		}
		man, st, _, err := plan(prev, snap, false)
		if err != nil {
			return fmt.Errorf("revision %d: %w", id, err)
		}
		if err := write(ctx, tx, id, st, nil); err != nil {
			return fmt.Errorf("revision %d: %w", id, err)
		}
		const q = `UPDATE catalog_revisions SET content_hash = $2 WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, id, man.contentHash()); err != nil {
			return err
		}
		prev = &state{rev: id, snap: snap, man: man}
	}
	if prev == nil {
		return nil
	}
	head, err := headRevision(ctx, tx)
	if err != nil || head == prev.rev {
		return err
	}
	snap, err := loadLegacyRevision(ctx, tx, head)
	if err != nil {
		return fmt.Errorf("revision %d: %w", head, err)
	}
	man, st, _, err := plan(prev, snap, false)
	if err != nil {
		return err
	}
	id, err := newRevision(ctx, tx, "acucover migrate", fmt.Sprintf("migration 0003: the head was revision %d; revisions are now linear, so its content is this new revision", head), man.contentHash())
	if err != nil {
		return err
	}
	if err := write(ctx, tx, id, st, nil); err != nil {
		return err
	}
	return setHead(ctx, tx, id)
}

func (db *DB) provider() (*goose.Provider, []migration, error) {
	ms, err := readMigrations(migrations.FS)
	if err != nil {
		return nil, nil, err
	}
	gms := make([]*goose.Migration, len(ms))
	for i, m := range ms {
		up := execSQL(m.up)
		if before, after, ok := cutLine(m.up, convertMarker); ok {
			// The whole migration runs in one transaction of ours, so the
			// conversion commits with the schema change or not at all.
			up = &goose.GoFunc{RunDB: func(ctx context.Context, _ *sql.DB) error {
				return db.inTx(ctx, nil, func(tx *sqlx.Tx) error {
					if _, err := tx.ExecContext(ctx, before); err != nil {
						return err
					}
					if err := convertLegacy(ctx, tx); err != nil {
						return fmt.Errorf("convert the catalog revisions: %w", err)
					}
					_, err := tx.ExecContext(ctx, after)
					return err
				})
			}}
		}
		gms[i] = goose.NewGoMigration(m.version, up, execSQL(m.down))
	}
	// A session lock (pg_advisory_lock) keeps two migrators, say two Helm
	// Job pods, from applying the same migration at once.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.SQL(), nil,
		goose.WithGoMigrations(gms...),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker),
	)
	if err != nil {
		return nil, nil, err
	}
	return p, ms, nil
}

// Migrate moves the schema: Up applies every pending migration, Down rolls
// back the latest one. It returns one line per migration run ("up
// 0001_catalog (12ms)"); none means there was nothing to do. Down with
// nothing applied is not an error.
func (db *DB) Migrate(ctx context.Context, dir Direction) ([]string, error) {
	p, ms, err := db.provider()
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", dir, err)
	}
	var results []*goose.MigrationResult
	switch dir {
	case Up:
		results, err = p.Up(ctx)
	case Down:
		var r *goose.MigrationResult
		r, err = p.Down(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			return nil, nil
		}
		results = []*goose.MigrationResult{r}
	default:
		return nil, fmt.Errorf("migrate: direction %q is not up or down", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", dir, err)
	}
	lines := make([]string, 0, len(results))
	for _, r := range results {
		lines = append(lines, fmt.Sprintf("%s %s (%s)", r.Direction, nameOf(ms, r.Source.Version), r.Duration.Round(time.Millisecond)))
	}
	return lines, nil
}

// MigrationStatus lists every known migration in version order with whether
// it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, ms, err := db.provider()
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{
			Version:   s.Source.Version,
			Name:      nameOf(ms, s.Source.Version),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

func nameOf(ms []migration, v int64) string {
	for _, m := range ms {
		if m.version == v {
			return m.name
		}
	}
	return strconv.FormatInt(v, 10)
}
