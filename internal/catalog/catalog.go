// Package catalog holds acucover's rule catalog: the plans, conditions,
// coverage rules, fee schedules and cash prices that every decision and
// estimate is computed from.
//
// A catalog is authored as one YAML document (see the README's "Catalog
// format"), parsed into a Snapshot, checked by Validate and compiled by Build
// into an immutable Index. A Store holds the Index in force and swaps it
// atomically when a new one has been built off to the side.
//
// Rule resolution: for a plan, state, condition and date, the rules of the plan
// in force on the date ([effective_from, effective_to)) are ranked by
// specificity — plan+state+condition (3) > plan+condition (2) > plan+state (1) >
// plan default (0) — and the most specific wins. Two rules of one plan with the
// same specificity whose states, conditions and dates overlap are a catalog
// error: Validate reports them and Build refuses the catalog, so resolution is
// never a silent tie-break.
package catalog

// Snapshot is a whole catalog as authored: the unit that is validated,
// imported, exported and compiled into an Index. Domain values only; no I/O.
type Snapshot struct {
	// Revision identifies the snapshot's content. Parse leaves it empty;
	// Build fills it with a content hash unless a store (PostgreSQL) set it.
	Revision   string      `yaml:"revision,omitempty" json:"revision,omitempty"`
	Plans      []Plan      `yaml:"plans" json:"plans"`
	Conditions []Condition `yaml:"conditions" json:"conditions"`
	// Rules are pointers, so that the revisions of a catalog share the
	// rules an edit did not change (a million rules are half a GB): a
	// rule is never changed once in a list; a changed rule is a new one
	// (see ChangeRule).
	Rules        []*Rule       `yaml:"rules" json:"rules"`
	FeeSchedules []FeeSchedule `yaml:"fee_schedules,omitempty" json:"fee_schedules,omitempty"`
	CashPrices   []CashPrice   `yaml:"cash_prices,omitempty" json:"cash_prices,omitempty"`
	// Licensure says, per state, how acupuncturists are licensed there: the
	// practitioner requirements every answer shows.
	Licensure []Licensure `yaml:"licensure,omitempty" json:"licensure,omitempty"`
}

// ChangeRule replaces rule i of s by a copy and returns the copy, to be
// changed: the rule itself may be another snapshot's too. s's list must be
// its own (as an edit's is; see ItemKind.Clone). The copy shares the
// rule's lists: give it new lists rather than change those in place.
func (s *Snapshot) ChangeRule(i int) *Rule {
	r := *s.Rules[i]
	s.Rules[i] = &r
	return &r
}

// PlanType is the kind of coverage a plan is.
type PlanType string

// Plan types.
const (
	OriginalMedicare  PlanType = "original_medicare"
	MedicareAdvantage PlanType = "medicare_advantage"
	Medicaid          PlanType = "medicaid"
	Commercial        PlanType = "commercial"
	Marketplace       PlanType = "marketplace"
)

// PlanTypes lists every valid PlanType.
var PlanTypes = []PlanType{OriginalMedicare, MedicareAdvantage, Medicaid, Commercial, Marketplace}

// Plan is an insurance plan (or program) and its cost-sharing terms.
type Plan struct {
	ID            string        `yaml:"id" json:"id"`
	Name          string        `yaml:"name" json:"name"`
	Payer         string        `yaml:"payer" json:"payer"`
	Type          PlanType      `yaml:"type" json:"type"`
	States        Scope         `yaml:"states" json:"states"`
	BenefitPeriod BenefitPeriod `yaml:"benefit_period" json:"benefit_period"`
	// NetworkModel is how providers relate to the plan: networks (empty:
	// in/out of network) or medicare_assignment (Original Medicare: no
	// network; participating, non-participating or opted-out providers).
	NetworkModel NetworkModel `yaml:"network_model,omitempty" json:"network_model,omitempty"`
	// CostSharing lists dated terms per network; at most one entry per
	// network is in force on any date.
	CostSharing []CostSharing `yaml:"cost_sharing" json:"cost_sharing"`
	Notes       []string      `yaml:"notes,omitempty" json:"notes,omitempty"`
	Sources     []Source      `yaml:"sources,omitempty" json:"sources,omitempty"`
}

// BenefitKind says how a plan's benefit year is counted.
type BenefitKind string

// Benefit period kinds.
const (
	CalendarYear BenefitKind = "calendar_year"
	PlanYear     BenefitKind = "plan_year"
)

