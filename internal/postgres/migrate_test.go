package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
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
	// back one migration at a time: 0005, 0004, then 0003).
	for range 3 {
		if lines, err := db.Migrate(ctx, postgres.Down); err != nil || len(lines) != 1 {
			t.Fatalf("Migrate(down) = %q, %v", lines, err)
		}
	}
	// Version-1 revisions were written before windows counted a patient's
	// year; the version-1 schema refuses that period, so the fixtures count
	// those windows per benefit year, as version 1 could.
	a := legacyCompatible(defaultSnapshot(t))
	b := legacyCompatible(defaultSnapshot(t))
	b.ChangeRule(0).Summary += " (edited)"
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
	c.ChangeRule(1).Summary += " (after the migration)"
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
		s.ChangeRule(i).Limits.Windows = ws
	}
	return s
}

// contentType is the type of catalog_items.content.
func contentType(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var typ string
	const q = `SELECT data_type FROM information_schema.columns WHERE table_name = 'catalog_items' AND column_name = 'content'`
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	return typ
}

// misHashed counts the items whose stored content, with their kind, does
// not hash to their hash, and the items of all.
func misHashed(t *testing.T, db *postgres.DB) (bad, all int) {
	t.Helper()
	const q = `
		SELECT count(*) FILTER (WHERE hash <> sha256(convert_to(kind, 'UTF8') || '\x00'::bytea || convert_to(content::text, 'UTF8'))),
			count(*)
		FROM catalog_items`
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&bad, &all); err != nil {
		t.Fatal(err)
	}
	return bad, all
}

// TestMigrationItemsJSON: migration 0005 turns catalog_items.content from
// jsonb into json and back with a catalog stored, which reads back the same
// each way and takes imports after; and items written under version 5
// store the bytes that were hashed.
func TestMigrationItemsJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db := open()
	s := defaultSnapshot(t)
	mustImport(t, db, s)
	if typ := contentType(t, db); typ != "json" {
		t.Fatalf("catalog_items.content is %s, want json", typ)
	}
	if bad, all := misHashed(t, db); bad != 0 || all == 0 {
		t.Errorf("%d of %d items do not hash to their hash", bad, all)
	}
	if lines, err := db.Migrate(ctx, postgres.Down); err != nil || len(lines) != 1 || !strings.Contains(lines[0], "0005") {
		t.Fatalf("Migrate(down) = %q, %v; want 0005 rolled back", lines, err)
	}
	if typ := contentType(t, db); typ != "jsonb" {
		t.Fatalf("after down, catalog_items.content is %s, want jsonb", typ)
	}
	got, err := open().LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hash(t, got) != hash(t, s) {
		t.Errorf("the catalog reads back differently after migrating down")
	}
	if _, err := db.Migrate(ctx, postgres.Up); err != nil {
		t.Fatalf("Migrate(up): %v", err)
	}
	if typ := contentType(t, db); typ != "json" {
		t.Fatalf("after up again, catalog_items.content is %s, want json", typ)
	}
	db2 := open()
	if got, err = db2.LoadCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if hash(t, got) != hash(t, s) {
		t.Errorf("the catalog reads back differently after migrating up again")
	}
	// Items written after the round trip store what was hashed; the
	// converted ones kept jsonb's rendering.
	before, _ := misHashed(t, db2)
	next := defaultSnapshot(t)
	next.ChangeRule(0).Summary += " (after the round trip)"
	if _, created, err := db2.Import(ctx, next, "test", ""); err != nil || !created {
		t.Fatalf("Import after the round trip = %v, %v", created, err)
	}
	const qNew = `
		SELECT count(*) FROM catalog_items i JOIN item_versions v ON v.hash = i.hash
		WHERE v.to_revision IS NULL AND v.kind = 'rule' AND v.item_id = $1
			AND i.hash = sha256(convert_to(i.kind, 'UTF8') || '\x00'::bytea || convert_to(i.content::text, 'UTF8'))`
	var n int
	if err := db2.SQL().QueryRowContext(ctx, qNew, next.Rules[0].ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("the edited rule's stored content hashes to its hash in %d rows (%v), want 1", n, err)
	}
	if after, _ := misHashed(t, db2); after != before {
		t.Errorf("%d items do not hash to their hash after an import, %d before it", after, before)
	}
}

// TestItemContentIsWhatWasHashed: an item's stored content is the bytes
// its hash was computed from, whichever way an import writes it: row by row
// (small), in bulk into an empty store, and in bulk next to stored items.
// Not parallel: it changes the bulk threshold.
func TestItemContentIsWhatWasHashed(t *testing.T) {
	ctx := context.Background()
	small := pgtest.Open(t)
	s := defaultSnapshot(t)
	mustImport(t, small, s)
	if bad, all := misHashed(t, small); bad != 0 || all < len(s.Rules) {
		t.Errorf("row by row: %d of %d items do not hash to their hash", bad, all)
	}
	defer postgres.SetBulkAt(10)()
	bulk := pgtest.Open(t)
	s.ChangeRule(0).Summary = "tab\there, back\\slash, new\nline, ünïcode"
	mustImport(t, bulk, s)
	if bad, all := misHashed(t, bulk); bad != 0 || all < len(s.Rules) {
		t.Errorf("in bulk into an empty store: %d of %d items do not hash to their hash", bad, all)
	}
	next := defaultSnapshot(t)
	for i := range next.Rules {
		next.ChangeRule(i).Summary += " (again)"
	}
	if _, created, err := bulk.Import(ctx, next, "test", ""); err != nil || !created {
		t.Fatalf("second bulk import = %v, %v", created, err)
	}
	if bad, all := misHashed(t, bulk); bad != 0 || all < 2*len(s.Rules) {
		t.Errorf("in bulk next to stored items: %d of %d items do not hash to their hash", bad, all)
	}
}
