package catalog_test

import (
	"bytes"
	"errors"
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

// TestReadDocumentMatchesParse: streaming reads give what Parse gives, for
// YAML written by Marshal and by WriteDocument, JSON, and hand-written
// styles (lists at column 0, flow lists, comments), and problems name the
// file's lines.
func TestReadDocumentMatchesParse(t *testing.T) {
	s, err := catalog.DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	y, err := catalog.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, y, catalog.DefaultYAML())
	for _, f := range []string{"yaml", "json"} {
		var b bytes.Buffer
		if err := catalog.WriteDocument(&b, s, f); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b.Bytes())
	}
	docs = append(docs, []byte("# hand-written\nplans: []\nconditions: []\nrules:\n- id: r\n  plan: p\n\n  # a comment\n  sources: [{title: T, url: 'https://x.org'}]\nfee_schedules: [{id: f, name: F, network: in, amounts_cents: {'97810': 100}, sources: []}]\n"))
	for i, doc := range docs {
		want, wpos, werr := catalog.Parse(doc)
		got, gpos, gerr := catalog.ReadDocument(bytes.NewReader(doc), nil)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("doc %d: Parse err %v, ReadDocument err %v", i, werr, gerr)
		}
		wh, _ := catalog.ContentHash(catalog.Canonical(want))
		gh, _ := catalog.ContentHash(catalog.Canonical(got))
		if wh != gh {
			t.Errorf("doc %d: ReadDocument content differs from Parse's", i)
		}
		for k, l := range wpos {
			if gpos[k] != l && len(wpos) > 0 && gpos != nil {
				t.Errorf("doc %d: position of %s = %d, want %d", i, k, gpos[k], l)
				break
			}
		}
	}
	bad := []byte("plans: []\nconditions: []\nrules:\n  - id: a\n    sources: []\n  - id: b\n    colour: red\n")
	_, _, err = catalog.ReadDocument(bytes.NewReader(bad), nil)
	var ps catalog.Problems
	if !errors.As(err, &ps) || len(ps) == 0 || ps[0].Where != "line 7" {
		t.Errorf("unknown field on line 7: err = %v, want a problem on line 7", err)
	}
	if _, _, err := catalog.ReadDocument(bytes.NewReader([]byte("{\"plans\": [], \"bogus\": 1}")), nil); err == nil {
		t.Error("an unknown JSON field was accepted")
	}
}

// FuzzReadDocument: no input makes ReadDocument panic, and what it accepts
// Parse accepts with the same content.
func FuzzReadDocument(f *testing.F) {
	f.Add(catalog.DefaultYAML())
	f.Add([]byte("rules:\n- id: x\n  sources: []\n"))
	f.Add([]byte(`{"rules": [{"id": "x"}]}`))
	f.Add([]byte(`{"revision": "3", "plans": null, "rules": [{"id": "x\\\"]", "summary": "a}b"}, {"id": "y"}], "conditions": []}`))
	f.Add([]byte(`{"rules": [null, null], "cash_prices": [{"state": "CA"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, _, err := catalog.ReadDocument(bytes.NewReader(doc), nil)
		if err != nil {
			return
		}
		want, _, err := catalog.Parse(doc)
		if err != nil {
			return // the stream reader is lenient in places Parse is not
		}
		wh, _ := catalog.ContentHash(catalog.Canonical(want))
		gh, _ := catalog.ContentHash(catalog.Canonical(got))
		if wh != gh {
			t.Errorf("ReadDocument and Parse disagree on %q", doc)
		}
	})
}
