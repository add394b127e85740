package fhir

import (
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// CapabilityStatement is the minimal statement GET /fhir/r4/metadata
// answers: a FHIR 4.0.1 JSON server instance whose one interaction is
// POST CoverageEligibilityRequest, answered with a CoverageEligibilityResponse
// and nothing stored. version is the acucover build; date the statement's
// date (an input: no clock here).
func CapabilityStatement(version string, date time.Time) fm.CapabilityStatement {
	return fm.CapabilityStatement{
		Status:   fm.PublicationStatusActive,
		Date:     date.UTC().Format("2006-01-02"),
		Kind:     fm.CapabilityStatementKindInstance,
		Software: &fm.CapabilityStatementSoftware{Name: "acucover", Version: nonEmpty(version)},
		// An instance's statement names the implementation (cpb-14).
		Implementation: &fm.CapabilityStatementImplementation{Description: "acucover coverage API"},
		FhirVersion:    fm.FHIRVersion4_0_1,
		Format:         []string{"application/fhir+json"},
		Description:    ptr("Acupuncture coverage checks. Answers are a model of published coverage rules and the payer benefits given with the request, not a payer's determination."),
		Rest: []fm.CapabilityStatementRest{{
			Mode: fm.RestfulCapabilityModeServer,
			Resource: []fm.CapabilityStatementRestResource{{
				Type: fm.ResourceTypeCoverageEligibilityRequest,
				Interaction: []fm.CapabilityStatementRestResourceInteraction{{
					Code:          fm.TypeRestfulInteractionCreate,
					Documentation: ptr("POST a CoverageEligibilityRequest (patient, insurer or coverage identifier naming an acucover plan, item.diagnosis ICD-10-CM, servicedDate); the answer is a CoverageEligibilityResponse. Nothing is stored."),
				}},
			}},
		}},
	}
}