// BenefitPeriod is the plan's benefit year: the calendar year, or a plan year
// that starts on the first day of StartMonth (1–12).
type BenefitPeriod struct {
	Kind       BenefitKind `yaml:"kind" json:"kind"`
	StartMonth int         `yaml:"start_month,omitempty" json:"start_month,omitempty"`
}

// NetworkModel is how a plan's providers are paid.
type NetworkModel string

// Network models; empty means NetworkModelNetworks.
const (
	NetworkModelNetworks NetworkModel = "networks"
	MedicareAssignment   NetworkModel = "medicare_assignment"
)

// Network is in-network ("in") or out-of-network ("out").
type Network string

// Networks.
const (
	InNetwork  Network = "in"
	OutNetwork Network = "out"
)

// CostSharing is what the patient pays under a plan for covered acupuncture
// in one network, in force on [EffectiveFrom, EffectiveTo). Money is integer
// cents.
type CostSharing struct {
	Network       Network `yaml:"network" json:"network"`
	EffectiveFrom Date    `yaml:"effective_from,omitempty" json:"effective_from,omitzero"`
	EffectiveTo   Date    `yaml:"effective_to,omitempty" json:"effective_to,omitzero"`
	// DeductibleCents is the benefit-year deductible; DeductibleApplies says
	// whether acupuncture visits count against it before cost sharing.
	DeductibleCents   int64 `yaml:"deductible_cents" json:"deductible_cents"`
	DeductibleApplies bool  `yaml:"deductible_applies" json:"deductible_applies"`
	// CopayCents is charged per covered visit (after the deductible, if it
	// applies); CopaySteps change it after a number of visits in the year.
	CopayCents int64       `yaml:"copay_cents" json:"copay_cents"`
	CopaySteps []CopayStep `yaml:"copay_steps,omitempty" json:"copay_steps,omitempty"`
	// CoinsurancePercent (0–100) of the allowed amount left after the
	// deductible and copay.
	CoinsurancePercent int `yaml:"coinsurance_percent" json:"coinsurance_percent"`
	// OOPMaxCents is the benefit-year out-of-pocket maximum; nil means the
	// plan has none (Original Medicare).
	OOPMaxCents *int64 `yaml:"oop_max_cents" json:"oop_max_cents"`
	// BalanceBilling: out of network, the patient also owes the billed
	// charge above the allowed amount.
	BalanceBilling bool   `yaml:"balance_billing,omitempty" json:"balance_billing,omitempty"`
	Note           string `yaml:"note,omitempty" json:"note,omitempty"`
}

// CopayStep sets the copay from visit AfterVisits+1 of the benefit year on.
type CopayStep struct {
	AfterVisits int   `yaml:"after_visits" json:"after_visits"`
	CopayCents  int64 `yaml:"copay_cents" json:"copay_cents"`
}

// Condition is a clinical indication, identified by a slug and by the
// ICD-10-CM codes that map to it.
type Condition struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// ICD10 lists exact codes; ICD10Families lists code prefixes (a family
	// "M17" matches M17.0 … M17.9). An exact code wins over a family, and a
	// longer family over a shorter one.
	ICD10         []string `yaml:"icd10,omitempty" json:"icd10,omitempty"`
	ICD10Families []string `yaml:"icd10_families,omitempty" json:"icd10_families,omitempty"`
	// RetiredICD10 are codes deleted from ICD-10-CM: valid for dates before
	// Until, rejected with their replacements on or after it.
	RetiredICD10 []RetiredCode `yaml:"retired_icd10,omitempty" json:"retired_icd10,omitempty"`
	Evidence     string        `yaml:"evidence,omitempty" json:"evidence,omitempty"`
	Sources      []Source      `yaml:"sources,omitempty" json:"sources,omitempty"`
}

// RetiredCode is an ICD-10-CM code that was deleted on Until.
type RetiredCode struct {
	Code       string   `yaml:"code" json:"code"`
	Until      Date     `yaml:"until" json:"until"`
	ReplacedBy []string `yaml:"replaced_by" json:"replaced_by"`
}

// Status is a coverage status, of a rule or of a decision.
type Status string

// Statuses. A rule is "conditional" when it covers only if its criteria hold
// (a decision stays conditional while criteria are unanswered); "unknown"
// rules record that the catalog does not know (never a guess).
const (
	Covered     Status = "covered"
	NotCovered  Status = "not_covered"
	Conditional Status = "conditional"
	Unknown     Status = "unknown"
)

