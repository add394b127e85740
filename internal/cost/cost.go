// Package cost estimates what a course of acupuncture will cost a patient and
// the plan, visit by visit. It is pure: Estimate reads an immutable
// catalog.Index and the request, takes no context, does no I/O or logging, and
// gets every date from the request (start_date), never from the clock.
//
// Estimate works in three steps:
//
//  1. Validate the request and answer the coverage question for start_date
//     with coverage.Decide (the response's "coverage").
//  2. Lay out the visit dates (see Course) and, for each visit in date order,
//     decide whether it is covered with coverage.Check — the rule check
//     coverage.Decide itself uses — counting the accumulators plus the
//     course's own earlier covered visits (benefit year, calendar month,
//     rolling days).
//  3. Price each visit (codes, allowed and billed amounts) and split it into
//     deductible, copay, coinsurance, plan and patient shares with integer
//     cents (see Split for the order and rounding).
//
// A visit that is not covered, beyond a limit, conditional on unanswered
// criteria, or has no cost-sharing terms in the catalog is self-pay: the
// patient pays the billed amount, the plan pays nothing, and its allowed
// amount is reported as 0.
//
// A course's rule criteria and provider are checked once per course, not
// once per visit.
package cost

import (
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
)

// Request is one estimate question. It is also the wire format of
// POST /v1/estimates: the handler decodes it, calls Estimate and encodes the
// Breakdown. Plan, State, Condition (slug or ICD-10-CM code) and StartDate are
// required; everything else has a default.
type Request struct {
	Plan      string       `json:"plan"`
	State     string       `json:"state"`
	Condition string       `json:"condition"`
	StartDate catalog.Date `json:"start_date"`
	Course    Course       `json:"course"`
	// Network is "in" (the default when empty) or "out".
	Network      catalog.Network `json:"network,omitempty"`
	Accumulators Accumulators    `json:"accumulators"`
	// ChargeCents is the clinic's charge per visit (for the visit's codes).
	// When nil the catalog's cash price for the state is used: the first
	// visit of the course at the first-visit price, later visits at the
	// follow-up price. Only a charge the caller gives is compared with the
	// fee schedule ("lesser of billed and allowed"): the catalog's cash
	// price is a self-pay price per visit, not a charge for the same codes.
	ChargeCents *int64 `json:"charge_cents,omitempty"`
	// Clinic names the clinic whose own cash prices and contracted rates
	// price the estimate (see EstimateAt, which takes its record; Estimate
	// refuses a clinic it was not given).
	Clinic   string             `json:"clinic,omitempty"`
	Patient  *coverage.Patient  `json:"patient,omitempty"`
	Provider *coverage.Provider `json:"provider,omitempty"`
}

// Course is the planned treatment. Give exactly one form: VisitsPerWeek (1–7)
// with Weeks (1–52), or Visits (1–365) with an optional VisitsPerWeek spacing
// (default 2).
//
// Visit dates: the course runs in weeks of 7 days from start_date. Visit k
// (0-based) of a week falls on day floor(k×7/visits_per_week) of that week, so
// 2 a week are on days 0 and 3, 3 a week on days 0, 2 and 4.
type Course struct {
	VisitsPerWeek *int `json:"visits_per_week,omitempty"`
	Weeks         *int `json:"weeks,omitempty"`
	Visits        *int `json:"visits,omitempty"`
	// MinutesPerVisit is 15–60 in steps of 15; nil means 30. A visit of N
	// minutes bills the initial code plus N/15 − 1 add-on units.
	MinutesPerVisit *int `json:"minutes_per_visit,omitempty"`
	// OneOnOneMinutes is the practitioner's personal one-on-one contact
	// time per visit (needle retention without contact is not billable);
	// when given it decides the units by the CPT time-unit rule (8–22
	// minutes 1 unit, 23–37 2, 38–52 3, 53–67 4) instead of
	// MinutesPerVisit.
	OneOnOneMinutes *int `json:"one_on_one_minutes,omitempty"`
	// Electroacupuncture asks for 97813/97814 instead of 97810/97811. It is
	// estimated as manual acupuncture when a safety flag (pacemaker, AICD)
	// or the plan's rule rules it out; the assumptions say so.
	Electroacupuncture bool `json:"electroacupuncture,omitempty"`
}

// Accumulators are the patient's benefit-year totals before start_date.
// Deductible and out-of-pocket amounts are in cents; visit counts are covered
// acupuncture visits (VisitsThisYear over the plan's benefit year,
// VisitsLast90Days over the 90 days before start_date, VisitsThisMonth over
// start_date's calendar month). All must be ≥ 0. In a Breakdown they are the
// totals after the last visit, in the last visit's benefit year.
type Accumulators struct {
	DeductibleMetCents int64 `json:"deductible_met_cents"`
	OOPMetCents        int64 `json:"oop_met_cents"`
	VisitsThisYear     int   `json:"visits_this_year"`
	VisitsLast90Days   int   `json:"visits_last_90_days"`
	VisitsThisMonth    int   `json:"visits_this_month"`
	// UnitsThisYear counts billed time units over the benefit year, for
	// rules that count units (Minnesota).
	UnitsThisYear int `json:"units_this_year"`
	// FirstVisitDate is the first covered visit of the patient's current
	// year, for rules that count the patient's year (Medicare: the month
	// of the first visit and the 11 full months after it); VisitsThisYear
	// then counts the visits since it. Nil: unknown.
	FirstVisitDate *catalog.Date `json:"first_visit_date,omitempty"`
}

