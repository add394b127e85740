package coverage

import (
	"reflect"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/jsonenc/jsonenctest"
)

// TestAnswerPartsCopyEveryField: converting the catalog's windows,
// extensions, copay steps and modifiers to the answer's types copies every
// field the answer type has, each from the catalog field of the same name,
// with every field of the catalog value set.
func TestAnswerPartsCopyEveryField(t *testing.T) {
	t.Parallel()
	check := func(name string, from, to any) {
		t.Helper()
		f, a := reflect.ValueOf(from), reflect.ValueOf(to)
		if f.Len() != a.Len() || a.Len() == 0 {
			t.Fatalf("%s: %d converted from %d", name, a.Len(), f.Len())
		}
		for i := range a.Len() {
			for j := range a.Index(i).NumField() {
				field := a.Index(i).Type().Field(j).Name
				src := f.Index(i).FieldByName(field)
				if !src.IsValid() {
					t.Errorf("%s.%s has no catalog field of that name to come from", name, field)
					continue
				}
				if got := a.Index(i).Field(j); !got.Equal(src) {
					t.Errorf("%s[%d].%s = %v, want %v", name, i, field, got, src)
				}
			}
		}
	}
	var l catalog.Limits
	var b catalog.Billing
	var cs catalog.CostSharing
	for _, v := range []any{&l, &b, &cs} {
		jsonenctest.Fill(t, v, jsonenctest.Variants[0])
	}
	check("Window", l.Windows, windowsOf(l.Windows))
	check("Extension", l.Extensions, extensionsOf(l.Extensions))
	check("CopayStep", cs.CopaySteps, copayStepsOf(cs.CopaySteps))
	check("Modifier", b.Modifiers, modifiersOf(b.Modifiers))
	for _, w := range windowsOf(l.Windows) {
		if w.Text() == "" {
			t.Errorf("%+v has no text", w)
		}
	}
}
