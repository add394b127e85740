package postgres_test

import (
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/postgres"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:pw@h/db?sslmode=disable":                     "postgres://u:xxxxx@h/db?sslmode=disable",
		"postgres://u@h/db?password=pw&sslpassword=kp":             "postgres://u@h/db?password=xxxxx&sslpassword=xxxxx",
		"postgresql://u@h/db?PassWord=pw":                          "postgresql://u@h/db?PassWord=xxxxx",
		"host=h user=u password='p w\\'x' sslpassword=kp dbname=d": "host=h user=u password=xxxxx sslpassword=xxxxx dbname=d",
		"postgres://u@h/db":                                        "postgres://u@h/db",
		"":                                                         "",
	} {
		got := postgres.Redact(in)
		if got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		for _, secret := range []string{"pw", "kp", "p w"} {
			if strings.Contains(got, secret) {
				t.Errorf("Redact(%q) = %q still holds %q", in, got, secret)
			}
		}
	}
}