// Breakdown is the estimate: the wire format of the POST /v1/estimates
// response. Lists are never null.
type Breakdown struct {
	// Coverage is the coverage decision for start_date, with the caller's
	// patient, provider and accumulator visit counts.
	Coverage          coverage.Decision `json:"coverage"`
	Network           catalog.Network   `json:"network"`
	Visits            []Visit           `json:"visits"`
	Totals            Totals            `json:"totals"`
	AccumulatorsAfter Accumulators      `json:"accumulators_after"`
	// Summary says how many of the course's visits are covered, so a
	// covered coverage.status never hides visits that are not.
	Summary Summary `json:"summary"`
	// Assumptions say, in plain words, what the estimate took for granted
	// (fee schedule and its date, cash price, spacing, unknowns). An
	// estimate is never a guarantee of payment.
	Assumptions []string `json:"assumptions"`
}

// Visit is one visit of the course and its money. For a covered visit
// PlanCents + PatientCents == AllowedCents + BalanceBilledCents, and
// PatientCents == DeductibleCents + CopayCents + CoinsuranceCents +
// OverCapCents + BalanceBilledCents. For a visit that is not covered
// (Covered false, Reason set) the patient pays BilledCents, and AllowedCents,
// PlanCents and every share are 0.
type Visit struct {
	N     int          `json:"n"`
	Date  catalog.Date `json:"date"`
	Codes []string     `json:"codes"` // one entry per unit, e.g. ["97810","97811"]
	// Modifiers are billed with the visit, e.g. KX on Medicare visits 13–20.
	Modifiers []string `json:"modifiers"`
	// Status is the visit's coverage: covered, not_covered, conditional
	// (criteria unanswered; priced as self-pay) or unknown.
	Status                     catalog.Status `json:"status"`
	Covered                    bool           `json:"covered"`
	Reason                     string         `json:"reason,omitempty"`
	PriorAuthorizationRequired bool           `json:"prior_authorization_required"`
	BilledCents                int64          `json:"billed_cents"`
	AllowedCents               int64          `json:"allowed_cents"`
	DeductibleCents            int64          `json:"deductible_cents"`
	CopayCents                 int64          `json:"copay_cents"`
	CoinsuranceCents           int64          `json:"coinsurance_cents"`
	// OverCapCents is what the plan would have paid beyond its benefit-year
	// dollar cap; the patient owes it and it does not count toward the
	// out-of-pocket maximum.
	OverCapCents int64 `json:"over_cap_cents"`
	// BalanceBilledCents is the billed charge above the allowed amount that
	// an out-of-network provider may bill; it does not count toward the
	// out-of-pocket maximum.
	BalanceBilledCents int64 `json:"balance_billed_cents"`
	PlanCents          int64 `json:"plan_cents"`
	PatientCents       int64 `json:"patient_cents"`
}

// Summary is the course at a glance: visits by status, whether only part of
// the course is covered, and a plain-words line saying which visits are
// which.
type Summary struct {
	// Status is covered (every visit), not_covered (none), partial (some
	// visits covered, others not or not yet known), conditional (none
	// covered, some conditional) or unknown.
	Status            string `json:"status"`
	CoveredVisits     int    `json:"covered_visits"`
	NotCoveredVisits  int    `json:"not_covered_visits"`
	ConditionalVisits int    `json:"conditional_visits"`
	UnknownVisits     int    `json:"unknown_visits"`
	PartiallyCovered  bool   `json:"partially_covered"`
	Text              string `json:"text"`
}

// Totals are the sums over the course's visits.
type Totals struct {
	Visits             int   `json:"visits"`
	CoveredVisits      int   `json:"covered_visits"`
	BilledCents        int64 `json:"billed_cents"`
	AllowedCents       int64 `json:"allowed_cents"`
	PlanCents          int64 `json:"plan_cents"`
	PatientCents       int64 `json:"patient_cents"`
	DeductibleCents    int64 `json:"deductible_cents"`
	CopayCents         int64 `json:"copay_cents"`
	CoinsuranceCents   int64 `json:"coinsurance_cents"`
	OverCapCents       int64 `json:"over_cap_cents"`
	BalanceBilledCents int64 `json:"balance_billed_cents"`
}

func (t *Totals) add(v *Visit) {
	t.Visits++
	if v.Covered {
		t.CoveredVisits++
	}
	t.BilledCents += v.BilledCents
	t.AllowedCents += v.AllowedCents
	t.PlanCents += v.PlanCents
	t.PatientCents += v.PatientCents
	t.DeductibleCents += v.DeductibleCents
	t.CopayCents += v.CopayCents
	t.CoinsuranceCents += v.CoinsuranceCents
	t.OverCapCents += v.OverCapCents
	t.BalanceBilledCents += v.BalanceBilledCents
}
