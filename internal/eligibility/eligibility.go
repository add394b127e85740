// Package eligibility turns what a payer states about one member — an X12
// 271 read by package x12, or the same benefits as clearinghouse-style JSON —
// into payer facts (deductible, out-of-pocket, copay, coinsurance, visits,
// authorization, inactive or non-covered acupuncture), each citing the
// segment it came from, and compares them with the catalog's view.
//
// It is pure: no I/O, no logging, no clock.
//
// # Which statement wins (precedence)
//
// Several EB segments often answer the same question. For each fact the
// candidates are ranked, and the first of the highest rank wins:
//
//  1. Service type: 64 (acupuncture) or an acupuncture procedure in EB13
//     (CPT 97810-97814, 20560, 20561) over 30 (health benefit plan coverage)
//     over no service type (the plan as a whole) over 1 (medical care).
//     Benefits for any other service type or procedure are ignored.
//  2. Network: for an in-network visit EB12 Y over W (applies either way)
//     over U or empty (unknown); N is ignored. Out of network the reverse.
//  3. Coverage level: IND or EMP over empty; FAM and the other family
//     levels are never used for this member's individual facts.
//  4. Form: a structured element (EB07, EB08, EB10) over an HSD segment
//     over MSG free text.
//  5. Time period: for totals a plan, calendar or service year (EB06 21, 22,
//     23, 25) over an unstated period over anything else. EB06 29
//     (remaining) and 33 (lifetime remaining) give the remaining amount and
//     24 (year to date) the amount met or visits used; they are never read
//     as totals, whatever else the 271 says.
//
// MSG free text is read for visit counts ("20 VISITS PER CALENDAR YEAR",
// "8 VISITS REMAINING", "4 VISITS USED") only under an acupuncture statement
// or when the text says "acupuncture": plan-level messages often describe
// chiropractic or therapy visits.
//
// Derived values cite both sources: deductible met = total − remaining,
// visits used = allowed − remaining, visits remaining = allowed − used.
package eligibility

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/acucover/acucover/internal/x12"
)

// Benefit is one benefit statement (an EB segment and what follows it),
// shaped like the JSON renderings clearinghouses give of a 271. Numbers may
// be JSON strings or numbers; they are read as exact decimal text.
type Benefit struct {
	// Code is EB01: 1 active, 6 inactive, A coinsurance, B copay,
	// C deductible, F limitations, G out-of-pocket, I non-covered, ...
	Code string `json:"code"`
	// Name is EB01's name; informational.
	Name string `json:"name,omitempty"`
	// CoverageLevel is EB02 (IND, FAM, ...).
	CoverageLevel string `json:"coverage_level,omitempty"`
	// ServiceTypes are EB03 codes (64 acupuncture, 30 plan, 1 medical).
	ServiceTypes []string `json:"service_type_codes,omitempty"`
	// TimeQualifier is EB06 (23 calendar year, 29 remaining, 27 visit, ...).
	TimeQualifier string `json:"time_qualifier,omitempty"`
	// Amount is EB07 in dollars ("500.00"), at most two decimals.
	Amount Decimal `json:"amount,omitempty"`
	// Percent is EB08 as a fraction of one ("0.2" is 20%).
	Percent Decimal `json:"percent,omitempty"`
	// QuantityQualifier is EB09 (VS visits, 99 quantity used, ...).
	QuantityQualifier string `json:"quantity_qualifier,omitempty"`
	// Quantity is EB10.
	Quantity Decimal `json:"quantity,omitempty"`
	// AuthorizationRequired is EB11: Y, N or U.
	AuthorizationRequired string `json:"authorization_required,omitempty"`
	// InNetwork is EB12: Y, N, U or W (not applicable: either network).
	InNetwork string `json:"in_network,omitempty"`
	// ProcedureCode is the code of EB13 (e.g. 97810).
	ProcedureCode string `json:"procedure_code,omitempty"`
	// Messages are the MSG texts.
	Messages []string `json:"messages,omitempty"`
	// Deliveries are the HSD segments.
	Deliveries []Delivery `json:"deliveries,omitempty"`

	// source cites the statement: the raw EB segment and its number for a
	// 271, "benefits[i]" for JSON. msgSources and the Delivery sources do
	// the same for MSG and HSD.
	source     string
	msgSources []string
}

// Delivery is an HSD segment: QuantityQualifier (VS visits) Quantity per
// Periods × TimeQualifier (e.g. 20 visits per 1 service year).
type Delivery struct {
	QuantityQualifier string  `json:"quantity_qualifier,omitempty"`
	Quantity          Decimal `json:"quantity,omitempty"`
	TimeQualifier     string  `json:"time_qualifier,omitempty"`
	Periods           Decimal `json:"periods,omitempty"`
	source            string
}

