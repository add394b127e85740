package cost

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/coverage"
)

// CPT codes for acupuncture: an initial 15 minutes and each additional 15.
const (
	cptManual        = "97810"
	cptManualAddOn   = "97811"
	cptElectro       = "97813"
	cptElectroAddOn  = "97814"
	rollingAccumDays = 90
)

// Estimate prices the course in req visit by visit against the catalog ix.
//
// Errors: validation errors are *coverage.InputError, wrapping
// coverage.ErrInvalidInput (400) or coverage.ErrContradictory (422), with
// the field they are about; lookup errors wrap
// catalog.ErrUnknownPlan, ErrUnknownState, ErrPlanNotOffered,
// ErrUnknownCondition, ErrMalformedCode or ErrRetiredCode (all from
// coverage.Decide for start_date). A course the catalog cannot price (no
// cash price and no charge_cents) is ErrInvalidInput naming charge_cents.
// Every other outcome, including "not covered" and "unknown", is a Breakdown.
//
// The condition is resolved on start_date and kept for the whole course, so a
// course that runs past an ICD-10-CM code's deletion date is still estimated.
func Estimate(ix *catalog.Index, req Request) (Breakdown, error) {
	if req.Clinic != "" {
		return Breakdown{}, coverage.Invalid("clinic", "clinic "+strconvQuote(req.Clinic)+" is not known here")
	}
	return estimate(ix, req, nil)
}

// estimate is Estimate and EstimateAt: cl, when not nil, is the clinic
// whose prices apply.
func estimate(ix *catalog.Index, req Request, cl *clinic.Clinic) (Breakdown, error) {
	cp, err := req.check()
	if err != nil {
		return Breakdown{}, err
	}
	network := req.Network
	if network == "" {
		network = catalog.InNetwork
	}
	acc := req.Accumulators
	dec, err := coverage.Decide(ix, coverage.Query{
		Plan: req.Plan, State: req.State, Condition: req.Condition, Date: req.StartDate,
		Patient: req.Patient, Provider: req.Provider,
		Usage: &coverage.Usage{VisitsThisYear: &acc.VisitsThisYear, VisitsLast90Days: &acc.VisitsLast90Days, VisitsThisMonth: &acc.VisitsThisMonth},
	})
	if err != nil {
		return Breakdown{}, err
	}
	plan, err := ix.PlanIn(req.Plan, req.State)
	if err != nil {
		return Breakdown{}, err // unreachable: Decide resolved it
	}
	part, err := participation(plan, &req)
	if err != nil {
		return Breakdown{}, err
	}
	e := estimator{part: part,
		ix: ix, req: &req, plan: plan, cond: dec.Condition.ID, network: network, cp: cp,
		checker: coverage.NewChecker(ix, req.Patient, req.Provider),
		out:     Breakdown{Coverage: dec, Network: network, Visits: make([]Visit, 0, cp.visits)},
		clinic:  cl,
	}
	if err := e.prices(); err != nil {
		return Breakdown{}, err
	}
	if cl != nil {
		if err := e.clinicNetwork(); err != nil {
			return Breakdown{}, err
		}
	}
	if part == coverage.Participating && (req.Provider == nil || req.Provider.MedicareParticipation == "") {
		e.assume(plan.Name + " has no network: the provider is assumed to participate (accept assignment: the fee schedule amount in full). Give provider.medicare_participation for a non-participating (95% of the fee schedule, up to the 115% limiting charge) or opted-out (private contract, self-pay) provider.")
	}
	e.codes(dec)
	if cl != nil {
		if err := e.clinicBilled(); err != nil {
			return Breakdown{}, err
		}
	}
	e.run()
	e.summarize()
	return e.out, nil
}

