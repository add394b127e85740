package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/acucover/acucover/internal/suggest"
)

// checkKeys refuses what encoding/json would quietly accept in body, which
// decodes into a value of type t: a key given twice in one object (the last
// would win), keys that match a field, or each other, only when case is
// ignored ("Plan" for "plan"), and NUL characters in strings. Syntax
// errors are left to the decoder.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var e requestError
	if err := walkKeys(dec, t, "", &e); err != nil && !errors.Is(err, errKeySyntax) {
		return err
	}
	return e.err()
}

// errKeySyntax stops the walk at a syntax error; decodeStrict reports it.
var errKeySyntax = errors.New("syntax")

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

func walkKeys(dec *json.Decoder, t reflect.Type, path string, e *requestError) error {
	tok, err := dec.Token()
	if err != nil {
		return errKeySyntax
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		// It decodes itself (a batch's checks are json.RawMessage, each
		// decoded strictly on its own): walk past it, reporting nothing.
		e = &requestError{}
		t = nil
	} else if t != nil && t.Kind() == reflect.Interface {
		t = nil // any JSON: only duplicates are checked below it
	}
	if str, ok := tok.(string); ok && strings.IndexByte(str, 0) >= 0 {
		// No identifier or text holds one, and PostgreSQL cannot store it.
		e.add(cmp.Or(path, "body"), "contains a NUL character (\\u0000)", errInvalidRequest)
	}
	switch tok {
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkKeys(dec, elem, fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('{'):
		err = walkObject(dec, t, path, e)
	}
	if err != nil {
		return errKeySyntax
	}
	return nil
}

func walkObject(dec *json.Decoder, t reflect.Type, path string, e *requestError) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t, map[string]reflect.Type{})
	}
	seen := map[string]string{} // lower-cased key → key as given
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errKeySyntax
		}
		key, _ := tok.(string)
		if strings.IndexByte(key, 0) >= 0 {
			e.add(cmp.Or(path, "body"), "has a field name with a NUL character", errInvalidRequest)
		}
		field := key
		if path != "" {
			field = path + "." + key
		}
		folded := strings.ToLower(key)
		if prev, ok := seen[folded]; ok {
			if prev == key {
				e.add(field, "is given twice; give each field once", errInvalidRequest)
			} else {
				e.add(field, fmt.Sprintf("differs from %q only in case; field names are case-sensitive", prev), errInvalidRequest)
			}
		}
		seen[folded] = key
		var vt reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				e.add(field, unknownField(key, fields), errInvalidRequest)
			}
			vt = ft
		case t != nil && t.Kind() == reflect.Map:
			vt = t.Elem()
		}
		if err := walkKeys(dec, vt, field, e); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// jsonFields adds the JSON names of struct type t's fields (embedded
// structs' included) to m, with their types.
func jsonFields(t reflect.Type, m map[string]reflect.Type) map[string]reflect.Type {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && !strings.Contains(tag, ",") {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				jsonFields(ft, m)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

// unknownField is the message for key, which is not one of fields: with the
// closest field name as a hint, if one is close.
func unknownField(key string, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("is not a known field; field names are case-sensitive: did you mean %q?", name)
		}
		names = append(names, name)
	}
	slices.Sort(names) // ties go to the first: keep hints stable
	return "is not a known field" + suggest.DidYouMean(key, names)
}
