package cost

import (
	"testing"

	"github.com/acucover/acucover/internal/jsonenc/jsonenctest"
)

// TestBreakdownJSONInSync: AppendJSON writes what encoding/json writes for a
// Breakdown with every field set, unset, omitted, nil and empty, so a field
// added to Breakdown, Visit, Totals, Accumulators or the Decision it holds
// fails here until the encoder writes it.
func TestBreakdownJSONInSync(t *testing.T) {
	t.Parallel()
	jsonenctest.Check(t, func(b *Breakdown, dst []byte) []byte { return b.AppendJSON(dst) })
}

// TestBreakdownOwnsItsShape: no part of an estimate, its coverage decision
// included, takes its JSON shape from the catalog's types (the admin
// format).
func TestBreakdownOwnsItsShape(t *testing.T) {
	t.Parallel()
	jsonenctest.CheckOwnShape[Breakdown](t)
}
