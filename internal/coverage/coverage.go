// Package coverage decides whether a plan covers acupuncture for a condition
// in a state on a date, under what limits, and why. It is pure: Decide reads
// an immutable catalog.Index and the caller's answers, and does no I/O.
//
// A decision's status is:
//   - covered: the rule in force covers and every criterion the rule sets is
//     met, with visits left if usage was given;
//   - not_covered: the rule does not cover, a criterion failed, the provider
//     is not eligible, or a visit limit is reached (the first reason says
//     which);
//   - conditional: the rule covers only if criteria hold that the caller has
//     not answered yet; requirements[] lists them with met null;
//   - unknown: the catalog has no rule for the question (or a rule saying it
//     does not know); acucover never guesses.
package coverage

import (
	"errors"
	"fmt"

	"github.com/acucover/acucover/internal/catalog"
)

// Input errors, matched with errors.Is. Lookup errors (unknown plan, state or
// condition; malformed or retired code; plan not offered) come from the
// catalog package.
var (
	// ErrInvalidInput: a value is out of its range or not one of the
	// allowed values (400).
	ErrInvalidInput = errors.New("invalid input")
	// ErrContradictory: each value is valid but together they cannot all
	// be true (422).
	ErrContradictory = errors.New("contradictory input")
)

// InputError is a request value that is invalid (Kind ErrInvalidInput) or
// contradicts another (Kind ErrContradictory). Field is its path in the
// request, e.g. "usage.visits_this_year", so a client can point a form at
// it; Msg says what is wrong. errors.Is(err, Kind) holds.
type InputError struct {
	Kind  error
	Field string
	Msg   string
}

func (e *InputError) Error() string { return e.Kind.Error() + ": " + e.Msg }
func (e *InputError) Unwrap() error { return e.Kind }

// Invalid returns an *InputError of kind ErrInvalidInput about field.
func Invalid(field, msg string) *InputError {
	return &InputError{Kind: ErrInvalidInput, Field: field, Msg: msg}
}

// Contradictory returns an *InputError of kind ErrContradictory about field.
func Contradictory(field, msg string) *InputError {
	return &InputError{Kind: ErrContradictory, Field: field, Msg: msg}
}

// Query is one coverage question. Patient, Usage and Provider are optional;
// within them a nil field means "not answered".
type Query struct {
	Plan      string
	State     string
	Condition string // condition id or ICD-10-CM code
	Date      catalog.Date
	Patient   *Patient
	Usage     *Usage
	Provider  *Provider
}

// Patient holds the patient facts criteria test, and safety flags.
type Patient struct {
	PainWeeks        *int  `json:"pain_weeks,omitempty"`
	SystemicCause    *bool `json:"systemic_cause,omitempty"`
	SurgeryRelated   *bool `json:"surgery_related,omitempty"`
	PregnancyRelated *bool `json:"pregnancy_related,omitempty"`
	Improving        *bool `json:"improving,omitempty"`
	// AgeUnder21: Medicaid's EPSDT benefit for under-21s is not capped
	// like the adult benefit.
	AgeUnder21 *bool    `json:"age_under_21,omitempty"`
	Flags      []string `json:"flags,omitempty"`
}

// Usage counts covered acupuncture visits the patient has already had.
// VisitsThisYear counts the plan's benefit year (the calendar year for most
// plans) — or, for a rule that counts the patient's own year
// (months_from_first_visit), the visits since FirstVisitDate, the first
// covered visit of that year. UnitsThisYear counts billed time units (97810
// and each add-on are one unit each) for rules that count units.
type Usage struct {
	VisitsThisYear   *int          `json:"visits_this_year,omitempty"`
	VisitsLast90Days *int          `json:"visits_last_90_days,omitempty"`
	VisitsThisMonth  *int          `json:"visits_this_month,omitempty"`
	UnitsThisYear    *int          `json:"units_this_year,omitempty"`
	FirstVisitDate   *catalog.Date `json:"first_visit_date,omitempty"`
}

// Medicare participation of a provider (Original Medicare has no network).
const (
	Participating    = "participating"
	NonParticipating = "non_participating"
	OptedOut         = "opted_out"
)

// Participations lists the valid Provider.MedicareParticipation values.
var Participations = []string{Participating, NonParticipating, OptedOut}

// Provider is who will furnish the treatment. Type may be empty when only
// the Medicare participation is known. CredentialsMet answers whether the
// provider holds the credentials the rule lists for the type.
type Provider struct {
	Type                  string `json:"type,omitempty"`
	Supervised            *bool  `json:"supervised,omitempty"`
	CredentialsMet        *bool  `json:"credentials_met,omitempty"`
	MedicareParticipation string `json:"medicare_participation,omitempty"`
}

