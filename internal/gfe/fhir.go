package gfe

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/clinic"
)

// FHIR renders g as a FHIR R4 Bundle (type collection) shaped after the Da
// Vinci Patient Cost Transparency (PCT) GFE Bundle: the Patient, a self-pay
// Coverage, an Organization per provider and, per provider, a Claim of type
// professional and use predetermination that carries the itemized list.
//
// What was checked (read 2026-12-04, PCT IG pages at
// https://hl7.org/fhir/us/davinci-pct/): the GFE professional profile
// (http://hl7.org/fhir/us/davinci-pct/StructureDefinition/davinci-pct-gfe-professional)
// is a Claim; in STU 1 (v1.1.0) its extension gfeSubmitter
// (http://hl7.org/fhir/us/davinci-pct/StructureDefinition/gfeSubmitter, a
// Reference to the scheduling Organization or Practitioner) is required.
// Every resource is validated against the FHIR R4 JSON schema in the
// tests. Conformance to the PCT profiles themselves (their required
// elements, terminology bindings, the STU 2 GFE summary) is NOT checked, so
// no meta.profile is claimed.
func FHIR(g *GFE) ([]byte, error) {
	ids := func(kind string, i int) string { return uuidFor(g.Number + "/" + kind + "/" + strconv.Itoa(i)) }
	patientRef := "urn:uuid:" + ids("Patient", 0)
	coverageRef := "urn:uuid:" + ids("Coverage", 0)
	bundle := map[string]any{
		"resourceType": "Bundle",
		"id":           ids("Bundle", 0),
		"identifier":   map[string]any{"system": IdentifierSystem, "value": g.Number},
		"type":         "collection",
		"timestamp":    g.Issued.String() + "T00:00:00Z",
	}
	entries := []map[string]any{
		{"fullUrl": patientRef, "resource": map[string]any{
			"resourceType": "Patient",
			"id":           ids("Patient", 0),
			"name":         []any{map[string]any{"text": g.Patient.Name}},
			"birthDate":    g.Patient.DateOfBirth.String(),
		}},
		{"fullUrl": coverageRef, "resource": map[string]any{
			"resourceType": "Coverage",
			"id":           ids("Coverage", 0),
			"status":       "active",
			// Self-pay: R4 has no Coverage.kind (that is R5); PCT uses
			// the coverage-selfpay code system for the type.
			"type":        codeable("http://terminology.hl7.org/CodeSystem/coverage-selfpay", "pay", "PAY"),
			"beneficiary": ref(patientRef),
			"payor":       []any{ref(patientRef)},
		}},
	}
	for i, p := range g.Providers {
		orgRef := "urn:uuid:" + ids("Organization", i)
		tin, _ := clinic.TINDigits(p.TIN)
		var addrs []any
		for _, l := range p.Locations {
			addrs = append(addrs, map[string]any{
				"use": "work", "line": l.AddressLines, "city": l.City, "state": l.State, "postalCode": l.ZIP, "country": "US",
			})
		}
		entries = append(entries, map[string]any{"fullUrl": orgRef, "resource": map[string]any{
			"resourceType": "Organization",
			"id":           ids("Organization", i),
			"active":       true,
			"identifier": []any{
				map[string]any{"system": "http://hl7.org/fhir/sid/us-npi", "value": p.NPI},
				map[string]any{"system": "urn:oid:2.16.840.1.113883.4.4", "value": tin}, // US TIN / EIN
			},
			"type":    []any{codeable("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider")},
			"name":    p.Name,
			"address": addrs,
		}})

		var diags []any
		seq := map[string]int{}
		for j, d := range g.Diagnoses {
			seq[d] = j + 1
			diags = append(diags, map[string]any{
				"sequence":                 j + 1,
				"diagnosisCodeableConcept": codeable("http://hl7.org/fhir/sid/icd-10-cm", d, ""),
			})
		}
		period := map[string]any{"start": g.PeriodOfCare.From.String(), "end": g.PeriodOfCare.To.String()}
		var items []any
		for j, it := range p.Items {
			var ds []int
			for _, d := range it.DiagnosisCodes {
				if n := seq[d]; n > 0 {
					ds = append(ds, n)
				}
			}
			item := map[string]any{
				"sequence":                j + 1,
				"productOrService":        codeable("http://www.ama-assn.org/go/cpt", it.ServiceCode, it.Description),
				"servicedPeriod":          period,
				"locationCodeableConcept": codeable("https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set", it.PlaceOfService, ""),
				"quantity":                map[string]any{"value": it.Quantity},
				"unitPrice":               money(it.UnitPriceCents),
				// net is the expected charge, after any sliding-scale
				// discount (so it may be less than quantity × unitPrice).
				"net": money(it.ExpectedCents),
			}
			if len(ds) > 0 {
				item["diagnosisSequence"] = ds
			}
			items = append(items, item)
		}
		claim := map[string]any{
			"resourceType": "Claim",
			"id":           ids("Claim", i),
			"extension": []any{map[string]any{
				"url":            "http://hl7.org/fhir/us/davinci-pct/StructureDefinition/gfeSubmitter",
				"valueReference": ref(orgRef),
			}},
			"identifier":     []any{map[string]any{"system": IdentifierSystem, "value": g.Number}},
			"status":         "active",
			"type":           codeable("http://terminology.hl7.org/CodeSystem/claim-type", "professional", "Professional"),
			"use":            "predetermination",
			"patient":        ref(patientRef),
			"billablePeriod": period,
			"created":        g.Issued.String(),
			"provider":       ref(orgRef),
			"priority":       codeable("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal"),
			"insurance":      []any{map[string]any{"sequence": 1, "focal": true, "coverage": ref(coverageRef)}},
			"diagnosis":      diags,
			"item":           items,
			"total":          money(p.TotalCents),
		}
		entries = append(entries, map[string]any{"fullUrl": "urn:uuid:" + ids("Claim", i), "resource": claim})
	}
	bundle["entry"] = entries
	b, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode good faith estimate bundle: %w", err)
	}
	return append(b, '\n'), nil
}

// IdentifierSystem names acucover's GFE numbers in FHIR identifiers.
const IdentifierSystem = "urn:acucover:gfe-number"

func ref(r string) map[string]any { return map[string]any{"reference": r} }

func codeable(system, code, display string) map[string]any {
	c := map[string]any{"system": system, "code": code}
	if display != "" {
		c["display"] = display
	}
	return map[string]any{"coding": []any{c}}
}

// money is a FHIR Money in USD; the value is written from integer cents as
// an exact JSON decimal (never through a float).
func money(cents int64) map[string]any {
	return map[string]any{"value": json.Number(strings.ReplaceAll(clinic.Dollars(cents), ",", "")), "currency": "USD"}
}

// uuidFor derives a stable version-8 style UUID from s, so a bundle renders
// the same every time.
func uuidFor(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
