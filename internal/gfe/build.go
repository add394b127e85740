package gfe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
)

// Request asks for one Good Faith Estimate.
type Request struct {
	// Number identifies the estimate (1–64 printable characters); storage
	// will assign it later, for now the caller does.
	Number string
	Clinic *clinic.Clinic
	// Location is the id of the clinic location where the course is
	// furnished; it may be empty when the clinic has one location.
	Location  string
	Patient   Patient
	Diagnoses []string // ICD-10-CM codes, 1–12
	Course    Course
	// ScheduledDate is the date of the first visit (the primary service);
	// Issued is the date the estimate is given, on or before it.
	ScheduledDate catalog.Date
	Issued        catalog.Date
	// PeriodEnd optionally extends the period of care beyond the last
	// planned visit. The period runs from ScheduledDate and may not exceed
	// 12 months.
	PeriodEnd catalog.Date
	// SlidingScaleEligible applies the clinic's sliding-scale discount; the
	// clinic decides eligibility, acucover does not check it.
	SlidingScaleEligible bool
	ScheduledSeparately  []SeparateService
}

// Course is the planned treatment, in the same two forms as the cost
// estimator's course: VisitsPerWeek (1–7) with Weeks (1–52), or Visits
// (1–365) with an optional VisitsPerWeek spacing (default 2).
//
// This package lays out the dates itself (internal/cost's layout is not
// exported), with the same rule: the course runs in weeks of 7 days from
// the scheduled date, and visit k (0-based) of a week falls on day
// floor(k×7/visits_per_week) of that week.
type Course struct {
	VisitsPerWeek *int `json:"visits_per_week,omitempty"`
	Weeks         *int `json:"weeks,omitempty"`
	Visits        *int `json:"visits,omitempty"`
	// MinutesPerVisit is 15–60 in steps of 15 (default 30) of personal
	// one-on-one contact: the first 15 minutes bill the initial code (97810,
	// or 97813 with electrical stimulation), each further 15 minutes one
	// add-on unit (97811 or 97814).
	MinutesPerVisit    *int `json:"minutes_per_visit,omitempty"`
	Electroacupuncture bool `json:"electroacupuncture,omitempty"`
}

// Problem is one thing wrong with a request, with the field it is in.
type Problem struct {
	Field string `json:"field"`
	Msg   string `json:"message"`
}

// Problems is the error Build returns for a bad request: everything wrong
// with it at once. It is the caller's mistake (a 4xx), never the server's.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + ": " + p.Msg
	}
	return "invalid good faith estimate request: " + strings.Join(parts, "; ")
}

// Codes and their plain-language descriptions (CPT descriptors as quoted in
// DOMAIN.md, reworded for patients).
var codeText = map[string]string{
	"97810": "Acupuncture, first 15 minutes of one-on-one time (without electrical stimulation)",
	"97811": "Acupuncture, each additional 15 minutes with re-insertion of needles (without electrical stimulation)",
	"97813": "Acupuncture with electrical stimulation, first 15 minutes of one-on-one time",
	"97814": "Acupuncture with electrical stimulation, each additional 15 minutes with re-insertion of needles",
}

// MaxPeriodMonths is the longest period of care one estimate may cover.
const MaxPeriodMonths = 12