// participation checks the network and Medicare participation against the
// plan and returns the participation in force ("" for a plan with
// networks). Original Medicare has no network: "out" is a contradiction, as
// is "in" with a provider that does not participate.
func participation(plan *catalog.Plan, req *Request) (string, error) {
	var part string
	if req.Provider != nil {
		part = req.Provider.MedicareParticipation
	}
	if plan.NetworkModel != catalog.MedicareAssignment {
		return "", nil // Decide has refused a participation for a plan with networks
	}
	switch {
	case req.Network == catalog.OutNetwork:
		return "", coverage.Contradictory("network", plan.Name+" has no network, so network \"out\" does not apply: give provider.medicare_participation (participating, non_participating or opted_out) instead")
	case req.Network == catalog.InNetwork && part != "" && part != coverage.Participating:
		return "", coverage.Contradictory("network", "network \"in\" contradicts provider.medicare_participation "+strconvQuote(part)+": "+plan.Name+" has no network; leave network out")
	case part == "":
		return coverage.Participating, nil
	}
	return part, nil
}

func strconvQuote(s string) string { return strconv.Quote(s) }

// summarize counts the visits by status and says in plain words which are
// covered.
func (e *estimator) summarize() {
	s := &e.out.Summary
	var runs []string
	cur, from := catalog.Status(""), 0
	flush := func(to int) {
		if cur == "" {
			return
		}
		r := "visit " + strconv.Itoa(from)
		if to > from {
			r = "visits " + strconv.Itoa(from) + "–" + strconv.Itoa(to)
		}
		runs = append(runs, r+" "+statusWords(cur))
	}
	for _, v := range e.out.Visits {
		switch v.Status {
		case catalog.Covered:
			s.CoveredVisits++
		case catalog.NotCovered:
			s.NotCoveredVisits++
		case catalog.Conditional:
			s.ConditionalVisits++
		default:
			s.UnknownVisits++
		}
		if v.Status != cur {
			flush(v.N - 1)
			cur, from = v.Status, v.N
		}
	}
	flush(len(e.out.Visits))
	n := len(e.out.Visits)
	switch {
	case s.CoveredVisits == n:
		s.Status = "covered"
	case s.CoveredVisits > 0:
		s.Status, s.PartiallyCovered = "partial", true
	case s.ConditionalVisits > 0:
		s.Status = "conditional"
	case s.NotCoveredVisits == n:
		s.Status = "not_covered"
	default:
		s.Status = "unknown"
	}
	s.Text = strconv.Itoa(s.CoveredVisits) + " of " + strconv.Itoa(n) + " visits covered: " + strings.Join(runs, "; ") + "."
}

func statusWords(s catalog.Status) string {
	switch s {
	case catalog.Covered:
		return "covered"
	case catalog.NotCovered:
		return "not covered (self-pay)"
	case catalog.Conditional:
		return "conditional (covered only if the questions are answered yes; priced as self-pay)"
	}
	return "unknown (priced as self-pay)"
}

// estimator carries one Estimate call's state.
type estimator struct {
	ix      *catalog.Index
	req     *Request
	plan    *catalog.Plan
	cond    string
	network catalog.Network
	cp      plan
	out     Breakdown
	// part is the provider's Medicare participation ("" for plans with
	// networks).
	part string
	// feeSum is the fee schedule's amount for one visit's codes (before the
	// non-participating reduction), kept for the limiting charge.
	limiting int64

	firstCents, followCents int64
	visitCodes              []string
	initial, addOn          string
	units                   int64

	// noted dedupes assumptions (and marks one-time notes by key): a
	// handful per estimate, so a slice.
	noted []string

	// lastFS and lastAllowed remember the previous visit's fee schedule and
	// amount: a course rarely changes schedule.
	lastFS      *catalog.FeeSchedule
	lastAllowed int64

	// checker checks each visit; check is reused by every visit's verdict.
	checker coverage.Checker
	check   coverage.Verdict

	// clinic, when set, prices the course at its own rates (clinic.go);
	// billed is then each visit's billed amount.
	clinic *clinic.Clinic
	billed []int64
}

