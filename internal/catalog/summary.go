package catalog

import (
	"slices"
	"strings"
)

// Summary is what a catalog knows, state by state, on one date: which
// programs (plan types) it has rules for and with what statuses, how many of
// its facts are confirmed, and how old its oldest dated source is. It is what
// GET /v1/catalog/summary serves and `acucover catalog report` prints.
//
// A fact is a rule in force on Date whose plan is offered in the state and
// whose states include it, or the state's licensure entry. A fact is
// unconfirmed when its status is unknown or one of its notes contains the
// word "unconfirmed" (any case, as in "Unconfirmed: …"); every other fact is
// confirmed. Rules of fictional example plans (see IsExample) are left out of
// the states and counted once, in ExampleRules.
type Summary struct {
	Date     Date   `json:"date"`
	Revision string `json:"revision,omitempty"`
	// Rules is the number of rules in force on Date, example rules
	// included; ExampleRules of them are fictional examples.
	Rules        int            `json:"rules"`
	ExampleRules int            `json:"example_rules"`
	States       []StateSummary `json:"states"`
}

// StateSummary is what the catalog knows for one state.
type StateSummary struct {
	State string `json:"state"`
	Name  string `json:"name"`
	// Programs lists the plan types with at least one rule that applies
	// in the state, in the order of PlanTypes.
	Programs []ProgramSummary `json:"programs"`
	// Licensure is the state's licensure status, or "" when the catalog
	// has no licensure entry for it.
	Licensure   LicensureStatus `json:"licensure,omitempty"`
	Confirmed   int             `json:"confirmed"`
	Unconfirmed int             `json:"unconfirmed"`
	// OldestSource is the earliest date read among the sources of the
	// state's facts (zero when none is dated); UndatedSources counts the
	// sources with no date.
	OldestSource   Date `json:"oldest_source,omitzero"`
	UndatedSources int  `json:"undated_sources"`
}

// ProgramSummary counts one plan type's rules that apply in a state.
type ProgramSummary struct {
	Type PlanType `json:"type"`
	// Plans are the ids of the plans of this type with rules in the state.
	Plans []string `json:"plans"`
	// Known are the plans among Plans with at least one rule in the state
	// that is not unknown: the ones the catalog can say something about.
	Known []string `json:"known"`
	Rules int      `json:"rules"`
	// Statuses counts the rules by status; every status is present.
	Statuses map[Status]int `json:"statuses"`
}

// Unconfirmed reports whether a fact with this status and these notes is
// unconfirmed: its status is unknown, or a note says "unconfirmed".
func Unconfirmed(status Status, notes []string) bool {
	if status == Unknown {
		return true
	}
	return slices.ContainsFunc(notes, func(n string) bool {
		return strings.Contains(strings.ToLower(n), "unconfirmed")
	})
}

// Summary summarizes the index's catalog on d, with the index's revision.
func (ix *Index) Summary(d Date) Summary {
	sum := Summarize(ix.Snapshot(), d)
	sum.Revision = ix.CatalogRevision()
	return sum
}

// Summarize summarizes s on d for every state and DC (see Summary).
func Summarize(s *Snapshot, d Date) Summary {
	plans := make(map[string]*Plan, len(s.Plans))
	for i := range s.Plans {
		plans[s.Plans[i].ID] = &s.Plans[i]
	}
	out := Summary{Date: d, Revision: s.Revision, States: make([]StateSummary, 0, len(States))}
	var inForce []*Rule
	for _, r := range s.Rules {
		if !InForce(r.EffectiveFrom, r.EffectiveTo, d) {
			continue
		}
		out.Rules++
		if IsExample(r, plans[r.Plan]) {
			out.ExampleRules++
			continue
		}
		inForce = append(inForce, r)
	}
	lic := make(map[string]*Licensure, len(s.Licensure))
	for i := range s.Licensure {
		lic[s.Licensure[i].State] = &s.Licensure[i]
	}
	for _, st := range States {
		ss := StateSummary{State: st, Name: StateNames[st], Programs: []ProgramSummary{}}
		byType := map[PlanType]*ProgramSummary{}
		for _, r := range inForce {
			p := plans[r.Plan]
			if p == nil || !p.States.Contains(st) || !r.States.Contains(st) {
				continue
			}
			ps := byType[p.Type]
			if ps == nil {
				ps = &ProgramSummary{Type: p.Type, Plans: []string{}, Known: []string{}, Statuses: map[Status]int{Covered: 0, Conditional: 0, NotCovered: 0, Unknown: 0}}
				byType[p.Type] = ps
			}
			if !slices.Contains(ps.Plans, p.ID) {
				ps.Plans = append(ps.Plans, p.ID)
			}
			if r.Status != Unknown && !slices.Contains(ps.Known, p.ID) {
				ps.Known = append(ps.Known, p.ID)
			}
			ps.Rules++
			ps.Statuses[r.Status]++
			ss.count(Unconfirmed(r.Status, r.Notes), r.Sources)
		}
		for _, t := range PlanTypes {
			if ps := byType[t]; ps != nil {
				ss.Programs = append(ss.Programs, *ps)
			}
		}
		if l := lic[st]; l != nil {
			ss.Licensure = l.Status
			ss.count(l.Status == LicensureUnknown || Unconfirmed("", l.Notes), l.Sources)
		}
		out.States = append(out.States, ss)
	}
	return out
}

// count adds one fact and its sources' dates to ss.
func (ss *StateSummary) count(unconfirmed bool, sources []Source) {
	if unconfirmed {
		ss.Unconfirmed++
	} else {
		ss.Confirmed++
	}
	for _, src := range sources {
		switch {
		case src.Date.IsZero():
			ss.UndatedSources++
		case ss.OldestSource.IsZero() || src.Date.Before(ss.OldestSource):
			ss.OldestSource = src.Date
		}
	}
}
