package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
	"github.com/acucover/acucover/internal/synth"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// dateCmp compares civil dates by value (catalog.Date hides its time.Time).
var dateCmp = cmp.Comparer(func(a, b catalog.Date) bool { return a == b })

func defaultSnapshot(t testing.TB) *catalog.Snapshot {
	t.Helper()
	s, _, err := catalog.Parse(catalog.DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hash(t testing.TB, s *catalog.Snapshot) string {
	t.Helper()
	h, err := catalog.ContentHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustImport(t testing.TB, db *postgres.DB, s *catalog.Snapshot) string {
	t.Helper()
	rev, _, err := db.Import(context.Background(), s, "test", "")
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return rev
}

func revisionCount(t testing.TB, db *postgres.DB) int {
	t.Helper()
	revs, err := db.Revisions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(revs)
}

func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t) // already migrated from the template

	applied := func() []bool {
		t.Helper()
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("MigrationStatus lists no migrations")
		}
		var out []bool
		for _, s := range st {
			out = append(out, s.Applied)
		}
		return out
	}
	if got := applied(); !allAre(got, true) {
		t.Fatalf("after up: applied = %v, want all true", got)
	}
	for range applied() {
		lines, err := db.Migrate(ctx, postgres.Down)
		if err != nil || len(lines) != 1 {
			t.Fatalf("Migrate(down) = %q, %v; want one migration rolled back", lines, err)
		}
	}
	if got := applied(); !allAre(got, false) {
		t.Fatalf("after down: applied = %v, want all false", got)
	}
	if _, err := db.LoadCatalog(ctx); !errors.Is(err, postgres.ErrNotMigrated) {
		t.Errorf("LoadCatalog on an empty schema: err = %v, want ErrNotMigrated", err)
	}
	if lines, err := db.Migrate(ctx, postgres.Down); err != nil || len(lines) != 0 {
		t.Errorf("Migrate(down) with nothing applied = %q, %v; want nothing, no error", lines, err)
	}
	if _, err := db.Migrate(ctx, postgres.Up); err != nil {
		t.Fatal(err)
	}
	if got := applied(); !allAre(got, true) {
		t.Fatalf("after up again: applied = %v, want all true", got)
	}
	if lines, err := db.Migrate(ctx, postgres.Up); err != nil || len(lines) != 0 {
		t.Errorf("Migrate(up) when up to date = %q, %v; want nothing", lines, err)
	}
	if _, err := db.LoadCatalog(ctx); !errors.Is(err, postgres.ErrNoCatalog) {
		t.Errorf("LoadCatalog before any import: err = %v, want ErrNoCatalog", err)
	}
	mustImport(t, db, defaultSnapshot(t))
}

func allAre(bs []bool, v bool) bool {
	for _, b := range bs {
		if b != v {
			return false
		}
	}
	return true
}

func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	in := defaultSnapshot(t)

	rev, created, err := db.Import(ctx, in, "test", "seed")
	if err != nil || !created {
		t.Fatalf("Import = %q, %v, %v; want a new revision", rev, created, err)
	}
	got, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != rev {
		t.Errorf("loaded Revision = %q, want %q", got.Revision, rev)
	}
	if hash(t, got) != hash(t, in) {
		t.Error("content hash of the loaded catalog differs from the imported one")
	}
	if diff := cmp.Diff(in, got, dateCmp, cmpopts.IgnoreFields(catalog.Snapshot{}, "Revision")); diff != "" {
		t.Errorf("loaded catalog mismatch (-want +got):\n%s", diff)
	}

	// export → parse: the same structure, and importing it is a no-op.
	yml, err := catalog.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	back, pos, err := catalog.Parse(yml)
	if err != nil {
		t.Fatalf("exported YAML does not parse: %v", err)
	}
	if ps := catalog.Validate(back, pos); len(ps) > 0 {
		t.Fatalf("exported YAML does not validate: %v", ps)
	}
	if diff := cmp.Diff(in, back, dateCmp, cmpopts.IgnoreFields(catalog.Snapshot{}, "Revision")); diff != "" {
		t.Errorf("exported catalog mismatch (-want +got):\n%s", diff)
	}
	rev2, created, err := db.Import(ctx, back, "test", "re-import")
	if err != nil || created || rev2 != rev {
		t.Errorf("Import(export()) = %q, %v, %v; want %q, not created", rev2, created, err, rev)
	}
	if n := revisionCount(t, db); n != 1 {
		t.Errorf("%d revisions stored, want 1", n)
	}
}