func (e *estimator) assume(s string) {
	if e.once(s) {
		e.out.Assumptions = append(e.out.Assumptions, s)
	}
}

// once reports whether key is new to this estimate, and marks it seen.
func (e *estimator) once(key string) bool {
	if slices.Contains(e.noted, key) {
		return false
	}
	e.noted = append(e.noted, key)
	return true
}

// prices sets the billed amount per visit and records where it comes from.
func (e *estimator) prices() error {
	e.out.Assumptions = make([]string, 0, 8)
	// Concatenation, not fmt: these run on every estimate.
	perWeek := strconv.Itoa(e.cp.perWeek)
	e.assume("Visit dates: " + strconv.Itoa(e.cp.visits) + " visits, " + perWeek + " a week from " + e.req.StartDate.String() +
		"; in each 7-day week, visit k (counting from 0) falls on day floor(k×7/" + perWeek + ").")
	if e.clinic != nil {
		return nil // clinicBilled, once the codes are known
	}
	if c := e.req.ChargeCents; c != nil {
		e.firstCents, e.followCents = *c, *c
		e.assume("Billed amount: the clinic's charge of " + dollars(*c) + " per visit (charge_cents).")
		return nil
	}
	cash := e.ix.CashPrice(e.req.State)
	if cash == nil {
		return coverage.Invalid("charge_cents", "charge_cents is required: the catalog has no cash price for "+e.req.State)
	}
	e.firstCents, e.followCents = cash.FirstVisitCents, cash.FollowUpCents
	where := "national average"
	if cash.State != "" {
		where = cash.State
	}
	e.assume("Billed amount: the catalog's " + where + " cash price, " + dollars(cash.FirstVisitCents) + " for the first visit and " +
		dollars(cash.FollowUpCents) + " for each follow-up; give charge_cents for your clinic's price.")
	return nil
}

// codes picks the visit's CPT codes once for the course, from the start-date
// decision: electroacupuncture only if asked for, not ruled out by a safety
// flag, and covered by the rule in force (a rule that does not cover
// acupuncture at all leaves the choice to the caller).
func (e *estimator) codes(dec coverage.Decision) {
	e.initial, e.addOn = cptManual, cptManualAddOn
	if e.req.Course.Electroacupuncture {
		unsafe := slices.ContainsFunc(dec.Safety, func(s coverage.Safety) bool { return s.Level == "no_electroacupuncture" })
		notCovered := dec.Electroacupuncture != nil && !*dec.Electroacupuncture
		switch {
		case unsafe:
			e.assume("Electroacupuncture was asked for but a safety flag (pacemaker or implanted defibrillator) rules it out: estimated as manual acupuncture (97810/97811).")
		case notCovered:
			e.assume("Electroacupuncture was asked for but the plan does not cover it: estimated as manual acupuncture (97810/97811).")
		default:
			e.initial, e.addOn = cptElectro, cptElectroAddOn
		}
	}
	e.units = int64(e.timeUnits())
	// Every visit bills the same codes; the slice is shared, never modified.
	e.visitCodes = make([]string, e.units)
	e.visitCodes[0] = e.initial
	for i := 1; i < len(e.visitCodes); i++ {
		e.visitCodes[i] = e.addOn
	}
}