// Rule says how a plan covers acupuncture for some states and conditions
// during [EffectiveFrom, EffectiveTo). A zero EffectiveFrom is open-ended into
// the past, a zero EffectiveTo into the future.
type Rule struct {
	ID            string `yaml:"id" json:"id"`
	Plan          string `yaml:"plan" json:"plan"`
	States        Scope  `yaml:"states" json:"states"`
	Conditions    Scope  `yaml:"conditions" json:"conditions"`
	EffectiveFrom Date   `yaml:"effective_from,omitempty" json:"effective_from,omitzero"`
	EffectiveTo   Date   `yaml:"effective_to,omitempty" json:"effective_to,omitzero"`
	Status        Status `yaml:"status" json:"status"`
	// Summary is the plain-words reason given with every decision the rule
	// makes.
	Summary string `yaml:"summary" json:"summary"`
	// Criteria must all hold for a conditional rule to cover; only
	// conditional rules have them.
	Criteria []Criterion `yaml:"criteria,omitempty" json:"criteria,omitempty"`
	Limits   Limits      `yaml:"limits,omitempty" json:"limits,omitzero"`
	// DiscontinueWhenNotImproving: once treatment has started, a patient
	// reported as not improving is no longer covered (NCD 30.3.3).
	DiscontinueWhenNotImproving bool      `yaml:"discontinue_when_not_improving,omitempty" json:"discontinue_when_not_improving,omitempty"`
	PriorAuthorization          PriorAuth `yaml:"prior_authorization,omitempty" json:"prior_authorization,omitzero"`
	ReferralRequired            bool      `yaml:"referral_required,omitempty" json:"referral_required,omitempty"`
	// Electroacupuncture (97813/97814) is covered unless set to false.
	Electroacupuncture *bool          `yaml:"electroacupuncture,omitempty" json:"electroacupuncture,omitempty"`
	Providers          []ProviderRule `yaml:"providers,omitempty" json:"providers,omitempty"`
	// AskProvider: the rule covers only some providers, so a question
	// without a provider is conditional on who treats.
	AskProvider bool    `yaml:"ask_provider,omitempty" json:"ask_provider,omitempty"`
	Billing     Billing `yaml:"billing,omitempty" json:"billing,omitzero"`
	// FallsBackTo names another rule of the same plan (a second benefit,
	// e.g. routine acupuncture) that decides when this rule's criteria
	// fail; see the README's "How a decision is made".
	FallsBackTo string   `yaml:"falls_back_to,omitempty" json:"falls_back_to,omitempty"`
	Notes       []string `yaml:"notes,omitempty" json:"notes,omitempty"`
	Sources     []Source `yaml:"sources" json:"sources"`
}

// ElectroacupunctureAllowed reports whether r covers electroacupuncture.
func (r *Rule) ElectroacupunctureAllowed() bool {
	return r.Electroacupuncture == nil || *r.Electroacupuncture
}

// Criterion is a test on a patient fact, written "fact op value", e.g.
// "pain_weeks >= 12" or "pregnancy_related == false". Facts are listed in
// Facts.
type Criterion struct {
	ID       string `yaml:"id" json:"id"`
	Test     string `yaml:"test" json:"test"`
	Question string `yaml:"question" json:"question"`
	// Failure is the reason given when the test fails.
	Failure string `yaml:"failure,omitempty" json:"failure,omitempty"`
}

// Limits are the visit limits of a rule.
type Limits struct {
	Windows    []Window    `yaml:"windows,omitempty" json:"windows,omitempty"`
	Extensions []Extension `yaml:"extensions,omitempty" json:"extensions,omitempty"`
	// DollarCapCents caps what the plan pays for acupuncture per benefit
	// year; nil means no cap.
	DollarCapCents *int64 `yaml:"dollar_cap_cents,omitempty" json:"dollar_cap_cents,omitempty"`
	// MaxUnitsPerVisit caps the billed time units of one visit (initial
	// code plus add-ons), e.g. Medi-Cal's 97810 + at most 2 × 97811; 0
	// means no documented cap.
	MaxUnitsPerVisit int `yaml:"max_units_per_visit,omitempty" json:"max_units_per_visit,omitempty"`
}

// Period is the span a visit window counts over.
type Period string

// Periods.
const (
	PerBenefitYear   Period = "benefit_year"
	PerCalendarYear  Period = "calendar_year"
	PerCalendarMonth Period = "calendar_month"
	PerRollingDays   Period = "rolling_days"
	// PerPatientYear counts the patient's own year: the month of the first
	// covered visit and the Months−1 full months after it (Months 12: the
	// month of the first service and the 11 full months following it).
	// The next such year starts with the first covered visit after it ends.
	PerPatientYear Period = "months_from_first_visit"
)