// TestCanonicalNilAndEmpty: a catalog whose always-written lists are absent
// (nil) and one where they are written empty are the same content.
func TestCanonicalNilAndEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	s := defaultSnapshot(t)
	s.Plans[0].CostSharing = nil // valid: a plan may list no cost sharing
	rev, _, err := db.Import(ctx, s, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	s2 := defaultSnapshot(t)
	s2.Plans[0].CostSharing = []catalog.CostSharing{}
	for i := range s2.Rules { // omitempty lists: written empty is the same as absent
		if len(s2.Rules[i].Criteria) == 0 {
			s2.ChangeRule(i).Criteria = []catalog.Criterion{}
		}
	}
	rev2, created, err := db.Import(ctx, s2, "test", "")
	if err != nil || created || rev2 != rev {
		t.Errorf("Import of the same content with empty lists = %q, %v, %v; want %q, not created", rev2, created, err, rev)
	}
}

func TestRevisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	a := defaultSnapshot(t)
	revA := mustImport(t, db, a)

	b := defaultSnapshot(t)
	b.ChangeRule(0).Summary += " (edited)"
	revB, created, err := db.Import(ctx, b, "editor", "edit a summary")
	if err != nil || !created || revB == revA {
		t.Fatalf("Import(b) = %q, %v, %v; want a new revision", revB, created, err)
	}
	if head, _ := db.HeadRevision(ctx); head != revB {
		t.Errorf("head = %q, want %q", head, revB)
	}

	// Importing older content again is a rollback: refused unless allowed,
	// then stored as a new revision with a's content.
	_, _, err = db.Import(ctx, a, "test", "roll back")
	var rb *postgres.RollbackError
	if !errors.As(err, &rb) || rb.From != revB || rb.To != revA {
		t.Fatalf("Import(a) again = %v; want a RollbackError from %s to %s", err, revB, revA)
	}
	if head, _ := db.HeadRevision(ctx); head != revB {
		t.Errorf("a refused rollback moved the head to %q", head)
	}
	var from, to string
	revC, created, err := db.Import(ctx, a, "test", "roll back", postgres.AllowRollback(func(f, t string) { from, to = f, t }))
	if err != nil || !created || from != revB || to != revA {
		t.Fatalf("Import(a, AllowRollback) = %q, %v, %v (reported %s→%s); want a new revision, %s→%s", revC, created, err, from, to, revB, revA)
	}
	got, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != revC || hash(t, got) != hash(t, a) {
		t.Errorf("after roll back the head is revision %q, want %q with a's content", got.Revision, revC)
	}
	old, err := db.LoadRevision(ctx, revB)
	if err != nil {
		t.Fatal(err)
	}
	if hash(t, old) != hash(t, b) {
		t.Error("LoadRevision(b) has other content than b")
	}
	if _, err := db.LoadRevision(ctx, "999999"); !errors.Is(err, postgres.ErrUnknownRevision) {
		t.Errorf("LoadRevision(unknown): err = %v, want ErrUnknownRevision", err)
	}
	if _, err := db.LoadRevision(ctx, "abc"); !errors.Is(err, postgres.ErrUnknownRevision) {
		t.Errorf("LoadRevision(abc): err = %v, want ErrUnknownRevision", err)
	}
	revs, err := db.Revisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var current []string
	for _, r := range revs {
		if r.Current {
			current = append(current, r.ID)
		}
	}
	if len(revs) != 3 || !cmp.Equal(current, []string{revC}) || revs[0].ContentHash != revs[2].ContentHash {
		t.Errorf("Revisions: %d revisions, current %v; want 3, [%s], the first and last with one content hash", len(revs), current, revC)
	}
}

