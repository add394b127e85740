package fhir

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	fm "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

var created = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func i64(v int64) *int64 { return &v }
func bptr(v bool) *bool  { return &v }

// view is the part of a response the tests assert on, decoded from the JSON
// actually produced.
type view struct {
	Outcome     string
	Excluded    *bool
	Network     string
	Term        string
	Auth        *bool
	Benefits    []string
	Covered     string
	PANeeded    string
	Errors      []string
	Modifiers   []string
	Disposition string
}

func viewOf(t *testing.T, b []byte) view {
	t.Helper()
	r, err := fm.UnmarshalCoverageEligibilityResponse(b)
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	var v view
	v.Outcome = r.Outcome.Code()
	if r.Disposition != nil {
		v.Disposition = *r.Disposition
	}
	for _, e := range r.Error {
		v.Errors = append(v.Errors, *e.Code.Text)
	}
	it := r.Insurance[0].Item[0]
	v.Excluded, v.Auth = it.Excluded, it.AuthorizationRequired
	if it.Network != nil {
		v.Network = *it.Network.Coding[0].Code
	}
	if it.Term != nil {
		v.Term = *it.Term.Coding[0].Code
	}
	if it.Category == nil || it.ProductOrService != nil {
		t.Errorf("item[0] is not the service type item: %+v", it)
	}
	// Then one item per CPT code, with the modifiers (ces-1: a category or
	// a billing code, not both).
	for _, ci := range r.Insurance[0].Item[1:] {
		if ci.Category != nil || ci.ProductOrService == nil || *ci.ProductOrService.Coding[0].System != CPTSystem {
			t.Errorf("CPT item = %+v", ci)
		}
		if (ci.Excluded == nil) != (it.Excluded == nil) || (ci.Excluded != nil && *ci.Excluded != *it.Excluded) {
			t.Errorf("CPT item excluded %v, service type item %v", ci.Excluded, it.Excluded)
		}
	}
	if len(r.Insurance[0].Item) < 2 {
		t.Errorf("no CPT item")
	}
	for _, m := range r.Insurance[0].Item[len(r.Insurance[0].Item)-1].Modifier {
		v.Modifiers = append(v.Modifiers, *m.Coding[0].Code)
	}
	for _, bn := range it.Benefit {
		s := *bn.Type.Coding[0].Code
		switch {
		case bn.AllowedUnsignedInt != nil:
			s += " allowed " + itoa(*bn.AllowedUnsignedInt)
		case bn.AllowedMoney != nil:
			s += " allowed " + string(*bn.AllowedMoney.Value) + " " + *bn.AllowedMoney.Currency
		}
		switch {
		case bn.UsedUnsignedInt != nil:
			s += " used " + itoa(*bn.UsedUnsignedInt)
		case bn.UsedMoney != nil:
			s += " used " + string(*bn.UsedMoney.Value)
		}
		v.Benefits = append(v.Benefits, s)
	}
	for _, ext := range it.Extension {
		if ext.Url != CoverageInfoURL {
			continue
		}
		for _, sub := range ext.Extension {
			switch sub.Url {
			case "covered":
				v.Covered = *sub.ValueCode
			case "pa-needed":
				v.PANeeded = *sub.ValueCode
			}
		}
	}
	return v
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestCoverageEligibilityResponse(t *testing.T) {
	t.Parallel()
	base := Decision{
		ID: "acu-1", PlanID: "medicare-original", PlanName: "Original Medicare", Condition: "chronic low back pain",
		ServiceDate: "2026-12-01", Created: created, Patient: "Patient/p1", Request: "CoverageEligibilityRequest/r1",
	}
	for _, tc := range []struct {
		name string
		edit func(*Decision)
		want view
	}{
		{"covered with limits and cost sharing", func(d *Decision) {
			d.Status = "covered"
			d.VisitsPerYear, d.VisitsRemaining = i64(20), i64(14)
			d.DeductibleCents, d.DeductibleMetCents, d.CopayCents, d.CoinsurancePercent = i64(28300), i64(10000), i64(2500), i64(20)
			d.PriorAuthRequired, d.InNetwork = bptr(false), bptr(true)
			d.Modifiers = []string{"KX"}
			d.Reasons = []string{"NCD 30.3.3 covers chronic low back pain"}
		}, view{Outcome: "complete", Excluded: bptr(false), Network: "in", Term: "annual", Auth: bptr(false),
			Benefits: []string{"visit allowed 20 used 6", "deductible allowed 283.00 USD used 100.00", "copay allowed 25.00 USD", "copay-percent allowed 20"},
			Covered:  "covered", PANeeded: "no-auth", Modifiers: []string{"KX"}, Disposition: "NCD 30.3.3 covers chronic low back pain"}},
		{"not covered", func(d *Decision) {
			d.Status = "not_covered"
			d.InNetwork = bptr(false)
			d.Modifiers = []string{"GA"}
			d.Reasons = []string{"outside NCD 30.3.3", "ABN required"}
		}, view{Outcome: "complete", Excluded: bptr(true), Network: "out", Covered: "not-covered", Modifiers: []string{"GA"},
			Disposition: "outside NCD 30.3.3; ABN required"}},
		{"conditional", func(d *Decision) {
			d.Status = "conditional"
			d.PriorAuthRequired = bptr(true)
			d.Reasons = []string{"prior authorization after 12 visits"}
		}, view{Outcome: "partial", Excluded: bptr(false), Auth: bptr(true), Covered: "conditional", PANeeded: "auth-needed",
			Disposition: "prior authorization after 12 visits"}},
		{"unknown", func(d *Decision) {
			d.Status = "unknown"
			d.Reasons = []string{"no rule for this state"}
		}, view{Outcome: "partial", Errors: []string{"coverage unknown: no rule for this state"}, Disposition: "no rule for this state"}},
		{"unknown without reasons, no references", func(d *Decision) {
			d.Status, d.Patient, d.Request, d.ID, d.ServiceDate = "unknown", "", "", "", ""
		}, view{Outcome: "partial", Errors: []string{"coverage unknown: acucover has no rule for this plan, state and condition"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := base
			tc.edit(&d)
			r, err := CoverageEligibilityResponse(d)
			if err != nil {
				t.Fatal(err)
			}
			b := validate(t, r)
			if diff := cmp.Diff(tc.want, viewOf(t, b)); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			for _, want := range []string{`"resourceType":"CoverageEligibilityResponse"`, `"code":"64"`, `"system":"` + CPTSystem + `","code":"97810"`, `"system":"` + PlanSystem + `","value":"medicare-original"`} {
				if !strings.Contains(string(b), want) {
					t.Errorf("%s lacks %s", b, want)
				}
			}
		})
	}
}

func TestCoverageEligibilityResponseInvalid(t *testing.T) {
	t.Parallel()
	for _, d := range []Decision{
		{Status: "maybe", Created: created},
		{Status: "covered"},
		{Status: "covered", Created: created, CopayCents: i64(-1)},
	} {
		if _, err := CoverageEligibilityResponse(d); !errors.Is(err, ErrInvalidDecision) {
			t.Errorf("CoverageEligibilityResponse(%+v) error = %v, want ErrInvalidDecision", d, err)
		}
	}
}

func TestOperationOutcome(t *testing.T) {
	t.Parallel()
	for _, issues := range [][]Issue{
		nil,
		{{Code: fm.IssueTypeValue, Diagnostics: "bad code", Expression: "CoverageEligibilityRequest.item[0].diagnosis[0]"}},
		{{Severity: "warning", Code: fm.IssueTypeNotSupported, Diagnostics: "ignored"}, {Severity: "fatal", Code: fm.IssueTypeException}},
	} {
		o := OperationOutcome(issues...)
		b := validate(t, o)
		if !strings.Contains(string(b), `"resourceType":"OperationOutcome"`) || len(o.Issue) == 0 {
			t.Errorf("OperationOutcome = %s", b)
		}
	}
	got := OperationOutcome(Issue{Severity: "warning", Code: fm.IssueTypeValue}).Issue[0].Severity
	if got != fm.IssueSeverityWarning {
		t.Errorf("severity = %v, want warning", got)
	}
}

func TestCapabilityStatement(t *testing.T) {
	t.Parallel()
	b := validate(t, CapabilityStatement("v1.2.3", created))
	for _, want := range []string{`"fhirVersion":"4.0.1"`, `"kind":"instance"`, `"type":"CoverageEligibilityRequest"`, `"code":"create"`, `"date":"2026-12-04"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

const goodRequest = `{
  "resourceType": "CoverageEligibilityRequest",
  "id": "r1",
  "status": "active",
  "purpose": ["benefits"],
  "patient": {"reference": "Patient/p1"},
  "created": "2026-12-04",
  "insurer": {"identifier": {"system": "http://example.org/payer-id", "value": "60054"}},
  "servicedDate": "2026-12-01",
  "insurance": [
    {"coverage": {"reference": "Coverage/c0", "identifier": {"system": "http://example.org/member", "value": "W1"}}},
    {"focal": true, "coverage": {"reference": "Coverage/c1", "identifier": {"system": "urn:acucover:plan", "value": "medicare-original"}}}
  ],
  "item": [{
    "category": {"coding": [{"system": "https://x12.org/codes/service-type-codes", "code": "64"}]},
    "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "97810"}]},
    "diagnosis": [
      {"diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "m54.50"}]}},
      {"diagnosisCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "279039007"}, {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G89.29"}]}}
    ]
  }]
}`

func TestReadRequest(t *testing.T) {
	t.Parallel()
	var asResource fm.CoverageEligibilityRequest
	if err := json.Unmarshal([]byte(goodRequest), &asResource); err != nil {
		t.Fatal(err)
	}
	validate(t, asResource) // the sample itself is a valid R4 resource

	got, err := ReadRequest([]byte(goodRequest), RequestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Request{ID: "r1", Patient: "Patient/p1", Coverage: "Coverage/c1", PlanID: "medicare-original",
		Diagnoses: []string{"M54.50", "G89.29"}, CPT: []string{"97810"}, ServiceDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}

	mapped := strings.Replace(goodRequest, `"focal": true, `, "", 1)
	mapped = strings.Replace(mapped, `"system": "urn:acucover:plan", "value": "medicare-original"`, `"system": "http://example.org/group", "value": "G9"`, 1)
	got, err = ReadRequest([]byte(mapped), RequestOptions{Plans: map[string]string{"http://example.org/payer-id|60054": "aetna-choice"}})
	if err != nil || got.PlanID != "aetna-choice" || got.Coverage != "" {
		t.Errorf("insurer mapping: plan %q coverage %q err %v; want aetna-choice from insurer.identifier", got.PlanID, got.Coverage, err)
	}
	got, err = ReadRequest([]byte(mapped), RequestOptions{Plans: map[string]string{"http://example.org/member|W1": "from-coverage", "http://example.org/payer-id|60054": "from-insurer"}})
	if err != nil || got.PlanID != "from-coverage" || got.Coverage != "Coverage/c0" {
		t.Errorf("coverage identifiers come before the insurer: plan %q coverage %q err %v", got.PlanID, got.Coverage, err)
	}
	period := strings.Replace(goodRequest, `"servicedDate": "2026-12-01"`, `"servicedPeriod": {"start": "2026-11-30T09:00:00Z"}`, 1)
	if got, err := ReadRequest([]byte(period), RequestOptions{}); err != nil || got.ServiceDate.Format("2006-01-02") != "2026-11-30" {
		t.Errorf("servicedPeriod: %v %v", got.ServiceDate, err)
	}
}

func TestReadRequestErrors(t *testing.T) {
	t.Parallel()
	edit := func(old, new string) string {
		if !strings.Contains(goodRequest, old) {
			panic("sample lacks " + old)
		}
		return strings.Replace(goodRequest, old, new, 1)
	}
	for _, tc := range []struct {
		name, in   string
		code       fm.IssueType
		expression string
	}{
		{"not json", "{", fm.IssueTypeStructure, ""},
		{"array", "[]", fm.IssueTypeStructure, ""},
		{"other resource", `{"resourceType":"Patient"}`, fm.IssueTypeStructure, ""},
		{"wrong type", edit(`"servicedDate": "2026-12-01"`, `"servicedDate": 20261201`), fm.IssueTypeStructure, "CoverageEligibilityRequest"},
		{"bad enum", edit(`"status": "active"`, `"status": "bogus"`), fm.IssueTypeStructure, "CoverageEligibilityRequest"},
		{"no patient", edit(`"patient": {"reference": "Patient/p1"}`, `"patient": {"display": "x"}`), fm.IssueTypeRequired, "CoverageEligibilityRequest.patient.reference"},
		{"no identifiers", `{"resourceType":"CoverageEligibilityRequest","patient":{"reference":"Patient/1"},"insurer":{}}`, fm.IssueTypeRequired, "CoverageEligibilityRequest.insurance"},
		{"unmapped plan", edit(`"system": "urn:acucover:plan"`, `"system": "http://example.org/other"`), fm.IssueTypeNotFound, "CoverageEligibilityRequest.insurance[1].coverage.identifier"},
		{"bad ICD", edit(`"m54.50"`, `"M54-50"`), fm.IssueTypeValue, "CoverageEligibilityRequest.item[0].diagnosis[0].diagnosisCodeableConcept.coding[0].code"},
		{"diagnosis by reference only", `{"resourceType":"CoverageEligibilityRequest","patient":{"reference":"Patient/1"},"insurer":{"identifier":{"system":"urn:acucover:plan","value":"p"}},"item":[{"diagnosis":[{"diagnosisReference":{"reference":"Condition/1"}}]}]}`, fm.IssueTypeNotSupported, "CoverageEligibilityRequest.item[0].diagnosis[0].diagnosisReference"},
		{"no diagnosis", `{"resourceType":"CoverageEligibilityRequest","patient":{"reference":"Patient/1"},"insurer":{"identifier":{"system":"urn:acucover:plan","value":"p"}}}`, fm.IssueTypeRequired, "CoverageEligibilityRequest.item.diagnosis"},
		{"other service type", edit(`"code": "64"`, `"code": "33"`), fm.IssueTypeNotSupported, "CoverageEligibilityRequest.item[0].category"},
		{"partial date", edit(`"servicedDate": "2026-12-01"`, `"servicedDate": "2026-12"`), fm.IssueTypeValue, "CoverageEligibilityRequest.servicedDate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadRequest([]byte(tc.in), RequestOptions{})
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error = %v, want *RequestError", err)
			}
			if re.Code != tc.code || re.Expression != tc.expression {
				t.Errorf("error = %s %q %q, want %s %q", re.Code.Code(), re.Expression, re.Msg, tc.code.Code(), tc.expression)
			}
			validate(t, OperationOutcome(re.Issue()))
		})
	}
}

// FuzzReadRequest: no panics, and every failure is a RequestError that
// makes a valid OperationOutcome issue.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(goodRequest))
	f.Add([]byte(`{"resourceType":"CoverageEligibilityRequest"}`))
	f.Add([]byte(`{"resourceType":"CoverageEligibilityRequest","servicedPeriod":{"start":"2"},"item":[{"diagnosis":[{}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ReadRequest(data, RequestOptions{Plans: map[string]string{"a|b": "c"}})
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || re.Msg == "" {
				t.Fatalf("error %v is not a RequestError with a message", err)
			}
		}
	})
}
