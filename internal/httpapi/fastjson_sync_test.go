package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/jsonenc/jsonenctest"
)

// TestBatchJSONInSync: appendBatchJSON writes what encoding/json writes for
// the batch answer, with every field of its items set, unset, nil and empty.
func TestBatchJSONInSync(t *testing.T) {
	t.Parallel()
	type answer struct {
		Results []batchItem `json:"results"`
	}
	jsonenctest.Check(t, func(a *answer, dst []byte) []byte {
		out, err := appendBatchJSON(dst, a.Results)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSuffix(out, []byte("\n"))
	})
}

// TestFastReadersKnowEveryField: for every JSON name of every request type
// (found by walking the struct, so a field added later is included), a body
// setting just that field is decoded by the fast reader, to exactly what
// decodeStrict makes of it. A field the fast reader does not know would
// send every request that sets it down the slow path.
func TestFastReadersKnowEveryField(t *testing.T) {
	t.Parallel()
	t.Run("coverage", func(t *testing.T) {
		t.Parallel()
		checkFastReader(t, fastCoverageRequest)
	})
	t.Run("estimate", func(t *testing.T) {
		t.Parallel()
		checkFastReader(t, fastEstimateRequest)
	})
}

func checkFastReader[T any](t *testing.T, fast func([]byte, *T) bool) {
	full := new(T)
	jsonenctest.Fill(t, full, jsonenctest.Variant{Name: "plain strings", Plain: true})
	var tree map[string]any
	if err := json.Unmarshal(jsonenctest.PureJSON(t, full), &tree); err != nil {
		t.Fatal(err)
	}
	paths := jsonPaths(reflect.TypeFor[T](), nil)
	if len(paths) == 0 {
		t.Fatalf("%T has no JSON fields", *full)
	}
	bodies := map[string]any{"every field": tree}
	for _, p := range paths {
		bodies[strings.Join(p, ".")] = only(tree, p)
	}
	for name, b := range bodies {
		body := jsonenctest.PureJSON(t, b)
		var fv, sv T
		if !fast(body, &fv) {
			t.Errorf("%s: the fast reader gave up on %s", name, body)
			continue
		}
		if err := decodeStrict(body, &sv); err != nil {
			t.Fatalf("%s: decodeStrict: %v", name, err)
		}
		if !reflect.DeepEqual(fv, sv) {
			t.Errorf("%s: %s: fast read %+v, decodeStrict %+v", name, body, fv, sv)
		}
	}
}

var (
	dateType = reflect.TypeFor[catalog.Date]()
	timeType = reflect.TypeFor[time.Time]()
)

// jsonPaths lists the path of JSON names to every leaf of t (a value that
// is not an object: string, number, bool, date, list).
func jsonPaths(t reflect.Type, prefix []string) [][]string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == dateType || t == timeType {
		return [][]string{prefix}
	}
	var out [][]string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonPaths(f.Type, prefix)...) // embedded: its fields are the outer object's
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonPaths(f.Type, append(prefix[:len(prefix):len(prefix)], name))...)
	}
	return out
}

// only is tree with just the value at path kept.
func only(tree map[string]any, path []string) map[string]any {
	v := tree[path[0]]
	if len(path) > 1 {
		v = only(v.(map[string]any), path[1:])
	}
	return map[string]any{path[0]: v}
}
