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

func (db *DB) provider() (*goose.Provider, []migration, error) {
	ms, err := readMigrations(migrations.FS)
	if err != nil {
		return nil, nil, err
	}
	gms := make([]*goose.Migration, len(ms))
	for i, m := range ms {
		gms[i] = goose.NewGoMigration(m.version, execSQL(m.up), execSQL(m.down))
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
