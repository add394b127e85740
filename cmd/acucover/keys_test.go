package main

import (
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/postgres/pgtest"
)

func TestKeysCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "USER": "ops"}
	out, stderr, err := acucover(t, env, "keys", "create", "--name", "billing-anna", "--role", "editor")
	secret := strings.TrimSpace(out)
	if err != nil || !strings.HasPrefix(secret, "acu_") || len(secret) != 47 || !strings.Contains(stderr, "not shown again") {
		t.Fatalf("keys create = %q, %q, %v", out, stderr, err)
	}
	if _, _, err := acucover(t, env, "keys", "create", "--name", "billing-anna", "--role", "reader"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second create with the same name: %v", err)
	}
	if _, _, err := acucover(t, env, "keys", "create", "--name", "x", "--role", "root"); exitCode(err) != 2 {
		t.Errorf("create with a bad role: %v, want a usage error", err)
	}
	out, _, err = acucover(t, env, "keys", "list")
	if err != nil || !strings.Contains(out, "billing-anna\teditor\t"+secret[:12]) || strings.Contains(out, secret) {
		t.Errorf("keys list = %q, %v; want the name, role and prefix, never the key", out, err)
	}
	if _, _, err := acucover(t, env, "keys", "revoke", "billing-anna"); err != nil {
		t.Fatal(err)
	}
	out, _, _ = acucover(t, env, "keys", "list")
	if fields := strings.Split(strings.Split(out, "\n")[1], "\t"); len(fields) != 7 || fields[5] == "-" || fields[6] != "-" {
		t.Errorf("after revoke, list = %q; want a revocation time", out)
	}
	if _, _, err := acucover(t, env, "keys", "revoke", "nobody"); err == nil || !strings.Contains(err.Error(), "no API key") {
		t.Errorf("revoke of an unknown key: %v", err)
	}
}

func TestPublicAccessKeyNeedsDatabase(t *testing.T) {
	t.Parallel()
	_, _, err := acucover(t, map[string]string{"ACUCOVER_PUBLIC_ACCESS": "key"}, "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "public-access key needs DATABASE_URL") || exitCode(err) != 2 {
		t.Errorf("serve --public-access key without a database: %v", err)
	}
	_, _, err = acucover(t, nil, "serve", "--rate-limit", "-1", "--trusted-proxies", "10.0.0.0/8,not-an-ip", "--public-access", "maybe")
	for _, want := range []string{"rate-limit", "not-an-ip", "public-access \"maybe\""} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad settings: err = %v, want it to mention %s", err, want)
		}
	}
}
