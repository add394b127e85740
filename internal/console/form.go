package console

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
)

// The edit form is built from the catalog's Go types by reflection, so every
// field of a plan, rule or fee schedule has an input and a new field gets one
// without a change here. A field's form name is its JSON path with dots,
// e.g. "cost_sharing.0.deductible_cents"; the same walk reads the submitted
// form back and flattens an item into "cost_sharing[0].deductible_cents"
// leaves for the field-level diff.

// entry is one line of the form, in order: a fieldset opening or closing, a
// field, or an "add one more" button.
type entry struct {
	Kind    string // "open", "close", "field", "add"
	Path    string // the form name
	ID      string // the HTML id
	Label   string
	Show    string // the path as the diff and problems name it: cost_sharing[0].copay_cents
	Input   string // for a field: "text", "textarea", "number", "date", "select", "readonly"
	Value   string
	Options []option
	Help    string
	Err     string
	Remove  string // for an "open" of a list element: the name of its remove box
	Removed bool
	Count   string // for an "open" of a list: the name of its hidden count field
	N       int
}

// maxListLen bounds a submitted list, so a forged count cannot make the
// server allocate without limit.
const maxListLen = 1000

var (
	dateType  = reflect.TypeFor[catalog.Date]()
	scopeType = reflect.TypeFor[catalog.Scope]()
)

// enums are the choices of the catalog's enumerated strings; "" is offered
// where leaving it unset has a meaning.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[catalog.PlanType]():     stringsOf(catalog.PlanTypes),
	reflect.TypeFor[catalog.Status]():       {"covered", "conditional", "not_covered", "unknown"},
	reflect.TypeFor[catalog.Network]():      {"in", "out"},
	reflect.TypeFor[catalog.Period]():       stringsOf(catalog.Periods),
	reflect.TypeFor[catalog.BenefitKind]():  {"calendar_year", "plan_year"},
	reflect.TypeFor[catalog.AuthWhen]():     {"", "never", "always", "after_visits"},
	reflect.TypeFor[catalog.Beyond]():       {"", "not_covered", "authorization"},
	reflect.TypeFor[catalog.LimitUnit]():    {"", "visits", "units"},
	reflect.TypeFor[catalog.NetworkModel](): {"", "networks", "medicare_assignment"},
}

func stringsOf[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// longText are string fields shown as a text area.
var longText = map[string]bool{"summary": true, "quote": true, "note": true, "question": true, "failure": true,
	"when": true, "denied_note": true, "evidence": true}

// jsonName is a struct field's JSON name, or "" for a field without one.
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if n == "-" {
		return ""
	}
	return n
}

// label turns a JSON name into words: "deductible_cents" → "Deductible (cents)".
func label(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	if b, ok := strings.CutSuffix(s, " cents"); ok {
		s = b + " (cents)"
	}
	switch s {
	case "cpt":
		return "CPT codes"
	case "icd10":
		return "ICD-10 codes"
	case "url":
		return "URL"
	case "oop max (cents)":
		return "Out-of-pocket max (cents)"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func htmlID(path string) string { return "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(path) }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func showJoin(show, name string) string {
	if show == "" {
		return name
	}
	return show + "." + name
}

// formBuilder lists the entries of an item's form. raw, when set, holds the
// values as submitted, shown instead of the item's (so a mistyped number is
// shown as typed, next to its problem).
type formBuilder struct {
	out []entry
	raw url.Values
}

func (b *formBuilder) value(path, v string) string {
	if b.raw != nil {
		if r, ok := b.raw[path]; ok && len(r) > 0 {
			return r[0]
		}
	}
	return v
}

// buildForm returns the form entries of item (a pointer to a struct).
func buildForm(item any, raw url.Values) []entry {
	b := &formBuilder{raw: raw}
	b.fields(reflect.ValueOf(item).Elem(), "", "", true)
	return b.out
}

func (b *formBuilder) fields(v reflect.Value, path, show string, top bool) {
	t := v.Type()
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		if name == "" {
			continue
		}
		p, s := join(path, name), showJoin(show, name)
		if top && name == "id" {
			b.out = append(b.out, entry{Kind: "field", Input: "readonly", Path: p, ID: htmlID(p), Label: "ID", Show: s,
				Value: v.Field(i).String(), Help: "The id cannot change here: to rename, use the YAML import."})
			continue
		}
		b.walk(v.Field(i), p, s, name)
	}
}

func (b *formBuilder) field(e entry) {
	e.Kind, e.ID = "field", htmlID(e.Path)
	if e.Label == "" {
		e.Label = label(lastName(e.Path))
	}
	b.out = append(b.out, e)
}

func lastName(path string) string {
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(parts[i]); err != nil {
			return parts[i]
		}
	}
	return path
}

