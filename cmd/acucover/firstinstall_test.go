package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/postgres/pgtest"
)

// TestFirstInstallEmptyDatabase runs the binary the way the Helm chart does
// against a database that has just been created: serve alone crash-loops
// ("no catalog in the database"); the chart's migration Job (migrate up,
// then import --default --if-empty) makes the first start work, and running
// the Job again on the next upgrade leaves the catalog alone.
func TestFirstInstallEmptyDatabase(t *testing.T) {
	t.Parallel()
	job, err := os.ReadFile("../../charts/acucover/templates/migrate-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	importArgs := []string{"import", "--default", "--if-empty", "--author", "helm", "--comment", "first catalog: the embedded default"}
	if !bytes.Contains(job, []byte(`args: ["import", "--default", "--if-empty", "--author", "helm", "--comment", "first catalog: the embedded default"]`)) {
		t.Fatalf("the chart's import step is not %q; keep this test in step with templates/migrate-job.yaml", importArgs)
	}
	bin := buildBinary(t)
	dbURL := pgtest.NewDatabase(t) // migrated, no catalog: a fresh install's database
	env := append(os.Environ(), "DATABASE_URL="+dbURL, "ACUCOVER_DB_START_TIMEOUT=5s", "ACUCOVER_METRICS_ADDR=localhost:0")
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	// Before the fix: the Deployment's pods exit at once, forever.
	out, err := run("serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(out, "no catalog in the database") {
		t.Fatalf("serve on an empty database: %v\n%s\nwant an exit naming the missing catalog", err, out)
	}

	// The chart's migration Job.
	if out, err := run("migrate", "up"); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	if out, err := run(importArgs...); err != nil || !strings.Contains(out, "imported as revision") {
		t.Fatalf("first import: %v\n%s", err, out)
	}

	// The Deployment's pod now starts and is ready.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill(); <-done }()
	client := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 60s: %v\n%s", err, logs.String())
		}
	}
	if name, _, err := servedPlanName(addr); err != nil || name == "" {
		t.Errorf("served plan: %q %v\n%s", name, err, logs.String())
	}

	// The next upgrade runs the Job again: an existing catalog is never
	// replaced by the default.
	if out, err := run(importArgs...); err != nil || !strings.Contains(out, "not imported") {
		t.Errorf("second import --if-empty: %v\n%s; want it to leave the catalog alone", err, out)
	}
}
