package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestMigrationConvertsRevisions: a database holding version-1 revisions
// (two, the head rolled back to the first) is migrated to items: every
// revision keeps its id and exports as before, and the head's content is
// the newest revision.
func TestMigrationConvertsRevisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	// Back to version 2, the last with the version-1 tables (down rolls
	// back one migration at a time: 0004, then 0003).
	for range 2 {
		if lines, err := db.Migrate(ctx, postgres.Down); err != nil || len(lines) != 1 {
			t.Fatalf("Migrate(down) = %q, %v", lines, err)
		}
	}
	// Version-1 revisions were written before windows counted a patient's
	// year; the version-1 schema refuses that period, so the fixtures count
	// those windows per benefit year, as version 1 could.
	a := legacyCompatible(defaultSnapshot(t))
	b := legacyCompatible(defaultSnapshot(t))
	b.Rules[0].Summary += " (edited)"
	b.Rules = append(b.Rules[:1], b.Rules[2:]...)
	var ids []int64
	var want []*catalog.Snapshot
	for _, s := range []*catalog.Snapshot{a, b} {
		id, err := postgres.WriteLegacyRevision(ctx, db, s, "test")
		if err != nil {
			t.Fatal(err)
		}
		old, err := postgres.LoadLegacyRevision(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		ids, want = append(ids, id), append(want, old)
	}
	if err := postgres.SetLegacyHead(ctx, db, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, postgres.Up); err != nil {
		t.Fatalf("Migrate(up) over version-1 revisions: %v", err)
	}
	for i, id := range ids {
		got, err := db.LoadRevision(ctx, strconv.FormatInt(id, 10))
		if err != nil {
			t.Fatal(err)
		}
		if hash(t, got) != hash(t, want[i]) {
			yw, _ := catalog.Marshal(want[i])
			yg, _ := catalog.Marshal(got)
			t.Errorf("revision %d exports differently after the migration:\nbefore %d bytes, after %d bytes", id, len(yw), len(yg))
		}
	}
	head, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.ParseInt(head.Revision, 10, 64); n <= ids[1] || hash(t, head) != hash(t, want[0]) {
		t.Errorf("head after the migration is revision %s; want a new revision with revision %d's content", head.Revision, ids[0])
	}
	// The converted store takes edits.
	c := defaultSnapshot(t)
	c.Rules[1].Summary += " (after the migration)"
	if _, created, err := db.Import(ctx, c, "test", ""); err != nil || !created {
		t.Errorf("Import after the migration = %v, %v", created, err)
	}
}

// legacyCompatible rewrites the windows the version-1 schema cannot store
// (a patient's year) as benefit-year windows.
func legacyCompatible(s *catalog.Snapshot) *catalog.Snapshot {
	for i := range s.Rules {
		ws := slices.Clone(s.Rules[i].Limits.Windows)
		for j := range ws {
			if ws[j].Period == catalog.PerPatientYear {
				ws[j].Period, ws[j].Months = catalog.PerBenefitYear, 0
			}
		}
		s.Rules[i].Limits.Windows = ws
	}
	return s
}
