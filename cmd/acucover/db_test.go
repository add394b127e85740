package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// acucover runs the command line with env as the whole environment.
func acucover(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errw bytes.Buffer
	err = run(context.Background(), args, &out, &errw, func(k string) string { return env[k] })
	return out.String(), errw.String(), err
}

func TestImportExportCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "USER": "tester"}

	out, errOut, err := acucover(t, env, "import", "--default", "--comment", "seed")
	if err != nil || !strings.Contains(out, "imported as revision 1") {
		t.Fatalf("import --default = %q, %v; want revision 1 imported", out, err)
	}
	// Not a terminal: plain progress lines, one per phase.
	for _, want := range []string{"import: parse…", "import: parse: ", "import: validate: done", "import: rule: ", "rows, done in", "import: item_versions: "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("import progress lacks %q:\n%s", want, errOut)
		}
	}
	out, _, err = acucover(t, env, "import", "--default")
	if err != nil || !strings.Contains(out, "no new revision") {
		t.Errorf("second import --default = %q, %v; want no new revision", out, err)
	}

	exported, _, err := acucover(t, env, "export")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "catalog.yaml")
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := acucover(t, nil, "validate", file); err != nil {
		t.Errorf("validate of the export = %q, %v", out, err)
	}
	out, _, err = acucover(t, env, "import", file, "--author", "someone")
	if err != nil || !strings.Contains(out, "revision 1") || !strings.Contains(out, "no new revision") {
		t.Errorf("import(export()) = %q, %v; want revision 1, no new revision", out, err)
	}
	asJSON, _, err := acucover(t, env, "export", "--format", "json")
	if err != nil || !strings.HasPrefix(asJSON, "{") {
		t.Fatalf("export --format json = %.100q, %v", asJSON, err)
	}
	jsonFile := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(jsonFile, []byte(asJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err := acucover(t, env, "import", jsonFile); err != nil || !strings.Contains(out, "no new revision") {
		t.Errorf("import of the JSON export = %q, %v; want no new revision", out, err)
	}

	edited := strings.Replace(exported, "name: Original Medicare Part B", "name: Original Medicare Part B (edited)", 1)
	if edited == exported {
		t.Fatal("test setup: plan name not found in the export")
	}
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, _, err = acucover(t, env, "import", file); err != nil || !strings.Contains(out, "imported as revision 2") {
		t.Errorf("import of an edited catalog = %q, %v; want revision 2", out, err)
	}
	old, _, err := acucover(t, env, "export", "--revision", "1")
	if err != nil || old != exported {
		t.Errorf("export --revision 1 differs from the first export (err %v)", err)
	}
	out, _, err = acucover(t, env, "revisions")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, "current") || !strings.Contains(out, "tester") {
		t.Errorf("revisions = %q, %v; want 2 lines, one current, author tester", out, err)
	}

	// Importing revision 1's content again moves the head back: refused
	// without --allow-rollback, then stored as revision 3.
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = acucover(t, env, "import", file)
	if err == nil || !strings.Contains(out, "head moves back from 2 to 1") || !strings.Contains(err.Error(), "--allow-rollback") {
		t.Errorf("import of revision 1's content = %q, %v; want head moves back from 2 to 1, refused", out, err)
	}
	out, _, err = acucover(t, env, "import", file, "--allow-rollback")
	if err != nil || !strings.Contains(out, "head moves back from 2 to 1") || !strings.Contains(out, "imported as revision 3") {
		t.Errorf("import --allow-rollback = %q, %v; want head moves back from 2 to 1, revision 3", out, err)
	}
	out, _, err = acucover(t, env, "revisions", "restore", "2", "--comment", "forward again")
	if err != nil || !strings.Contains(out, "head moves back from 3 to 2") || !strings.Contains(out, "revision 4 (1 items changed)") {
		t.Errorf("revisions restore 2 = %q, %v; want revision 4 with one change", out, err)
	}
	now, _, err := acucover(t, env, "export")
	if err != nil || strings.TrimPrefix(now, "# acucover catalog, revision 4") == now ||
		!strings.Contains(now, "Original Medicare Part B (edited)") {
		t.Errorf("export after the restore is not revision 2's content (err %v)", err)
	}
}

