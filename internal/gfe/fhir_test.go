package gfe

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/fhir/fhirtest"
)

// validateResource checks one resource (JSON) against its own definition in
// the FHIR R4 JSON schema (fhirtest).
func validateResource(t *testing.T, raw []byte) error {
	t.Helper()
	return fhirtest.ValidateJSON(raw)
}

func TestFHIRBundleValidates(t *testing.T) {
	t.Parallel()
	c, ix := demo(t)
	req := baseRequest(&c)
	req.SlidingScaleEligible = true
	g, err := Build(ix, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FHIR(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := validateResource(t, b); err != nil {
		t.Errorf("the Bundle does not validate: %v", err)
	}
	var bundle struct {
		Type  string `json:"type"`
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	urls := map[string]bool{}
	for _, e := range bundle.Entry {
		if err := validateResource(t, e.Resource); err != nil {
			t.Errorf("%s does not validate against the FHIR R4 schema: %v", e.Resource, err)
		}
		var r map[string]any
		json.Unmarshal(e.Resource, &r)
		types[r["resourceType"].(string)]++
		urls[e.FullURL] = true
	}
	if types["Patient"] != 1 || types["Coverage"] != 1 || types["Organization"] != 1 || types["Claim"] != 1 {
		t.Errorf("resources %v, want one each of Patient, Coverage, Organization, Claim", types)
	}
	// Every reference resolves inside the bundle.
	for _, ref := range regexpAll(string(b), `"reference": "([^"]+)"`) {
		if !urls[ref] {
			t.Errorf("reference %s does not resolve in the bundle", ref)
		}
	}
	s := string(b)
	for _, w := range []string{
		`"code": "professional"`, `"use": "predetermination"`, `"code": "pay"`,
		`"system": "http://hl7.org/fhir/sid/us-npi"`, `"value": "1234567893"`, `"value": "123456789"`,
		`"birthDate": "1971-04-09"`, `"text": "Maria Example-Lopez"`,
		`"code": "M54.50"`, `"code": "97810"`, `"code": "97811"`,
		`"value": 85.00`, `"value": 765.00`, `"value": 319.50`, `"value": 1084.50`, // 12 × 85.00 − 25 %; 12 × 35.50 − 25 %
		`"url": "http://hl7.org/fhir/us/davinci-pct/StructureDefinition/gfeSubmitter"`,
	} {
		if !strings.Contains(s, w) {
			t.Errorf("bundle lacks %s", w)
		}
	}
	if strings.Contains(s, "meta") {
		t.Error("the bundle claims a profile that is not checked")
	}
	again, _ := FHIR(g)
	if !bytes.Equal(again, b) {
		t.Error("the bundle is not deterministic")
	}
}

// The schema check is live: a Claim without its required elements fails.
func TestFHIRSchemaRejects(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`{"resourceType":"Claim","status":"active"}`,
		`{"resourceType":"Coverage","status":"active","beneficiary":{},"payor":[{}],"kind":"self-pay"}`,
		`{"resourceType":"Patient","birthDate":"April 9"}`,
	} {
		if validateResource(t, []byte(bad)) == nil {
			t.Errorf("%s validated; the schema check is not working", bad)
		}
	}
}
