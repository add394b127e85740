package x12

import (
	"fmt"
	"slices"
	"strings"
)

// Response is what a 271 states, flattened: the payers and receivers named,
// every subscriber and dependent with the benefits acucover reads, and every
// AAA rejection wherever it occurred.
type Response struct {
	Delimiters Delimiters
	// Version is GS08 (or ST03 when GS08 is empty), e.g. "005010X279A1".
	Version string
	// Payers are the information sources (HL 20) by NM1 name and identifier.
	Payers []Party
	// Members are subscribers (HL 22) and dependents (HL 23) in input order.
	Members []Member
	// Rejections are every AAA segment, in input order, including those
	// also listed on a Member.
	Rejections []Rejection
	// Warnings are irregularities that do not change the meaning, such as
	// an SE segment count that does not match.
	Warnings []string
}

// Party is an entity named by an NM1 segment.
type Party struct {
	Entity     string // NM101, e.g. PR payer, 1P provider, IL insured
	Name       string // NM103 (last or organisation name)
	First      string // NM104
	IDQualifer string // NM108
	ID         string // NM109
}

// Member is a subscriber or dependent: who, and the benefits stated for them.
type Member struct {
	// Level is "22" (subscriber) or "23" (dependent).
	Level string
	// HL is the HL01 identifier; Parent the HL02 of the member's level.
	HL, Parent string
	Name       Party
	// Benefits are the EB segments whose service types include 1, 30 or 64,
	// or that carry no service type (the IG then means the plan as a whole),
	// in input order, each with its following segments attached.
	Benefits []Benefit
	// OtherBenefits counts the EB segments skipped for other service types.
	OtherBenefits int
	// Rejections are AAA segments in the member's 2000/2100/2110 loops.
	Rejections []Rejection
}

// Benefit is one EB segment (loop 2110C/2110D) and what follows it.
type Benefit struct {
	Segment Segment
	// Info is EB01 (e.g. "C" deductible) and InfoName its name.
	Info, InfoName string
	// CoverageLevel is EB02 (IND, FAM, ...).
	CoverageLevel string
	// ServiceTypes are EB03, split on the repetition separator.
	ServiceTypes []string
	// InsuranceType is EB04; PlanDescription EB05.
	InsuranceType, PlanDescription string
	// TimePeriod is EB06 (23 calendar year, 29 remaining, ...).
	TimePeriod string
	// Amount is EB07 in cents; nil when EB07 is empty.
	Amount *int64
	// Percent is EB08 (sent as a fraction, 0.2 for 20%); nil when empty.
	Percent *Percent
	// QuantityQualifier is EB09 (VS visits, ...) and Quantity EB10.
	QuantityQualifier string
	Quantity          *Quantity
	// Authorization is EB11 (Y, N, U); InNetwork EB12 (Y, N, U, W).
	Authorization, InNetwork string
	// Procedure is EB13, e.g. HC:97810; nil when empty.
	Procedure *Procedure
	// Deliveries are the HSD segments, Messages the MSG segments, Dates the
	// DTP segments and Refs the REF segments that follow the EB.
	Deliveries []Delivery
	Messages   []Message
	Dates      []Date
	Refs       []Ref
	// Related are the segments inside an LS*2120 … LE*2120 loop after the EB.
	Related []Segment
	// Rejections are AAA segments in this EB's 2110 loop.
	Rejections []Rejection
}

// HasServiceType reports whether EB03 lists code.
func (b Benefit) HasServiceType(code string) bool { return slices.Contains(b.ServiceTypes, code) }

// Procedure is the EB13 composite medical procedure identifier.
type Procedure struct {
	Qualifier string // HC (CPT/HCPCS), AD (ADA), ...
	Code      string
	Modifiers []string
}

// Delivery is an HSD segment (health care services delivery).
type Delivery struct {
	Segment           Segment
	QuantityQualifier string    // HSD01, e.g. VS visits
	Quantity          *Quantity // HSD02
	Unit              string    // HSD03
	TimePeriod        string    // HSD05, e.g. 22 service year, 34 month
	Periods           *Quantity // HSD06
}

// Message is a free-text MSG segment.
type Message struct {
	Segment Segment
	Text    string
}

// Date is a DTP segment.
type Date struct {
	Segment   Segment
	Qualifier string // DTP01, e.g. 291 plan, 292 benefit, 346 plan begin
	Format    string // D8 or RD8
	Value     string
}

// Ref is a REF segment.
type Ref struct {
	Segment     Segment
	Qualifier   string
	Value       string
	Description string
}

