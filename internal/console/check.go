package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
)

// checkForm is the "Check and estimate" form as typed, so it can be shown
// again with the answer or with what was wrong.
type checkForm struct {
	Plan, State, Condition, Date      string
	PainWeeks                         string
	Facts                             map[string]string // bool fact → yes, no or "" (unknown)
	Flags                             []string
	Provider, Supervised              string
	VisitsYear, Visits90, VisitsMonth string
	VisitsPerWeek, Weeks, Minutes     string
	Electro                           bool
	Network                           string
	Charge, DeductibleMet, OOPMet     string
	Clinic                            string // the clinic to price at; "" for the catalog's averages
	GFEName, GFEDOB                   string // the patient, for a Good Faith Estimate only
	GFESliding                        bool
}

// option is one choice in a select, radio group or checkbox list.
type option struct{ Value, Label string }

// fact is a patient fact the catalog's criteria or extensions test.
type fact struct {
	Name, Label string
	Int         bool
}

// checkView is the check page: the form, its choices, and the answer.
type checkView struct {
	Form       checkForm
	Plans      []option
	States     []option
	Conditions []option
	Facts      []fact
	Flags      []option
	Providers  []option
	Errs       map[string]string // form field → what is wrong with it
	TopError   string
	Result     *result
	// Clinics the key may price at; ClinicLocked: a clinic-scoped key,
	// whose clinic is the only choice; ClinicNote: why there is none.
	Clinics      []option
	ClinicLocked bool
	ClinicNote   string
	// CanGFE: the Good Faith Estimate form is shown; GFENote: why not,
	// for an editor.
	CanGFE  bool
	GFENote string
}

// ClinicName is the chosen clinic's name.
func (v *checkView) ClinicName() string {
	for _, c := range v.Clinics {
		if c.Value == v.Form.Clinic {
			return c.Label
		}
	}
	return v.Form.Clinic
}

// formFields are the form's fields in page order, with the words the error
// summary links them by.
var formFields = []option{
	{"clinic", "Clinic"}, {"plan", "Plan"}, {"state", "State"}, {"condition", "Condition"}, {"date", "Date of first visit"},
	{"pain_weeks", "Weeks of pain"}, {"flags", "Safety screening"}, {"provider", "Who will treat"},
	{"visits_year", "Visits this benefit year"}, {"visits_90", "Visits in the last 90 days"},
	{"visits_month", "Visits this calendar month"}, {"visits_per_week", "Visits a week"}, {"weeks", "Weeks"},
	{"minutes", "Minutes a visit"}, {"network", "Network"}, {"charge", "Clinic's price"},
	{"deductible_met", "Deductible met"}, {"oop_met", "Out-of-pocket met"},
	{"gfe_name", "Patient's name"}, {"gfe_dob", "Date of birth"},
}

// fieldTarget is the id of the control a field's summary link moves to.
var fieldTarget = map[string]string{"pain_weeks": "fact-pain_weeks", "flags": "main", "network": "main", "gfe_sliding": "main"}

// summaryItem is one line of the error summary.
type summaryItem struct{ Target, Label, Msg string }

// Summary lists the field errors in page order.
func (v *checkView) Summary() []summaryItem {
	var out []summaryItem
	for _, f := range formFields {
		if m := v.Errs[f.Value]; m != "" {
			target := f.Value
			if t := fieldTarget[f.Value]; t != "" {
				target = t
			}
			out = append(out, summaryItem{target, f.Label, m})
		}
	}
	return out
}

// result is the answer to a submitted form.
type result struct {
	Decision    coverage.Decision
	Estimate    *cost.Breakdown
	EstimateErr string
	ABN         []string
}

// factLabels phrase each fact as a question about the patient.
var factLabels = map[string]string{
	"pain_weeks":        "How many weeks has the pain lasted?",
	"systemic_cause":    "Does the pain have an identifiable systemic cause (metastatic, inflammatory or infectious disease)?",
	"surgery_related":   "Is the pain associated with surgery?",
	"pregnancy_related": "Is the pain associated with pregnancy?",
	"improving":         "Is the patient improving with treatment (documented)?",
}

var flagLabels = map[string]string{
	"severe_neutropenia": "Severe neutropenia",
	"pacemaker":          "Pacemaker",
	"aicd":               "Implanted defibrillator (AICD)",
	"anticoagulants":     "Takes blood thinners",
	"bleeding_disorder":  "Bleeding disorder",
	"pregnant":           "Pregnant",
	"sudden_severe_pain": "Sudden and severe pain",
}

