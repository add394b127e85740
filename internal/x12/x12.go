// Package x12 reads X12 005010X279A1 271 eligibility responses: the benefits
// a payer states for a subscriber or dependent. It is pure (no I/O, no
// logging) and never panics on malformed input; every failure is an *Error
// saying which segment and element was wrong.
//
// Only what acucover needs is interpreted: the HL hierarchy (20 information
// source, 21 receiver, 22 subscriber, 23 dependent), the EB segments for
// service types 64 (acupuncture), 30 (health benefit plan coverage) and 1
// (medical care) with the HSD, MSG, DTP, REF and AAA segments and the LS/LE
// 2120 loop that follow each one, and AAA rejections at every level.
package x12

import (
	"fmt"
	"strings"
)

// Error is a malformed 271. Segment is the 1-based position of the segment in
// the interchange (ISA is 1; 0 when the input has no segments at all), ID its
// identifier and Element the 1-based element position (0 when the segment as
// a whole is wrong). Component is the 1-based component inside a composite
// element, 0 when not applicable.
type Error struct {
	Segment   int
	ID        string
	Element   int
	Component int
	Msg       string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("x12: ")
	if e.Segment > 0 {
		fmt.Fprintf(&b, "segment %d", e.Segment)
		if e.ID != "" {
			fmt.Fprintf(&b, " (%s)", e.ID)
		}
		if e.Element > 0 {
			fmt.Fprintf(&b, " element %s%02d", e.ID, e.Element)
			if e.Component > 0 {
				fmt.Fprintf(&b, "-%d", e.Component)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Delimiters are the separators an interchange declares in its ISA segment.
// Repetition is 0 when ISA11 holds a standards identifier (pre-5010 "U")
// instead of a separator.
type Delimiters struct {
	Element    byte
	Repetition byte
	Component  byte
	Segment    byte
}

// Segment is one segment. Elements[0] is the segment ID, Elements[i] element
// i; Num is its 1-based position in the interchange and Raw its text without
// the terminator, as sent.
type Segment struct {
	Num      int
	Elements []string
	Raw      string
}

// ID is the segment identifier (ISA, EB, HSD, ...).
func (s Segment) ID() string { return s.Elements[0] }

// El returns element i (1-based), or "" when the segment is shorter.
func (s Segment) El(i int) string {
	if i <= 0 || i >= len(s.Elements) {
		return ""
	}
	return s.Elements[i]
}

// Cite is how a fact names its source: the raw segment and its position,
// e.g. "EB*C*IND*30***23*500.00 (segment 14)".
func (s Segment) Cite() string { return fmt.Sprintf("%s (segment %d)", s.Raw, s.Num) }

func (s Segment) errorf(element int, format string, args ...any) *Error {
	return &Error{Segment: s.Num, ID: s.ID(), Element: element, Msg: fmt.Sprintf(format, args...)}
}
