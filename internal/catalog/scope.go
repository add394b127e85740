package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Scope is either "all" or an explicit list of ids (state codes or
// condition ids). In YAML and JSON it is written as the string "all" or as a
// list.
type Scope struct {
	All   bool
	Items []string
}

// AllOf is the Scope that matches everything.
var AllOf = Scope{All: true}

// ScopeOf returns the Scope of exactly items.
func ScopeOf(items ...string) Scope { return Scope{Items: items} }

// Contains reports whether s matches id.
func (s Scope) Contains(id string) bool { return s.All || slices.Contains(s.Items, id) }

// Overlaps reports whether s and o match at least one common id.
func (s Scope) Overlaps(o Scope) bool {
	if s.All || o.All {
		return true
	}
	for _, x := range s.Items {
		if slices.Contains(o.Items, x) {
			return true
		}
	}
	return false
}

// Common returns the ids matched by both s and o; it is meaningful only when
// at least one side is a list.
func (s Scope) Common(o Scope) []string {
	switch {
	case s.All:
		return o.Items
	case o.All:
		return s.Items
	}
	var out []string
	for _, x := range s.Items {
		if slices.Contains(o.Items, x) {
			out = append(out, x)
		}
	}
	return out
}

// keyItems returns what the index files a rule under for s: each item, or
// "" for all.
func (s Scope) keyItems() []string {
	if s.All {
		return allKey
	}
	return s.Items
}

var allKey = []string{""}

func (s Scope) value() any {
	if s.All {
		return "all"
	}
	if s.Items == nil {
		return []string{}
	}
	return s.Items
}

// MarshalYAML writes "all" or the list.
func (s Scope) MarshalYAML() (any, error) { return s.value(), nil }

// MarshalJSON writes "all" or the list.
func (s Scope) MarshalJSON() ([]byte, error) { return json.Marshal(s.value()) }

// UnmarshalYAML reads "all" or a list of strings.
func (s *Scope) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value != "all" {
			return fmt.Errorf("line %d: expected \"all\" or a list, got %q", n.Line, n.Value)
		}
		*s = AllOf
		return nil
	case yaml.SequenceNode:
		var items []string
		if err := n.Decode(&items); err != nil {
			return err
		}
		*s = Scope{Items: items}
		return nil
	}
	return fmt.Errorf("line %d: expected \"all\" or a list", n.Line)
}

// UnmarshalJSON reads "all" or a list of strings.
func (s *Scope) UnmarshalJSON(b []byte) error {
	// Scopes are read twice an item: the common forms are read here
	// without encoding/json, to the same values.
	if string(b) == `"all"` {
		*s = AllOf
		return nil
	}
	if items, ok := plainStrings(b); ok {
		*s = Scope{Items: items}
		return nil
	}
	var str string
	if json.Unmarshal(b, &str) == nil {
		if str != "all" {
			return fmt.Errorf("expected \"all\" or a list, got %q", str)
		}
		*s = AllOf
		return nil
	}
	var items []string
	if err := json.Unmarshal(b, &items); err != nil {
		return fmt.Errorf("expected \"all\" or a list of strings")
	}
	*s = Scope{Items: items}
	return nil
}

// plainStrings reads b if it is a JSON list of strings that are plain
// (printable ASCII, no escapes), as encoding/json reads it (a list, empty
// but not nil for "[]"); ok is false for anything else.
func plainStrings(b []byte) (items []string, ok bool) {
	i := skipJSONSpace(b, 0)
	if i == len(b) || b[i] != '[' {
		return nil, false
	}
	items = make([]string, 0, bytes.Count(b, []byte{'"'})/2)
	if i = skipJSONSpace(b, i+1); i < len(b) && b[i] == ']' {
		return items, skipJSONSpace(b, i+1) == len(b)
	}
	for {
		if i == len(b) || b[i] != '"' {
			return nil, false
		}
		j := i + 1
		for ; j < len(b) && b[j] != '"'; j++ {
			if c := b[j]; c < 0x20 || c >= 0x80 || c == '\\' {
				return nil, false
			}
		}
		if j == len(b) {
			return nil, false
		}
		items = append(items, string(b[i+1:j]))
		i = skipJSONSpace(b, j+1)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipJSONSpace(b, i+1)
		case i < len(b) && b[i] == ']':
			return items, skipJSONSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}