// Rejection is an AAA segment and the loop it was found in (2000A, 2100A,
// 2000B, 2100B, 2100C, 2110C, 2100D, 2110D).
type Rejection struct {
	Segment Segment
	Loop    string
	// Valid is AAA01 (Y request valid, N not valid).
	Valid string
	// Reason is AAA03 and ReasonName its name ("" when not known here).
	Reason, ReasonName string
	// FollowUp is AAA04 (C please correct and resubmit, N resubmission not
	// allowed, R resubmission allowed, ...).
	FollowUp string
}

// relevant are the service types whose EBs a Member keeps.
var relevant = []string{"1", "30", "64"}

// hlLoop names the loop letter for an HL level code.
var hlLoop = map[string]string{"20": "A", "21": "B", "22": "C", "23": "D"}

// Read271 parses a 271 interchange. It returns an *Error for input that is
// not a well-formed 271: no ISA, bad delimiters, a transaction set other than
// 271, EB outside a subscriber or dependent, an HL whose parent is unknown,
// missing SE/GE/IEA, or an element that does not parse (amounts with more
// than two decimals, percents above 1, ...).
func Read271(data []byte) (*Response, error) {
	d, segs, err := Split(data)
	if err != nil {
		return nil, err
	}
	r := &reader{resp: &Response{Delimiters: d}, d: d, hls: map[string]string{}}
	for _, s := range segs {
		if err := r.segment(s); err != nil {
			return nil, err
		}
	}
	if r.inST {
		return nil, &Error{Segment: segs[len(segs)-1].Num, ID: segs[len(segs)-1].ID(), Msg: "transaction set " + clip(r.stControl) + " has no SE segment"}
	}
	if r.inGS {
		return nil, &Error{Segment: segs[len(segs)-1].Num, ID: segs[len(segs)-1].ID(), Msg: "functional group has no GE segment"}
	}
	if !r.sawIEA {
		return nil, &Error{Segment: segs[len(segs)-1].Num, ID: segs[len(segs)-1].ID(), Msg: "interchange has no IEA segment"}
	}
	if r.transactions == 0 {
		return nil, &Error{Segment: segs[len(segs)-1].Num, ID: segs[len(segs)-1].ID(), Msg: "interchange holds no 271 transaction set"}
	}
	return r.resp, nil
}

type reader struct {
	resp *Response
	d    Delimiters

	inGS, inST, sawIEA bool
	transactions       int
	stControl          string
	stFirst            int

	hls     map[string]string // HL01 -> level code, per transaction set
	level   string            // current HL level code, "" before the first HL
	named   bool              // NM1 seen in the current HL
	member  *Member           // current subscriber/dependent, nil at levels 20/21
	benefit *Benefit          // current EB, nil outside loop 2110
	keep    bool              // whether benefit is kept (relevant service type)
	inLS    bool              // inside LS*2120 … LE*2120
}

func (r *reader) segment(s Segment) error {
	id := s.ID()
	if r.sawIEA {
		return s.errorf(0, "data after the IEA segment")
	}
	switch id {
	case "ISA":
		if s.Num != 1 {
			return s.errorf(0, "a second ISA segment; send one interchange at a time")
		}
		if len(s.Elements) != isaElements+1 {
			return s.errorf(0, "ISA has %d elements, want 16", len(s.Elements)-1)
		}
		return nil
	case "IEA":
		if r.inGS {
			return s.errorf(0, "IEA before the functional group's GE")
		}
		r.sawIEA = true
		return nil
	case "GS":
		if r.inGS {
			return s.errorf(0, "GS inside a functional group (missing GE)")
		}
		r.inGS = true
		if r.resp.Version == "" {
			r.resp.Version = s.El(8)
		}
		return nil
	case "GE":
		if !r.inGS || r.inST {
			return s.errorf(0, "GE without a matching GS, or before SE")
		}
		r.inGS = false
		return nil
	case "ST":
		if !r.inGS || r.inST {
			return s.errorf(0, "ST outside a functional group, or inside another transaction set")
		}
		if s.El(1) != "271" {
			return s.errorf(1, "transaction set is %q, not a 271 eligibility response", clip(s.El(1)))
		}
		if r.resp.Version == "" {
			r.resp.Version = s.El(3)
		}
		r.inST, r.stControl, r.stFirst = true, s.El(2), s.Num
		r.transactions++
		r.level, r.member, r.benefit, r.inLS = "", nil, nil, false
		clear(r.hls)
		return nil
	case "SE":
		if !r.inST {
			return s.errorf(0, "SE without ST")
		}
		if n := fmt.Sprint(s.Num - r.stFirst + 1); s.El(1) != n {
			r.resp.Warnings = append(r.resp.Warnings, fmt.Sprintf("segment %d: SE01 says %q segments, the transaction set has %s", s.Num, clip(s.El(1)), n))
		}
		if s.El(2) != r.stControl {
			r.resp.Warnings = append(r.resp.Warnings, fmt.Sprintf("segment %d: SE02 %q does not match ST02 %q", s.Num, clip(s.El(2)), clip(r.stControl)))
		}
		r.inST = false
		r.closeBenefit()
		r.member = nil
		return nil
	}
	if !r.inST {
		return s.errorf(0, "segment outside a transaction set (ST … SE)")
	}
	if r.inLS {
		if id == "LE" {
			r.inLS = false
			return nil
		}
		if id == "LS" || id == "HL" || id == "EB" {
			return s.errorf(0, "%s inside an LS … LE loop (missing LE)", id)
		}
		if r.benefit != nil {
			r.benefit.Related = append(r.benefit.Related, s)
		}
		return nil
	}
	switch id {
	case "HL":
		return r.hl(s)
	case "NM1":
		if r.benefit != nil {
			return s.errorf(0, "NM1 after EB outside an LS*2120 loop")
		}
		r.named = true
		p := Party{Entity: s.El(1), Name: s.El(3), First: s.El(4), IDQualifer: s.El(8), ID: s.El(9)}
		switch {
		case r.level == "20":
			r.resp.Payers = append(r.resp.Payers, p)
		case r.member != nil:
			r.member.Name = p
		}
		return nil
	case "AAA":
		return r.aaa(s)
	case "EB":
		return r.eb(s)
	case "LS":
		if r.benefit == nil {
			return s.errorf(0, "LS without a preceding EB")
		}
		r.inLS = true
		return nil
	case "LE":
		return s.errorf(0, "LE without LS")
	case "HSD", "MSG", "REF", "DTP":
		if r.benefit == nil {
			// Subscriber-level REF and DTP (loop 2100C/D) are not benefits.
			if id == "HSD" || id == "MSG" {
				return s.errorf(0, "%s without a preceding EB", id)
			}
			return nil
		}
		return r.attach(s)
	}
	// BHT, TRN, N3, N4, PER, PRV, DMG, INS, HI, MPI, III and others carry
	// nothing acucover uses.
	return nil
}

