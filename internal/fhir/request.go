package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// Request is what acucover takes from a CoverageEligibilityRequest.
type Request struct {
	// ID is the request's logical id ("" when absent), for the response's
	// request reference.
	ID string
	// Patient is patient.reference, e.g. "Patient/123".
	Patient string
	// Coverage is the chosen insurance's coverage.reference ("" when the
	// coverage was given by identifier only).
	Coverage string
	// PlanID is the acucover plan, found by the rule on ReadRequest.
	PlanID string
	// Diagnoses are the ICD-10-CM codes of item.diagnosis, upper-case, in
	// order, without duplicates.
	Diagnoses []string
	// CPT are the CPT codes of item.productOrService, in order.
	CPT []string
	// ServiceDate is servicedDate (or servicedPeriod.start's date); zero when
	// neither is given.
	ServiceDate time.Time
	// State is the first address[].state of a contained Patient (e.g.
	// "CA"), as given; "" when there is none (the caller then needs the
	// state another way).
	State string
}

// RequestError is a CoverageEligibilityRequest acucover cannot use. Code is
// the FHIR issue type and Expression the FHIRPath of the element, so the
// adapter can answer an OperationOutcome (Issue returns it).
type RequestError struct {
	Code       fm.IssueType
	Expression string
	Msg        string
}

func (e *RequestError) Error() string {
	if e.Expression == "" {
		return e.Msg
	}
	return e.Expression + ": " + e.Msg
}

// Issue returns the error as an OperationOutcome issue.
func (e *RequestError) Issue() Issue {
	return Issue{Code: e.Code, Diagnostics: e.Msg, Expression: e.Expression}
}

// RequestOptions configure ReadRequest.
type RequestOptions struct {
	// Plans maps identifiers to acucover plan ids, keyed "system|value"
	// (e.g. a payer's X12 id "http://example.org/payer-id|60054").
	Plans map[string]string
}

// icd10cm is the shape of an ICD-10-CM code: a letter, two characters, and
// up to four more after an optional dot (M54.50, G4320, G43.909).
var icd10cm = regexp.MustCompile(`^[A-TV-Z][0-9][0-9AB](\.?[0-9A-TV-Z]{1,4})?$`)

const resourceName = "CoverageEligibilityRequest"

// ReadRequest reads a FHIR R4 CoverageEligibilityRequest (JSON).
//
// The plan is found by this rule, first match wins: look at the
// identifiers of insurance[].coverage (the one marked focal first, then the
// others in order), then at insurer.identifier; an identifier whose system
// is PlanSystem names the acucover plan id directly, and any other
// identifier names the plan that opt.Plans maps "system|value" to.
//
// Errors are *RequestError: structure for JSON that is not a
// CoverageEligibilityRequest, required for a missing patient reference,
// plan or ICD-10-CM diagnosis, value for a malformed code or date,
// not-supported for diagnoses given only by reference or a service category
// other than X12 1, 30 or 64, not-found for identifiers that name no plan.
func ReadRequest(data []byte, opt RequestOptions) (Request, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Request{}, &RequestError{Code: fm.IssueTypeStructure, Msg: "the body is not a JSON object: " + jsonMsg(err)}
	}
	if head.ResourceType != resourceName {
		return Request{}, &RequestError{Code: fm.IssueTypeStructure, Msg: fmt.Sprintf("resourceType is %q, want %q", clip(head.ResourceType), resourceName)}
	}
	in, err := fm.UnmarshalCoverageEligibilityRequest(data)
	if err != nil {
		return Request{}, &RequestError{Code: fm.IssueTypeStructure, Expression: resourceName, Msg: "not a valid CoverageEligibilityRequest: " + jsonMsg(err)}
	}
	var r Request
	if in.Id != nil {
		r.ID = *in.Id
	}
	if in.Patient.Reference == nil || strings.TrimSpace(*in.Patient.Reference) == "" {
		return r, &RequestError{Code: fm.IssueTypeRequired, Expression: resourceName + ".patient.reference", Msg: "patient.reference is required (e.g. \"Patient/123\")"}
	}
	r.Patient = *in.Patient.Reference

	if err := r.plan(in, opt); err != nil {
		return r, err
	}
	if err := r.items(in); err != nil {
		return r, err
	}
	if err := r.date(in); err != nil {
		return r, err
	}
	r.State = containedState(data)
	return r, nil
}

// containedState is the first address state of a contained Patient.
func containedState(data []byte) string {
	var c struct {
		Contained []struct {
			ResourceType string `json:"resourceType"`
			Address      []struct {
				State string `json:"state"`
			} `json:"address"`
		} `json:"contained"`
	}
	if json.Unmarshal(data, &c) != nil {
		return ""
	}
	for _, r := range c.Contained {
		if r.ResourceType != "Patient" {
			continue
		}
		for _, a := range r.Address {
			if s := strings.TrimSpace(a.State); s != "" {
				return s
			}
		}
	}
	return ""
}

