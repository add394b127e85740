package catalog

import "fmt"

// LookupError is a failed lookup of a question's plan, state or condition:
// Kind is the sentinel (ErrUnknownPlan, ErrPlanNotOffered, ErrUnknownState,
// ErrUnknownCondition, ErrMalformedCode or ErrRetiredCode), Field the input
// the lookup was about ("plan", "state" or "condition"), and Msg what was
// wrong, without the sentinel, so a caller can point a form or a problem's
// errors[] at the field without editing the error's text. errors.Is(err,
// Kind) holds, and Error is Kind's text, ": " and Msg.
type LookupError struct {
	Kind  error
	Field string
	Msg   string
}

func (e *LookupError) Error() string { return e.Kind.Error() + ": " + e.Msg }
func (e *LookupError) Unwrap() error { return e.Kind }

// lookupError returns a *LookupError of kind, about the field kind is
// about, with a formatted message.
func lookupError(kind error, format string, args ...any) *LookupError {
	field := "condition"
	switch kind {
	case ErrUnknownPlan, ErrPlanNotOffered:
		field = "plan"
	case ErrUnknownState:
		field = "state"
	}
	return &LookupError{Kind: kind, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NotAState says that s is not a US state code.
func NotAState(s string) string {
	return fmt.Sprintf("%q is not a US state code (two letters, e.g. CA; DC is included)", s)
}
