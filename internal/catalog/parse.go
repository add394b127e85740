package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/acucover/acucover/internal/suggest"
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
// A document that starts with "{" is JSON and is decoded by encoding/json,
// which is far faster than YAML for the large, machine-made catalogs that
// are written as JSON (acucover gen -o big.json; figures in
// internal/synth's README). JSON documents have no
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
		emptyNullRules(s)
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
	// The tree check finds every mistake the types can see, with lines and
	// in plain words; the decoder adds what the tree check leaves to it
	// (dates, scopes).
	tree := checkTree(&root, reflect.TypeFor[Snapshot](), "")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Snapshot
	if err := dec.Decode(&s); err != nil || len(tree) > 0 {
		var decoded Problems
		if err != nil {
			decoded = yamlProblems(err)
		}
		return nil, nil, mergeProblems(tree, decoded)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return nil, nil, Problems{{Msg: "the catalog must be a single YAML document"}}
	}
	emptyNullRules(&s)
	share(&s)
	return &s, positions(root.Content[0]), nil
}

// emptyNullRules makes the rules a document gives as null, which decode
// to nil, empty rules: what a null plan or condition decodes to, and what
// ReadDocument reads, so that Validate reports what they lack.
func emptyNullRules(s *Snapshot) {
	for i, r := range s.Rules {
		if r == nil {
			s.Rules[i] = new(Rule)
		}
	}
}

// parseJSON decodes a JSON catalog strictly: unknown fields, wrong types and
// trailing data are problems with the line they are on.
func parseJSON(data []byte) (*Snapshot, error) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		// encoding/json stops at the first mistake. JSON is YAML, so (only
		// now, as YAML is slow for the large catalogs written as JSON) read
		// the document as a tree to report every mistake in one pass.
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil {
			if ps := checkTree(&root, reflect.TypeFor[Snapshot](), ""); len(ps) > 0 {
				return nil, ps
			}
		}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, Problems{{Where: lineAt(data, syn.Offset), Msg: syn.Error()}}
		case errors.As(err, &typ):
			return nil, Problems{{Where: lineAt(data, typ.Offset), Msg: fmt.Sprintf("%s: a %s is not %s", typ.Field, typ.Value, plainType(typ.Type.String()))}}
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

// YAMLError is one problem of a YAML decode error: the line it names
// ("line 12", or "" when it names none) and what is wrong there.
type YAMLError struct{ Line, Msg string }

// YAMLErrors splits a gopkg.in/yaml.v3 decode error into its problems, one
// per line it names, for any reader of YAML files (the catalog's and the
// clinic file's).
func YAMLErrors(err error) []YAMLError {
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	out := make([]YAMLError, 0, len(lines))
	for _, l := range lines {
		if m := yamlLineRE.FindStringSubmatch(l); m != nil {
			out = append(out, YAMLError{Line: "line " + m[1], Msg: m[2]})
			continue
		}
		out = append(out, YAMLError{Msg: strings.TrimPrefix(l, "yaml: ")})
	}
	return out
}

