package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// importConstraints are the constraints a bulk import drops and adds back
// inside its transaction.
var importConstraints = []string{
	"catalog_items_pkey", "catalog_items_kind_fkey",
	"item_versions_hash_fkey", "item_versions_kind_fkey", "item_versions_from_revision_fkey",
}

func constraintNames(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(),
		`SELECT conname FROM pg_constraint WHERE conrelid IN ('catalog_items'::regclass, 'item_versions'::regclass) ORDER BY conname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

// TestBulkImportCutShort: a first import on the bulk path (constraints
// dropped and added back, items prepared while they are sent, in many
// chunks) that is cancelled in any of its phases stores nothing and leaves
// every constraint in place; one that completes stores text with every
// character COPY escapes, and its constraints refuse what they refused
// before. A second bulk import (next to stored items, prepared first)
// cancelled in any of its phases leaves the first. Not parallel: it
// changes the bulk threshold and the chunk size.
func TestBulkImportCutShort(t *testing.T) {
	defer postgres.SetBulkAt(10)()
	defer postgres.SetCopyChunk(3)() // many chunks of a small catalog
	ctx := context.Background()
	db := pgtest.Open(t)
	want := constraintNames(t, db)
	for _, c := range importConstraints {
		if !slices.Contains(want, c) {
			t.Fatalf("constraint %s missing before the import (have %v)", c, want)
		}
	}
	s := defaultSnapshot(t)
	s.ChangeRule(0).Summary = "tab\there, back\\slash, new\nline, return\r, quote \" and ünïcode"
	for _, phase := range []string{"rule", "catalog_items index", "item_versions", "constraints"} {
		cctx, cancel := context.WithCancel(ctx)
		seen := false
		_, _, err := db.Import(cctx, s, "test", "", postgres.WithProgress(func(p postgres.Progress) {
			if p.Table == phase && !p.Done {
				seen = true
				cancel()
			}
		}))
		cancel()
		if !seen {
			t.Errorf("the import never reported phase %q", phase)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled in phase %q: err = %v, want context.Canceled", phase, err)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM catalog_revisions) + (SELECT count(*) FROM catalog_items) + (SELECT count(*) FROM item_versions)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("cancelled in phase %q: %d rows stored, want none", phase, n)
		}
		if got := constraintNames(t, db); !slices.Equal(got, want) {
			t.Errorf("cancelled in phase %q: constraints %v, want %v", phase, got, want)
		}
	}
	if _, err := db.HeadRevision(ctx); !errors.Is(err, postgres.ErrNoCatalog) {
		t.Errorf("head after cancelled imports: err = %v, want ErrNoCatalog", err)
	}

	mustImport(t, db, s)
	if got := constraintNames(t, db); !slices.Equal(got, want) {
		t.Errorf("after a bulk import: constraints %v, want %v", got, want)
	}
	head, err := db.HeadRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM item_versions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Plans) + len(s.Conditions) + len(s.Rules) + len(s.FeeSchedules) + len(s.CashPrices) + len(s.Licensure); stored != n {
		t.Errorf("a first bulk import stored %d item versions, want %d", stored, n)
	}
	second := defaultSnapshot(t)
	for i := range second.Rules {
		second.ChangeRule(i).Summary += " (second)"
	}
	for _, phase := range []string{"prepare", "rule", "item_versions", "constraints"} {
		cctx, cancel := context.WithCancel(ctx)
		seen := false
		_, _, err := db.Import(cctx, second, "test", "", postgres.WithProgress(func(p postgres.Progress) {
			if p.Table == phase && !p.Done {
				seen = true
				cancel()
			}
		}))
		cancel()
		if !seen {
			t.Errorf("the second import never reported phase %q", phase)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("second import cancelled in phase %q: err = %v, want context.Canceled", phase, err)
		}
		if got, err := db.HeadRevision(ctx); err != nil || got != head {
			t.Errorf("second import cancelled in phase %q: head %s (%v), want %s", phase, got, err, head)
		}
		if got := constraintNames(t, db); !slices.Equal(got, want) {
			t.Errorf("second import cancelled in phase %q: constraints %v, want %v", phase, got, want)
		}
	}
	got, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hash(t, got) != hash(t, s) || got.Rules[0].Summary != s.Rules[0].Summary {
		t.Errorf("loaded summary %q, want %q (and equal content)", got.Rules[0].Summary, s.Rules[0].Summary)
	}
	for _, c := range []struct{ q, constraint string }{
		{`INSERT INTO catalog_items SELECT hash, kind, item_id, content FROM catalog_items LIMIT 1`, "catalog_items_pkey"},
		{`INSERT INTO catalog_items VALUES (sha256('x'), 'nokind', 'x', '{}')`, "catalog_items_kind_fkey"},
		{`INSERT INTO item_versions (kind, item_id, position, hash, from_revision) VALUES ('rule', 'x', -1, sha256('none'), 1)`, "item_versions_hash_fkey"},
		{`INSERT INTO item_versions (kind, item_id, position, hash, from_revision) SELECT 'rule', 'x', -1, hash, 999 FROM catalog_items LIMIT 1`, "item_versions_from_revision_fkey"},
	} {
		_, err := db.SQL().ExecContext(ctx, c.q)
		var ce *postgres.ConstraintError
		if err = postgres.Describe(err); !errors.As(err, &ce) || ce.Constraint != c.constraint {
			t.Errorf("%s: err = %v, want %s", c.q, err, c.constraint)
		}
	}
}
