// Package gfe builds a Good Faith Estimate for an uninsured or self-pay
// patient (No Surprises Act, PHS Act §2799B-6, 45 CFR 149.610) for a course
// of acupuncture at one clinic, priced at the clinic's own cash prices, and
// renders it as JSON, a printable HTML page, a PDF and a Da Vinci Patient
// Cost Transparency style FHIR R4 Bundle.
//
// It is pure: Build takes the clinic, the catalog index (for the diagnosis
// codes) and the request, and every date comes in the request. It stores,
// sends and signs nothing; the number is the caller's.
//
// Sources (read 2026-12-04):
//   - 45 CFR 149.610(c), as printed in the interim final rule, Federal
//     Register Vol. 86, No. 192, October 7, 2021 (a transcription at
//     https://www.dateas.com/es/docs/federal-register/2021/10/07?page=459),
//     and its list of contents as summarized at
//     https://wasabiwell.com/good-faith-estimate/.
//   - CMS standard form "Good Faith Estimate for Health Care Items and
//     Services" (CMS-10791, Appendix 2,
//     https://omb.report/icr/202109-0938-015/doc/115259501) and the patient
//     wording providers copy from it (e.g.
//     https://www.eccfcounseling.com/good-faith-estimate/).
package gfe

import (
	"github.com/acucover/acucover/internal/catalog"
)

// GFE is a Good Faith Estimate. Every element §149.610(c)(1) requires has a
// field; the comments cite the paragraph. Money is integer cents. Lists are
// never null.
type GFE struct {
	// Number identifies the estimate; the caller gives it.
	Number string       `json:"number"`
	Issued catalog.Date `json:"issued"`
	// (c)(1)(i) "Patient name and date of birth."
	Patient Patient `json:"patient"`
	// (c)(1)(ii) "Description of the primary item or service in clear and
	// understandable language, and if applicable, the date the primary item
	// or service is scheduled."
	PrimaryService PrimaryService `json:"primary_service"`
	// The period of care the estimate covers (at most 12 months).
	PeriodOfCare Period `json:"period_of_care"`
	// Diagnoses are the ICD-10-CM codes, normalized (M54.50).
	Diagnoses []string `json:"diagnoses"`
	// (c)(1)(iii)-(v) the itemized list grouped by provider, with each
	// provider's name, NPI, TIN and locations.
	Providers []Provider `json:"providers"`
	// TotalCents is the sum of every provider's total.
	TotalCents int64 `json:"total_cents"`
	// (c)(1)(vi)-(vii) items or services to be scheduled separately, with
	// how to get their good faith estimates.
	ScheduledSeparately []SeparateService `json:"scheduled_separately"`
	// (c)(1)(viii)-(xi) and the standard form's notices, in order.
	Disclaimers []Disclaimer `json:"disclaimers"`
	// VisitDates is the planned schedule the items were counted from.
	VisitDates []catalog.Date `json:"visit_dates"`
	// Assumptions say in plain words how the estimate was made (prices,
	// units, discount and its rounding).
	Assumptions []string `json:"assumptions"`
}

// Patient is who the estimate is for.
type Patient struct {
	Name        string       `json:"name"`
	DateOfBirth catalog.Date `json:"date_of_birth"`
}

// PrimaryService is the primary item or service in plain words.
type PrimaryService struct {
	Description   string       `json:"description"`
	ScheduledDate catalog.Date `json:"scheduled_date"`
}

// Period is [From, To], both days included.
type Period struct {
	From catalog.Date `json:"from"`
	To   catalog.Date `json:"to"`
}

// Provider is one provider block: who furnishes the items, where, and the
// items with their expected charges.
type Provider struct {
	Name      string     `json:"name"`
	NPI       string     `json:"npi"`
	TIN       string     `json:"tin"`
	Locations []Location `json:"locations"`
	Items     []Item     `json:"items"`
	// TotalCents is the sum of the items' ExpectedCents.
	TotalCents int64 `json:"total_cents"`
	// SlidingScale is set when the clinic's discount was applied.
	SlidingScale *Discount `json:"sliding_scale,omitempty"`
}

// Location is where the items are expected to be furnished.
type Location struct {
	Name           string   `json:"name,omitempty"`
	AddressLines   []string `json:"address_lines"`
	City           string   `json:"city"`
	State          string   `json:"state"`
	ZIP            string   `json:"zip"`
	PlaceOfService string   `json:"place_of_service"`
}

// Discount is the sliding-scale discount applied to a provider's items.
type Discount struct {
	BasisPoints int    `json:"basis_points"`
	Eligibility string `json:"eligibility"`
}

// Item is one line of the itemized list: a service code, its quantity over
// the period of care and its expected charge. ChargeCents = UnitPriceCents ×
// Quantity; ExpectedCents = ChargeCents − DiscountCents.
type Item struct {
	Description    string   `json:"description"`
	ServiceCode    string   `json:"service_code"` // CPT
	DiagnosisCodes []string `json:"diagnosis_codes"`
	Quantity       int      `json:"quantity"`
	UnitPriceCents int64    `json:"unit_price_cents"`
	ChargeCents    int64    `json:"charge_cents"`
	DiscountCents  int64    `json:"discount_cents"`
	ExpectedCents  int64    `json:"expected_cents"`
	PlaceOfService string   `json:"place_of_service"`
}

// SeparateService is an item or service the patient will need that must be
// scheduled or requested separately and is not priced here.
type SeparateService struct {
	Description string `json:"description"`
	// HowToGetGFE tells the patient how to get a good faith estimate for it.
	HowToGetGFE string `json:"how_to_get_gfe"`
}

// Disclaimer is one required notice. Key names it for programs and tests.
type Disclaimer struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Text  string `json:"text"`
}