func (r *Request) plan(in fm.CoverageEligibilityRequest, opt RequestOptions) error {
	type cand struct {
		id   fm.Identifier
		path string
		ref  *string
	}
	var cands []cand
	order := make([]int, 0, len(in.Insurance))
	for i, ins := range in.Insurance {
		if ins.Focal != nil && *ins.Focal {
			order = append([]int{i}, order...)
		} else {
			order = append(order, i)
		}
	}
	for _, i := range order {
		cov := in.Insurance[i].Coverage
		if cov.Identifier != nil {
			cands = append(cands, cand{*cov.Identifier, fmt.Sprintf("%s.insurance[%d].coverage.identifier", resourceName, i), cov.Reference})
		}
	}
	if in.Insurer.Identifier != nil {
		cands = append(cands, cand{*in.Insurer.Identifier, resourceName + ".insurer.identifier", nil})
	}
	if len(cands) == 0 {
		return &RequestError{Code: fm.IssueTypeRequired, Expression: resourceName + ".insurance",
			Msg: "no coverage or insurer identifier: give insurance[].coverage.identifier or insurer.identifier with system " + PlanSystem + " and an acucover plan id"}
	}
	for _, c := range cands {
		sys, val := deref(c.id.System), deref(c.id.Value)
		plan := ""
		switch {
		case sys == PlanSystem:
			plan = val
		case opt.Plans != nil:
			plan = opt.Plans[sys+"|"+val]
		}
		if plan != "" {
			r.PlanID = plan
			if c.ref != nil {
				r.Coverage = *c.ref
			}
			return nil
		}
	}
	return &RequestError{Code: fm.IssueTypeNotFound, Expression: cands[0].path,
		Msg: "no identifier names an acucover plan: use system " + PlanSystem + " with a plan id, or an identifier the service maps to a plan"}
}

func (r *Request) items(in fm.CoverageEligibilityRequest) error {
	var refOnly string
	for i, it := range in.Item {
		path := fmt.Sprintf("%s.item[%d]", resourceName, i)
		if it.Category != nil {
			for _, c := range it.Category.Coding {
				if deref(c.System) == ServiceTypeSystem && !slices.Contains([]string{"1", "30", "64"}, deref(c.Code)) {
					return &RequestError{Code: fm.IssueTypeNotSupported, Expression: path + ".category",
						Msg: fmt.Sprintf("service type %q: acucover answers acupuncture (X12 service type 64; 30 and 1 are read as acupuncture)", clip(deref(c.Code)))}
				}
			}
		}
		if it.ProductOrService != nil {
			for _, c := range it.ProductOrService.Coding {
				if deref(c.System) == CPTSystem && deref(c.Code) != "" && !slices.Contains(r.CPT, deref(c.Code)) {
					r.CPT = append(r.CPT, deref(c.Code))
				}
			}
		}
		for j, dg := range it.Diagnosis {
			dpath := fmt.Sprintf("%s.diagnosis[%d]", path, j)
			if dg.DiagnosisCodeableConcept == nil {
				if dg.DiagnosisReference != nil {
					refOnly = dpath
				}
				continue
			}
			for k, c := range dg.DiagnosisCodeableConcept.Coding {
				if deref(c.System) != ICD10CMSystem {
					continue
				}
				code := strings.ToUpper(strings.TrimSpace(deref(c.Code)))
				if !icd10cm.MatchString(code) {
					return &RequestError{Code: fm.IssueTypeValue, Expression: fmt.Sprintf("%s.diagnosisCodeableConcept.coding[%d].code", dpath, k),
						Msg: fmt.Sprintf("%q is not an ICD-10-CM code (e.g. M54.50)", clip(code))}
				}
				if !slices.Contains(r.Diagnoses, code) {
					r.Diagnoses = append(r.Diagnoses, code)
				}
			}
		}
	}
	if len(r.Diagnoses) == 0 {
		if refOnly != "" {
			return &RequestError{Code: fm.IssueTypeNotSupported, Expression: refOnly + ".diagnosisReference",
				Msg: "diagnoses given by reference are not resolved; give diagnosisCodeableConcept with an ICD-10-CM coding"}
		}
		return &RequestError{Code: fm.IssueTypeRequired, Expression: resourceName + ".item.diagnosis",
			Msg: "at least one item.diagnosis.diagnosisCodeableConcept coding with system " + ICD10CMSystem + " is required"}
	}
	return nil
}

func (r *Request) date(in fm.CoverageEligibilityRequest) error {
	path, v := resourceName+".servicedDate", deref(in.ServicedDate)
	if v == "" && in.ServicedPeriod != nil && in.ServicedPeriod.Start != nil {
		path, v = resourceName+".servicedPeriod.start", *in.ServicedPeriod.Start
		if len(v) > len("2006-01-02") {
			v = v[:len("2006-01-02")]
		}
	}
	if v == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return &RequestError{Code: fm.IssueTypeValue, Expression: path, Msg: fmt.Sprintf("%q is not a full date (YYYY-MM-DD)", clip(v))}
	}
	r.ServiceDate = t
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonMsg keeps a decoding error short and free of the input.
func jsonMsg(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asErr(err, &se):
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case asErr(err, &te):
		return fmt.Sprintf("%s has the wrong JSON type (%s)", te.Field, te.Value)
	}
	return clip(err.Error())
}

func clip(s string) string {
	const maxLen = 60
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
