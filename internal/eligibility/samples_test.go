package eligibility

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
)

// The testdata 271s are hand-built (no real patient or payer), written by
// build271; the HTTP tests and the fuzz seeds use them too.

func sample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, status, facts, conflicts, err string
	}{
		{"ppo-gold.271", "covered", "visits_remaining=20", "visits=payer,deductible=payer,out_of_pocket=payer,coinsurance=payer", ""},
		{"ppo-gold-pipes.271", "covered", "visits_remaining=20", "visits=payer,deductible=payer,out_of_pocket=payer,coinsurance=payer", ""},
		{"inactive.271", "not_covered", "coverage_inactive=true", "coverage=payer", ""},
		{"non-covered.271", "not_covered", "acupuncture_not_covered=true", "coverage=payer", ""},
		{"msg-limit.271", "covered", "visits_remaining=8", "visits=payer,copay=payer", ""},
		{"dependent.271", "covered", "copay=45.00", "copay=payer", ""},
		{"rejected.271", "", "", "", "Invalid/Missing Subscriber/Insured ID"},
	} {
		d, err := Decide(defaultIndex(t), clbp("example-ppo-gold", "CA"), Input{X12271: sample(t, tc.file)})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.file, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		what, value, _ := strings.Cut(tc.facts, "=")
		if string(d.Status) != tc.status || facts(d)[what] != value || kinds(d.Conflicts) != tc.conflicts {
			t.Errorf("%s: status %s, %s=%q, conflicts %s; want %s, %s, %s", tc.file, d.Status, what, facts(d)[what], kinds(d.Conflicts), tc.status, tc.facts, tc.conflicts)
		}
	}
}

// FuzzDecide: any text as a 271, through Decide and Estimate, is an answer
// or a *coverage.InputError (a 4xx), never a panic or another error.
func FuzzDecide(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.271")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(string(b))
	}
	ix := defaultIndex(f)
	visits := 4
	f.Fuzz(func(t *testing.T, s string) {
		in := Input{X12271: s}
		_, err := Decide(ix, clbp("example-ppo-gold", "CA"), in)
		var ie *coverage.InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("Decide: %T %v", err, err)
		}
		_, err = Estimate(ix, cost.Request{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain",
			StartDate: catalog.NewDate(2026, 12, 1), Course: cost.Course{Visits: &visits}}, in)
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("Estimate: %T %v", err, err)
		}
	})
}
