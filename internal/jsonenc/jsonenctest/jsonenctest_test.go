package jsonenctest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestCatalogShaped: a catalog struct, list or self-encoding type anywhere
// in an answer is found, however deep; catalog.Date and the catalog's named
// strings are not.
func TestCatalogShaped(t *testing.T) {
	t.Parallel()
	type inner struct {
		Windows []catalog.Window `json:"windows"`
		Ignored catalog.Plan     `json:"-"`
		hidden  catalog.Rule     //nolint:unused // unexported: encoding/json ignores it
	}
	type answer struct {
		Status  catalog.Status            `json:"status"`
		Date    catalog.Date              `json:"date"`
		Dates   []*catalog.Date           `json:"dates"`
		Inner   *inner                    `json:"inner"`
		ByState map[string]catalog.Source `json:"by_state"`
		Steps   [2]catalog.CopayStep      `json:"steps"`
		States  catalog.Scope             `json:"states"`
	}
	got := CatalogShaped(reflect.TypeFor[answer]())
	want := []string{
		"jsonenctest.answer.Inner[].Windows[] (catalog.Window)",
		"jsonenctest.answer.ByState{} (catalog.Source)",
		"jsonenctest.answer.Steps[] (catalog.CopayStep)",
		"jsonenctest.answer.States (catalog.Scope)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("CatalogShaped =\n%q\nwant\n%q", got, want)
	}
	if got := CatalogShaped(reflect.TypeFor[struct {
		S catalog.Status
		D catalog.Date
	}]()); len(got) != 0 {
		t.Errorf("catalog.Status and catalog.Date are allowed, got %q", got)
	}
}