func yamlProblems(err error) Problems {
	es := YAMLErrors(err)
	ps := make(Problems, 0, len(es))
	for _, e := range es {
		if e.Line != "" {
			ps = append(ps, Problem{Where: e.Line, Msg: plainDecodeMessage(e.Msg)})
			continue
		}
		ps = append(ps, Problem{Msg: e.Msg})
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
func share(s *Snapshot) { newSharer().walk(reflect.ValueOf(s).Elem()) }

// sharer is share's memory of the strings, lists and pointed-to values it
// has seen, so that a reader can share a catalog piece by piece as it
// decodes it (see decoders): items shared one after another against one
// sharer end up exactly as if share had walked the whole snapshot. It is
// not safe for concurrent use; shareItems locks it.
type sharer struct {
	mu    sync.Mutex
	strs  map[string]string
	lists map[reflect.Type]map[string]reflect.Value // list type → elements' bytes → the list
	ptrs  map[any]reflect.Value
	// fields lists, per struct type, the fields walk visits: the exported
	// ones that can hold a string, a list or a pointer.
	fields map[reflect.Type][]int
}

func newSharer() *sharer {
	return &sharer{
		strs:   map[string]string{},
		lists:  map[reflect.Type]map[string]reflect.Value{},
		ptrs:   map[any]reflect.Value{},
		fields: map[reflect.Type][]int{},
	}
}

// shareItems shares the items of vs ([]T) with everything sh has seen, the
// list itself excepted (it is a part of a longer list).
func shareItems[T any](sh *sharer, vs []T) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for i := range vs {
		sh.walk(reflect.ValueOf(&vs[i]).Elem())
	}
}

func (sh *sharer) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		str := v.String()
		if c, ok := sh.strs[str]; ok {
			v.SetString(c)
		} else {
			sh.strs[str] = str
		}
	case reflect.Struct:
		for _, i := range sh.structFields(v.Type()) {
			sh.walk(v.Field(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			sh.walk(v.Index(i))
		}
	case reflect.Slice:
		n := v.Len()
		if n == 0 {
			return
		}
		for i := range n {
			sh.walk(v.Index(i))
		}
		// Elements now share their strings, lists and values, so
		// equal lists are equal byte for byte (padding is zeroed by
		// the allocator; where it is not, a list just stays unshared).
		// Long lists (the catalog's own, such as its rules) are unique.
		t := v.Type()
		size := uintptr(n) * t.Elem().Size()
		if size > maxSharedList {
			return
		}
		raw := unsafe.Slice((*byte)(v.UnsafePointer()), size)
		m := sh.lists[t]
		if m == nil {
			m = map[string]reflect.Value{}
			sh.lists[t] = m
		}
		if c, ok := m[string(raw)]; ok {
			v.Set(c)
		} else {
			// A new header: the map must not hold v's place (a
			// decoded batch that is copied and dropped).
			c = v.Slice3(0, n, n)
			m[string(raw)] = c
			v.Set(c)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		sh.walk(e)
		switch e.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int64, reflect.String:
			k := e.Interface()
			if c, ok := sh.ptrs[k]; ok {
				v.Set(c)
			} else {
				sh.ptrs[k] = reflect.ValueOf(v.Interface())
			}
		}
	}
}

// structFields returns the fields of struct type t that walk visits.
func (sh *sharer) structFields(t reflect.Type) []int {
	if f, ok := sh.fields[t]; ok {
		return f
	}
	f := []int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.IsExported() && mayShare(sf.Type, map[reflect.Type]bool{}) {
			f = append(f, i)
		}
	}
	sh.fields[t] = f
	return f
}

// mayShare reports whether walk can change a value of type t: whether it
// can hold a string, a list or a pointer where walk looks.
func mayShare(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Pointer:
		return true
	case reflect.Array:
		return mayShare(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if sf := t.Field(i); sf.IsExported() && mayShare(sf.Type, seen) {
				return true
			}
		}
	}
	return false
}

// maxSharedList bounds the lists share compares, in bytes.
const maxSharedList = 4 << 10

// checkTree reports what a catalog document says that its types cannot
// hold, in plain words and with lines: every unknown field (with the
// nearest known one), every number that is not whole where a whole number
// is needed (money in cents above all: yaml.v3 silently truncates 25.5 to
// 25), and values of the wrong kind. It reports all of them, where the
// decoders stop at the first (encoding/json) or word them in Go's terms
// (yaml.v3). n is the node of a value of type t at path (such as
// "rules[3]", or "" for the document). A reader that decodes the catalog
// item by item can call it on each item's node with the item's type.
// Values of types that decode themselves (Date, Scope) are left to them.
func checkTree(n *yaml.Node, t reflect.Type, path string) Problems {
	c := treeChecker{fields: map[reflect.Type]map[string]reflect.Type{}}
	if path != "" {
		c.path = []string{path}
	}
	c.check(n, t)
	return c.ps
}

type treeChecker struct {
	ps     Problems
	fields map[reflect.Type]map[string]reflect.Type // yaml name → type, per struct type
	// path is where check is, as segments ("rules", "[3]", "limits"),
	// joined only for a problem: most nodes have none.
	path []string
}

