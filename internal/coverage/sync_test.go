package coverage

import (
	"testing"

	"github.com/acucover/acucover/internal/jsonenc/jsonenctest"
)

// TestDecisionJSONInSync: AppendJSON writes what encoding/json writes for a
// Decision with every field (of every type it holds) set, unset,
// omitted, nil and empty, so a field added to any type a Decision holds
// fails here until AppendJSON writes it.
func TestDecisionJSONInSync(t *testing.T) {
	t.Parallel()
	jsonenctest.Check(t, func(d *Decision, dst []byte) []byte { return d.AppendJSON(dst) })
}

// TestAnswerOwnsItsShape: no part of a Decision takes its JSON shape from
// the catalog's types, whose json tags are the admin format, so changing
// that format cannot change the public answer (answer.go).
func TestAnswerOwnsItsShape(t *testing.T) {
	t.Parallel()
	jsonenctest.CheckOwnShape[Decision](t)
}