// TestLoadedDecidesLikeEmbedded: the catalog served from PostgreSQL decides
// every question exactly as the embedded one does.
func TestLoadedDecidesLikeEmbedded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	mustImport(t, db, defaultSnapshot(t))
	snap, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fromDB, err := catalog.Build(snap)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}

	dates := []catalog.Date{
		catalog.NewDate(2019, 6, 1), catalog.NewDate(2020, 1, 21), catalog.NewDate(2021, 9, 30),
		catalog.NewDate(2025, 3, 1), catalog.NewDate(2026, 7, 1),
	}
	patients := []*coverage.Patient{nil, {PainWeeks: ptr(16), SystemicCause: ptr(false), SurgeryRelated: ptr(false), PregnancyRelated: ptr(false), Improving: ptr(true)}}
	var queries []coverage.Query
	for _, p := range embedded.Plans() {
		states := []string{"CA", "MN", "OH", "NY", "TX"}
		if !p.States.All {
			states = append(states, p.States.Items...)
		}
		for _, c := range embedded.Conditions() {
			codes := append([]string{c.ID}, c.ICD10...)
			for _, r := range c.RetiredICD10 {
				codes = append(codes, r.Code)
			}
			for _, st := range states {
				for _, code := range codes {
					for _, d := range dates {
						for _, pt := range patients {
							queries = append(queries, coverage.Query{Plan: p.ID, State: st, Condition: code, Date: d, Patient: pt,
								Usage: &coverage.Usage{VisitsThisYear: ptr(3), VisitsLast90Days: ptr(3), VisitsThisMonth: ptr(1)}})
						}
					}
				}
			}
		}
	}
	decided := 0
	for _, q := range queries {
		want, wantErr := coverage.Decide(embedded, q)
		got, gotErr := coverage.Decide(fromDB, q)
		name := fmt.Sprintf("%s/%s/%s/%s/patient=%v", q.Plan, q.State, q.Condition, q.Date, q.Patient != nil)
		if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
			t.Errorf("%s: error %v, want %v", name, gotErr, wantErr)
			continue
		}
		if wantErr == nil {
			decided++
		}
		if diff := cmp.Diff(want, got, dateCmp, cmpopts.IgnoreFields(coverage.Decision{}, "CatalogRevision")); diff != "" {
			t.Errorf("%s: decision mismatch (-embedded +postgres):\n%s", name, diff)
		}
	}
	if decided < len(queries)/4 {
		t.Errorf("only %d of %d queries reached a decision; the matrix tests too little", decided, len(queries))
	}
	t.Logf("%d queries, %d decisions compared", len(queries), decided)
}

func ptr[T any](v T) *T { return &v }

// TestConstraints: rows that bypass the importer are refused by the schema
// with an error naming the constraint, and nothing changes.
func TestConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	rev := mustImport(t, db, defaultSnapshot(t))
	before, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stmt, constraint string
	}{
		{"short hash", `INSERT INTO catalog_items (hash, kind, item_id, content) VALUES ('\x00', 'rule', $1::text, '{}')`,
			"catalog_items_hash_sha256"},
		{"content not an object", `INSERT INTO catalog_items (hash, kind, item_id, content) VALUES (sha256('x'), 'rule', $1::text, '[]')`,
			"catalog_items_content_object"},
		{"unknown kind", `INSERT INTO catalog_items (hash, kind, item_id, content) VALUES (sha256('x'), 'widget', $1::text, '{}')`,
			"catalog_items_kind_fkey"},
		{"version of unknown content", `INSERT INTO item_versions (kind, item_id, position, hash, from_revision) VALUES ('rule', 'x', 1, sha256('nothing'), $1)`,
			"item_versions_hash_fkey"},
		{"version of unknown revision", `INSERT INTO item_versions (kind, item_id, position, hash, from_revision) SELECT kind, 'x', -5, hash, 999999 FROM item_versions WHERE from_revision = $1 LIMIT 1`,
			"item_versions_from_revision_fkey"},
		{"second live version", `INSERT INTO item_versions (kind, item_id, position, hash, from_revision) SELECT kind, item_id, -5, hash, $1 FROM item_versions WHERE from_revision = $1 LIMIT 1`,
			"item_versions_open"},
		{"ends before it begins", `UPDATE item_versions SET to_revision = $1 WHERE from_revision = $1`,
			"item_versions_span"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.SQL().ExecContext(ctx, tc.stmt, rev)
			err = postgres.Describe(err)
			var ce *postgres.ConstraintError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ConstraintError", err)
			}
			if ce.Constraint != tc.constraint || !strings.Contains(err.Error(), tc.constraint) {
				t.Errorf("err = %q (constraint %q), want it to name %q", err, ce.Constraint, tc.constraint)
			}
		})
	}
	after, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hash(t, after) != hash(t, before) {
		t.Error("the catalog changed although every statement was refused")
	}
}

func TestInvalidImportChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	rev := mustImport(t, db, defaultSnapshot(t))

	bad := defaultSnapshot(t)
	bad.Plans[0].CostSharing[0].CoinsurancePercent = 150
	bad.CashPrices[0].FirstVisitCents = -1
	_, _, err := db.Import(ctx, bad, "test", "")
	var ps catalog.Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Errorf("Import(invalid): err = %v, want the 2 catalog problems", err)
	}
	if _, _, err := db.Import(ctx, defaultSnapshot(t), " ", ""); err == nil {
		t.Error("Import with a blank author succeeded")
	}

	// An import that fails halfway (here: cancelled after the plans are
	// written, or a panic) leaves no trace.
	changed := defaultSnapshot(t)
	changed.ChangeRule(0).Summary += " (changed)"
	cctx, cancel := context.WithCancel(ctx)
	_, _, err = db.Import(cctx, changed, "test", "", postgres.WithProgress(func(p postgres.Progress) {
		if p.Table == "catalog_items" && p.Done {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Import: err = %v, want context.Canceled", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Import did not pass on the progress callback's panic")
			}
		}()
		db.Import(ctx, changed, "test", "", postgres.WithProgress(func(p postgres.Progress) {
			if p.Table == "item_versions" && p.Done {
				panic("boom")
			}
		}))
	}()

	if n := revisionCount(t, db); n != 1 {
		t.Errorf("%d revisions stored, want 1", n)
	}
	var versions int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM item_versions`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	d := defaultSnapshot(t)
	if want := len(d.Plans) + len(d.Conditions) + len(d.Rules) + len(d.FeeSchedules) + len(d.CashPrices) + len(d.Licensure); versions != want {
		t.Errorf("%d item versions stored, want %d (one revision)", versions, want)
	}
	if head, _ := db.HeadRevision(ctx); head != rev {
		t.Errorf("head = %q, want %q", head, rev)
	}
}

// bigCatalog is the default catalog plus plans×rulesPerPlan generated rules,
// each plan's rules in force one after another, so none is ambiguous.
func bigCatalog(plans, rulesPerPlan int) *catalog.Snapshot {
	s, _, _ := catalog.Parse(catalog.DefaultYAML())
	src := []catalog.Source{{Title: "Generated load-test rule", URL: "https://example.org/load"}}
	for p := range plans {
		id := fmt.Sprintf("load-plan-%d", p)
		s.Plans = append(s.Plans, catalog.Plan{
			ID: id, Name: "Load test plan " + id, Payer: "Load Test Payer (fictional)", Type: catalog.Commercial,
			States: catalog.ScopeOf("CA", "NY"), BenefitPeriod: catalog.BenefitPeriod{Kind: catalog.CalendarYear},
			CostSharing: []catalog.CostSharing{{Network: catalog.InNetwork, CopayCents: 2500, CoinsurancePercent: 10}},
		})
		for r := range rulesPerPlan {
			s.Rules = append(s.Rules, &catalog.Rule{
				ID: fmt.Sprintf("load-rule-%d-%d", p, r), Plan: id,
				States: catalog.ScopeOf("CA", "NY"), Conditions: catalog.AllOf,
				EffectiveFrom: catalog.NewDate(1900+r, 1, 1), EffectiveTo: catalog.NewDate(1901+r, 1, 1),
				Status: catalog.Covered, Summary: "Covered up to 20 visits a year (generated).",
				Limits:  catalog.Limits{Windows: []catalog.Window{{Period: catalog.PerCalendarYear, Visits: 20}}},
				Billing: catalog.Billing{CPT: []string{"97810", "97811"}},
				Sources: src,
			})
		}
	}
	return s
}

func TestImportLargeCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	in := bigCatalog(100, 100) // 10k generated rules
	var progress []postgres.Progress
	_, created, err := db.Import(ctx, in, "test", "large", postgres.WithProgress(func(p postgres.Progress) {
		progress = append(progress, p)
	}))
	if err != nil || !created {
		t.Fatalf("Import = %v, %v", created, err)
	}
	got, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != len(in.Rules) || hash(t, got) != hash(t, in) {
		t.Errorf("loaded %d rules with another hash; want %d rules, same content", len(got.Rules), len(in.Rules))
	}
	var rulesDone bool
	for _, p := range progress {
		rulesDone = rulesDone || (p.Table == catalog.KindRule && p.Done && p.Rows == len(in.Rules))
	}
	if !rulesDone {
		t.Errorf("progress never reported the rules table done with %d rows: %v", len(in.Rules), progress)
	}
}

// BenchmarkImport100k imports a catalog of 100k generated rules:
// go test -run '^$' -bench Import100k ./internal/postgres/
func BenchmarkImport100k(b *testing.B) {
	ctx := context.Background()
	db := pgtest.Open(b)
	in := bigCatalog(1000, 100)
	b.ResetTimer()
	for i := range b.N {
		in.ChangeRule(0).Summary = fmt.Sprintf("Covered (variant %d).", i) // new content each time
		if _, _, err := db.Import(ctx, in, "bench", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad100k loads a synthetic catalog of 100k rules (imported once):
// go test -run '^$' -bench Load100k -benchmem ./internal/postgres/
// The 1M figure comes from make scale (TestScalePostgres in internal/synth).
func BenchmarkLoad100k(b *testing.B) {
	ctx := context.Background()
	db := pgtest.Open(b)
	mustImport(b, db, synth.Generate(synth.ForRules(100_000)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.LoadCatalog(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOpenErrorsHoldNoPassword: a connection string that does not parse is
// refused with an error that says why, without the string or its password.
func TestOpenErrorsHoldNoPassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://bob:s3cret@host:notaport/db",
		"postgres://bob:s3cret@ho st/db",
		"postgres://bob:s3cret@[::1/db",
		"postgres://bob:s3cret%zz@host/db",
		"postgres://bob:s3cret@host/db?sslmode=bogus",
	} {
		_, err := postgres.Open(context.Background(), url)
		if err == nil {
			t.Errorf("%s: opened", url)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "s3cret") || strings.Contains(msg, "%zz") || !strings.HasPrefix(msg, "open database: ") {
			t.Errorf("%s: error %q shows the password or does not say it is about opening the database", url, msg)
		}
	}
}

// TestEditWritesWhatChanged: an edit of one rule stores one item and one
// version and ends one; a restore stores nothing new and writes one audit
// entry naming the ids it changed.
func TestEditWritesWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	first := mustImport(t, db, defaultSnapshot(t))
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	items, versions := count(`SELECT count(*) FROM catalog_items`), count(`SELECT count(*) FROM item_versions`)
	var id string
	rev, changes, err := db.Edit(ctx, "editor", "edit", "", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		id = cur.Rules[3].ID
		cur.ChangeRule(3).Summary += " (edited)"
		return cur, nil
	})
	if err != nil || len(changes) != 1 || changes[0].ID != id {
		t.Fatalf("Edit = %q, %v, %v; want one change of rule %s", rev, changes, err, id)
	}
	if n := count(`SELECT count(*) FROM catalog_items`); n != items+1 {
		t.Errorf("an edit of one rule stored %d items, want 1", n-items)
	}
	if n := count(`SELECT count(*) FROM item_versions`); n != versions+1 {
		t.Errorf("an edit of one rule added %d item versions, want 1", n-versions)
	}
	if n := count(`SELECT count(*) FROM item_versions WHERE to_revision IS NOT NULL`); n != 1 {
		t.Errorf("%d item versions ended, want 1", n)
	}
	old, err := db.LoadRevision(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	old.Revision = ""
	restored, changes, err := db.Edit(ctx, "admin", "restore", "back", func(*catalog.Snapshot) (*catalog.Snapshot, error) { return old, nil })
	if err != nil || len(changes) != 1 {
		t.Fatalf("restore = %v, %v; want one change", changes, err)
	}
	if n := count(`SELECT count(*) FROM catalog_items`); n != items+1 {
		t.Errorf("a restore stored %d new items, want none", n-items-1)
	}
	entries := count(`SELECT count(*) FROM audit_log WHERE operation = 'restore'`)
	var after string
	if err := db.SQL().QueryRowContext(ctx, `SELECT after::text FROM audit_log WHERE operation = 'restore'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if entries != 1 || !strings.Contains(after, id) {
		t.Errorf("a restore wrote %d audit entries (after %s); want one naming %s", entries, after, id)
	}
	got, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != restored || hash(t, got) != hash(t, old) {
		t.Errorf("after the restore the head is %s, want %s with revision %s's content", got.Revision, restored, first)
	}
}

