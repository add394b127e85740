package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/fhir"
	"github.com/gin-gonic/gin"
)

// FHIR R4 (internal/fhir/README.md): POST /v1/coverage with Accept:
// application/fhir+json answers the decision as a
// CoverageEligibilityResponse; POST /fhir/r4/CoverageEligibilityRequest
// reads a FHIR request and answers the same; GET /fhir/r4/metadata is a
// CapabilityStatement. On these, every error is an OperationOutcome with
// the status the JSON API would answer (isFHIR, fhirOutcome).

const fhirContentType = "application/fhir+json; charset=utf-8"

var fhirContentTypeHeader = []string{fhirContentType}

// wantsFHIR reports whether an Accept header asks for application/fhir+json.
func wantsFHIR(accept string) bool {
	if !strings.Contains(strings.ToLower(accept), "fhir+json") {
		return false // the usual Accept, checked without parsing or allocating
	}
	for part := range strings.SplitSeq(accept, ",") {
		if mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); mt == "application/fhir+json" {
			return true
		}
	}
	return false
}

// isFHIR reports whether c's errors are answered as OperationOutcome
// resources (writeProblem): a /fhir/ path, or POST /v1/coverage asking for
// application/fhir+json.
func isFHIR(c *gin.Context) bool {
	p := c.Request.URL.Path
	return strings.HasPrefix(p, "/fhir/") ||
		(p == "/v1/coverage" && c.Request.Method == http.MethodPost && wantsFHIR(header(c, "Accept")))
}

// fhirOutcome is the status and OperationOutcome err answers with: a
// request acucover cannot read (*fhir.RequestError) is 400 for a structure
// or value error and 422 otherwise; any other error answers with the
// status, detail and errors[] of its problem (newProblem, so 5xx details
// stay hidden), one issue per field.
func (a *api) fhirOutcome(c *gin.Context, err error) (int, fm.OperationOutcome) {
	var re *fhir.RequestError
	if errors.As(err, &re) {
		status := http.StatusUnprocessableEntity
		if re.Code == fm.IssueTypeStructure || re.Code == fm.IssueTypeValue || re.Code == fm.IssueTypeInvalid {
			status = http.StatusBadRequest
		}
		return status, fhir.OperationOutcome(re.Issue())
	}
	p := a.newProblem(c, err, c.Request.URL.Path, requestPart(c))
	code := issueType(p.Status)
	var issues []fhir.Issue
	for _, e := range p.Errors {
		issues = append(issues, fhir.Issue{Code: code, Diagnostics: e.Field + ": " + e.Message, Expression: fhirExpression[e.Field]})
	}
	if len(issues) == 0 {
		issues = []fhir.Issue{{Code: code, Diagnostics: p.Detail}}
	}
	return p.Status, fhir.OperationOutcome(issues...)
}

// fhirExpression points the fields of a coverage question asked by a
// CoverageEligibilityRequest at the element they came from.
var fhirExpression = map[string]string{
	"plan":      "CoverageEligibilityRequest.insurance",
	"condition": "CoverageEligibilityRequest.item.diagnosis",
	"date":      "CoverageEligibilityRequest.servicedDate",
}

// issueType is the OperationOutcome issue type for an HTTP status.
func issueType(status int) fm.IssueType {
	switch status {
	case http.StatusBadRequest:
		return fm.IssueTypeInvalid
	case http.StatusNotFound:
		return fm.IssueTypeNotFound
	case http.StatusRequestEntityTooLarge:
		return fm.IssueTypeTooLong
	case http.StatusUnsupportedMediaType, http.StatusMethodNotAllowed:
		return fm.IssueTypeNotSupported
	case http.StatusUnprocessableEntity:
		return fm.IssueTypeBusinessRule
	case http.StatusUnauthorized:
		return fm.IssueTypeLogin
	case http.StatusForbidden:
		return fm.IssueTypeForbidden
	case http.StatusTooManyRequests:
		return fm.IssueTypeThrottled
	case http.StatusRequestTimeout:
		return fm.IssueTypeTimeout
	case http.StatusServiceUnavailable:
		return fm.IssueTypeTransient
	}
	return fm.IssueTypeException
}

