package catalog

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Length limits of a catalog's text, in bytes. They are far above anything
// a real catalog holds (the default's longest text is a few hundred
// bytes), and keep one edit from storing megabytes in a field that every
// answer and every revision copies.
const (
	MaxIDBytes   = 128  // ids, and fields named id
	MaxURLBytes  = 2048 // source URLs
	MaxTextBytes = 8192 // names, notes, quotes, reasons and every other text
)

// textLimits returns a problem for every text field of s that is too long
// for its limit. Fields are found by reflection, so a new field is covered
// without a change here. (A NUL, which PostgreSQL cannot store, is refused
// where text enters: the API's JSON reader.) A problem's Where is the
// field's path, e.g. rules[3].summary; the path is written out only for a
// problem.
func textLimits(s *Snapshot) Problems {
	var ps Problems
	var path []byte
	walkText(reflect.ValueOf(s).Elem(), &path, "", &ps)
	return ps
}

// itemTextLimits is textLimits for item i of the list named list (a
// pointer to a Plan, Rule, …), with the paths textLimits gives it.
func itemTextLimits(list string, i int, item any, ps *Problems) {
	path := []byte(list + "[" + strconv.Itoa(i) + "]")
	walkText(reflect.ValueOf(item).Elem(), &path, list, ps)
}

// textField is what walkText needs of a struct field.
type textField struct {
	index     int
	tag       string
	anonymous bool
}

// textFields caches the exported, not skipped fields of each struct type:
// looking them up per value costs more than the walk.
var textFields sync.Map // reflect.Type → []textField

func fieldsOf(t reflect.Type) []textField {
	if fs, ok := textFields.Load(t); ok {
		return fs.([]textField)
	}
	var fs []textField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		fs = append(fs, textField{i, tag, f.Anonymous})
	}
	textFields.Store(t, fs)
	return fs
}

// walkText checks the text in v, at *path (restored on return), whose
// field is called name.
func walkText(v reflect.Value, path *[]byte, name string, ps *Problems) {
	n := len(*path)
	defer func() { *path = (*path)[:n] }()
	switch v.Kind() {
	case reflect.String:
		checkText(v.String(), path, name, ps)
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, name, ps)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			*path = append((*path)[:n], '[')
			*path = strconv.AppendInt(*path, int64(i), 10)
			*path = append(*path, ']')
			walkText(v.Index(i), path, name, ps)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := fmt.Sprint(it.Key().Interface())
			*path = append(append((*path)[:n], '.'), k...)
			if it.Key().Kind() == reflect.String {
				checkText(k, path, "key", ps)
			}
			walkText(it.Value(), path, name, ps)
		}
	case reflect.Struct:
		for _, f := range fieldsOf(v.Type()) {
			*path = (*path)[:n]
			if !f.anonymous {
				if n > 0 {
					*path = append(*path, '.')
				}
				*path = append(*path, f.tag...)
			}
			walkText(v.Field(f.index), path, f.tag, ps)
		}
	}
}

func checkText(s string, path *[]byte, name string, ps *Problems) {
	limit := MaxTextBytes
	switch {
	case name == "id" || strings.HasSuffix(name, "_id") || name == "key":
		limit = MaxIDBytes
	case name == "url":
		limit = MaxURLBytes
	}
	if len(s) > limit {
		*ps = append(*ps, Problem{Where: string(*path), Msg: fmt.Sprintf("is %d bytes long; at most %d are allowed", len(s), limit)})
	}
}
