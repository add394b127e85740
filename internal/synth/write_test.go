package synth

import (
	"bytes"
	"io"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// TestWriteIsGenerate: Write streams exactly the document WriteDocument
// writes of Generate's catalog, in both formats.
func TestWriteIsGenerate(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{Plans: 1, Conditions: 1}, {Plans: 12, Conditions: 20, StatesPerPlan: 3}, {Plans: 7, Conditions: 30, StatesPerPlan: 10}} {
		for _, format := range []string{"yaml", "json"} {
			var want, got bytes.Buffer
			if err := catalog.WriteDocument(&want, Generate(o), format); err != nil {
				t.Fatal(err)
			}
			if err := Write(&got, o, format); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%+v, %s: Write wrote %d bytes that differ from WriteDocument(Generate)'s %d", o, format, got.Len(), want.Len())
			}
		}
	}
	if err := Write(new(bytes.Buffer), Options{Plans: 1, Conditions: 1}, "xml"); err == nil {
		t.Error("Write in format xml succeeded")
	}
}

// BenchmarkWrite: writing a catalog document as it is generated, per
// format (10,400 rules).
func BenchmarkWrite(b *testing.B) {
	o := Options{Plans: 100, Conditions: 20, StatesPerPlan: 3}
	for _, format := range []string{"json", "yaml"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if err := Write(io.Discard, o, format); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadDocument: reading a JSON and a YAML document back
// (catalog.ReadDocument, 10,400 rules).
func BenchmarkReadDocument(b *testing.B) {
	o := Options{Plans: 100, Conditions: 20, StatesPerPlan: 3}
	for _, format := range []string{"json", "yaml"} {
		var doc bytes.Buffer
		if err := Write(&doc, o, format); err != nil {
			b.Fatal(err)
		}
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := catalog.ReadDocument(bytes.NewReader(doc.Bytes()), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
