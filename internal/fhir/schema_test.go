package fhir

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/acucover/acucover/internal/fhir/fhirtest"
)

// validate marshals v and validates it against the FHIR R4 schema
// (fhirtest), failing the test (never skipping) when the schema is not
// installed.
func validate(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if err := fhirtest.ValidateJSON(b); err != nil {
		t.Errorf("%s does not validate against the FHIR R4 schema:\n%v", b, err)
	}
	return b
}

// TestSchemaRejects shows the validator is live: resources that break the
// schema are refused.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	for _, bad := range []struct{ typ, json string }{
		{"CoverageEligibilityResponse", `{"resourceType":"CoverageEligibilityResponse","status":"active"}`}, // patient, request, insurer missing
		{"OperationOutcome", `{"resourceType":"OperationOutcome","issue":[{"severity":"bad","code":"invalid"}]}`},
		{"CoverageEligibilityResponse", `{"resourceType":"CoverageEligibilityResponse","patient":{},"request":{},"insurer":{},"outcome":"complete","bogus":1}`},
		{"CoverageEligibilityResponse", `{"resourceType":"OperationOutcome","patient":{},"request":{},"insurer":{}}`},
		{"CoverageEligibilityResponse", `{"resourceType":"CoverageEligibilityResponse","patient":{},"request":{},"insurer":{},"insurance":[{"coverage":{},"item":[{"excluded":"yes"}]}]}`},
	} {
		sch, err := fhirtest.Schema(bad.typ)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad.json)))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s validated; the schema check is not working", bad.json)
		}
	}
}

// TestInvariantsReject: the R4 invariants the schema cannot express are
// checked (fhirtest.Invariants) and fail where they should.
func TestInvariantsReject(t *testing.T) {
	t.Parallel()
	for key, bad := range map[string]string{
		"ces-1":  `{"resourceType":"CoverageEligibilityResponse","insurance":[{"item":[{"category":{"text":"a"},"productOrService":{"text":"b"}}]}]}`,
		"cpb-14": `{"resourceType":"CapabilityStatement","kind":"instance","software":{"name":"x"},"rest":[{"mode":"server"}]}`,
		"cpb-1":  `{"resourceType":"CapabilityStatement","kind":"capability","software":{"name":"x"}}`,
		"ext-1":  `{"resourceType":"OperationOutcome","extension":[{"url":"u","valueCode":"a","extension":[{"url":"v","valueCode":"b"}]}],"issue":[{"severity":"error","code":"invalid"}]}`,
		"ele-1":  `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","expression":[]}]}`,
	} {
		err := fhirtest.Invariants([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: Invariants(%s) = %v, want a %s failure", key, bad, err, key)
		}
	}
	ok := `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","extension":[{"url":"u","extension":[{"url":"v","valueCodeableConcept":{"text":"t"}}]}]}]}`
	if err := fhirtest.Invariants([]byte(ok)); err != nil {
		t.Errorf("Invariants(%s) = %v, want nil", ok, err)
	}
}