func (c *treeChecker) pathString() string {
	var b strings.Builder
	for i, seg := range c.path {
		if i > 0 && !strings.HasPrefix(seg, "[") {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// inCents reports whether check is at an amount in cents: a *_cents field,
// or an entry of a *_cents map or list.
func (c *treeChecker) inCents() bool {
	for i := max(0, len(c.path)-2); i < len(c.path); i++ {
		if strings.HasSuffix(c.path[i], "_cents") {
			return true
		}
	}
	return false
}

func (c *treeChecker) push(seg string) { c.path = append(c.path, seg) }
func (c *treeChecker) pop()            { c.path = c.path[:len(c.path)-1] }

var (
	yamlUnmarshaler = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
)

func (c *treeChecker) add(n *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	path := c.pathString()
	if path != "" {
		msg = path + ": " + msg
	}
	c.ps = append(c.ps, Problem{Where: "line " + strconv.Itoa(n.Line), Msg: msg})
}

func (c *treeChecker) check(n *yaml.Node, t reflect.Type) {
	for n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode {
		switch {
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		default:
			return
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pt := reflect.PointerTo(t); pt.Implements(yamlUnmarshaler) || pt.Implements(textUnmarshaler) {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // absent: the zero value
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(n, "should be a set of fields (name: value), not %s", kindName(n))
			return
		}
		fields := c.structFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				continue // a YAML merge key; the decoder reads it
			}
			ft, ok := fields[k.Value]
			if !ok {
				c.add(k, "unknown field %q%s", k.Value, suggest.DidYouMean(k.Value, slices.Sorted(maps.Keys(fields))))
				continue
			}
			c.push(k.Value)
			c.check(v, ft)
			c.pop()
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(n, "should be a list, not %s", kindName(n))
			return
		}
		for i, item := range n.Content {
			c.push("[" + strconv.Itoa(i) + "]")
			c.check(item, t.Elem())
			c.pop()
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(n, "should be a set of name: value pairs, not %s", kindName(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.push(n.Content[i].Value)
			c.check(n.Content[i+1], t.Elem())
			c.pop()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch {
		case n.Kind != yaml.ScalarNode:
			c.add(n, "should be a whole number, not %s", kindName(n))
		case n.Tag == "!!int":
		case n.Tag == "!!float" && c.inCents():
			c.add(n, "%s is not a whole number of cents: amounts are written in cents%s", n.Value, centsHint(n.Value))
		case n.Tag == "!!float":
			c.add(n, "%s is not a whole number", n.Value)
		default:
			c.add(n, "should be a whole number, not %q", n.Value)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			c.add(n, "should be true or false, not %s", kindName(n))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.add(n, "should be text, not %s", kindName(n))
		}
	}
}

// structFields maps the YAML names of t's fields to their types.
func (c *treeChecker) structFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := c.fields[t]; ok {
		return f
	}
	f := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f[name] = sf.Type
	}
	c.fields[t] = f
	return f
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a set of fields"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// centsHint suggests the cents for a value that looks like dollars with at
// most two decimals ("25.5" → 2550), by digits, not by float arithmetic.
func centsHint(v string) string {
	whole, frac, ok := strings.Cut(v, ".")
	if !ok || len(frac) > 2 || whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return ""
	}
	cents := strings.TrimLeft(whole+(frac + "00")[:2], "0")
	if cents == "" {
		cents = "0"
	}
	return fmt.Sprintf(" (%s for $%s.%s)", cents, whole, (frac + "00")[:2])
}

// mergeProblems adds the decoder's problems to the tree's, except on lines
// the tree already explains (the same mistake in the decoder's words), and
// orders them by line.
func mergeProblems(tree, dec Problems) Problems {
	seen := map[string]bool{}
	for _, p := range tree {
		seen[p.Where] = true
	}
	out := slices.Clone(tree)
	for _, p := range dec {
		if p.Where == "" || !seen[p.Where] {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Compare(problemLine(a), problemLine(b)) })
	return out
}

func problemLine(p Problem) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(p.Where, "line "))
	return n
}

var (
	yamlNotFoundRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	yamlCannotRE   = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
)

// plainDecodeMessage rewords a decoder message that speaks Go
// ("field summry not found in type catalog.Rule") in the catalog's terms.
func plainDecodeMessage(msg string) string {
	if m := yamlNotFoundRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %q", m[1])
	}
	if m := yamlCannotRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%q is not %s", m[1], plainType(m[2]))
	}
	return msg
}

// plainType names a Go type the way a catalog author thinks of it.
func plainType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a set of name: value pairs"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case goType == "bool":
		return "true or false"
	case goType == "string":
		return "text"
	}
	return "the right kind of value"
}
