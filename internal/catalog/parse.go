package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a catalog, with where it is.
type Problem struct {
	// Where names the item, e.g. `rule "medicare-b-clbp" (line 120)`; empty
	// for problems of the whole document.
	Where string `json:"where,omitempty"`
	Msg   string `json:"message"`
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// Problems is a non-empty list of catalog problems; it is the error returned
// by Parse, Build and LoadFile for an invalid catalog.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return "invalid catalog: " + ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid catalog: %d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Positions maps an item path such as "rules[3]" to its line in the source
// document. A Snapshot that was not parsed from text has no Positions.
type Positions map[string]int

// MaxCatalogBytes bounds the size of a catalog document.
const MaxCatalogBytes = 256 << 20

// Parse decodes a catalog document (YAML, or JSON) into a Snapshot,
// rejecting unknown fields and wrong types. It does not validate the
// catalog's meaning; call Validate or Build for that. The error, if any, is
// Problems with line numbers.
//
// A document that starts with "{" is JSON and is decoded by encoding/json:
// many times faster than YAML for the large, machine-made catalogs that are
// written as JSON (acucover gen -o big.json). JSON documents have no
// Positions, so problems found later name items by id.
func Parse(data []byte) (*Snapshot, Positions, error) {
	if len(data) > MaxCatalogBytes {
		return nil, nil, Problems{{Msg: fmt.Sprintf("document is larger than %d bytes", MaxCatalogBytes)}}
	}
	if trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\ufeff")), " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		s, err := parseJSON(data)
		if err != nil {
			return nil, nil, err
		}
		share(s)
		return s, nil, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, yamlProblems(err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil, Problems{{Msg: "document is empty"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, nil, yamlProblems(err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return nil, nil, Problems{{Msg: "the catalog must be a single YAML document"}}
	}
	share(&s)
	return &s, positions(root.Content[0]), nil
}

// parseJSON decodes a JSON catalog strictly: unknown fields, wrong types and
// trailing data are problems with the line they are on.
func parseJSON(data []byte) (*Snapshot, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, Problems{{Where: lineAt(data, syn.Offset), Msg: syn.Error()}}
		case errors.As(err, &typ):
			return nil, Problems{{Where: lineAt(data, typ.Offset), Msg: fmt.Sprintf("%s: cannot use %s as %s", typ.Field, typ.Value, typ.Type)}}
		}
		return nil, Problems{{Where: lineAt(data, dec.InputOffset()), Msg: strings.TrimPrefix(err.Error(), "json: ")}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, Problems{{Where: lineAt(data, dec.InputOffset()), Msg: "the catalog must be a single JSON object"}}
	}
	return &s, nil
}

// lineAt names the line of byte offset off in data.
func lineAt(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	return "line " + strconv.Itoa(bytes.Count(data[:off], []byte("\n"))+1)
}

// MarshalJSON writes s as a JSON catalog document that Parse reads back to an
// equal Snapshot.
func MarshalJSON(s *Snapshot) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return nil, fmt.Errorf("marshal catalog: %w", err)
	}
	return append(b, '\n'), nil
}

// LoadFile reads, parses and compiles the catalog file at path.
func LoadFile(path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	s, pos, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return BuildWithPositions(s, pos)
}

// Marshal writes s as a YAML catalog document that Parse reads back to an
// equal Snapshot.
func Marshal(s *Snapshot) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("marshal catalog: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal catalog: %w", err)
	}
	return b.Bytes(), nil
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func yamlProblems(err error) Problems {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	ps := make(Problems, 0, len(lines))
	for _, l := range lines {
		if m := yamlLineRE.FindStringSubmatch(l); m != nil {
			ps = append(ps, Problem{Where: "line " + m[1], Msg: m[2]})
			continue
		}
		ps = append(ps, Problem{Msg: strings.TrimPrefix(l, "yaml: ")})
	}
	return ps
}

// positions records the line of every item of the top-level lists.
func positions(doc *yaml.Node) Positions {
	pos := Positions{}
	if doc.Kind != yaml.MappingNode {
		return pos
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i].Value, doc.Content[i+1]
		if val.Kind != yaml.SequenceNode {
			continue
		}
		for j, item := range val.Content {
			pos[key+"["+strconv.Itoa(j)+"]"] = item.Line
		}
	}
	return pos
}

// share makes equal strings, equal lists and equal pointed-to values in s
// share one copy. A parsed catalog holds a separate copy of everything it
// read, and catalogs repeat the same summaries, criteria, notes, sources
// and limits across states and plans: 17 strings and 8 lists a rule in a
// synthetic catalog. Sharing them shrinks the heap and, above all, the
// number of objects the garbage collector marks on every cycle while the
// catalog is served (figures in the README, Performance; the test is
// TestShareKeepsTheCatalog). Shared lists have no spare capacity, so an
// append copies them; nothing changes a catalog's lists in place.
func share(s *Snapshot) {
	strs := map[string]string{}
	lists := map[listKey]reflect.Value{}
	ptrs := map[any]reflect.Value{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			str := v.String()
			if c, ok := strs[str]; ok {
				v.SetString(c)
			} else {
				strs[str] = str
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Field(i); f.CanSet() {
					walk(f)
				}
			}
		case reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Slice:
			n := v.Len()
			if n == 0 {
				return
			}
			for i := range n {
				walk(v.Index(i))
			}
			// Elements now share their strings, lists and values, so
			// equal lists are equal byte for byte (padding is zeroed by
			// the allocator; where it is not, a list just stays unshared).
			// Long lists (the catalog's own, such as its rules) are unique.
			size := uintptr(n) * v.Type().Elem().Size()
			if size > maxSharedList {
				return
			}
			raw := unsafe.Slice((*byte)(v.UnsafePointer()), size)
			k := listKey{v.Type(), string(raw)}
			if c, ok := lists[k]; ok {
				v.Set(c)
			} else {
				lists[k] = v.Slice3(0, n, n)
				v.Set(lists[k])
			}
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			e := v.Elem()
			walk(e)
			switch e.Kind() {
			case reflect.Bool, reflect.Int, reflect.Int64, reflect.String:
				k := e.Interface()
				if c, ok := ptrs[k]; ok {
					v.Set(c)
				} else {
					ptrs[k] = v
				}
			}
		}
	}
	walk(reflect.ValueOf(s).Elem())
}

// maxSharedList bounds the lists share compares, in bytes.
const maxSharedList = 4 << 10

// listKey is a list's type and its elements' bytes.
type listKey struct {
	t   reflect.Type
	raw string
}
