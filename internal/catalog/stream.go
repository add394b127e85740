package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// DocumentWriter writes a catalog document (YAML or JSON) item by item, so
// a catalog of any size is written in the memory of one item: the lists in
// ItemKinds order, each started with Kind and filled with Item. Parse reads
// the document back to an equal Snapshot (the revision is not written).
type DocumentWriter struct {
	w       *bufio.Writer
	json    bool
	kind    ItemKind
	n       int // items written in the current list
	started bool
	kinds   int // lists written
	err     error
}

// NewDocumentWriter writes to w in format "yaml" or "json".
func NewDocumentWriter(w io.Writer, format string) (*DocumentWriter, error) {
	if format != "yaml" && format != "json" {
		return nil, fmt.Errorf("catalog format %q is not yaml or json", format)
	}
	return &DocumentWriter{w: bufio.NewWriterSize(w, 64<<10), json: format == "json"}, nil
}

// Kind ends the list being written and starts k's. A list without items is
// written empty where the catalog always writes it, and left out otherwise.
func (d *DocumentWriter) Kind(k ItemKind) error {
	d.endList()
	d.kind, d.n = k, 0
	return d.err
}

// Item writes v (a pointer to an item of the current kind) into the list.
func (d *DocumentWriter) Item(v any) error {
	if d.err != nil {
		return d.err
	}
	if d.n == 0 {
		d.open()
	}
	if d.json {
		b, err := json.Marshal(v)
		if err != nil {
			d.err = err
			return err
		}
		if d.n > 0 {
			d.write(",\n  ")
		}
		d.write(string(b))
	} else {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode([]any{v}); err != nil {
			d.err = err
			return err
		}
		enc.Close()
		for line := range bytes.Lines(buf.Bytes()) {
			d.write("  ")
			d.write(string(line))
		}
	}
	d.n++
	return d.err
}

// Close ends the document and flushes it.
func (d *DocumentWriter) Close() error {
	d.endList()
	if d.json {
		if !d.started {
			d.write("{")
		}
		d.write("\n}\n")
	}
	if d.err == nil {
		d.err = d.w.Flush()
	}
	return d.err
}

func (d *DocumentWriter) open() {
	name := d.kind.(interface{ key() string }).key()
	switch {
	case d.json && !d.started:
		d.write("{\n \"" + name + "\": [\n  ")
	case d.json:
		d.write(",\n \"" + name + "\": [\n  ")
	default:
		d.write(name + ":\n")
	}
	d.started = true
}

func (d *DocumentWriter) endList() {
	if d.kind == nil {
		return
	}
	k := d.kind
	d.kind = nil
	if d.n > 0 {
		if d.json {
			d.write("\n ]")
		}
		return
	}
	if !k.(interface{ writtenEmpty() bool }).writtenEmpty() {
		return
	}
	name := k.(interface{ key() string }).key()
	switch {
	case d.json && !d.started:
		d.write("{\n \"" + name + "\": []")
	case d.json:
		d.write(",\n \"" + name + "\": []")
	default:
		d.write(name + ": []\n")
	}
	d.started = true
}

func (d *DocumentWriter) write(s string) {
	if d.err == nil {
		_, d.err = d.w.WriteString(s)
	}
}

// WriteDocument writes s as a catalog document in format ("yaml" or
// "json"), item by item (see DocumentWriter).
func WriteDocument(w io.Writer, s *Snapshot, format string) error {
	d, err := NewDocumentWriter(w, format)
	if err != nil {
		return err
	}
	for _, k := range ItemKinds {
		if err := d.Kind(k); err != nil {
			return err
		}
		for i := range k.Len(s) {
			if err := d.Item(k.Item(s, i)); err != nil {
				return err
			}
		}
	}
	return d.Close()
}