// Periods lists every valid Period.
var Periods = []Period{PerBenefitYear, PerCalendarYear, PerCalendarMonth, PerRollingDays, PerPatientYear}

// Window allows at most Visits covered visits per Period (Days long for
// rolling_days, Months long for months_from_first_visit). With Unit "units"
// the cap counts billed time units (each 97810/97811/97813/97814 line is one
// unit) instead of visits; Visits is then the number of units. Beyond says
// what happens past the cap: not_covered (the default) or authorization
// (covered only with a prior authorization, e.g. Medi-Cal's Treatment
// Authorization Request).
type Window struct {
	Period Period    `yaml:"period" json:"period"`
	Days   int       `yaml:"days,omitempty" json:"days,omitempty"`
	Months int       `yaml:"months,omitempty" json:"months,omitempty"`
	Visits int       `yaml:"visits" json:"visits"`
	Unit   LimitUnit `yaml:"unit,omitempty" json:"unit,omitempty"`
	Beyond Beyond    `yaml:"beyond,omitempty" json:"beyond,omitempty"`
	// WaivedBy names a yes/no patient fact that lifts the window when true
	// (e.g. age_under_21: Medicaid's EPSDT benefit is not capped).
	WaivedBy string `yaml:"waived_by,omitempty" json:"waived_by,omitempty"`
}

// Beyond is what a window's cap means once reached.
type Beyond string

// Beyond values; empty means BeyondNotCovered.
const (
	BeyondNotCovered    Beyond = "not_covered"
	BeyondAuthorization Beyond = "authorization"
)

// Units reports whether w counts billed units rather than visits.
func (w Window) Units() bool { return w.Unit == CountUnits }

// NeedsAuthorization reports whether visits past w's cap are covered with
// prior authorization rather than not covered.
func (w Window) NeedsAuthorization() bool { return w.Beyond == BeyondAuthorization }

// LimitUnit is what a visit window counts.
type LimitUnit string

// Limit units; empty means visits.
const (
	CountVisits LimitUnit = "visits"
	CountUnits  LimitUnit = "units"
)