func (b *formBuilder) walk(v reflect.Value, path, show, name string) {
	t := v.Type()
	switch {
	case t == dateType:
		d := v.Interface().(catalog.Date)
		s := ""
		if !d.IsZero() {
			s = d.String()
		}
		help := "YYYY-MM-DD; empty: open-ended."
		switch name {
		case "effective_from":
			help = "The first day it applies (YYYY-MM-DD); empty: always before."
		case "effective_to":
			help = "The first day it no longer applies (YYYY-MM-DD); empty: no end."
		}
		b.field(entry{Input: "date", Path: path, Show: show, Value: b.value(path, s), Help: help})
		return
	case t == scopeType:
		b.field(entry{Input: "text", Path: path, Show: show, Value: b.value(path, scopeValue(v.Interface().(catalog.Scope))),
			Help: `"all", or a list separated by commas.`})
		return
	}
	switch t.Kind() {
	case reflect.String:
		s := v.String()
		if opts, ok := enums[t]; ok {
			cur := b.value(path, s)
			var os []option
			for _, o := range opts {
				l := o
				if o == "" {
					l = "(not set)"
				}
				os = append(os, option{o, l})
			}
			if !slices.Contains(opts, cur) {
				os = append([]option{{cur, cur + " (not a valid choice)"}}, os...)
			}
			b.field(entry{Input: "select", Path: path, Show: show, Value: cur, Options: os})
			return
		}
		in := "text"
		if longText[name] || len(s) > 70 || strings.Contains(s, "\n") {
			in = "textarea"
		}
		b.field(entry{Input: in, Path: path, Show: show, Value: b.value(path, s)})
	case reflect.Int, reflect.Int64:
		b.field(entry{Input: "number", Path: path, Show: show, Value: b.value(path, strconv.FormatInt(v.Int(), 10))})
	case reflect.Bool:
		b.field(entry{Input: "select", Path: path, Show: show, Value: b.value(path, yesNo(v.Bool())),
			Options: []option{{"yes", "yes"}, {"no", "no"}}})
	case reflect.Pointer:
		switch t.Elem().Kind() {
		case reflect.Int64, reflect.Int:
			s := ""
			if !v.IsNil() {
				s = strconv.FormatInt(v.Elem().Int(), 10)
			}
			b.field(entry{Input: "number", Path: path, Show: show, Value: b.value(path, s), Help: "Empty: none."})
		case reflect.Bool:
			s := ""
			if !v.IsNil() {
				s = yesNo(v.Elem().Bool())
			}
			b.field(entry{Input: "select", Path: path, Show: show, Value: b.value(path, s),
				Options: []option{{"", "(not set)"}, {"yes", "yes"}, {"no", "no"}}})
		}
	case reflect.Map:
		var lines []string
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("%s: %d", k.String(), v.MapIndex(k).Int()))
		}
		b.field(entry{Input: "textarea", Path: path, Show: show, Value: b.value(path, strings.Join(lines, "\n")),
			Help: "One per line: code: amount in cents (e.g. 97810: 5200)."})
	case reflect.Slice:
		n := v.Len()
		b.out = append(b.out, entry{Kind: "open", Path: path, ID: htmlID(path), Show: show, Label: label(name), Count: path + ".n", N: n})
		if t.Elem().Kind() == reflect.String {
			for i := range n {
				p := path + "." + strconv.Itoa(i)
				b.walk(v.Index(i), p, fmt.Sprintf("%s[%d]", show, i), name)
				b.out[len(b.out)-1].Label = fmt.Sprintf("%s %d", label(name), i+1)
			}
			p := path + ".new"
			b.field(entry{Input: "text", Path: p, Show: show + "[new]", Label: "Add one", Value: b.value(p, ""),
				Help: "Empty an entry to remove it."})
		} else {
			for i := range n {
				p := path + "." + strconv.Itoa(i)
				s := fmt.Sprintf("%s[%d]", show, i)
				rm := p + ".remove"
				lbl := fmt.Sprintf("%s %d", label(name), i+1)
				if h := elementHint(v.Index(i)); h != "" {
					lbl += " (" + h + ")"
				}
				b.out = append(b.out, entry{Kind: "open", Path: p, ID: htmlID(p), Show: s, Label: lbl,
					Remove: rm, Removed: b.value(rm, "") == "yes"})
				b.fields(v.Index(i), p, s, false)
				b.out = append(b.out, entry{Kind: "close"})
			}
			b.out = append(b.out, entry{Kind: "add", Path: path, Label: "Add to " + strings.ToLower(label(name))})
		}
		b.out = append(b.out, entry{Kind: "close"})
	case reflect.Struct:
		b.out = append(b.out, entry{Kind: "open", Path: path, ID: htmlID(path), Show: show, Label: label(name)})
		b.fields(v, path, show, false)
		b.out = append(b.out, entry{Kind: "close"})
	}
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func scopeValue(s catalog.Scope) string {
	if s.All {
		return "all"
	}
	return strings.Join(s.Items, ", ")
}

