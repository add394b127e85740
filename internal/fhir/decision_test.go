package fhir

import (
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// TestFromDecision: every status of the default catalog's decisions, with
// and without payer facts, maps to a response that validates against the
// FHIR R4 schema and carries the payer's accumulators.
func TestFromDecision(t *testing.T) {
	t.Parallel()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	seen := map[catalog.Status]bool{}
	for _, q := range []coverage.Query{
		{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain"},
		{Plan: "example-ppo-gold", State: "CA", Condition: "depression"},
		{Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain"},
		{Plan: "medicaid", State: "WY", Condition: "chronic_low_back_pain"},
	} {
		q.Date = catalog.NewDate(2026, 12, 4)
		d, err := coverage.Decide(ix, q)
		if err != nil {
			t.Fatal(err)
		}
		seen[d.Status] = true
		r, err := CoverageEligibilityResponse(FromDecision(&d, created))
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		validate(t, r)
	}
	if len(seen) < 3 {
		t.Errorf("statuses seen = %v, want covered, not_covered and conditional or unknown", seen)
	}

	d, _ := coverage.Decide(ix, coverage.Query{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain", Date: catalog.NewDate(2026, 12, 4)})
	d.PayerFacts = []coverage.PayerFact{{What: "coverage_inactive", Value: "false", Source: "EB*1*IND*30 (segment 11)"}, {What: "deductible_met", Value: "400.00", Source: "derived"}}
	rem := 8
	d.VisitsRemaining = &rem
	fd := FromDecision(&d, created)
	if fd.Inforce == nil || !*fd.Inforce || fd.DeductibleMetCents == nil || *fd.DeductibleMetCents != 40000 {
		t.Errorf("payer facts: inforce %v deductible met %v", fd.Inforce, fd.DeductibleMetCents)
	}
	r, err := CoverageEligibilityResponse(fd)
	if err != nil {
		t.Fatal(err)
	}
	b := string(validate(t, r))
	for _, want := range []string{`"inforce":true`, `"usedMoney":{"value":400`, `"usedUnsignedInt":12`, `"allowedUnsignedInt":20`} {
		if !strings.Contains(b, want) {
			t.Errorf("response lacks %s:\n%s", want, b)
		}
	}
}

func TestReadRequestContainedState(t *testing.T) {
	t.Parallel()
	withPatient := strings.Replace(goodRequest, `"resourceType": "CoverageEligibilityRequest",`,
		`"resourceType": "CoverageEligibilityRequest", "contained": [{"resourceType": "Organization", "id": "o"}, {"resourceType": "Patient", "id": "p", "address": [{"city": "X"}, {"state": "CA"}]}],`, 1)
	if withPatient == goodRequest {
		t.Fatal("sample not changed")
	}
	got, err := ReadRequest([]byte(withPatient), RequestOptions{})
	if err != nil || got.State != "CA" {
		t.Errorf("state = %q, err %v; want CA from the contained Patient", got.State, err)
	}
	if got, _ := ReadRequest([]byte(goodRequest), RequestOptions{}); got.State != "" {
		t.Errorf("state without a contained Patient = %q", got.State)
	}
}
