package coverage

import "github.com/acucover/acucover/internal/catalog"

// The answer's own view of what a rule and its plan's cost sharing say. The
// catalog's Window, Extension, CopayStep and Modifier carry the catalog's
// json tags, which are the admin format; the public answer (GET/POST
// /v1/coverage, the coverage part of /v1/estimates) has its own types, so
// changing the admin format cannot change it. Today the fields and names
// are the same as the catalog's. They are converted once per rule (and per
// cost-sharing term) and kept with the Index (partsFor, static.go), so a
// decision does not convert them again.
//
// The answer holds no catalog type but these, each tested by
// TestAnswerOwnsItsShape: catalog.Date (written YYYY-MM-DD by jsonenc.Date,
// the one date format of the API) and the catalog's named strings (Status,
// PlanType, Network, AuthWhen, Period, LimitUnit, Beyond), whose JSON is
// their value.

// Window is a visit limit of the deciding rule: at most Visits covered
// visits (or units, Unit "units") per Period, Days long for rolling_days
// and Months long for months_from_first_visit. Beyond is what the cap means
// once reached (empty: not_covered); WaivedBy names the yes/no patient fact
// that lifts it.
type Window struct {
	Period   catalog.Period    `json:"period"`
	Days     int               `json:"days,omitempty"`
	Months   int               `json:"months,omitempty"`
	Visits   int               `json:"visits"`
	Unit     catalog.LimitUnit `json:"unit,omitempty"`
	Beyond   catalog.Beyond    `json:"beyond,omitempty"`
	WaivedBy string            `json:"waived_by,omitempty"`
}

// Text describes w in words, as WindowText does the catalog's window.
func (w Window) Text() string {
	return WindowText(catalog.Window{Period: w.Period, Days: w.Days, Months: w.Months, Visits: w.Visits, Unit: w.Unit, Beyond: w.Beyond, WaivedBy: w.WaivedBy})
}

// Extension raises the rule's caps by Visits when the patient fact Requires
// is true (Question asks it); visits beyond the base caps are billed with
// Modifier, if set.
type Extension struct {
	Visits   int    `json:"visits"`
	Requires string `json:"requires"`
	Question string `json:"question"`
	Modifier string `json:"modifier,omitempty"`
	Note     string `json:"note,omitempty"`
}

// CopayStep changes the copay to CopayCents after AfterVisits visits in the
// year.
type CopayStep struct {
	AfterVisits int   `json:"after_visits"`
	CopayCents  int64 `json:"copay_cents"`
}

// Modifier is a billing modifier and when to use it.
type Modifier struct {
	Code string `json:"code"`
	When string `json:"when"`
}

// windowsOf, extensionsOf, copayStepsOf and modifiersOf convert the
// catalog's values; each returns a non-nil list, full to capacity (so a
// caller appending to a shared one gets a new array).

func windowsOf(ws []catalog.Window) []Window {
	out := make([]Window, len(ws))
	for i, w := range ws {
		out[i] = Window{Period: w.Period, Days: w.Days, Months: w.Months, Visits: w.Visits, Unit: w.Unit, Beyond: w.Beyond, WaivedBy: w.WaivedBy}
	}
	return out
}

func extensionsOf(xs []catalog.Extension) []Extension {
	out := make([]Extension, len(xs))
	for i, x := range xs {
		out[i] = Extension{Visits: x.Visits, Requires: x.Requires, Question: x.Question, Modifier: x.Modifier, Note: x.Note}
	}
	return out
}

func copayStepsOf(ss []catalog.CopayStep) []CopayStep {
	out := make([]CopayStep, len(ss))
	for i, s := range ss {
		out[i] = CopayStep{AfterVisits: s.AfterVisits, CopayCents: s.CopayCents}
	}
	return out
}

func modifiersOf(ms []catalog.Modifier) []Modifier {
	out := make([]Modifier, len(ms))
	for i, m := range ms {
		out[i] = Modifier{Code: m.Code, When: m.When}
	}
	return out
}

// CopayStepsOf gives the answer's form of a catalog's copay steps, for a
// caller that fills a CostSharing itself (eligibility's payer facts).
func CopayStepsOf(ss []catalog.CopayStep) []CopayStep { return copayStepsOf(ss) }
