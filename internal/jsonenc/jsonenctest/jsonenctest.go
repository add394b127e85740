// Package jsonenctest checks a hand-written JSON encoder against
// encoding/json for every field of a type: it fills values of the type by
// reflection, so a field added to an answer type (or to any type an answer
// holds) is covered without anyone writing an example that sets it. It also
// checks an answer type owns its JSON shape (CheckOwnShape): no part of it
// is a catalog type, whose json tags are the admin format.
package jsonenctest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// Variant is one way of filling a value.
type Variant struct {
	Name string
	// OmitEmptyZero leaves fields tagged omitempty or omitzero unset.
	OmitEmptyZero bool
	// Scalars zero leaves strings, numbers and booleans at zero (behind set
	// pointers: a *bool to false).
	ScalarsZero bool
	// NilRefs leaves pointers and slices nil.
	NilRefs bool
	// EmptySlices makes slices empty but not nil.
	EmptySlices bool
	// Plain fills strings without characters JSON escapes.
	Plain bool
}

// Variants are the fillings every encoder is checked with: between them
// every field is set and unset, every omitempty field is absent, every
// pointer and slice is nil, empty and full, and every string holds what
// JSON must escape.
var Variants = []Variant{
	{Name: "every field set"},
	{Name: "omitempty fields unset", OmitEmptyZero: true},
	{Name: "zero scalars behind set pointers, empty slices", ScalarsZero: true, EmptySlices: true},
	{Name: "nil pointers and slices", NilRefs: true},
	{Name: "plain strings", Plain: true},
	{Name: "zero value", ScalarsZero: true, NilRefs: true},
}

var dateType = reflect.TypeFor[catalog.Date]()

// Fill sets every exported field reachable from v (a pointer) as variant
// says. It fails tb on a kind it does not know how to fill, so a new kind
// of field is taught to it rather than silently left zero.
func Fill(tb testing.TB, v any, variant Variant) {
	tb.Helper()
	f := filler{tb: tb, v: variant}
	f.fill(reflect.ValueOf(v).Elem(), reflect.TypeOf(v).Elem().Name())
}

type filler struct {
	tb testing.TB
	v  Variant
	n  int // distinct values, so a field written in another's place shows
}

func (f *filler) fill(v reflect.Value, path string) {
	f.n++
	if v.Type() == dateType {
		if !f.v.ScalarsZero {
			v.Set(reflect.ValueOf(catalog.NewDate(2026, time.Month(1+f.n%12), 1+f.n%28)))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if !f.v.ScalarsZero {
			s := fmt.Sprintf("%s %d", path, f.n)
			if !f.v.Plain {
				s += " <&> \"quoted\" back\\slash\ttab\u2028é\x01"
			}
			v.SetString(s)
		}
	case reflect.Bool:
		v.SetBool(!f.v.ScalarsZero)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !f.v.ScalarsZero {
			v.SetInt(int64(f.n * 101))
		}
	case reflect.Pointer:
		if !f.v.NilRefs {
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem(), path)
		}
	case reflect.Slice:
		switch {
		case f.v.NilRefs:
		case f.v.EmptySlices:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range 2 {
				f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue // encoding/json ignores it too
			}
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.v.OmitEmptyZero && (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) {
				continue
			}
			f.fill(v.Field(i), path+"."+sf.Name)
		}
	default:
		f.tb.Fatalf("%s: jsonenctest cannot fill a %s; teach Fill about it", path, v.Type())
	}
}

// PureJSON is what gin's PureJSON writes for v: encoding/json with HTML
// escaping off, without the Encoder's trailing newline.
func PureJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Check fails t unless appendJSON, for a *T filled in every Variant,
// appends exactly PureJSON's bytes (and keeps what dst already held).
func Check[T any](t *testing.T, appendJSON func(v *T, dst []byte) []byte) {
	t.Helper()
	for _, variant := range Variants {
		t.Run(variant.Name, func(t *testing.T) {
			v := new(T)
			Fill(t, v, variant)
			want := PureJSON(t, v)
			got := appendJSON(v, []byte("prefix"))
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatal("the encoder overwrote the buffer's contents")
			}
			if got = got[len("prefix"):]; !bytes.Equal(got, want) {
				t.Errorf("the hand encoder of %T differs from encoding/json %s", *v, FirstDiff(got, want))
			}
		})
	}
}

// FirstDiff describes where got and want first differ.
func FirstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-80)
	return fmt.Sprintf("at byte %d:\n got …%s\nwant …%s", i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
}

var catalogPkg = dateType.PkgPath()

// CatalogShaped lists the fields reachable from t (through pointers,
// slices, arrays, maps and structs) whose JSON shape the catalog package
// decides: a catalog struct, list or map — its json tags are the admin
// format — or a catalog type with a JSON or text encoding of its own. An
// answer type holding one would change when the admin format does.
// Allowed: catalog.Date, whose wire form (YYYY-MM-DD) is the API's one
// date format, written by jsonenc.Date and held to encoding/json by Check;
// and the catalog's named scalars (Status, Network, …), whose JSON is
// their value.
func CatalogShaped(t reflect.Type) []string {
	var out []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		if t.PkgPath() == catalogPkg && t != dateType {
			switch t.Kind() {
			case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
				if !encodesItself(t) {
					return
				}
			}
			out = append(out, path+" ("+t.String()+")")
			return
		}
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t) // the same type under another path is walked again
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(t.Elem(), path+"[]")
		case reflect.Map:
			walk(t.Key(), path+"{key}")
			walk(t.Elem(), path+"{}")
		case reflect.Struct:
			for i := range t.NumField() {
				if sf := t.Field(i); sf.IsExported() && sf.Tag.Get("json") != "-" {
					walk(sf.Type, path+"."+sf.Name)
				}
			}
		}
	}
	walk(t, t.String())
	return out
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

func encodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || p.Implements(jsonMarshaler) || t.Implements(textMarshaler) || p.Implements(textMarshaler)
}

// CheckOwnShape fails t if T's JSON shape depends on the catalog's (see
// CatalogShaped).
func CheckOwnShape[T any](t *testing.T) {
	t.Helper()
	for _, f := range CatalogShaped(reflect.TypeFor[T]()) {
		t.Errorf("%s: the answer's JSON shape must be its own, not the catalog's (admin format); give it an answer type", f)
	}
}
