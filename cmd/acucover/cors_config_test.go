package main

import (
	"slices"
	"strings"
	"testing"
)

func TestCORSOriginsConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string { return map[string]string{"ACUCOVER_CORS_ORIGINS": v}[k] }
	}
	c, err := parseConfig("serve", nil, env(" https://a.example, http://localhost:8081 ,"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://a.example", "http://localhost:8081"}; !slices.Equal(c.CORSOrigins, want) {
		t.Errorf("CORSOrigins from env = %q, want %q", c.CORSOrigins, want)
	}
	c, err = parseConfig("serve", []string{"--cors-origins", "https://b.example"}, env("https://a.example"))
	if err != nil || !slices.Equal(c.CORSOrigins, []string{"https://b.example"}) {
		t.Errorf("flag must override env: %q, %v", c.CORSOrigins, err)
	}
	if c, _ := parseConfig("serve", nil, env("")); len(c.CORSOrigins) != 0 {
		t.Errorf("default CORSOrigins = %q, want none", c.CORSOrigins)
	}
	_, err = parseConfig("serve", nil, env("*,https://ok.example,https://bad.example/"))
	for _, want := range []string{`"*"`, `"https://bad.example/"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config error should name %s: %v", want, err)
		}
	}
}