func (r *reader) hl(s Segment) error {
	r.closeBenefit()
	id, parent, code := s.El(1), s.El(2), s.El(3)
	if id == "" {
		return s.errorf(1, "HL01 (hierarchical ID) is empty")
	}
	if _, dup := r.hls[id]; dup {
		return s.errorf(1, "HL01 %q is used twice", clip(id))
	}
	if _, ok := hlLoop[code]; !ok {
		return s.errorf(3, "HL03 %q is not 20, 21, 22 or 23", clip(code))
	}
	wantParent := map[string]string{"20": "", "21": "20", "22": "21", "23": "22"}[code]
	if wantParent == "" {
		if parent != "" {
			return s.errorf(2, "an information source (HL03 20) has no parent, HL02 is %q", clip(parent))
		}
	} else if got, ok := r.hls[parent]; !ok || got != wantParent {
		return s.errorf(2, "HL02 %q is not the ID of an earlier HL at level %s", clip(parent), wantParent)
	}
	r.hls[id] = code
	r.level, r.named = code, false
	r.member = nil
	if code == "22" || code == "23" {
		r.resp.Members = append(r.resp.Members, Member{Level: code, HL: id, Parent: parent})
		r.member = &r.resp.Members[len(r.resp.Members)-1]
	}
	return nil
}

// closeBenefit files the current EB (if kept) on the member.
func (r *reader) closeBenefit() {
	if r.benefit != nil && r.member != nil {
		if r.keep {
			r.member.Benefits = append(r.member.Benefits, *r.benefit)
		} else {
			r.member.OtherBenefits++
		}
	}
	r.benefit, r.keep = nil, false
}

func (r *reader) loop() string {
	letter := hlLoop[r.level]
	switch {
	case r.benefit != nil:
		return "2110" + letter
	case r.named:
		return "2100" + letter
	}
	return "2000" + letter
}

func (r *reader) aaa(s Segment) error {
	if r.level == "" {
		return s.errorf(0, "AAA before the first HL")
	}
	rej := Rejection{Segment: s, Loop: r.loop(), Valid: s.El(1), Reason: s.El(3), ReasonName: rejectReasons[s.El(3)], FollowUp: s.El(4)}
	if rej.Valid != "Y" && rej.Valid != "N" {
		return s.errorf(1, "AAA01 %q is not Y or N", clip(rej.Valid))
	}
	if rej.Reason == "" {
		return s.errorf(3, "AAA03 (reject reason) is empty")
	}
	r.resp.Rejections = append(r.resp.Rejections, rej)
	switch {
	case r.benefit != nil:
		r.benefit.Rejections = append(r.benefit.Rejections, rej)
	case r.member != nil:
		r.member.Rejections = append(r.member.Rejections, rej)
	}
	return nil
}

