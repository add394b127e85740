package coverage

import (
	"testing"

	"github.com/acucover/acucover/internal/jsonenc/jsonenctest"
)

// TestDecisionJSONInSync: AppendJSON writes what encoding/json writes for a
// Decision with every field (catalog sub-types included) set, unset,
// omitted, nil and empty, so a field added to any type a Decision holds
// fails here until AppendJSON writes it.
func TestDecisionJSONInSync(t *testing.T) {
	t.Parallel()
	jsonenctest.Check(t, func(d *Decision, dst []byte) []byte { return d.AppendJSON(dst) })
}
