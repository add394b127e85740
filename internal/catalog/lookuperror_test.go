package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestLookupErrorsNameTheirField: every failed lookup is a
// *catalog.LookupError naming the question's field, matched by its
// sentinel, with a message that does not repeat the sentinel.
func TestLookupErrorsNameTheirField(t *testing.T) {
	t.Parallel()
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	on := catalog.NewDate(2026, 3, 10)
	for _, tc := range []struct {
		name  string
		err   error
		kind  error
		field string
	}{
		{"unknown plan", second(ix.PlanIn("acme", "CA")), catalog.ErrUnknownPlan, "plan"},
		{"not a state", second(ix.PlanIn("medicare-part-b", "XX")), catalog.ErrUnknownState, "state"},
		{"not offered", second(ix.PlanIn("example-hmo-copay", "TX")), catalog.ErrPlanNotOffered, "plan"},
		{"unknown condition", second(ix.ResolveCondition("no_such_condition", on)), catalog.ErrUnknownCondition, "condition"},
		{"no condition for the code", second(ix.ResolveCondition("Z99.89", on)), catalog.ErrUnknownCondition, "condition"},
		{"malformed code", second(ix.ResolveCondition("M5", on)), catalog.ErrMalformedCode, "condition"},
	} {
		var le *catalog.LookupError
		if !errors.As(tc.err, &le) {
			t.Errorf("%s: %v is not a *LookupError", tc.name, tc.err)
			continue
		}
		if !errors.Is(tc.err, tc.kind) || le.Field != tc.field || le.Msg == "" || strings.HasPrefix(le.Msg, tc.kind.Error()) ||
			tc.err.Error() != tc.kind.Error()+": "+le.Msg {
			t.Errorf("%s: %#v, want kind %v at %q", tc.name, le, tc.kind, tc.field)
		}
	}
}

func second[T any](_ T, err error) error { return err }