// TestReplicaReadsTheDelta: a second DB that holds revision N reads revision
// N+1 by its changed items: the kinds that did not change keep their lists,
// and the result equals a whole read.
func TestReplicaReadsTheDelta(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	mustImport(t, db, defaultSnapshot(t))
	replica, err := postgres.Open(ctx, db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	before, err := replica.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = db.Edit(ctx, "editor", "edit", "", func(cur *catalog.Snapshot) (*catalog.Snapshot, error) {
		cur.ChangeRule(2).Summary += " (edited)"
		cur.Rules = append(cur.Rules[:5:5], cur.Rules[6:]...)
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := replica.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if &after.Plans[0] != &before.Plans[0] || &after.Rules[0] == &before.Rules[0] {
		t.Error("the replica did not apply the delta: unchanged plans were read again, or changed rules were not")
	}
	if after.Rules[0] != before.Rules[0] || after.Rules[2] == before.Rules[2] {
		t.Error("the replica's revisions do not share the rules the edit left alone, or share the one it changed")
	}
	fresh, err := postgres.Open(ctx, db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	whole, err := fresh.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Revision != whole.Revision || hash(t, after) != hash(t, whole) || len(after.Rules) != len(before.Rules)-1 {
		t.Errorf("delta read (revision %s, %d rules) differs from a whole read (revision %s)", after.Revision, len(after.Rules), whole.Revision)
	}
}

// TestBulkImport: imports large enough for the bulk path (COPY straight
// into the tables, foreign keys checked once) store what the small path
// stores, skip content already stored, and keep every constraint. Not
// parallel: it changes the bulk threshold.
func TestBulkImport(t *testing.T) {
	defer postgres.SetBulkAt(10)()
	ctx := context.Background()
	db := pgtest.Open(t)
	a := defaultSnapshot(t)
	var progress []string
	if _, _, err := db.Import(ctx, a, "test", "", postgres.WithProgress(func(p postgres.Progress) {
		if p.Done {
			progress = append(progress, p.Table)
		}
	})); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(progress, "constraints") || !slices.Contains(progress, catalog.KindRule) {
		t.Errorf("progress %v: want the rule kind and constraints done (the bulk path)", progress)
	}
	b := defaultSnapshot(t)
	b.ChangeRule(0).Summary += " (b)"
	b.Rules = slices.Concat(b.Rules[3:], b.Rules[:3]) // every rule moves
	if _, _, err := db.Import(ctx, b, "test", ""); err != nil {
		t.Fatal(err)
	}
	var items int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM catalog_items`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	d := defaultSnapshot(t)
	if want := len(d.Plans) + len(d.Conditions) + len(d.Rules) + len(d.FeeSchedules) + len(d.CashPrices) + len(d.Licensure) + 1; items != want {
		t.Errorf("%d items stored, want %d (one new content)", items, want)
	}
	got, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hash(t, got) != hash(t, b) {
		t.Error("the bulk-written catalog loads with other content")
	}
	_, err = db.SQL().ExecContext(ctx, `INSERT INTO item_versions (kind, item_id, position, hash, from_revision) VALUES ('rule', 'x', -1, sha256('none'), 1)`)
	var ce *postgres.ConstraintError
	if err = postgres.Describe(err); !errors.As(err, &ce) || ce.Constraint != "item_versions_hash_fkey" {
		t.Errorf("after a bulk write, a version of unknown content: err = %v, want item_versions_hash_fkey", err)
	}
}
