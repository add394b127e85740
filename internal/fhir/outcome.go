package fhir

import fm "github.com/samply/golang-fhir-models/fhir-models/fhir"

// Issue is one problem for an OperationOutcome.
type Issue struct {
	// Severity is "fatal", "error", "warning" or "information"; empty (or
	// anything else) means "error".
	Severity string
	// Code is the FHIR issue type (invalid, structure, required, value,
	// not-found, not-supported, exception, too-long, ...).
	Code fm.IssueType
	// Diagnostics says what was wrong, for a person.
	Diagnostics string
	// Expression is the FHIRPath of the offending element, e.g.
	// "CoverageEligibilityRequest.item[0].diagnosis[0]"; empty for none.
	Expression string
}

// OperationOutcome builds the resource FHIR errors are reported with. An
// OperationOutcome needs at least one issue; with none, it reports a generic
// processing error rather than an invalid resource.
func OperationOutcome(issues ...Issue) fm.OperationOutcome {
	if len(issues) == 0 {
		issues = []Issue{{Code: fm.IssueTypeException, Diagnostics: "the request could not be processed"}}
	}
	var o fm.OperationOutcome
	for _, is := range issues {
		i := fm.OperationOutcomeIssue{Severity: fm.IssueSeverityError, Code: is.Code}
		switch is.Severity {
		case "fatal":
			i.Severity = fm.IssueSeverityFatal
		case "warning":
			i.Severity = fm.IssueSeverityWarning
		case "information":
			i.Severity = fm.IssueSeverityInformation
		}
		if is.Diagnostics != "" {
			i.Diagnostics = ptr(is.Diagnostics)
		}
		if is.Expression != "" {
			i.Expression = []string{is.Expression}
		}
		o.Issue = append(o.Issue, i)
	}
	return o
}
