package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

const secretURL = "postgres://acu:hunter2@db:5432/acucover?sslmode=verify-full&password=qpass&sslpassword=kpass"

// TestConfigStringMasksSecrets: the start-up log shows where the database
// is, never a password: the user's, or password/sslpassword in the query.
func TestConfigStringMasksSecrets(t *testing.T) {
	cfg, err := parseConfig("serve", nil, func(k string) string {
		if k == "DATABASE_URL" {
			return secretURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.String()
	for _, secret := range []string{"hunter2", "qpass", "kpass"} {
		if strings.Contains(s, secret) {
			t.Errorf("config log line holds %q: %s", secret, s)
		}
	}
	if !strings.Contains(s, "db:5432/acucover") || !strings.Contains(s, "sslmode=verify-full") {
		t.Errorf("config log line lost the database's address: %s", s)
	}
}

// TestServeHelpPrintsNoSecret: serve --help lists flags with their
// defaults, and a default taken from DATABASE_URL would print its password.
func TestServeHelpPrintsNoSecret(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	_, perr := parseConfig("serve", []string{"--help"}, func(k string) string {
		if k == "DATABASE_URL" {
			return secretURL
		}
		return ""
	})
	os.Stderr = stderr
	w.Close()
	out, _ := io.ReadAll(r)
	if !errors.Is(perr, flag.ErrHelp) || !strings.Contains(string(out), "-database-url") {
		t.Fatalf("serve --help: %v\n%s", perr, out)
	}
	for _, secret := range []string{"hunter2", "qpass", "kpass"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("serve --help printed %q:\n%s", secret, out)
		}
	}
}
