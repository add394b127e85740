// Package fhir maps acucover answers to FHIR R4 resources and reads FHIR
// coverage-eligibility requests. It is pure: the HTTP adapter decodes and
// encodes, this package only builds and reads values.
//
// Produced: a CoverageEligibilityResponse for one decision (FromDecision
// and CoverageEligibilityResponse), an
// OperationOutcome for errors and a minimal CapabilityStatement. Read: a
// CoverageEligibilityRequest, reduced to the plain values a coverage check
// needs. Resource types come from github.com/samply/golang-fhir-models.
//
// The response reuses the codes of the Da Vinci Coverage Requirements
// Discovery (CRD) coverage-information extension (covered, not-covered,
// conditional; auth-needed, no-auth) where they fit, in acucover's own
// extension (CoverageInfoURL). acucover does not claim conformance to CRD:
// it is not a CRD service, and CRD's extension is defined for orders and
// appointments, not CoverageEligibilityResponse, with a coverage reference
// and coverage-assertion-id acucover has no use for; a resource carrying
// CRD's URL without them would not validate against CRD's definition.
package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Code systems used in produced and read resources.
const (
	// PlanSystem identifies acucover plan ids in Identifier.system.
	PlanSystem        = "urn:acucover:plan"
	ServiceTypeSystem = "https://x12.org/codes/service-type-codes"
	CPTSystem         = "http://www.ama-assn.org/go/cpt"
	HCPCSSystem       = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	ICD10CMSystem     = "http://hl7.org/fhir/sid/icd-10-cm"
	benefitTypeSystem = "http://terminology.hl7.org/CodeSystem/benefit-type"
	networkSystem     = "http://terminology.hl7.org/CodeSystem/benefit-network"
	unitSystem        = "http://terminology.hl7.org/CodeSystem/benefit-unit"
	termSystem        = "http://terminology.hl7.org/CodeSystem/benefit-term"
	// CoverageInfoURL is acucover's coverage-information extension, whose
	// sub-extensions (covered, pa-needed, reason, date) take the codes of
	// CRD's coverage-information extension (see the package comment).
	CoverageInfoURL = "https://github.com/acucover/acucover/fhir/StructureDefinition/coverage-information"
)

// Decision is the acucover answer a response is built from, as plain values
// (FromDecision makes one from a coverage decision), so the mapping to FHIR
// is tested on its own. A nil pointer is a value acucover does not know; it
// is left out of the resource.
type Decision struct {
	// ID is the response's logical id; empty for none.
	ID string
	// Status is covered, not_covered, conditional or unknown.
	Status string
	// PlanID and PlanName identify the plan (insurer and coverage).
	PlanID, PlanName string
	// Condition names the condition checked (e.g. "chronic low back pain").
	Condition string
	// ServiceDate is the date of service, YYYY-MM-DD; empty for none.
	ServiceDate string
	// Created is when the answer was made (time is an input: no clock here).
	Created time.Time
	// Patient, Request and Coverage are FHIR references from the request
	// ("Patient/123"); empty when not known.
	Patient, Request, Coverage string
	// CPT are the procedure codes asked about; empty means 97810.
	CPT []string
	// InNetwork is nil when the network is not known.
	InNetwork *bool
	// Inforce is false when the payer says the coverage is inactive.
	Inforce *bool
	// VisitsPerYear is the annual visit limit and VisitsRemaining what is
	// left of it (so used = per year − remaining).
	VisitsPerYear, VisitsRemaining *int64
	// DeductibleCents is the deductible and DeductibleMetCents how much of
	// it is met; CopayCents the copay per visit; CoinsurancePercent a whole
	// percent.
	DeductibleCents, DeductibleMetCents, CopayCents, CoinsurancePercent *int64
	// PriorAuthRequired is nil when not known.
	PriorAuthRequired *bool
	// Modifiers are HCPCS modifiers to bill with (KX, GA, GZ, GY).
	Modifiers []string
	// Reasons say why, in order; they become the disposition and, for
	// conditional and unknown answers, the extension reasons or errors.
	Reasons []string
}

// ErrInvalidDecision is returned for a Decision that cannot be expressed:
// an unknown status, no Created time, or negative counts or amounts.
var ErrInvalidDecision = errors.New("invalid decision")