// timeUnits returns the billed units of one visit and says, once, which
// rule decided them. 97810/97813 is the initial 15 minutes of personal
// one-on-one contact and each 97811/97814 another 15 with re-insertion of
// needles; needle retention without contact is not billable. With
// course.one_on_one_minutes the CPT time-unit rule decides (8–22 minutes 1
// unit, 23–37 2, 38–52 3, 53–67 4, …: unconfirmed for these codes);
// otherwise minutes_per_visit is taken as all contact time. A payer's
// documented per-visit maximum (limits.max_units_per_visit of the rule in
// force on start_date) caps the result.
func (e *estimator) timeUnits() int {
	n := e.cp.minutes / 15
	if o := e.req.Course.OneOnOneMinutes; o != nil {
		n = 1 + (*o-8)/15
		e.assume("Units: " + strconv.Itoa(*o) + " minutes of personal one-on-one contact a visit bill " + strconv.Itoa(n) +
			" unit(s) by the CPT time-unit rule (8–22 minutes 1 unit, 23–37 2, 38–52 3, 53–67 4; unconfirmed for acupuncture codes). Each add-on unit needs a re-insertion of needles; needle retention without contact is not billable.")
	} else {
		e.assume("Units: minutes_per_visit (" + strconv.Itoa(e.cp.minutes) + ") is taken as personal one-on-one contact time with a re-insertion of needles for each added 15 minutes (" +
			strconv.Itoa(n) + " unit(s)). Needle retention without contact is not billable: a 30-minute session without re-insertion bills the initial code only; give course.one_on_one_minutes.")
	}
	if r := e.ix.Rule(e.plan.ID, e.req.State, e.cond, e.req.StartDate); r != nil && r.Limits.MaxUnitsPerVisit > 0 && n > r.Limits.MaxUnitsPerVisit {
		n = r.Limits.MaxUnitsPerVisit
		e.assume("Units capped at " + strconv.Itoa(n) + " a visit (the initial code and at most " + strconv.Itoa(n-1) + " add-ons), the payer's documented limit (rule " + r.ID + ").")
	}
	return n
}

// allowed returns the fee-schedule amount for one visit on d, or ok false
// when the catalog has no schedule (or no amount for a code).
func (e *estimator) allowed(d catalog.Date) (int64, bool) {
	if e.clinic != nil && e.network == catalog.InNetwork && e.plan.NetworkModel != catalog.MedicareAssignment {
		return e.clinicAllowed(d)
	}
	// A plan's own schedule, once in force, wins over its payer's: no need
	// to look it up again while it stays in force.
	if fs := e.lastFS; fs != nil && fs.Plan != "" && catalog.InForce(fs.EffectiveFrom, fs.EffectiveTo, d) {
		return e.lastAllowed, true
	}
	fs := e.ix.FeeSchedule(e.plan, e.network, d)
	if fs != nil && fs == e.lastFS {
		return e.lastAllowed, true
	}
	if fs == nil {
		if e.once("no-fees") {
			e.assume(fmt.Sprintf("Allowed amount: the catalog has no %s-network fee schedule for %s on %s, so the billed amount is used as the allowed amount.", e.network, e.plan.Name, d))
		}
		return 0, false
	}
	a, ok1 := fs.AmountsCents[e.initial]
	b, ok2 := fs.AmountsCents[e.addOn]
	if !ok1 || (!ok2 && e.units > 1) {
		if e.once("no-amount:" + fs.ID) {
			e.assume(fmt.Sprintf("Allowed amount: the fee schedule %q has no amount for %s/%s, so the billed amount is used as the allowed amount.", fs.ID, e.initial, e.addOn))
		}
		return 0, false
	}
	if e.once(fs.ID) {
		var sb strings.Builder
		sb.Grow(200 + len(fs.Name) + 100*len(fs.Notes))
		sb.WriteString("Allowed amounts: ")
		sb.WriteString(fs.Name)
		sb.WriteString(" (")
		sb.WriteString(fs.ID)
		if !fs.EffectiveFrom.IsZero() {
			sb.WriteString(", in force from ")
			sb.WriteString(fs.EffectiveFrom.String())
		}
		sb.WriteString("): ")
		sb.WriteString(e.initial + " " + dollars(a) + " + " + e.addOn + " " + dollars(b) + " per additional 15 minutes.")
		for _, n := range fs.Notes {
			sb.WriteString(" ")
			sb.WriteString(n)
		}
		e.assume(sb.String())
	}
	full := a + b*(e.units-1)
	e.lastFS, e.lastAllowed = fs, full
	if e.part == coverage.NonParticipating {
		// Per code: 95% of the fee schedule amount, and the limiting
		// charge 115% of that, each rounded half up to the cent.
		na, nb := percentHalfUp(a, 95), percentHalfUp(b, 95)
		e.lastAllowed = na + nb*(e.units-1)
		e.limiting = percentHalfUp(na, 115) + percentHalfUp(nb, 115)*(e.units-1)
		if e.once("nonpar") {
			e.assume("Non-participating provider: Medicare's approved amount is 95% of the fee schedule, " + dollars(e.lastAllowed) +
				" a visit; the provider may charge up to the limiting charge, 115% of that, " + dollars(e.limiting) +
				", and the patient owes the charge above the approved amount (balance_billed_cents) besides the deductible and 20% (assumed not to accept assignment on the claim).")
		}
	}
	return e.lastAllowed, true
}

