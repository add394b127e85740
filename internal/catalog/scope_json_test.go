package catalog

import (
	"encoding/json"
	"reflect"
	"testing"
)

// oldScopeJSON is Scope.UnmarshalJSON as it was before its fast path:
// encoding/json alone.
func oldScopeJSON(b []byte) (Scope, error) {
	var str string
	if json.Unmarshal(b, &str) == nil {
		if str != "all" {
			return Scope{}, errScopeString
		}
		return AllOf, nil
	}
	var items []string
	if err := json.Unmarshal(b, &items); err != nil {
		return Scope{}, err
	}
	return Scope{Items: items}, nil
}

var errScopeString = &json.UnsupportedValueError{Str: "not all"}

// FuzzScopeJSON: Scope.UnmarshalJSON, which reads plain lists itself,
// accepts what encoding/json accepts, to the same Scope (an empty list is
// empty, not nil).
func FuzzScopeJSON(f *testing.F) {
	for _, s := range []string{`"all"`, `"al"`, ` "all"`, `[]`, ` [ ] `, `null`, `["CA"]`, `["CA","NY"]`, `[ "CA" , "NY" ]`,
		`["CA",]`, `["C\u00e1"]`, `["Cá"]`, `["N\"Y"]`, `["a\\"]`, `["a"`, `["a"]x`, `["a" "b"]`, `[1]`, `["\u0000"]`,
		"[\"a\tb\"]", "[\"\x7f\"]", "[\"\xff\"]", `[""]`, `[null]`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := oldScopeJSON(b)
		var got Scope
		gerr := got.UnmarshalJSON(b)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", b, gerr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v, encoding/json's %#v", b, got, want)
		}
	})
}