var providerLabels = map[string]string{
	"physician": "Physician (MD/DO)", "pa": "Physician assistant", "np": "Nurse practitioner",
	"cns": "Clinical nurse specialist", "licensed_acupuncturist": "Licensed acupuncturist",
	"physical_therapist": "Physical therapist", "chiropractor": "Chiropractor",
	"dentist": "Dentist", "podiatrist": "Podiatrist",
}

// factOrder is the order facts are asked in; facts not listed follow.
var factOrder = []string{"pain_weeks", "systemic_cause", "surgery_related", "pregnancy_related", "improving"}

// usedFacts lists the patient facts some rule of ix tests, in factOrder:
// worked out once per Index (a look at every rule), not per page.
func usedFacts(ix *catalog.Index) []fact {
	return ix.Memo(usedFactsMemo{}, func() any { return factsOf(ix) }).([]fact)
}

type usedFactsMemo struct{}

func factsOf(ix *catalog.Index) []fact {
	seen := map[string]bool{}
	snap := ix.Snapshot()
	for _, r := range snap.Rules {
		for _, t := range ix.Tests(r) {
			seen[t.Fact] = true
		}
		for _, e := range r.Limits.Extensions {
			seen[e.Requires] = true
		}
	}
	names := slices.Collect(func(yield func(string) bool) {
		for n := range seen {
			if !yield(n) {
				return
			}
		}
	})
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(factOrder, a), slices.Index(factOrder, b)
		if ia < 0 {
			ia = len(factOrder)
		}
		if ib < 0 {
			ib = len(factOrder)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	var out []fact
	for _, n := range names {
		kind, ok := catalog.Facts[n]
		if !ok {
			continue
		}
		label := factLabels[n]
		if label == "" {
			label = strings.ReplaceAll(n, "_", " ") + "?"
		}
		out = append(out, fact{Name: n, Label: label, Int: kind == catalog.IntFact})
	}
	return out
}

func (s *server) newCheckView(ix *catalog.Index, f checkForm) *checkView {
	v := &checkView{Form: f, Facts: usedFacts(ix), Errs: map[string]string{}}
	for _, p := range ix.Plans() {
		v.Plans = append(v.Plans, option{p.ID, p.Name + " — " + p.Payer})
	}
	slices.SortFunc(v.Plans, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	for _, st := range catalog.States {
		v.States = append(v.States, option{st, st + " — " + catalog.StateNames[st]})
	}
	for _, c := range ix.Conditions() {
		v.Conditions = append(v.Conditions, option{c.ID, c.Name})
	}
	for _, fl := range coverage.SafetyFlags {
		v.Flags = append(v.Flags, option{fl, flagLabels[fl]})
	}
	for _, t := range coverage.ProviderTypes {
		v.Providers = append(v.Providers, option{t, providerLabels[t]})
	}
	return v
}

func (s *server) checkPage(w http.ResponseWriter, r *http.Request, x *session) {
	ix := s.store.Index()
	f := checkForm{Date: catalog.DateOf(s.now().UTC()).String(), VisitsPerWeek: "2", Weeks: "6", Minutes: "30", Network: "in", Facts: map[string]string{}}
	v := s.newCheckView(ix, f)
	s.setClinics(r.Context(), v, x)
	s.render(w, r, http.StatusOK, "check", page{Title: "Check and estimate", Session: x, Nav: "check", Check: v})
}

func readForm(r *http.Request) checkForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := checkForm{
		Plan: v("plan"), State: strings.ToUpper(v("state")), Condition: v("condition"), Date: v("date"),
		PainWeeks: v("pain_weeks"), Facts: map[string]string{}, Flags: r.PostForm["flags"],
		Provider: v("provider"), Supervised: v("supervised"),
		VisitsYear: v("visits_year"), Visits90: v("visits_90"), VisitsMonth: v("visits_month"),
		VisitsPerWeek: v("visits_per_week"), Weeks: v("weeks"), Minutes: v("minutes"),
		Electro: v("electro") == "yes", Network: v("network"),
		Charge: v("charge"), DeductibleMet: v("deductible_met"), OOPMet: v("oop_met"),
		Clinic: v("clinic"), GFEName: v("gfe_name"), GFEDOB: v("gfe_dob"), GFESliding: v("gfe_sliding") == "yes",
	}
	for n, kind := range catalog.Facts {
		if kind == catalog.BoolFact {
			f.Facts[n] = v("fact_" + n)
		}
	}
	return f
}

// fieldFor maps a request field named by a coverage or cost error to the
// form field that shows it.
var fieldFor = map[string]string{
	"plan": "plan", "state": "state", "condition": "condition", "date": "date", "start_date": "date",
	"patient.pain_weeks": "pain_weeks", "patient.flags": "flags", "provider.type": "provider",
	"usage.visits_this_year": "visits_year", "usage.visits_last_90_days": "visits_90", "usage.visits_this_month": "visits_month",
	"accumulators.visits_this_year": "visits_year", "accumulators.visits_last_90_days": "visits_90",
	"accumulators.visits_this_month": "visits_month", "accumulators.deductible_met_cents": "deductible_met",
	"accumulators.oop_met_cents": "oop_met", "charge_cents": "charge", "network": "network",
	"course": "weeks", "course.visits_per_week": "visits_per_week", "course.weeks": "weeks",
	"course.visits": "weeks", "course.minutes_per_visit": "minutes", "clinic": "clinic",
}

// build turns the form into the coverage question and the estimate
// request, recording what is wrong in errs (form field → message).
func build(f checkForm, errs map[string]string) (coverage.Query, cost.Request) {
	var q coverage.Query
	var req cost.Request
	need := func(field, val, what string) {
		if val == "" {
			errs[field] = "Choose " + what + "."
		}
	}
	need("plan", f.Plan, "a plan")
	need("state", f.State, "a state")
	need("condition", f.Condition, "a condition or enter an ICD-10-CM code")
	d, err := catalog.ParseDate(f.Date)
	if err != nil {
		errs["date"] = "Enter the date of service as YYYY-MM-DD."
	}
	num := func(field, s string, lo, hi int) *int {
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			errs[field] = fmt.Sprintf("Enter a whole number from %d to %d, or leave it empty.", lo, hi)
			return nil
		}
		return &n
	}
	money := func(field, s string) *int64 {
		if s == "" {
			return nil
		}
		c, err := parseCents(s)
		if err != nil {
			errs[field] = "Enter an amount in dollars, like 283 or 1,234.50."
			return nil
		}
		return &c
	}
	yesNo := func(s string) *bool {
		switch s {
		case "yes":
			return ptr(true)
		case "no":
			return ptr(false)
		}
		return nil
	}

	p := &coverage.Patient{PainWeeks: num("pain_weeks", f.PainWeeks, 0, 5200)}
	p.SystemicCause, p.SurgeryRelated = yesNo(f.Facts["systemic_cause"]), yesNo(f.Facts["surgery_related"])
	p.PregnancyRelated, p.Improving = yesNo(f.Facts["pregnancy_related"]), yesNo(f.Facts["improving"])
	for _, fl := range f.Flags {
		if !slices.Contains(coverage.SafetyFlags, fl) {
			errs["flags"] = "Choose only the listed safety flags."
		}
	}
	p.Flags = f.Flags
	var prov *coverage.Provider
	if f.Provider != "" {
		if !slices.Contains(coverage.ProviderTypes, f.Provider) {
			errs["provider"] = "Choose a provider type from the list."
		}
		prov = &coverage.Provider{Type: f.Provider, Supervised: yesNo(f.Supervised)}
	}
	vy, v90, vm := num("visits_year", f.VisitsYear, 0, 1000), num("visits_90", f.Visits90, 0, 1000), num("visits_month", f.VisitsMonth, 0, 1000)
	var usage *coverage.Usage
	if vy != nil || v90 != nil || vm != nil {
		usage = &coverage.Usage{VisitsThisYear: vy, VisitsLast90Days: v90, VisitsThisMonth: vm}
	}
	q = coverage.Query{Plan: f.Plan, State: f.State, Condition: f.Condition, Date: d, Patient: p, Usage: usage, Provider: prov}

	req = cost.Request{Plan: f.Plan, State: f.State, Condition: f.Condition, StartDate: d, Patient: p, Provider: prov,
		Network: catalog.Network(f.Network), ChargeCents: money("charge", f.Charge),
		Course: cost.Course{VisitsPerWeek: num("visits_per_week", f.VisitsPerWeek, 1, 7), Weeks: num("weeks", f.Weeks, 1, 52),
			MinutesPerVisit: num("minutes", f.Minutes, 15, 60), Electroacupuncture: f.Electro}}
	if f.Network == "" && f.Clinic != "" {
		req.Network = "" // the clinic's status for the plan decides
	} else if f.Network != "in" && f.Network != "out" {
		errs["network"] = "Choose in network or out of network."
	}
	if vy != nil {
		req.Accumulators.VisitsThisYear = *vy
	}
	if v90 != nil {
		req.Accumulators.VisitsLast90Days = *v90
	}
	if vm != nil {
		req.Accumulators.VisitsThisMonth = *vm
	}
	if c := money("deductible_met", f.DeductibleMet); c != nil {
		req.Accumulators.DeductibleMetCents = *c
	}
	if c := money("oop_met", f.OOPMet); c != nil {
		req.Accumulators.OOPMetCents = *c
	}
	return q, req
}