// CoverageEligibilityResponse maps d to a FHIR R4 CoverageEligibilityResponse:
//
//   - outcome "complete" for covered and not_covered; "partial" for
//     conditional (with the coverage-information extension, covered =
//     conditional, on the item) and for unknown (with error[] saying why);
//   - one insurance whose first item is category X12 service type 64
//     (acupuncture): excluded (true for not_covered, absent for unknown),
//     network in/out, unit individual, term annual, authorizationRequired,
//     the coverage-information extension and benefit[]: visit (allowed =
//     visits a year, used = allowed − remaining), deductible (allowed, used
//     = met), copay (money) and copay-percent;
//   - then one item per CPT code (productOrService) with the same excluded,
//     network and authorizationRequired, and the HCPCS modifiers to bill.
//     An item names a category or a billing code, never both (R4 invariant
//     ces-1).
func CoverageEligibilityResponse(d Decision) (fm.CoverageEligibilityResponse, error) {
	var r fm.CoverageEligibilityResponse
	covered, ok := crdCovered[d.Status]
	if !ok {
		return r, fmt.Errorf("%w: status %q is not covered, not_covered, conditional or unknown", ErrInvalidDecision, d.Status)
	}
	if d.Created.IsZero() {
		return r, fmt.Errorf("%w: no created time", ErrInvalidDecision)
	}
	for _, v := range []*int64{d.VisitsPerYear, d.VisitsRemaining, d.DeductibleCents, d.DeductibleMetCents, d.CopayCents, d.CoinsurancePercent} {
		if v != nil && *v < 0 {
			return r, fmt.Errorf("%w: negative count or amount %d", ErrInvalidDecision, *v)
		}
	}
	if d.ID != "" {
		r.Id = ptr(d.ID)
	}
	r.Status = fm.FinancialResourceStatusCodesActive
	r.Purpose = []fm.EligibilityResponsePurpose{fm.EligibilityResponsePurposeBenefits}
	r.Patient = reference(d.Patient, "patient not identified")
	r.Request = reference(d.Request, "acucover coverage check")
	r.Created = d.Created.UTC().Format(time.RFC3339)
	if d.ServiceDate != "" {
		r.ServicedDate = ptr(d.ServiceDate)
	}
	plan := fm.Identifier{System: ptr(PlanSystem), Value: ptr(d.PlanID)}
	r.Insurer = fm.Reference{Identifier: &plan}
	if d.PlanName != "" {
		r.Insurer.Display = ptr(d.PlanName)
	}
	if len(d.Reasons) > 0 {
		r.Disposition = ptr(strings.Join(d.Reasons, "; "))
	}

	item := fm.CoverageEligibilityResponseInsuranceItem{
		Category:              concept(ServiceTypeSystem, "64", "Acupuncture"),
		AuthorizationRequired: d.PriorAuthRequired,
		Unit:                  concept(unitSystem, "individual", "Individual"),
	}
	if d.Condition != "" {
		item.Description = ptr("Acupuncture for " + d.Condition)
	}
	switch d.Status {
	case "covered", "conditional":
		item.Excluded = ptr(false)
	case "not_covered":
		item.Excluded = ptr(true)
	}
	if d.InNetwork != nil {
		if *d.InNetwork {
			item.Network = concept(networkSystem, "in", "In Network")
		} else {
			item.Network = concept(networkSystem, "out", "Out of Network")
		}
	}
	if d.VisitsPerYear != nil {
		item.Term = concept(termSystem, "annual", "Annual")
	}
	item.Benefit = benefits(d)

	switch d.Status {
	case "covered", "not_covered":
		r.Outcome = fm.ClaimProcessingCodesComplete
	case "conditional":
		r.Outcome = fm.ClaimProcessingCodesPartial
	case "unknown":
		r.Outcome = fm.ClaimProcessingCodesPartial
		reasons := d.Reasons
		if len(reasons) == 0 {
			reasons = []string{"acucover has no rule for this plan, state and condition"}
		}
		for _, why := range reasons {
			r.Error = append(r.Error, fm.CoverageEligibilityResponseError{Code: fm.CodeableConcept{Text: ptr("coverage unknown: " + why)}})
		}
	}
	if covered != "" {
		item.Extension = []fm.Extension{coverageInfo(covered, d)}
	}

	// An item names a category or a billing code, not both (invariant
	// ces-1): the service type 64 item above carries the benefits; one
	// item per CPT code follows, with the billing modifiers.
	items := []fm.CoverageEligibilityResponseInsuranceItem{item}
	cpt := d.CPT
	if len(cpt) == 0 {
		cpt = []string{"97810"}
	}
	for _, c := range cpt {
		ci := fm.CoverageEligibilityResponseInsuranceItem{
			ProductOrService:      &fm.CodeableConcept{Coding: []fm.Coding{{System: ptr(CPTSystem), Code: ptr(c)}}},
			Excluded:              item.Excluded,
			Network:               item.Network,
			AuthorizationRequired: item.AuthorizationRequired,
		}
		for _, m := range d.Modifiers {
			ci.Modifier = append(ci.Modifier, *concept(HCPCSSystem, m, ""))
		}
		items = append(items, ci)
	}
	ins := fm.CoverageEligibilityResponseInsurance{
		Coverage: reference(d.Coverage, ""),
		Inforce:  d.Inforce,
		Item:     items,
	}
	if d.Coverage == "" {
		ins.Coverage = fm.Reference{Identifier: &plan, Display: nonEmpty(d.PlanName)}
	}
	r.Insurance = []fm.CoverageEligibilityResponseInsurance{ins}
	return r, nil
}