// formDecoder reads a submitted form into a new item. Problems are keyed by
// form name. Elements marked for removal are kept until the whole form has
// decoded (so the problems' names still match the form shown), then dropped
// by prune.
type formDecoder struct {
	form    url.Values
	errs    map[string]string
	removed map[string]bool
}

// decodeForm reads form into a new *T. The top-level id is not read: the
// caller sets it from the URL.
func decodeForm[T any](form url.Values) (*T, map[string]string) {
	d := &formDecoder{form: form, errs: map[string]string{}, removed: map[string]bool{}}
	v := new(T)
	d.fields(reflect.ValueOf(v).Elem(), "", true)
	if len(d.errs) > 0 {
		return v, d.errs
	}
	d.prune(reflect.ValueOf(v).Elem(), "")
	return v, nil
}

func (d *formDecoder) get(path string) string { return d.form.Get(path) }

func (d *formDecoder) fields(v reflect.Value, path string, top bool) {
	t := v.Type()
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		if name == "" || (top && name == "id") {
			continue
		}
		d.walk(v.Field(i), join(path, name))
	}
}

func (d *formDecoder) walk(v reflect.Value, path string) {
	t := v.Type()
	s := d.get(path)
	switch {
	case t == dateType:
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		dt, err := catalog.ParseDate(s)
		if err != nil {
			d.errs[path] = "must be a date, YYYY-MM-DD"
			return
		}
		v.Set(reflect.ValueOf(dt))
		return
	case t == scopeType:
		s = strings.TrimSpace(s)
		if s == "all" {
			v.Set(reflect.ValueOf(catalog.AllOf))
			return
		}
		var items []string
		for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
			items = append(items, x)
		}
		v.Set(reflect.ValueOf(catalog.Scope{Items: items}))
		return
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(strings.ReplaceAll(s, "\r\n", "\n"))
	case reflect.Int, reflect.Int64:
		if strings.TrimSpace(s) == "" {
			return
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || (t.Kind() == reflect.Int && int64(int(n)) != n) {
			d.errs[path] = "must be a whole number"
			return
		}
		v.SetInt(n)
	case reflect.Bool:
		switch s {
		case "yes":
			v.SetBool(true)
		case "no", "":
		default:
			d.errs[path] = "must be yes or no"
		}
	case reflect.Pointer:
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		switch t.Elem().Kind() {
		case reflect.Int64, reflect.Int:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				d.errs[path] = "must be a whole number, or empty for none"
				return
			}
			p := reflect.New(t.Elem())
			p.Elem().SetInt(n)
			v.Set(p)
		case reflect.Bool:
			if s != "yes" && s != "no" {
				d.errs[path] = "must be yes, no or not set"
				return
			}
			p := reflect.New(t.Elem())
			p.Elem().SetBool(s == "yes")
			v.Set(p)
		}
	case reflect.Map:
		m := reflect.MakeMap(t)
		for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			k, val, ok := strings.Cut(line, ":")
			n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
			if !ok || err != nil || strings.TrimSpace(k) == "" {
				d.errs[path] = fmt.Sprintf("line %d: write code: amount in cents, e.g. 97810: 5200", i+1)
				return
			}
			m.SetMapIndex(reflect.ValueOf(strings.TrimSpace(k)).Convert(t.Key()), reflect.ValueOf(n).Convert(t.Elem()))
		}
		if m.Len() > 0 {
			v.Set(m)
		}
	case reflect.Slice:
		n, err := strconv.Atoi(d.get(path + ".n"))
		if err != nil || n < 0 || n > maxListLen {
			n = 0
		}
		sl := reflect.MakeSlice(t, 0, n)
		for i := range n {
			p := path + "." + strconv.Itoa(i)
			el := reflect.New(t.Elem()).Elem()
			if t.Elem().Kind() == reflect.String {
				if strings.TrimSpace(d.get(p)) == "" {
					continue
				}
				d.walk(el, p)
			} else {
				if d.get(p+".remove") == "yes" {
					d.removed[p] = true
				}
				d.fields(el, p, false)
			}
			sl = reflect.Append(sl, el)
		}
		if t.Elem().Kind() == reflect.String {
			if x := d.get(path + ".new"); strings.TrimSpace(x) != "" {
				el := reflect.New(t.Elem()).Elem()
				d.walk(el, path+".new")
				sl = reflect.Append(sl, el)
			}
		}
		if sl.Len() > 0 {
			v.Set(sl)
		}
	case reflect.Struct:
		d.fields(v, path, false)
	}
}