func TestImportInvalidFileWritesNothing(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "USER": "tester"}
	file := filepath.Join(t.TempDir(), "bad.yaml")
	const bad = `plans:
  - id: p1
    name: Plan
    payer: Payer
    type: commercial
    states: [CA, ZZ]
    benefit_period: {kind: calendar_year}
    cost_sharing:
      - {network: in, deductible_cents: -5, deductible_applies: false, copay_cents: 0, coinsurance_percent: 150, oop_max_cents: null}
conditions: []
rules: []
`
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := acucover(t, env, "import", file)
	if err == nil || !strings.Contains(err.Error(), "3 problem(s); nothing imported") {
		t.Errorf("import of an invalid file: err = %v, want 3 problems, nothing imported", err)
	}
	for _, want := range []string{`plan "p1" (line 2)`, "ZZ", "deductible_cents", "coinsurance_percent 150"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not mention %q:\n%s", want, out)
		}
	}
	if _, _, err := acucover(t, env, "export"); err == nil || !strings.Contains(err.Error(), "acucover import --default") {
		t.Errorf("export after the failed import: err = %v, want no catalog", err)
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "status"}, "0001_catalog\tapplied"},
		{[]string{"migrate", "status"}, "0002_access_audit\tapplied"},
		{[]string{"migrate", "status"}, "0003_catalog_items\tapplied"},
		{[]string{"migrate", "status"}, "0004_clinics_gfe\tapplied"},
		{[]string{"migrate", "status"}, "0005_items_json\tapplied"},
		{[]string{"migrate", "down"}, "down 0005_items_json"},
		{[]string{"migrate", "down"}, "down 0004_clinics_gfe"},
		{[]string{"migrate", "down"}, "down 0003_catalog_items"},
		{[]string{"migrate", "down"}, "down 0002_access_audit"},
		{[]string{"migrate", "status"}, "0002_access_audit\tpending"},
		{[]string{"migrate", "down"}, "down 0001_catalog"},
		{[]string{"migrate", "status"}, "0001_catalog\tpending"},
		{[]string{"migrate", "down"}, "nothing to do"},
		{[]string{"migrate", "up", "--database-url", env["DATABASE_URL"]}, "up 0001_catalog"},
		{[]string{"migrate", "up"}, "nothing to do"},
	}
	for _, s := range steps {
		out, _, err := acucover(t, env, s.args...)
		if err != nil || !strings.Contains(out, s.want) {
			t.Fatalf("%s = %q, %v; want %q", strings.Join(s.args, " "), out, err, s.want)
		}
	}
	if _, _, err := acucover(t, env, "migrate", "sideways"); exitCode(err) != 2 {
		t.Errorf("migrate sideways: err = %v, want a usage error", err)
	}
	if _, _, err := acucover(t, nil, "migrate", "up"); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("migrate without a database: err = %v, want it to ask for DATABASE_URL", err)
	}
}

func TestServeWithoutCatalogFails(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)}
	_, _, err := acucover(t, env, "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "run acucover migrate up and acucover import --default") {
		t.Errorf("serve on an empty database: err = %v, want the migrate/import hint", err)
	}
}

func TestServeUnreachableDatabaseGivesUp(t *testing.T) {
	t.Parallel()
	port := freePort(t) // nothing listens there
	env := map[string]string{"DATABASE_URL": fmt.Sprintf("postgres://postgres@127.0.0.1:%d/acucover?sslmode=disable", port)}
	_, _, err := acucover(t, env, "serve", "--addr", "127.0.0.1:0", "--db-start-timeout", "1s")
	if err == nil || !strings.Contains(err.Error(), "db-start-timeout") || exitCode(err) != 1 {
		t.Errorf("serve with an unreachable database: err = %v, want to give up after the start timeout", err)
	}
}

func TestServeFromPostgres(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "USER": "tester"}
	if _, _, err := acucover(t, env, "import", "--default"); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--metrics-addr", "127.0.0.1:0"}, new(bytes.Buffer), new(bytes.Buffer), func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /healthz = %d", resp.StatusCode)
			}
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("serve after shutdown: %v", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