// Decimal is decimal text kept exactly as sent. It unmarshals from a JSON
// string or number without passing through a float.
type Decimal string

// UnmarshalJSON accepts "12.50", 12.50 or null.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*d = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("not a number or decimal string: %s", b)
		}
		*d = Decimal(n)
	}
	return nil
}

// FieldError is a JSON benefit that does not parse; Field is its path, e.g.
// "benefits[2].amount".
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// ErrNoMember is returned by Member when the 271 names no subscriber or
// dependent with benefits or rejections; ErrAmbiguousMember when several do
// and no member ID was given.
var (
	ErrNoMember        = errors.New("the 271 has no subscriber or dependent with benefits")
	ErrAmbiguousMember = errors.New("the 271 has benefits for more than one member; give the member ID")
)

// Member picks the member a 271 answers for. With memberID "" it is the only
// subscriber or dependent that has benefits or rejections (a dependent's
// 271 usually names the subscriber without benefits); otherwise the one whose
// NM109 is memberID (the first, if several share it).
func Member(r *x12.Response, memberID string) (x12.Member, error) {
	var found []x12.Member
	for _, m := range r.Members {
		switch {
		case memberID != "" && m.Name.ID == memberID:
			return m, nil
		case memberID == "" && (len(m.Benefits) > 0 || len(m.Rejections) > 0):
			found = append(found, m)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return x12.Member{}, ErrAmbiguousMember
	}
	return x12.Member{}, ErrNoMember
}

// FromX12 converts a member's 271 benefits, each citing its segments.
func FromX12(m x12.Member) []Benefit {
	out := make([]Benefit, 0, len(m.Benefits))
	for _, b := range m.Benefits {
		e := Benefit{
			Code: b.Info, Name: b.InfoName, CoverageLevel: b.CoverageLevel,
			ServiceTypes: b.ServiceTypes, TimeQualifier: b.TimePeriod,
			QuantityQualifier: b.QuantityQualifier, AuthorizationRequired: b.Authorization,
			InNetwork: b.InNetwork, source: b.Segment.Cite(),
		}
		if b.Amount != nil {
			e.Amount = Decimal(x12.FormatCents(*b.Amount))
		}
		if b.Percent != nil {
			e.Percent = Decimal(fmt.Sprintf("%d.%04d", *b.Percent/10000, *b.Percent%10000))
		}
		if b.Quantity != nil {
			e.Quantity = Decimal(b.Quantity.String())
		}
		if b.Procedure != nil {
			e.ProcedureCode = b.Procedure.Code
		}
		for _, msg := range b.Messages {
			e.Messages = append(e.Messages, msg.Text)
			e.msgSources = append(e.msgSources, msg.Segment.Cite())
		}
		for _, h := range b.Deliveries {
			d := Delivery{QuantityQualifier: h.QuantityQualifier, TimeQualifier: h.TimePeriod, source: h.Segment.Cite()}
			if h.Quantity != nil {
				d.Quantity = Decimal(h.Quantity.String())
			}
			if h.Periods != nil {
				d.Periods = Decimal(h.Periods.String())
			}
			e.Deliveries = append(e.Deliveries, d)
		}
		out = append(out, e)
	}
	return out
}

// Rejections cites the AAA segments that concern a member: those in the
// member's own loops and those at the payer and receiver levels (which
// reject the whole inquiry).
func Rejections(r *x12.Response, m x12.Member) []string {
	var out []string
	for _, rej := range r.Rejections {
		if strings.HasSuffix(rej.Loop, "A") || strings.HasSuffix(rej.Loop, "B") {
			out = append(out, describeRejection(rej))
		}
	}
	for _, rej := range m.Rejections {
		out = append(out, describeRejection(rej))
	}
	for _, b := range m.Benefits {
		for _, rej := range b.Rejections {
			out = append(out, describeRejection(rej))
		}
	}
	return out
}

func describeRejection(r x12.Rejection) string {
	name := r.ReasonName
	if name == "" {
		name = "reason " + r.Reason
	}
	return fmt.Sprintf("loop %s: %s: %s", r.Loop, name, r.Segment.Cite())
}

// acupunctureCPT are the procedure codes that make an EB13 an acupuncture
// statement.
var acupunctureCPT = []string{"97810", "97811", "97813", "97814", "20560", "20561"}

// serviceRank orders a benefit's service types (0: not about acupuncture).
func serviceRank(b Benefit) int {
	if b.ProcedureCode != "" {
		if slices.Contains(acupunctureCPT, b.ProcedureCode) {
			return 4
		}
		return 0
	}
	switch {
	case slices.Contains(b.ServiceTypes, "64"):
		return 4
	case slices.Contains(b.ServiceTypes, "30"):
		return 3
	case len(b.ServiceTypes) == 0:
		return 2
	case slices.Contains(b.ServiceTypes, "1"):
		return 1
	}
	return 0
}