// Build makes the Good Faith Estimate, or returns Problems. Diagnosis codes
// must have the ICD-10-CM shape; ix, when not nil, also refuses codes the
// catalog knows were deleted from ICD-10-CM before the scheduled date
// (catalog.Index.ResolveCondition), such as M54.5 after 2021-09-30. Codes
// the catalog has no condition for are accepted: an estimate is not a
// coverage decision.
func Build(ix *catalog.Index, req Request) (*GFE, error) {
	var ps Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if n := req.Number; n == "" || len(n) > 64 || !printable(n) {
		add("number", "give the estimate a number of 1 to 64 printable characters")
	}
	if req.Clinic == nil {
		add("clinic", "the clinic is required")
	} else if cps := req.Clinic.Validate("clinic"); cps != nil {
		for _, p := range cps {
			add(p.Path, "%s", p.Msg)
		}
	}
	name := strings.TrimSpace(req.Patient.Name)
	if name == "" || utf8.RuneCountInString(name) > 200 || !printable(name) {
		add("patient.name", "the patient's name is required (at most 200 characters)")
	}
	if req.ScheduledDate.IsZero() {
		add("scheduled_date", "the date of the first visit is required")
	}
	if req.Issued.IsZero() {
		add("issued", "the date the estimate is issued is required")
	} else if !req.ScheduledDate.IsZero() && req.Issued.After(req.ScheduledDate) {
		add("issued", "the estimate is issued %s, after the first visit on %s: it must be given before care starts", req.Issued, req.ScheduledDate)
	}
	dob := req.Patient.DateOfBirth
	switch {
	case dob.IsZero():
		add("patient.date_of_birth", "the patient's date of birth is required")
	case dob.Before(catalog.NewDate(1900, 1, 1)) || (!req.Issued.IsZero() && dob.After(req.Issued)):
		add("patient.date_of_birth", "%s is not a plausible date of birth", dob)
	}
	diags := diagnoses(ix, req.Diagnoses, req.ScheduledDate, add)

	minutes, perWeek, visits, plan := courseShape(req.Course, add)

	var loc *clinic.Location
	if req.Clinic != nil {
		switch {
		case req.Location != "":
			if loc = req.Clinic.Location(req.Location); loc == nil {
				add("location", "the clinic has no location %q", req.Location)
			}
		case len(req.Clinic.Locations) == 1:
			loc = &req.Clinic.Locations[0]
		default:
			add("location", "the clinic has %d locations: say which one", len(req.Clinic.Locations))
		}
	}
	for i, s := range req.ScheduledSeparately {
		f := "scheduled_separately[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(s.Description) == "" {
			add(f+".description", "describe the item or service")
		}
		if strings.TrimSpace(s.HowToGetGFE) == "" {
			add(f+".how_to_get_gfe", "say how the patient gets a good faith estimate for it")
		}
	}
	if len(ps) > 0 || req.ScheduledDate.IsZero() {
		return nil, ps
	}

	dates := layout(req.ScheduledDate, visits, perWeek)
	period := Period{From: req.ScheduledDate, To: dates[len(dates)-1]}
	if !req.PeriodEnd.IsZero() {
		if req.PeriodEnd.Before(period.To) {
			add("period_end", "%s is before the last planned visit on %s", req.PeriodEnd, period.To)
		} else {
			period.To = req.PeriodEnd
		}
	}
	limit := catalog.DateOf(period.From.Time().AddDate(0, MaxPeriodMonths, 0))
	if !period.To.Before(limit) {
		add("course", "the period of care %s to %s is longer than %d months; one good faith estimate may cover at most %d months (issue another for the rest)",
			period.From, period.To, MaxPeriodMonths, MaxPeriodMonths)
	}
	if len(ps) > 0 {
		return nil, ps
	}

	c := req.Clinic
	initial, addOn := "97810", "97811"
	if req.Course.Electroacupuncture {
		initial, addOn = "97813", "97814"
	}
	units := minutes / 15
	// Count units per (code, unit price): a price change mid-course gives
	// the code a second line.
	type key struct {
		code  string
		price int64
	}
	var order []key
	qty := map[key]int{}
	missing := map[string]catalog.Date{}
	count := func(code string, d catalog.Date, n int) {
		price, ok := c.CashPrice(code, d)
		if !ok {
			if _, seen := missing[code]; !seen {
				missing[code] = d
				add("clinic.cash_prices", "the clinic has no cash price for %s on %s", code, d)
			}
			return
		}
		k := key{code, price}
		if _, seen := qty[k]; !seen {
			order = append(order, k)
		}
		qty[k] += n
	}
	for _, d := range dates {
		count(initial, d, 1)
		if units > 1 {
			count(addOn, d, units-1)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}

	prov := Provider{
		Name:      c.Name,
		NPI:       c.NPI,
		TIN:       formatTIN(c.TIN),
		Locations: []Location{{Name: loc.Name, AddressLines: append([]string{}, loc.AddressLines...), City: loc.City, State: loc.State, ZIP: loc.ZIP, PlaceOfService: loc.PlaceOfService}},
	}
	var scale *clinic.SlidingScale
	if req.SlidingScaleEligible && c.SlidingScale != nil {
		scale = c.SlidingScale
		prov.SlidingScale = &Discount{BasisPoints: scale.BasisPoints, Eligibility: scale.Eligibility}
	}
	for _, k := range order {
		it := Item{
			Description:    codeText[k.code],
			ServiceCode:    k.code,
			DiagnosisCodes: append([]string{}, diags...),
			Quantity:       qty[k],
			UnitPriceCents: k.price,
			ChargeCents:    k.price * int64(qty[k]),
			PlaceOfService: loc.PlaceOfService,
		}
		it.DiscountCents = scale.Discount(it.ChargeCents)
		it.ExpectedCents = it.ChargeCents - it.DiscountCents
		prov.Items = append(prov.Items, it)
		prov.TotalCents += it.ExpectedCents
	}

	g := &GFE{
		Number:  req.Number,
		Issued:  req.Issued,
		Patient: Patient{Name: name, DateOfBirth: dob},
		PrimaryService: PrimaryService{
			Description:   describe(visits, perWeek, minutes, plan, req.Course.Electroacupuncture),
			ScheduledDate: req.ScheduledDate,
		},
		PeriodOfCare:        period,
		Diagnoses:           diags,
		Providers:           []Provider{prov},
		TotalCents:          prov.TotalCents,
		ScheduledSeparately: append([]SeparateService{}, req.ScheduledSeparately...),
		Disclaimers:         Disclaimers(),
		VisitDates:          dates,
	}
	g.Assumptions = []string{
		"Prices are " + c.Name + "'s own cash (self-pay) prices per unit on each visit's date.",
		fmt.Sprintf("Each %d-minute visit is billed as %s for the first 15 minutes of one-on-one time", minutes, initial) +
			map[bool]string{true: fmt.Sprintf(" and %d × %s for each further 15 minutes.", units-1, addOn), false: "."}[units > 1],
		"Visit dates: " + strconv.Itoa(visits) + " visits, " + strconv.Itoa(perWeek) + " a week from " + req.ScheduledDate.String() +
			"; in each 7-day week, visit k (counting from 0) falls on day floor(k×7/" + strconv.Itoa(perWeek) + ").",
	}
	if scale != nil {
		g.Assumptions = append(g.Assumptions, fmt.Sprintf("Sliding-scale discount of %s applied to each line's charge, rounded half up to the cent (eligibility: %s).",
			Percent(scale.BasisPoints), strings.TrimSuffix(scale.Eligibility, ".")))
	}
	return g, nil
}

