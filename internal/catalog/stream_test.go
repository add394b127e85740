package catalog_test

import (
	"bytes"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestWriteDocumentRoundTrips: a catalog written item by item, as YAML and
// as JSON, parses back to the same content, empty lists included.
func TestWriteDocumentRoundTrips(t *testing.T) {
	s, err := catalog.DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := catalog.ContentHash(catalog.Canonical(s))
	if err != nil {
		t.Fatal(err)
	}
	empty := &catalog.Snapshot{}
	for _, format := range []string{"yaml", "json"} {
		for _, in := range []*catalog.Snapshot{s, empty} {
			var b bytes.Buffer
			if err := catalog.WriteDocument(&b, in, format); err != nil {
				t.Fatal(err)
			}
			back, _, err := catalog.Parse(b.Bytes())
			if err != nil {
				t.Fatalf("%s document does not parse: %v\n%.2000s", format, err, b.String())
			}
			h, _ := catalog.ContentHash(catalog.Canonical(back))
			w, _ := catalog.ContentHash(catalog.Canonical(in))
			if h != w {
				t.Errorf("%s document of %d rules parses to other content", format, len(in.Rules))
			}
			if in == s && h != want {
				t.Errorf("%s: hash mismatch", format)
			}
		}
	}
}