// prune drops the list elements marked for removal.
func (d *formDecoder) prune(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == dateType || v.Type() == scopeType {
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			if name := jsonName(t.Field(i)); name != "" {
				d.prune(v.Field(i), join(path, name))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		keep := reflect.MakeSlice(v.Type(), 0, v.Len())
		for i := range v.Len() {
			p := path + "." + strconv.Itoa(i)
			if d.removed[p] {
				continue
			}
			d.prune(v.Index(i), p)
			keep = reflect.Append(keep, v.Index(i))
		}
		if keep.Len() == 0 {
			keep = reflect.Zero(v.Type())
		}
		v.Set(keep)
	}
}

// addElement appends a zero element to the list of structs at path (a form
// name) in item; it reports whether there was such a list.
func addElement(item any, path string) bool {
	v := reflect.ValueOf(item).Elem()
	for _, part := range strings.Split(path, ".") {
		switch v.Kind() {
		case reflect.Struct:
			found := false
			t := v.Type()
			for i := range t.NumField() {
				if jsonName(t.Field(i)) == part {
					v, found = v.Field(i), true
					break
				}
			}
			if !found {
				return false
			}
		case reflect.Slice:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= v.Len() {
				return false
			}
			v = v.Index(i)
		default:
			return false
		}
	}
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.Struct || v.Len() >= maxListLen {
		return false
	}
	v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
	return true
}

// leaf is one value of a flattened item.
type leaf struct{ Path, Value string }

// flatten lists item's values (a pointer to a catalog item, or nil) as
// leaves named like cost_sharing[0].deductible_cents, in field order.
func flatten(item any) []leaf {
	if item == nil {
		return nil
	}
	v := reflect.ValueOf(item)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	var out []leaf
	flat(v, "", &out)
	return out
}

func flat(v reflect.Value, show string, out *[]leaf) {
	t := v.Type()
	switch {
	case t == dateType:
		if d := v.Interface().(catalog.Date); !d.IsZero() {
			*out = append(*out, leaf{show, d.String()})
		}
		return
	case t == scopeType:
		*out = append(*out, leaf{show, scopeValue(v.Interface().(catalog.Scope))})
		return
	}
	switch t.Kind() {
	case reflect.String:
		if v.String() != "" {
			*out = append(*out, leaf{show, v.String()})
		}
	case reflect.Int, reflect.Int64:
		*out = append(*out, leaf{show, strconv.FormatInt(v.Int(), 10)})
	case reflect.Bool:
		*out = append(*out, leaf{show, yesNo(v.Bool())})
	case reflect.Pointer:
		if !v.IsNil() {
			flat(v.Elem(), show, out)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			flat(v.MapIndex(k), fmt.Sprintf("%s[%s]", show, k.String()), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			flat(v.Index(i), fmt.Sprintf("%s[%d]", show, i), out)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			if name := jsonName(t.Field(i)); name != "" {
				flat(v.Field(i), showJoin(show, name), out)
			}
		}
	}
}

// fieldChange is one field that differs: Before or After is "" when the
// field is absent on that side.
type fieldChange struct{ Field, Before, After string }

// fieldDiff lists the fields that differ from a to b (catalog items, or nil
// for none), in b's field order, then fields only a has.
func fieldDiff(a, b any) []fieldChange {
	la, lb := flatten(a), flatten(b)
	old := make(map[string]string, len(la))
	for _, l := range la {
		old[l.Path] = l.Value
	}
	var out []fieldChange
	seen := map[string]bool{}
	for _, l := range lb {
		seen[l.Path] = true
		if o, ok := old[l.Path]; !ok || o != l.Value {
			out = append(out, fieldChange{l.Path, o, l.Value})
		}
	}
	for _, l := range la {
		if !seen[l.Path] {
			out = append(out, fieldChange{l.Path, l.Value, ""})
		}
	}
	return out
}

// hintFields name a list element in its legend: "Cost sharing 3 (in, from
// 2026-01-01)", so the one to change is found without opening each.
var hintFields = []string{"id", "code", "type", "network", "period", "title"}

func elementHint(v reflect.Value) string {
	if v.Kind() != reflect.Struct {
		return ""
	}
	var parts []string
	t := v.Type()
	var from, to catalog.Date
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		f := v.Field(i)
		switch {
		case name == "effective_from" && f.Type() == dateType:
			from = f.Interface().(catalog.Date)
		case name == "effective_to" && f.Type() == dateType:
			to = f.Interface().(catalog.Date)
		case slices.Contains(hintFields, name) && f.Kind() == reflect.String && f.String() != "":
			x := f.String()
			if len(x) > 40 {
				x = x[:40] + "…"
			}
			parts = append(parts, x)
		}
	}
	if !from.IsZero() || !to.IsZero() {
		parts = append(parts, spanText(from, to))
	}
	return strings.Join(parts, ", ")
}
