package synth

import (
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"

	"github.com/acucover/acucover/internal/catalog"
)

// TestShareKeepsTheCatalog: parsing shares equal strings and lists across
// rules (fewer objects for the GC to mark) and changes nothing: the parsed
// catalog deep-equals one decoded without sharing.
func TestShareKeepsTheCatalog(t *testing.T) {
	t.Parallel()
	doc, err := catalog.MarshalJSON(Generate(ForRules(5000)))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := catalog.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	var want catalog.Snapshot
	if err := json.Unmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatal("the parsed catalog differs from the one decoded without sharing")
	}
	sources, summaries := map[unsafe.Pointer]bool{}, map[*byte]bool{}
	for _, r := range got.Rules {
		if len(r.Sources) > 0 {
			sources[unsafe.Pointer(&r.Sources[0])] = true
			if cap(r.Sources) != len(r.Sources) {
				t.Fatalf("rule %s: a shared list with spare capacity (%d > %d): an append would write into other rules' lists", r.ID, cap(r.Sources), len(r.Sources))
			}
		}
		summaries[unsafe.StringData(r.Summary)] = true
	}
	if n := len(got.Rules); len(sources) > n/10 || len(summaries) > n/10 {
		t.Errorf("%d rules keep %d source lists and %d summaries: equal ones are not shared", n, len(sources), len(summaries))
	}
}
