package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

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
	buf     []byte
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
		js, err := json.Marshal(v)
		if err == nil {
			d.buf, err = appendYAMLItem(d.buf[:0], js, 2)
		}
		if err != nil {
			d.err = err
			return err
		}
		if _, err := d.w.Write(d.buf); err != nil {
			d.err = err
			return err
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

// streamKind is what ReadDocument needs of a kind.
type streamKind interface {
	ItemKind
	key() string
	decodeBatch(text []byte, ends []int) (any, int, error)
	decodeYAMLBatch(text []byte, ends []int) (any, int, error)
	decodeStoredBatch(text []byte, ends []int) (any, int, error)
	shareBatch(sh *sharer, items any)
	appendBatches(s *Snapshot, batches []any)
	gatherBatches(s *Snapshot, batches []any, order []int)
}

// decodeNode decodes a list given as a node, strictly (unknown fields are
// errors, as in Parse), and shares its items with sh's; problems are
// reported on the list's first line.
func (k *itemKind[T, E]) decodeNode(s *Snapshot, n *yaml.Node, sh *sharer) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var vs []T
	if err := dec.Decode(&vs); err != nil && !errors.Is(err, io.EOF) {
		ps := yamlProblems(err)
		for i := range ps {
			ps[i].Where = "line " + strconv.Itoa(n.Line)
		}
		return ps
	}
	shareItems(sh, vs)
	l := k.list(s)
	for i := range vs {
		*l = append(*l, k.hold(&vs[i]))
	}
	return nil
}

// ReadDocument reads a catalog document (YAML, or JSON if it starts with
// "{") from r as Parse does, but as a stream: it never holds the whole
// document, only the catalog it decodes, so it has no size limit. progress,
// if not nil, is called with the number of items read so far every 10,000
// items. YAML problems name their lines, as Parse's do; the Positions map
// each item ("rules[3]") to its line.
func ReadDocument(r io.Reader, progress func(items int)) (*Snapshot, Positions, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		b, err := br.Peek(1)
		if err != nil {
			return nil, nil, Problems{{Msg: "document is empty"}}
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			br.ReadByte()
			continue
		}
		if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
			br.Discard(3)
			continue
		}
		if b[0] == '{' {
			s, err := readJSON(br, progress)
			if err != nil {
				return nil, nil, err
			}
			shareLists(s)
			return s, nil, nil
		}
		return readYAML(br, progress)
	}
}

func streamKinds() map[string]streamKind {
	m := map[string]streamKind{}
	for _, k := range ItemKinds {
		sk := k.(streamKind)
		m[sk.key()] = sk
	}
	return m
}