// crdCovered maps a status to the CRD "covered" code ("" for none: CRD has
// no code for an unknown answer).
var crdCovered = map[string]string{"covered": "covered", "not_covered": "not-covered", "conditional": "conditional", "unknown": ""}

func coverageInfo(covered string, d Decision) fm.Extension {
	ext := fm.Extension{Url: CoverageInfoURL}
	ext.Extension = append(ext.Extension, fm.Extension{Url: "covered", ValueCode: ptr(covered)})
	if d.PriorAuthRequired != nil {
		pa := "no-auth"
		if *d.PriorAuthRequired {
			pa = "auth-needed"
		}
		ext.Extension = append(ext.Extension, fm.Extension{Url: "pa-needed", ValueCode: ptr(pa)})
	}
	for _, why := range d.Reasons {
		ext.Extension = append(ext.Extension, fm.Extension{Url: "reason", ValueCodeableConcept: &fm.CodeableConcept{Text: ptr(why)}})
	}
	if len(d.ServiceDate) == len("2006-01-02") {
		ext.Extension = append(ext.Extension, fm.Extension{Url: "date", ValueDate: ptr(d.ServiceDate)})
	}
	return ext
}

func benefits(d Decision) []fm.CoverageEligibilityResponseInsuranceItemBenefit {
	var out []fm.CoverageEligibilityResponseInsuranceItemBenefit
	if d.VisitsPerYear != nil {
		b := fm.CoverageEligibilityResponseInsuranceItemBenefit{Type: *concept(benefitTypeSystem, "visit", "Visit"), AllowedUnsignedInt: intPtr(*d.VisitsPerYear)}
		if d.VisitsRemaining != nil && *d.VisitsRemaining <= *d.VisitsPerYear {
			b.UsedUnsignedInt = intPtr(*d.VisitsPerYear - *d.VisitsRemaining)
		}
		out = append(out, b)
	}
	if d.DeductibleCents != nil {
		b := fm.CoverageEligibilityResponseInsuranceItemBenefit{Type: *concept(benefitTypeSystem, "deductible", "Deductible"), AllowedMoney: money(*d.DeductibleCents)}
		if d.DeductibleMetCents != nil {
			b.UsedMoney = money(*d.DeductibleMetCents)
		}
		out = append(out, b)
	}
	if d.CopayCents != nil {
		out = append(out, fm.CoverageEligibilityResponseInsuranceItemBenefit{Type: *concept(benefitTypeSystem, "copay", "Copayment per service"), AllowedMoney: money(*d.CopayCents)})
	}
	if d.CoinsurancePercent != nil {
		out = append(out, fm.CoverageEligibilityResponseInsuranceItemBenefit{Type: *concept(benefitTypeSystem, "copay-percent", "Copayment Percent per service"), AllowedUnsignedInt: intPtr(*d.CoinsurancePercent)})
	}
	return out
}

// money renders cents as an exact FHIR decimal in USD ("25.00").
func money(cents int64) *fm.Money {
	v := json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100))
	return &fm.Money{Value: &v, Currency: ptr("USD")}
}

func reference(ref, display string) fm.Reference {
	if ref != "" {
		return fm.Reference{Reference: ptr(ref)}
	}
	return fm.Reference{Display: nonEmpty(display)}
}

func concept(system, code, display string) *fm.CodeableConcept {
	c := fm.Coding{System: ptr(system), Code: ptr(code)}
	if display != "" {
		c.Display = ptr(display)
	}
	return &fm.CodeableConcept{Coding: []fm.Coding{c}}
}

func ptr[T any](v T) *T { return &v }

func intPtr(v int64) *int { n := int(v); return &n }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