func ptr[T any](v T) *T { return &v }

func (s *server) check(w http.ResponseWriter, r *http.Request, x *session) {
	ix := s.store.Index()
	f := readForm(r)
	v := s.newCheckView(ix, f)
	s.setClinics(r.Context(), v, x)
	q, req := build(f, v.Errs)
	at, status := s.priceAt(r.Context(), x, f.Clinic, v.Errs)
	if status == 0 {
		status = http.StatusOK
	}
	if len(v.Errs) == 0 {
		dec, err := coverage.Decide(ix, q)
		if err != nil {
			s.formError(v, err)
		} else {
			v.Result = &result{Decision: dec, ABN: abnAdvice(dec)}
			est, err := estimateFor(ix, req, at)
			if err != nil {
				var ie *coverage.InputError
				if errors.As(err, &ie) && fieldFor[ie.Field] != "" {
					v.Errs[fieldFor[ie.Field]] = ie.Msg
				}
				v.Result.EstimateErr = "No estimate: " + errText(err)
			} else {
				v.Result.Estimate = &est
			}
		}
	}
	if (len(v.Errs) > 0 || v.TopError != "") && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	if len(v.Errs) > 0 || v.TopError != "" {
		if v.TopError == "" {
			v.TopError = "Some answers need fixing; each is marked below."
		}
	}
	s.render(w, r, status, "check", page{Title: "Check and estimate", Session: x, Nav: "check", Check: v})
}

