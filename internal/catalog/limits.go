package catalog

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
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
// where text enters: the API's JSON reader.)
func textLimits(s *Snapshot) Problems {
	var ps Problems
	walkText(reflect.ValueOf(s).Elem(), "", "", &ps)
	return ps
}

func walkText(v reflect.Value, path, name string, ps *Problems) {
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
			walkText(v.Index(i), path+"["+strconv.Itoa(i)+"]", name, ps)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := fmt.Sprint(it.Key().Interface())
			if it.Key().Kind() == reflect.String {
				checkText(k, path+"."+k, "key", ps)
			}
			walkText(it.Value(), path+"."+k, name, ps)
		}
	case reflect.Struct:
		t := v.Type()
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
			p := tag
			if path != "" {
				p = path + "." + tag
			}
			if f.Anonymous {
				p = path
			}
			walkText(v.Field(i), p, tag, ps)
		}
	}
}

func checkText(s, path, name string, ps *Problems) {
	limit := MaxTextBytes
	switch {
	case name == "id" || strings.HasSuffix(name, "_id") || name == "key":
		limit = MaxIDBytes
	case name == "url":
		limit = MaxURLBytes
	}
	if len(s) > limit {
		*ps = append(*ps, Problem{Where: path, Msg: fmt.Sprintf("is %d bytes long; at most %d are allowed", len(s), limit)})
	}
}