// Extension raises every window's cap by Visits when the boolean patient fact
// Requires is true (e.g. 8 more visits when "improving"). Visits beyond the
// base caps are billed with Modifier, if set.
type Extension struct {
	Visits   int    `yaml:"visits" json:"visits"`
	Requires string `yaml:"requires" json:"requires"`
	Question string `yaml:"question" json:"question"`
	Modifier string `yaml:"modifier,omitempty" json:"modifier,omitempty"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
}

// AuthWhen says when prior authorization is needed.
type AuthWhen string

// Prior authorization kinds.
const (
	AuthNever       AuthWhen = "never"
	AuthAlways      AuthWhen = "always"
	AuthAfterVisits AuthWhen = "after_visits"
)

// PriorAuth is a rule's prior-authorization requirement. The zero value means
// never.
type PriorAuth struct {
	Required    AuthWhen `yaml:"required,omitempty" json:"required,omitempty"`
	AfterVisits int      `yaml:"after_visits,omitempty" json:"after_visits,omitempty"`
	Note        string   `yaml:"note,omitempty" json:"note,omitempty"`
}

// When returns the requirement, treating unset as AuthNever.
func (p PriorAuth) When() AuthWhen {
	if p.Required == "" {
		return AuthNever
	}
	return p.Required
}

// ProviderTypes lists the provider types a rule may name.
var ProviderTypes = []string{
	"physician", "pa", "np", "cns", "licensed_acupuncturist",
	"physical_therapist", "chiropractor", "dentist", "podiatrist",
}

// ProviderRule says whether a provider type may furnish covered acupuncture
// under a rule. A rule that lists providers covers only the types it marks
// eligible.
type ProviderRule struct {
	Type     string `yaml:"type" json:"type"`
	Eligible bool   `yaml:"eligible" json:"eligible"`
	// SupervisionRequired: covered only when the provider is supervised
	// (incident-to billing).
	SupervisionRequired bool     `yaml:"supervision_required,omitempty" json:"supervision_required,omitempty"`
	Credentials         []string `yaml:"credentials,omitempty" json:"credentials,omitempty"`
	// ConfirmCredentials: the credentials are asked (provider.credentials_met)
	// and the answer stays conditional until they are confirmed.
	ConfirmCredentials bool `yaml:"confirm_credentials,omitempty" json:"confirm_credentials,omitempty"`
	// Modifier is billed when this provider type's claim is not covered.
	Modifier string `yaml:"modifier,omitempty" json:"modifier,omitempty"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Billing is a rule's billing guidance. DeniedModifiers are billed on a
// visit the rule does not cover (Medicare: GA with an ABN on file), with
// DeniedNote saying what to do (e.g. give an ABN; GZ without one).
type Billing struct {
	CPT             []string   `yaml:"cpt,omitempty" json:"cpt,omitempty"`
	Modifiers       []Modifier `yaml:"modifiers,omitempty" json:"modifiers,omitempty"`
	Notes           []string   `yaml:"notes,omitempty" json:"notes,omitempty"`
	DeniedModifiers []string   `yaml:"denied_modifiers,omitempty" json:"denied_modifiers,omitempty"`
	DeniedNote      string     `yaml:"denied_note,omitempty" json:"denied_note,omitempty"`
}

// Modifier is a claim modifier and when to use it.
type Modifier struct {
	Code string `yaml:"code" json:"code"`
	When string `yaml:"when" json:"when"`
}

// Source is where a fact comes from: its title, address, the date it was
// read, and the sentence in it that supports the fact (Quote), copied as
// written so a reviewer can find it.
type Source struct {
	Title string `yaml:"title" json:"title"`
	URL   string `yaml:"url" json:"url"`
	Date  Date   `yaml:"date,omitempty" json:"date,omitzero"`
	Quote string `yaml:"quote,omitempty" json:"quote,omitempty"`
}

// FeeSchedule gives allowed amounts per CPT code for a plan (or, with Plan
// empty, for every plan of Payer) in one network, on [EffectiveFrom,
// EffectiveTo).
type FeeSchedule struct {
	ID            string           `yaml:"id" json:"id"`
	Name          string           `yaml:"name" json:"name"`
	Plan          string           `yaml:"plan,omitempty" json:"plan,omitempty"`
	Payer         string           `yaml:"payer,omitempty" json:"payer,omitempty"`
	Network       Network          `yaml:"network" json:"network"`
	EffectiveFrom Date             `yaml:"effective_from,omitempty" json:"effective_from,omitzero"`
	EffectiveTo   Date             `yaml:"effective_to,omitempty" json:"effective_to,omitzero"`
	AmountsCents  map[string]int64 `yaml:"amounts_cents" json:"amounts_cents"`
	Notes         []string         `yaml:"notes,omitempty" json:"notes,omitempty"`
	Sources       []Source         `yaml:"sources" json:"sources"`
}

// LicensureStatus says whether a state licenses acupuncturists.
type LicensureStatus string

// Licensure statuses.
const (
	Licensed    LicensureStatus = "licensed"
	NotLicensed LicensureStatus = "not_licensed"
	// LicensureUnknown: the catalog has not confirmed the state's rules.
	LicensureUnknown LicensureStatus = "unknown"
)

// Licensure is how one state regulates the practice of acupuncture by
// non-physicians: whether it licenses acupuncturists, under what title, and
// what it requires (e.g. NCCAOM certification).
type Licensure struct {
	State        string          `yaml:"state" json:"state"`
	Status       LicensureStatus `yaml:"status" json:"status"`
	Title        string          `yaml:"title,omitempty" json:"title,omitempty"`
	Requirements []string        `yaml:"requirements,omitempty" json:"requirements,omitempty"`
	Notes        []string        `yaml:"notes,omitempty" json:"notes,omitempty"`
	Sources      []Source        `yaml:"sources" json:"sources"`
}

// CashPrice is a clinic's typical self-pay price per visit in State (empty:
// the national default).
type CashPrice struct {
	State           string   `yaml:"state,omitempty" json:"state,omitempty"`
	FirstVisitCents int64    `yaml:"first_visit_cents" json:"first_visit_cents"`
	FollowUpCents   int64    `yaml:"follow_up_cents" json:"follow_up_cents"`
	Sources         []Source `yaml:"sources" json:"sources"`
}

// InForce reports whether [from, to) contains d; zero bounds are open.
func InForce(from, to, d Date) bool {
	return (from.IsZero() || !d.Before(from)) && (to.IsZero() || d.Before(to))
}

// spansOverlap reports whether [af, at) and [bf, bt) share a day.
func spansOverlap(af, at, bf, bt Date) bool {
	// a starts before b ends and b starts before a ends (zero = open).
	aBeforeBEnd := bt.IsZero() || af.IsZero() || af.Before(bt)
	bBeforeAEnd := at.IsZero() || bf.IsZero() || bf.Before(at)
	return aBeforeBEnd && bBeforeAEnd
}