func (r *reader) eb(s Segment) error {
	if r.member == nil {
		return s.errorf(0, "EB outside a subscriber (HL 22) or dependent (HL 23) loop")
	}
	r.closeBenefit()
	b, err := r.parseEB(s)
	if err != nil {
		return err
	}
	r.benefit = &b
	r.keep = len(b.ServiceTypes) == 0
	for _, st := range b.ServiceTypes {
		if slices.Contains(relevant, st) {
			r.keep = true
		}
	}
	return nil
}

func (r *reader) parseEB(s Segment) (Benefit, error) {
	b := Benefit{
		Segment:           s,
		Info:              s.El(1),
		CoverageLevel:     s.El(2),
		InsuranceType:     s.El(4),
		PlanDescription:   s.El(5),
		TimePeriod:        s.El(6),
		QuantityQualifier: s.El(9),
		Authorization:     s.El(11),
		InNetwork:         s.El(12),
	}
	if b.Info == "" {
		return b, s.errorf(1, "EB01 (eligibility or benefit information code) is empty")
	}
	name, ok := InfoNames[b.Info]
	if !ok {
		return b, s.errorf(1, "EB01 %q is not an eligibility or benefit information code", clip(b.Info))
	}
	b.InfoName = name
	if st := s.El(3); st != "" {
		b.ServiceTypes = r.repeats(st)
		for i, code := range b.ServiceTypes {
			if code == "" || len(code) > 2 {
				return b, &Error{Segment: s.Num, ID: "EB", Element: 3, Component: i + 1, Msg: fmt.Sprintf("service type %q is not a 1-2 character code", clip(code))}
			}
		}
	}
	if v := s.El(7); v != "" {
		c, err := ParseCents(v)
		if err != nil {
			return b, s.errorf(7, "EB07 amount: %v", err)
		}
		b.Amount = &c
	}
	if v := s.El(8); v != "" {
		p, err := ParsePercent(v)
		if err != nil {
			return b, s.errorf(8, "EB08 percent: %v", err)
		}
		b.Percent = &p
	}
	if v := s.El(10); v != "" {
		q, err := ParseQuantity(v)
		if err != nil {
			return b, s.errorf(10, "EB10 quantity: %v", err)
		}
		b.Quantity = &q
	}
	if b.Quantity != nil && b.QuantityQualifier == "" {
		return b, s.errorf(9, "EB10 quantity without an EB09 qualifier")
	}
	if v := b.Authorization; v != "" && v != "Y" && v != "N" && v != "U" {
		return b, s.errorf(11, "EB11 %q is not Y, N or U", clip(v))
	}
	if v := b.InNetwork; v != "" && v != "Y" && v != "N" && v != "U" && v != "W" {
		return b, s.errorf(12, "EB12 %q is not Y, N, U or W", clip(v))
	}
	if v := s.El(13); v != "" {
		parts := strings.Split(v, string(r.d.Component))
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return b, s.errorf(13, "EB13 %q is not a qualifier and code (e.g. HC%c97810)", clip(v), r.d.Component)
		}
		p := &Procedure{Qualifier: parts[0], Code: parts[1]}
		for _, m := range parts[2:] {
			if m != "" {
				p.Modifiers = append(p.Modifiers, m)
			}
		}
		b.Procedure = p
	}
	return b, nil
}

func (r *reader) repeats(v string) []string {
	if r.d.Repetition == 0 {
		return []string{v}
	}
	return strings.Split(v, string(r.d.Repetition))
}

func (r *reader) attach(s Segment) error {
	b := r.benefit
	switch s.ID() {
	case "HSD":
		h := Delivery{Segment: s, QuantityQualifier: s.El(1), Unit: s.El(3), TimePeriod: s.El(5)}
		if v := s.El(2); v != "" {
			q, err := ParseQuantity(v)
			if err != nil {
				return s.errorf(2, "HSD02 quantity: %v", err)
			}
			h.Quantity = &q
		}
		if v := s.El(6); v != "" {
			q, err := ParseQuantity(v)
			if err != nil {
				return s.errorf(6, "HSD06 number of periods: %v", err)
			}
			h.Periods = &q
		}
		b.Deliveries = append(b.Deliveries, h)
	case "MSG":
		b.Messages = append(b.Messages, Message{Segment: s, Text: s.El(1)})
	case "DTP":
		b.Dates = append(b.Dates, Date{Segment: s, Qualifier: s.El(1), Format: s.El(2), Value: s.El(3)})
	case "REF":
		b.Refs = append(b.Refs, Ref{Segment: s, Qualifier: s.El(1), Value: s.El(2), Description: s.El(3)})
	}
	return nil
}