// year is the running state of one benefit year.
type year struct {
	start catalog.Date
	ytd   YearToDate
}

// run walks the visits in date order.
func (e *estimator) run() {
	req, acc := e.req, e.req.Accumulators
	start := req.StartDate
	startYear := e.plan.BenefitYearStart(start)
	startMonth := monthKey(start)
	cur := year{start: startYear, ytd: YearToDate{
		DeductibleMet: acc.DeductibleMetCents, OOPMet: acc.OOPMetCents, Visits: acc.VisitsThisYear,
	}}
	var (
		covered []int // day offsets of covered visits, ascending
		counted []int // the same with conditional visits, for limits
		// Conditional visits in the benefit year, month and patient's year.
		condYear, condMonth, condPY int
		month                       = startMonth
		monthUsed                   = acc.VisitsThisMonth
		monthUnits                  = 0
		yearUnits                   = acc.UnitsThisYear
		sawTerms                    = map[*catalog.CostSharing]bool{}
		lastOff                     int
		conds                       bool
		// The patient's year (months_from_first_visit): its first covered
		// visit and the visits and units in it.
		pyStart          = acc.FirstVisitDate
		starts           = make([]catalog.Date, e.cp.visits) // visit dates a patient's year may start on
		pyVisits, pyUnit = acc.VisitsThisYear, acc.UnitsThisYear
		units            = int(e.units)
		nonParCS         catalog.CostSharing
	)
	if pyStart == nil && acc.VisitsThisYear > 0 && e.patientYear(start) > 0 {
		// Unknown start: counted as inside the patient's year for as long
		// as it can be, from start_date on.
		pyStart = &start
		e.assume("accumulators.first_visit_date is not given: the " + strconv.Itoa(acc.VisitsThisYear) +
			" visits in accumulators.visits_this_year are counted as inside the patient's year until 12 months from start_date's month (conservative).")
	}
	e.improvingAssumptions()
	if acc.VisitsLast90Days > 0 {
		e.assume(fmt.Sprintf("The %d visits in accumulators.visits_last_90_days are counted as still inside every rolling window until %s (90 days after start_date): conservative, since their dates are not known.",
			acc.VisitsLast90Days, start.AddDays(rollingAccumDays)))
	}
	for i := range e.cp.visits {
		off := e.cp.dayOffset(i)
		lastOff = off
		d := start.AddDays(off)
		starts[i] = d
		rule := e.ix.Rule(e.plan.ID, req.State, e.cond, d)
		if by := e.plan.BenefitYearStart(d); by.After(cur.start) {
			cur = year{start: by}
			yearUnits, condYear = 0, 0
			if patientYearMonths(rule) > 0 {
				e.assume(fmt.Sprintf("The course crosses into a new benefit year on %s: the deductible and out-of-pocket totals start again from zero, under that year's terms; the visit limit counts the patient's own year, which does not restart then.", by))
			} else {
				e.assume(fmt.Sprintf("The course crosses into a new benefit year on %s: deductible, out-of-pocket and visit counts start again from zero, under that year's terms.", by))
			}
		}
		if mk := monthKey(d); mk != month {
			month, monthUsed, monthUnits, condMonth = mk, 0, 0, 0
		}
		if m := patientYearMonths(rule); m > 0 && pyStart != nil && !d.Before(coverage.PatientYearEnd(*pyStart, m)) {
			e.assume("The patient's year that began with the covered visit of " + pyStart.String() + " ends on " + coverage.PatientYearEnd(*pyStart, m).AddDays(-1).String() +
				" (the month of the first service and the 11 full months after it; unconfirmed how every contractor counts it): a new count starts with the next covered visit.")
			pyStart, pyVisits, pyUnit, condPY = nil, 0, 0, 0
		}
		u := used{year: cur.ytd.Visits + condYear, month: monthUsed + condMonth, covered: counted, off: off, prior90: acc.VisitsLast90Days,
			pyear: pyVisits + condPY, yearU: yearUnits + condYear*units, pyearU: pyUnit + condPY*units, monthU: monthUnits + condMonth*units,
			perVisit: units}

		v := Visit{N: i + 1, Date: d, Codes: e.visitCodes, Modifiers: []string{}, BilledCents: e.followCents}
		if i == 0 {
			v.BilledCents = e.firstCents
		}
		if e.billed != nil {
			v.BilledCents = e.billed[i]
		}
		var vd verdict
		switch {
		case rule == nil:
			vd = verdict{status: catalog.Unknown, reason: fmt.Sprintf("The catalog has no rule for %s on %s, so coverage is unknown; estimated as self-pay.", e.plan.Name, d)}
		case rule.Status == catalog.NotCovered || rule.Status == catalog.Unknown:
			vd = verdict{status: rule.Status, reason: rule.Summary}
		default:
			vd = e.judge(rule, u)
			if vd.status == catalog.NotCovered && vd.criteriaFailed && rule.FallsBackTo != "" {
				if fb := e.ix.RuleByID(rule.FallsBackTo); fb != nil && catalog.InForce(fb.EffectiveFrom, fb.EffectiveTo, d) {
					if e.once("fallback:" + rule.ID) {
						e.assume("The patient does not meet the criteria of rule " + rule.ID + " (" + vd.reason + "); the plan's other benefit, rule " + fb.ID + ", decides instead: " + fb.Summary)
					}
					rule = fb
					vd = e.judge(fb, u)
				}
			}
		}
		if vd.status == catalog.NotCovered && rule != nil && rule.Status == catalog.NotCovered && len(rule.Billing.DeniedModifiers) > 0 {
			vd.modifiers = rule.Billing.DeniedModifiers
			if rule.Billing.DeniedNote != "" && e.once("denied:"+rule.ID) {
				e.assume("Not covered visits under rule " + rule.ID + ": " + rule.Billing.DeniedNote)
			}
		}
		v.Status, v.Reason, v.PriorAuthorizationRequired = vd.status, vd.reason, vd.priorAuth
		if vd.modifiers != nil {
			v.Modifiers = vd.modifiers
		}
		if vd.status == catalog.Conditional {
			conds = true
			// A conditional visit uses up the limits if it turns out
			// covered; if it does not, no later visit is covered either.
			// So later visits count it (Medicare: with improvement
			// unanswered, visits 13–20 are conditional and 21+ are not
			// covered).
			condYear++
			condMonth++
			condPY++
			counted = append(counted, off)
			if pyStart == nil {
				pyStart = &starts[i] // not &v.Date: v would escape, one allocation a visit
			}
		}

		var cs *catalog.CostSharing
		if vd.status == catalog.Covered {
			var carried bool
			cs, carried = e.ix.CostSharingCarried(e.plan, e.network, d)
			if carried && e.once("carried") {
				e.assume("Visits from " + cs.EffectiveTo.String() + " on: " + coverage.CarriedNote(e.plan, cs))
			}
			if cs != nil && e.part == coverage.NonParticipating {
				nonParCS = *cs
				nonParCS.BalanceBilling = true
				cs = &nonParCS
			}
			if cs == nil {
				if e.network == catalog.OutNetwork {
					v.Status, v.Reason = catalog.NotCovered, "Not covered: this plan does not cover out-of-network visits; self-pay."
				} else {
					v.Status, v.Reason = catalog.Unknown, fmt.Sprintf("The catalog has no cost-sharing terms for %s on %s, so the cost is unknown; estimated as self-pay.", e.plan.Name, d)
				}
				v.Modifiers, v.PriorAuthorizationRequired = []string{}, false
			}
		}
		if cs != nil {
			if !sawTerms[cs] {
				sawTerms[cs] = true
				if cs.Note != "" {
					e.assume("Cost sharing (" + string(cs.Network) + " network, from " + d.String() + "): " + cs.Note)
				}
				if cs.BalanceBilling {
					e.assume("Out of network the provider may bill the patient the charge above the plan's allowed amount (balance billing); that balance does not count toward the out-of-pocket maximum.")
				}
			}
			allowed, ok := e.allowed(d)
			if ok && e.part == coverage.NonParticipating && v.BilledCents > e.limiting {
				v.BilledCents = e.limiting // a non-participating provider may not charge more
			}
			switch {
			case !ok:
				allowed = v.BilledCents
			case e.req.ChargeCents == nil && e.clinic == nil:
				// The catalog's cash price is a self-pay price per visit,
				// not a charge for these codes: not compared.
				if e.once("lesser") {
					e.assume("Allowed amount: the fee schedule's sum for the visit's codes. The catalog's cash price is a typical self-pay price per visit, not the clinic's charge for these codes, so it is not compared with the fee schedule; give charge_cents (your charge for the visit's codes) to apply the lesser of billed and allowed.")
				}
			case allowed > v.BilledCents:
				// Payers allow the lesser of the billed charge and the fee
				// schedule amount (Medicare too): charge_cents is the
				// caller's charge for the same codes.
				allowed = v.BilledCents
				if e.once("lesser") {
					if e.clinic != nil {
						e.assume("Where " + e.clinic.Name + "'s cash price for the visit's codes is below the allowed amount, the allowed amount is that price: payers allow the lesser of the two.")
					} else {
						e.assume("Where your charge for the visit's codes (charge_cents) is below the fee schedule amount, the allowed amount is your charge: payers allow the lesser of the two.")
					}
				}
			}
			capCents := rule.Limits.DollarCapCents
			if capCents != nil && e.once("cap") {
				e.assume(fmt.Sprintf("The plan pays at most %s a benefit year for acupuncture; plan payments before start_date are not known and are taken as $0. The patient owes what the plan would pay beyond the cap (over_cap_cents), which does not count toward the out-of-pocket maximum.", dollars(*capCents)))
			}
			s := SplitVisit(cs, allowed, v.BilledCents, cur.ytd, capCents)
			v.Covered = true
			v.AllowedCents, v.DeductibleCents, v.CopayCents, v.CoinsuranceCents = allowed, s.Deductible, s.Copay, s.Coinsurance
			v.OverCapCents, v.BalanceBilledCents, v.PlanCents, v.PatientCents = s.OverCap, s.BalanceBilled, s.Plan, s.Patient
			cur.ytd.DeductibleMet += s.Deductible
			cur.ytd.OOPMet += s.Deductible + s.Copay + s.Coinsurance
			cur.ytd.PlanPaid += s.Plan
			cur.ytd.Visits++
			monthUsed++
			monthUnits += units
			yearUnits += units
			if pyStart == nil {
				pyStart = &starts[i] // not &v.Date: v would escape, one allocation a visit
				if m := patientYearMonths(rule); m > 0 {
					e.assume("The patient's year for the visit limit starts with the covered visit of " + d.String() + " and runs to " +
						coverage.PatientYearEnd(d, m).AddDays(-1).String() + " (the month of the first service and the 11 full months after it; unconfirmed how every contractor counts it).")
				}
			}
			pyVisits++
			pyUnit += units
			covered = append(covered, off)
			counted = append(counted, off)
		} else {
			v.PatientCents = v.BilledCents
		}
		e.out.Totals.add(&v)
		e.out.Visits = append(e.out.Visits, v)
	}

	// Accumulators as of the day of the last visit, in its benefit year.
	n90 := used{covered: covered, off: lastOff, prior90: acc.VisitsLast90Days}.rolling(rollingAccumDays)
	e.out.AccumulatorsAfter = Accumulators{
		DeductibleMetCents: cur.ytd.DeductibleMet, OOPMetCents: cur.ytd.OOPMet,
		VisitsThisYear: cur.ytd.Visits, VisitsLast90Days: n90, VisitsThisMonth: monthUsed,
		UnitsThisYear: yearUnits,
	}
	if e.patientYear(start) > 0 && pyVisits > 0 {
		e.out.AccumulatorsAfter.FirstVisitDate = pyStart
		e.out.AccumulatorsAfter.VisitsThisYear = pyVisits
	}
	if conds {
		e.assume("Some visits are conditional: whether they are covered is unknown until the questions in their reason are answered, so they are estimated as self-pay.")
	}
	e.assume("Visits that are not covered are self-pay at the billed amount; their allowed amount is shown as $0.")
	e.assume("This is an estimate, not a guarantee of payment: the payer decides coverage and payment when the claim is processed.")
}

