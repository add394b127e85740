package eligibility

import (
	"errors"
	"strings"

	"github.com/acucover/acucover/internal/x12"
)

// Benefits is the JSON form of a member's benefits: a list of Benefit.
type Benefits []Benefit

// Input is the eligibility a request carries: a raw 271 or the equivalent
// JSON benefits, never both.
type Input struct {
	// X12271 is the raw 005010X279A1 271 text.
	X12271 string `json:"x12_271,omitempty"`
	// Benefits are the member's benefits as clearinghouse-style JSON.
	Benefits Benefits `json:"benefits,omitempty"`
	// MemberID picks the member (NM109) when a 271 has benefits for more
	// than one; empty picks the only one.
	MemberID string `json:"member_id,omitempty"`
}

// ErrBothForms is returned when an Input has both a 271 and JSON benefits;
// ErrEmpty when it has neither.
var (
	ErrBothForms = errors.New("eligibility: give x12_271 or benefits, not both")
	ErrEmpty     = errors.New("eligibility: give x12_271 or benefits")
)

// RejectedError is a 271 in which the payer rejected the inquiry (AAA
// segments at the payer, receiver, subscriber or dependent level): it states
// no benefits to use. Rejections cite each AAA with its reason.
type RejectedError struct{ Rejections []string }

func (e *RejectedError) Error() string {
	return "the payer rejected the eligibility inquiry: " + strings.Join(e.Rejections, "; ")
}

// Read turns an Input into payer facts. Errors: ErrBothForms, ErrEmpty, an
// *x12.Error (a malformed 271, naming segment and element), ErrNoMember or
// ErrAmbiguousMember (the 271 does not say whose benefits), a
// *RejectedError (the payer rejected the inquiry and names no member), or a
// *FieldError (a JSON benefit that does not parse). All are the caller's
// input problems (4xx), never internal errors.
func Read(in Input, opt Options) (Facts, error) {
	switch {
	case in.X12271 != "" && len(in.Benefits) > 0:
		return Facts{}, ErrBothForms
	case in.X12271 == "" && in.Benefits == nil:
		return Facts{}, ErrEmpty
	case in.X12271 == "":
		return Extract(in.Benefits, opt)
	}
	r, err := x12.Read271([]byte(in.X12271))
	if err != nil {
		return Facts{}, err
	}
	m, err := Member(r, in.MemberID)
	if err != nil {
		if len(r.Rejections) > 0 {
			// The payer rejected the inquiry before naming a member.
			return Facts{}, &RejectedError{Rejections: Rejections(r, x12.Member{})}
		}
		return Facts{}, err
	}
	f, err := Extract(FromX12(m), opt)
	if err != nil {
		return Facts{}, err
	}
	f.Rejections = Rejections(r, m)
	return f, nil
}
