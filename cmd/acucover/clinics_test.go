package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

const demoClinicFile = "../../internal/clinic/testdata/clinics.yaml"

func TestClinicsCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "USER": "ops"}
	run := func(args ...string) string {
		t.Helper()
		out, _, err := acucover(t, env, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	if out := run("clinics", "import", demoClinicFile); !strings.Contains(out, "2 clinic(s) created, 0 updated, 0 unchanged") {
		t.Errorf("import = %q", out)
	}
	if out := run("clinics", "import", demoClinicFile); !strings.Contains(out, "0 clinic(s) created, 0 updated, 2 unchanged") {
		t.Errorf("second import = %q", out)
	}
	out := run("clinics", "list")
	if !strings.Contains(out, "lotus-acupuncture\tLotus Community Acupuncture\t1234567893\t1\t7\t2\t\"") || !strings.Contains(out, "riverbend\t") {
		t.Errorf("list = %q", out)
	}
	if out := run("clinics", "show", "riverbend"); !strings.Contains(out, "# clinic riverbend, ETag \"") || !strings.Contains(out, "price: \"45.25\"") {
		t.Errorf("show = %q", out)
	}
	// export → import round-trips: the exported file parses to the same clinics.
	exported := run("clinics", "export")
	got, err := clinic.ParseFile([]byte(exported))
	if err != nil {
		t.Fatalf("exported file does not parse: %v\n%s", err, exported)
	}
	want, _ := clinic.LoadFile(demoClinicFile)
	for i := range want {
		if clinic.ETag(&got[i]) != clinic.ETag(&want[i]) {
			t.Errorf("clinic %s changed on the way out:\n%s", want[i].ID, exported)
		}
	}
	// A bad file is refused whole with every problem, before any database work.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(exported, "1234567893", "1234567890", 1)), 0o600)
	out, _, err = acucover(t, env, "clinics", "import", bad)
	if err == nil || !strings.Contains(out, "clinics[0].npi") || !strings.Contains(err.Error(), "nothing imported") {
		t.Errorf("bad import = %q, %v", out, err)
	}

	out, stderr, err := acucover(t, env, "keys", "create", "--name", "lotus-desk", "--role", "editor", "--clinic", "lotus-acupuncture")
	if err != nil || !strings.Contains(stderr, "clinic lotus-acupuncture only") || !strings.HasPrefix(out, "acu_") {
		t.Fatalf("keys create --clinic = %q, %q, %v", out, stderr, err)
	}
	if _, _, err := acucover(t, env, "keys", "create", "--name", "nowhere", "--role", "editor", "--clinic", "nowhere"); err == nil || !strings.Contains(err.Error(), "no clinic") {
		t.Errorf("key for a missing clinic: %v", err)
	}
	if out := run("keys", "list"); !strings.Contains(out, "\tlotus-acupuncture\n") {
		t.Errorf("keys list = %q; want the key's clinic", out)
	}
	if out := run("clinics", "delete", "lotus-acupuncture"); !strings.Contains(out, "keys are revoked") {
		t.Errorf("delete = %q", out)
	}
	if _, _, err := acucover(t, env, "clinics", "show", "lotus-acupuncture"); err == nil || !strings.Contains(err.Error(), "no clinic") {
		t.Errorf("show a deleted clinic: %v", err)
	}
	if _, _, err := acucover(t, env, "clinics", "frobnicate"); exitCode(err) != 2 {
		t.Errorf("unknown subcommand: %v, want a usage error", err)
	}
	if out := run("gfe", "list"); strings.TrimSpace(out) != "ID\tNUMBER\tCLINIC\tTOTAL\tCREATED\tCREATED_BY" {
		t.Errorf("gfe list = %q", out)
	}
	if _, _, err := acucover(t, env, "gfe", "delete", "GFE-000042"); err == nil || !strings.Contains(err.Error(), "no good faith estimate") {
		t.Errorf("delete a missing estimate: %v", err)
	}
	if _, _, err := acucover(t, env, "gfe", "delete", "x"); exitCode(err) != 2 {
		t.Errorf("gfe delete x: %v, want a usage error", err)
	}
}

func TestServeClinicsFileNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	_, _, err := acucover(t, map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x"}, "serve", "--clinics", demoClinicFile)
	if err == nil || !strings.Contains(err.Error(), "acucover clinics import") || exitCode(err) != 2 {
		t.Errorf("--clinics with a database: %v, want a usage error pointing at clinics import", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("clinics: []\n"), 0o600)
	_, _, err = acucover(t, nil, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--clinics", bad)
	if err == nil || !strings.Contains(err.Error(), "lists no clinics") {
		t.Errorf("--clinics with an empty file: %v", err)
	}
}