// formError puts a coverage error on its field when it names one, else at
// the top of the form.
func (s *server) formError(v *checkView, err error) {
	var ie *coverage.InputError
	if errors.As(err, &ie) && fieldFor[ie.Field] != "" {
		v.Errs[fieldFor[ie.Field]] = ie.Msg
		return
	}
	field := ""
	switch {
	case errors.Is(err, catalog.ErrUnknownPlan):
		field = "plan"
	case errors.Is(err, catalog.ErrUnknownState), errors.Is(err, catalog.ErrPlanNotOffered):
		field = "state"
	case errors.Is(err, catalog.ErrUnknownCondition), errors.Is(err, catalog.ErrMalformedCode), errors.Is(err, catalog.ErrRetiredCode):
		field = "condition"
	}
	if field != "" {
		v.Errs[field] = errText(err)
		return
	}
	v.TopError = errText(err)
}

// errText is an error's message without the API's hints ("GET /v1/plans
// lists them"), which mean nothing in the console.
func errText(err error) string {
	s := err.Error()
	if i := strings.Index(s, " (GET /v1/"); i >= 0 {
		if j := strings.Index(s[i:], ")"); j >= 0 {
			s = s[:i] + s[i+j+1:]
		}
	}
	for _, e := range sentinels {
		s = strings.TrimPrefix(s, e.Error()+": ")
	}
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

var sentinels = []error{catalog.ErrUnknownPlan, catalog.ErrUnknownCondition, catalog.ErrUnknownState,
	catalog.ErrMalformedCode, catalog.ErrRetiredCode, catalog.ErrPlanNotOffered, coverage.ErrInvalidInput, coverage.ErrContradictory}

// abnAdvice collects what the decision says about an Advance Beneficiary
// Notice: billing notes and modifiers that mention one.
func abnAdvice(d coverage.Decision) []string {
	var out []string
	for _, n := range d.Billing.Notes {
		if strings.Contains(n, "ABN") {
			out = append(out, n)
		}
	}
	for _, m := range d.Billing.Modifiers {
		if strings.Contains(m.When, "ABN") {
			out = append(out, m.Code+": "+m.When)
		}
	}
	return out
}

// statusText says a status in plain words.
func statusText(s catalog.Status) string {
	switch s {
	case catalog.Covered:
		return "Covered"
	case catalog.NotCovered:
		return "Not covered"
	case catalog.Conditional:
		return "Depends on answers still missing"
	}
	return "Unknown: the catalog does not know"
}