// Decision is the answer to a Query. It is also the wire format of
// GET/POST /v1/coverage: every field is always present, lists are never null.
type Decision struct {
	Status               catalog.Status        `json:"status"`
	Plan                 PlanRef               `json:"plan"`
	State                string                `json:"state"`
	Condition            ConditionRef          `json:"condition"`
	Date                 catalog.Date          `json:"date"`
	Limits               *Limits               `json:"limits"`
	VisitsRemaining      *int                  `json:"visits_remaining"`
	CostSharing          *CostSharing          `json:"cost_sharing"`
	PriorAuthorization   *PriorAuthorization   `json:"prior_authorization"`
	ReferralRequired     bool                  `json:"referral_required"`
	Electroacupuncture   *bool                 `json:"electroacupuncture"`
	Requirements         []Requirement         `json:"requirements"`
	ProviderRequirements []ProviderRequirement `json:"provider_requirements"`
	Billing              Billing               `json:"billing"`
	Safety               []Safety              `json:"safety"`
	Reasons              []Reason              `json:"reasons"`
	Notes                []string              `json:"notes"`
	CatalogRevision      string                `json:"catalog_revision"`
}

// PlanRef names the plan a decision is about.
type PlanRef struct {
	ID    string           `json:"id"`
	Name  string           `json:"name"`
	Payer string           `json:"payer"`
	Type  catalog.PlanType `json:"type"`
}

// ConditionRef names the condition; MatchedICD10 is the caller's code, when
// the condition was given as one.
type ConditionRef struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	ICD10         []string `json:"icd10"`
	ICD10Families []string `json:"icd10_families"`
	MatchedICD10  string   `json:"matched_icd10,omitempty"`
}

// Limits are the visit limits of the deciding rule. VisitsPerYear is the most
// covered visits in a year with every extension, nil if no yearly window.
type Limits struct {
	VisitsPerYear  *int                `json:"visits_per_year"`
	Windows        []catalog.Window    `json:"windows"`
	Extensions     []catalog.Extension `json:"extensions"`
	DollarCapCents *int64              `json:"dollar_cap_cents"`
}

// CostSharing is the plan's in-network cost sharing on the decision date.
type CostSharing struct {
	Network            catalog.Network     `json:"network"`
	DeductibleCents    int64               `json:"deductible_cents"`
	DeductibleApplies  bool                `json:"deductible_applies"`
	CopayCents         int64               `json:"copay_cents"`
	CopaySteps         []catalog.CopayStep `json:"copay_steps,omitempty"`
	CoinsurancePercent int                 `json:"coinsurance_percent"`
	OOPMaxCents        *int64              `json:"oop_max_cents"`
}

// PriorAuthorization says when prior authorization is needed. RequiredNow is
// set when usage was given: whether the next visit needs it.
type PriorAuthorization struct {
	Required    catalog.AuthWhen `json:"required"`
	AfterVisits *int             `json:"after_visits"`
	RequiredNow *bool            `json:"required_now"`
	Note        string           `json:"note,omitempty"`
}

// Requirement is a question the decision depends on; Met is nil while
// unanswered.
type Requirement struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Met         *bool  `json:"met"`
}

// ProviderRequirement says whether a provider type may furnish the service.
type ProviderRequirement struct {
	Type                string   `json:"type"`
	Eligible            bool     `json:"eligible"`
	SupervisionRequired bool     `json:"supervision_required"`
	Credentials         []string `json:"credentials"`
	Note                string   `json:"note,omitempty"`
}

// Billing is the billing guidance for the decision.
type Billing struct {
	CPT            []string           `json:"cpt"`
	X12ServiceType string             `json:"x12_service_type"`
	Modifiers      []catalog.Modifier `json:"modifiers"`
	Notes          []string           `json:"notes"`
}

// Reason explains the decision; the first reason is the deciding one.
type Reason struct {
	RuleID string    `json:"rule_id"`
	Text   string    `json:"text"`
	Source SourceRef `json:"source"`
}

// SourceRef is where a reason comes from.
type SourceRef struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// X12Acupuncture is the X12 270/271 service type code for acupuncture.
const X12Acupuncture = "64"

// ProviderTypes are the provider types a query may name.
var ProviderTypes = catalog.ProviderTypes

// CheckPlan reports a provider answer that contradicts the plan: Medicare
// participation asked of a plan with networks (ErrContradictory).
func (p *Provider) CheckPlan(plan *catalog.Plan) error {
	if p != nil && p.MedicareParticipation != "" && plan.NetworkModel != catalog.MedicareAssignment {
		return Contradictory("provider.medicare_participation", fmt.Sprintf(
			"provider.medicare_participation is for Original Medicare, which has no network; %s has networks: give network (in or out) instead", plan.Name))
	}
	return nil
}
