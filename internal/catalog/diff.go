package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Resource kinds, as named by Diff, the audit log and the editing API.
const (
	KindPlan        = "plan"
	KindCondition   = "condition"
	KindRule        = "rule"
	KindFeeSchedule = "fee_schedule"
	// KindCashPrice items are keyed by state; the national default's id
	// is "".
	KindCashPrice = "cash_price"
)

// Kinds lists every resource kind in catalog order.
var Kinds = []string{KindPlan, KindCondition, KindRule, KindFeeSchedule, KindCashPrice}

// Change actions.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
)

// Change is one resource that differs between two snapshots. Before is nil
// for a Create, After nil for a Delete; otherwise they are pointers into the
// snapshots (*Plan, *Condition, *Rule, *FeeSchedule or *CashPrice).
type Change struct {
	Kind   string
	ID     string
	Action string
	Before any
	After  any
}

// Diff lists what changed from a to b, kind by kind in Kinds order; within
// a kind, deletions in a's order, then creations and updates in b's order.
// Resources are compared by CanonicalJSON, so an empty list and a missing one
// are the same. Duplicate ids (an invalid catalog) compare the last of each.
func Diff(a, b *Snapshot) ([]Change, error) {
	var out []Change
	for _, kind := range Kinds {
		ai, bi := Items(a, kind), Items(b, kind)
		before := make(map[string]any, len(ai))
		for _, it := range ai {
			before[it.ID] = it.Value
		}
		after := make(map[string]any, len(bi))
		for _, it := range bi {
			after[it.ID] = it.Value
		}
		for _, it := range ai {
			if _, ok := after[it.ID]; !ok {
				out = append(out, Change{Kind: kind, ID: it.ID, Action: Delete, Before: it.Value})
				delete(before, it.ID) // a duplicate id is reported once
			}
		}
		for _, it := range bi {
			old, ok := before[it.ID]
			if !ok {
				out = append(out, Change{Kind: kind, ID: it.ID, Action: Create, After: it.Value})
				continue
			}
			same, err := equalJSON(old, it.Value)
			if err != nil {
				return nil, fmt.Errorf("diff %s %q: %w", kind, it.ID, err)
			}
			if !same {
				out = append(out, Change{Kind: kind, ID: it.ID, Action: Update, Before: old, After: it.Value})
			}
			delete(before, it.ID)
		}
	}
	return out, nil
}

// Item is one resource of a snapshot with its id.
type Item struct {
	ID    string
	Value any // *Plan, *Condition, *Rule, *FeeSchedule or *CashPrice
}

// Items lists the resources of one kind in s, in catalog order; nil for an
// unknown kind or none.
func Items(s *Snapshot, kind string) []Item {
	k := ItemKindNamed(kind)
	if k == nil {
		return nil
	}
	var out []Item
	for i := range k.Len(s) {
		out = append(out, Item{k.ID(s, i), k.Item(s, i)})
	}
	return out
}

func equalJSON(a, b any) (bool, error) {
	x, err := CanonicalJSON(a)
	if err != nil {
		return false, err
	}
	y, err := CanonicalJSON(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// CanonicalJSON is v's JSON in one form whatever the trip v took (YAML,
// PostgreSQL, JSON): object keys sorted, and nulls, empty lists and empty
// objects left out, since the catalog writes some empty lists as [] and
// omits others. Equal resources have equal canonical JSON, which makes it a
// sound basis for ETags and diffs.
func CanonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep cents exact
	var g any
	if err := dec.Decode(&g); err != nil {
		return nil, err
	}
	g, _ = prune(g)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g); err != nil {
		return nil, err
	}
	return bytes.TrimRight(out.Bytes(), "\n"), nil
}

// prune drops nulls, empty lists and empty objects; keep is false when v
// itself is one of them.
func prune(v any) (out any, keep bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := prune(x[k]); ok {
				x[k] = p
			} else {
				delete(x, k)
			}
		}
		return x, len(x) > 0
	case []any:
		for i := range x {
			// Elements keep their place: a list's order matters.
			x[i], _ = prune(x[i])
		}
		return x, len(x) > 0
	}
	return v, true
}
