package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestImportKilled kills (SIGKILL) the real binary in the middle of a bulk
// import, in each of its writing phases: the database holds either nothing
// of it or all of it (the kill came after the commit), never part, and
// every constraint; and the same import then succeeds.
func TestImportKilled(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	file := filepath.Join(t.TempDir(), "big.json")
	if out, err := exec.Command(bin, "gen", "--rules", "60000", "-o", file).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := catalog.ReadDocument(f, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	wantHash, err := catalog.ContentHash(catalog.Canonical(want))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// "rule" with rows: some rules are stored, more are being prepared.
	for _, phase := range []string{"import: rule…", "import: rule  ", "import: catalog_items index…", "import: item_versions…", "import: constraints…", "import: analyze…"} {
		dbURL := pgtest.NewDatabase(t)
		cmd := exec.Command(bin, "import", file, "--author", "killer")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			if strings.HasPrefix(sc.Text(), phase) {
				cmd.Process.Kill()
				killed = true
				break
			}
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("the import never printed %q", phase)
		}

		db, err := postgres.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		const q = `SELECT (SELECT count(*) FROM catalog_revisions) + (SELECT count(*) FROM catalog_items) + (SELECT count(*) FROM item_versions)`
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		got, err := db.LoadCatalog(ctx)
		switch {
		case errors.Is(err, postgres.ErrNoCatalog):
			if rows != 0 {
				t.Errorf("killed at %q: no catalog, but %d rows stored", phase, rows)
			}
		case err != nil:
			t.Errorf("killed at %q: load: %v", phase, err)
		default:
			// The kill came after the commit: all of it is there.
			if h, _ := catalog.ContentHash(catalog.Canonical(got)); h != wantHash {
				t.Errorf("killed at %q: the stored catalog is not the file's", phase)
			}
			t.Logf("killed at %q after the commit", phase)
		}
		var constraints int
		const qc = `SELECT count(*) FROM pg_constraint WHERE conname IN ('catalog_items_pkey', 'catalog_items_kind_fkey',
			'item_versions_hash_fkey', 'item_versions_kind_fkey', 'item_versions_from_revision_fkey')`
		if err := db.SQL().QueryRowContext(ctx, qc).Scan(&constraints); err != nil || constraints != 5 {
			t.Errorf("killed at %q: %d of the 5 constraints an import drops and adds back remain (%v)", phase, constraints, err)
		}
		db.Close()
		out, err := exec.Command(bin, "import", file, "--author", "again", "--database-url", dbURL).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "imported as revision") && !strings.Contains(string(out), "no new revision") {
			t.Errorf("import after the kill at %q: %v\n%s", phase, err, out)
		}
	}
}

// TestImportInterruptedWhileParsing: SIGINT during the parse of a large
// file ends the command at once, with nothing written.
func TestImportInterruptedWhileParsing(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	file := filepath.Join(t.TempDir(), "big.yaml")
	if out, err := exec.Command(bin, "gen", "--rules", "60000", "-o", file).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	dbURL := pgtest.NewDatabase(t)
	cmd := exec.Command(bin, "import", file, "--author", "ctrl-c")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "import: parse") {
	}
	cmd.Process.Signal(os.Interrupt)
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if err == nil || !strings.Contains(rest.String(), "context canceled") || strings.Contains(rest.String(), "validate") {
		t.Errorf("import interrupted while parsing: %v\n%s\nwant it to stop in the parse, cancelled", err, rest.String())
	}
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.HeadRevision(context.Background()); !errors.Is(err, postgres.ErrNoCatalog) {
		t.Errorf("after the interrupted import: head err = %v, want ErrNoCatalog", err)
	}
}