// readYAML reads a block-style YAML catalog section by section: each
// top-level key with its lines, and each list item (a line "- " at the
// list's indentation) decoded on its own, so only one item's text is held.
// A section in another style (a flow list) is decoded whole.
func readYAML(r *bufio.Reader, progress func(int)) (*Snapshot, Positions, error) {
	kinds := streamKinds()
	s := &Snapshot{}
	pos := Positions{}
	var (
		line     int
		key      string // current top-level key
		k        streamKind
		indent   = -1   // indentation of the current list's "- "
		item     []byte // the current item's lines
		itemLine int
		header   []byte // a section's lines when not a block list
		items    int
		sawKey   bool
	)
	// shift names the file's lines in problems of a piece that starts on
	// line at.
	shift := func(err error, at int) error {
		ps := yamlProblems(err)
		for i := range ps {
			if n, err := strconv.Atoi(strings.TrimPrefix(ps[i].Where, "line ")); err == nil {
				ps[i].Where = "line " + strconv.Itoa(n+at-1)
			}
		}
		return ps
	}
	// A block list's items are decoded on every processor (see
	// decoders) and in s once the list has ended.
	d := newDecoders()
	defer d.close()
	var (
		l     *list // the block list being read
		lines []int // its items' first lines
	)
	endList := func() error {
		if l == nil {
			return nil
		}
		first, err := l.wait()
		if err != nil {
			return shift(err, lines[first])
		}
		l.kind.appendBatches(s, l.done)
		l, lines = nil, nil
		return nil
	}
	flushItem := func() error {
		if len(item) == 0 {
			return nil
		}
		if l == nil {
			l = &list{d: d, kind: k, yaml: true}
		}
		pos[fmt.Sprintf("%s[%d]", key, k.Len(s)+len(lines))] = itemLine
		l.add(item)
		lines = append(lines, itemLine)
		item = item[:0]
		if items++; progress != nil && items%10_000 == 0 {
			progress(items)
		}
		return nil
	}
	flushSection := func() error {
		if err := flushItem(); err != nil {
			return err
		}
		if err := endList(); err != nil {
			return err
		}
		if len(header) == 0 {
			return nil
		}
		// A section that was not a block list: decode it whole.
		var doc map[string]yaml.Node
		if err := yaml.Unmarshal(header, &doc); err != nil {
			return shift(err, 1)
		}
		for name, node := range doc {
			if name == "revision" {
				if err := node.Decode(&s.Revision); err != nil {
					return shift(err, 1)
				}
				continue
			}
			sk, ok := kinds[name]
			if !ok {
				return Problems{{Where: "line " + strconv.Itoa(node.Line), Msg: fmt.Sprintf("field %s not found in type catalog.Snapshot", name)}}
			}
			first := sk.Len(s)
			for i, c := range node.Content {
				pos[fmt.Sprintf("%s[%d]", name, first+i)] = c.Line
			}
			if err := sk.(interface {
				decodeNode(s *Snapshot, n *yaml.Node, sh *sharer) error
			}).decodeNode(s, &node, d.sh); err != nil {
				return shift(err, 1)
			}
		}
		header = header[:0]
		return nil
	}
	for {
		text, err := r.ReadBytes('\n')
		if len(text) == 0 && err != nil {
			break
		}
		line++
		trimmed := bytes.TrimLeft(text, " ")
		blank := len(bytes.TrimSpace(text)) == 0 || trimmed[0] == '#'
		ind := len(text) - len(trimmed)
		switch {
		case bytes.HasPrefix(text, []byte("---")) && line > 1 || bytes.HasPrefix(text, []byte("...")):
			return nil, nil, Problems{{Where: "line " + strconv.Itoa(line), Msg: "the catalog must be a single YAML document"}}
		case bytes.HasPrefix(text, []byte("---")):
		case blank:
			if len(item) > 0 {
				item = append(item, '\n')
			}
		case ind == 0 && trimmed[0] != '-':
			// A new top-level key.
			if err := flushSection(); err != nil {
				return nil, nil, err
			}
			sawKey = true
			name, rest, _ := bytes.Cut(bytes.TrimRight(text, "\r\n"), []byte(":"))
			key, indent = string(name), -1
			sk, ok := kinds[key]
			if ok && len(bytes.TrimSpace(rest)) == 0 {
				k = sk
				continue
			}
			k = nil
			if len(header) == 0 {
				// Pad to the key's line, so problems name the file's lines.
				header = append(header, bytes.Repeat([]byte("\n"), line-1)...)
			}
			header = append(header, text...)
		case k == nil:
			if !sawKey {
				return nil, nil, Problems{{Where: "line " + strconv.Itoa(line), Msg: "the catalog must be a mapping of lists"}}
			}
			header = append(header, text...)
		case indent < 0 || (ind == indent && bytes.HasPrefix(trimmed, []byte("- "))) || (ind == indent && bytes.Equal(bytes.TrimRight(trimmed, "\r\n"), []byte("-"))):
			if indent < 0 {
				if !bytes.HasPrefix(trimmed, []byte("-")) {
					return nil, nil, Problems{{Where: "line " + strconv.Itoa(line), Msg: key + " must be a list"}}
				}
				indent = ind
			}
			if err := flushItem(); err != nil {
				return nil, nil, err
			}
			itemLine = line
			item = append(item, text[indent:]...)
		default:
			if ind < indent {
				return nil, nil, Problems{{Where: "line " + strconv.Itoa(line), Msg: "unexpected indentation in " + key}}
			}
			item = append(item, text[indent:]...)
		}
		if err != nil {
			break
		}
	}
	if err := flushSection(); err != nil {
		return nil, nil, err
	}
	if !sawKey {
		return nil, nil, Problems{{Msg: "document is empty"}}
	}
	shareLists(s)
	return s, pos, nil
}

// shareLists finishes the sharing of a snapshot whose items the decoders
// shared (see sharer): what share does to the catalog's own lists is
// leave them without spare capacity.
func shareLists(s *Snapshot) {
	for _, k := range ItemKinds {
		k.Clip(s)
	}
}