func monthKey(d catalog.Date) int { return d.Year()*12 + int(d.Month()) }

// dollars formats cents as $1,234.56 for assumptions. It avoids fmt: it runs
// several times per estimate and fmt made it a tenth of Estimate's time.
func dollars(c int64) string {
	b := make([]byte, 0, 24)
	if c < 0 {
		b, c = append(b, '-'), -c
	}
	b = append(b, '$')
	whole := strconv.AppendInt(make([]byte, 0, 20), c/100, 10)
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, d)
	}
	b = append(b, '.', byte('0'+c%100/10), byte('0'+c%10))
	return string(b)
}

// patientYear returns the months of the patient's-year window of the rule
// in force on d, 0 if it has none.
func (e *estimator) patientYear(d catalog.Date) int {
	return patientYearMonths(e.ix.Rule(e.plan.ID, e.req.State, e.cond, d))
}

// patientYearMonths returns the months of r's patient's-year window, 0 if
// it has none (or r is nil).
func patientYearMonths(r *catalog.Rule) int {
	if r == nil {
		return 0
	}
	for _, w := range r.Limits.Windows {
		if w.Period == catalog.PerPatientYear {
			return w.Months
		}
	}
	return 0
}

// improvingAssumptions say how the course treats improvement where the rule
// extends its visits only for improving patients (Medicare's 13–20).
func (e *estimator) improvingAssumptions() {
	r := e.ix.Rule(e.plan.ID, e.req.State, e.cond, e.req.StartDate)
	if r == nil || len(r.Limits.Extensions) == 0 {
		return
	}
	x := r.Limits.Extensions[0]
	if x.Requires != "improving" {
		return
	}
	var imp *bool
	if e.req.Patient != nil {
		imp = e.req.Patient.Improving
	}
	switch {
	case imp == nil:
		e.assume("patient.improving is not given: the visits beyond the first limit (Medicare's visits 13–20) are shown as conditional on documented improvement at reassessment, priced as self-pay until it is confirmed; answer patient.improving to see them priced.")
	case !*imp:
		e.assume("patient.improving is false: improvement is judged at reassessment, so the initial visits are shown covered and the " + strconv.Itoa(x.Visits) +
			" extra visits (Medicare's visits 13–20) not covered for lack of improvement (give an ABN, bill GA). Treatment must be discontinued if the patient is not improving or is regressing.")
	}
}