// diagnoses normalizes and checks the codes.
func diagnoses(ix *catalog.Index, codes []string, on catalog.Date, add func(string, string, ...any)) []string {
	if len(codes) == 0 || len(codes) > 12 {
		add("diagnoses", "give 1 to 12 ICD-10-CM diagnosis codes")
		return nil
	}
	out := make([]string, 0, len(codes))
	seen := map[string]bool{}
	for i, raw := range codes {
		f := "diagnoses[" + strconv.Itoa(i) + "]"
		if !catalog.LooksLikeICD10(raw) {
			add(f, "%q is not an ICD-10-CM code (e.g. M54.50)", raw)
			continue
		}
		code, err := catalog.NormalizeICD10(raw)
		if err != nil {
			add(f, "%v", err)
			continue
		}
		if ix != nil && !on.IsZero() {
			// A code the catalog has no condition for (a secondary code
			// such as G89.29) is fine on an estimate; one deleted from
			// ICD-10-CM before the visit is not.
			if _, err := ix.ResolveCondition(code, on); err != nil && !errors.Is(err, catalog.ErrUnknownCondition) {
				add(f, "%v", err)
				continue
			}
		}
		if !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	return out
}

// courseShape checks the course and returns minutes per visit, visits per
// week, the number of visits and the weeks form (0 for the visits form).
func courseShape(c Course, add func(string, string, ...any)) (minutes, perWeek, visits, weeks int) {
	minutes = 30
	if c.MinutesPerVisit != nil {
		minutes = *c.MinutesPerVisit
		if minutes < 15 || minutes > 60 || minutes%15 != 0 {
			add("course.minutes_per_visit", "%d is not 15, 30, 45 or 60", minutes)
		}
	}
	perWeek = 2
	if c.VisitsPerWeek != nil {
		perWeek = *c.VisitsPerWeek
		if perWeek < 1 || perWeek > 7 {
			add("course.visits_per_week", "%d is not 1 to 7", perWeek)
			perWeek = 1
		}
	}
	switch {
	case c.Visits != nil && c.Weeks != nil:
		add("course", "give visits_per_week with weeks, or visits, not both")
	case c.Weeks != nil:
		if c.VisitsPerWeek == nil {
			add("course.visits_per_week", "weeks needs visits_per_week")
		}
		weeks = *c.Weeks
		if weeks < 1 || weeks > 52 {
			add("course.weeks", "%d is not 1 to 52", weeks)
			weeks = 1
		}
		visits = weeks * perWeek
	case c.Visits != nil:
		visits = *c.Visits
		if visits < 1 || visits > 365 {
			add("course.visits", "%d is not 1 to 365", visits)
			visits = 1
		}
	default:
		add("course", "give visits_per_week with weeks, or visits")
		visits = 1
	}
	return minutes, perWeek, visits, weeks
}

// layout returns the visit dates: weeks of 7 days from start, visit k of a
// week on day floor(k×7/perWeek).
func layout(start catalog.Date, visits, perWeek int) []catalog.Date {
	out := make([]catalog.Date, 0, visits)
	for n := 0; n < visits; n++ {
		week, k := n/perWeek, n%perWeek
		out = append(out, start.AddDays(week*7+k*7/perWeek))
	}
	return out
}

func describe(visits, perWeek, minutes, weeks int, electro bool) string {
	kind := "Acupuncture"
	if electro {
		kind = "Acupuncture with electrical stimulation (electroacupuncture)"
	}
	s := fmt.Sprintf("%s: a course of %d %s of about %d minutes of one-on-one treatment each", kind, visits, plural(visits, "visit", "visits"), minutes)
	if weeks > 0 {
		s += fmt.Sprintf(", %d a week for %d %s", perWeek, weeks, plural(weeks, "week", "weeks"))
	} else {
		s += fmt.Sprintf(", about %d a week", perWeek)
	}
	return s + "."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Percent writes basis points as a percentage: 2500 → "25%", 1250 →
// "12.5%", 1 → "0.01%".
func Percent(bp int) string {
	s := strconv.Itoa(bp/100) + "." + fmt.Sprintf("%02d", bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

func formatTIN(tin string) string {
	if d, ok := clinic.TINDigits(tin); ok {
		return d[:2] + "-" + d[2:]
	}
	return tin
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}