// writeFHIR writes a FHIR resource (whose MarshalJSON adds resourceType).
func (a *api) writeFHIR(c *gin.Context, status int, resource json.Marshaler) {
	b, err := resource.MarshalJSON()
	if err != nil {
		// The resources hold strings, numbers and booleans only.
		a.log.Error("fhir resource not encoded", "path", c.Request.URL.Path, "error", err.Error())
		c.Status(http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	h := c.Writer.Header()
	h["Cache-Control"] = noStore
	c.Status(status)
	h["Content-Type"] = fhirContentTypeHeader
	if _, err := c.Writer.Write(b); err != nil {
		noteWriteFailed(c, err)
	}
}

// writeCoverageFHIR answers POST /v1/coverage's decision d as a
// CoverageEligibilityResponse.
func (a *api) writeCoverageFHIR(c *gin.Context, d *coverage.Decision) error {
	r, err := fhir.CoverageEligibilityResponse(fhir.FromDecision(d, a.now()))
	if err != nil {
		return fmt.Errorf("fhir response: %w", err) // a decision acucover made: 500
	}
	a.writeFHIR(c, http.StatusOK, r)
	return nil
}

// postFHIREligibility answers POST /fhir/r4/CoverageEligibilityRequest.
// The request names the plan, patient, diagnoses and date (fhir.ReadRequest);
// the state is a contained Patient's, else the state query parameter, else
// the plan's only state; the condition is the first diagnosis the catalog
// knows on the date (else the first, whose error is answered).
func (a *api) postFHIREligibility(c *gin.Context) error {
	body, err := readJSONBody(c, nil)
	if err != nil {
		return err
	}
	fr, err := fhir.ReadRequest(body, fhir.RequestOptions{})
	if err != nil {
		return err
	}
	ix := a.store.Index()
	date := catalog.DateOf(a.now().UTC())
	if !fr.ServiceDate.IsZero() {
		date = catalog.DateOf(fr.ServiceDate)
	}
	state := fr.State
	if state == "" {
		state = c.Query("state")
	}
	if state == "" {
		if p, err := ix.Plan(fr.PlanID); err == nil && !p.States.All && len(p.States.Items) == 1 {
			state = p.States.Items[0]
		}
	}
	if state == "" {
		return &fhir.RequestError{Code: fm.IssueTypeRequired, Expression: "CoverageEligibilityRequest.contained",
			Msg: "the state is needed: give a contained Patient with address.state, or the state query parameter (?state=CA)"}
	}
	if len(fr.Diagnoses) == 0 { // ReadRequest requires one; kept safe
		return &fhir.RequestError{Code: fm.IssueTypeRequired, Expression: "CoverageEligibilityRequest.item.diagnosis", Msg: "an ICD-10-CM diagnosis is required"}
	}
	cond := fr.Diagnoses[0]
	for _, dx := range fr.Diagnoses {
		if _, err := ix.ResolveCondition(dx, date); err == nil {
			cond = dx
			break
		}
	}
	ds := date.String()
	_, d, err := a.answerCoverage(ix, coverageRequest{Plan: fr.PlanID, State: state, Condition: cond, Date: &ds})
	if err != nil {
		return err
	}
	countDecision(d)
	fd := fhir.FromDecision(&d, a.now())
	fd.Patient, fd.Coverage = fr.Patient, fr.Coverage
	if fr.ID != "" {
		fd.Request = "CoverageEligibilityRequest/" + fr.ID
	}
	if len(fr.CPT) > 0 {
		fd.CPT = fr.CPT
	}
	r, err := fhir.CoverageEligibilityResponse(fd)
	if err != nil {
		return fmt.Errorf("fhir response: %w", err)
	}
	a.writeFHIR(c, http.StatusOK, r)
	return nil
}

// getFHIRMetadata answers GET /fhir/r4/metadata.
func (a *api) getFHIRMetadata(c *gin.Context) error {
	a.writeFHIR(c, http.StatusOK, fhir.CapabilityStatement(a.version, a.now()))
	return nil
}
