package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"unsafe"
)

// Canonical returns a copy of s in the one form a catalog takes after a trip
// through YAML (Parse of Marshal) and through a store: an empty list is nil
// where the field is omitempty, and non-nil where it is always written.
// ContentHash marshals JSON, which writes a nil non-omitempty list as null
// and an empty one as [], so without this the same catalog could hash two
// ways and import(export()) would not be a no-op. s is not modified; items
// are copied only where their form changes.
func Canonical(s *Snapshot) *Snapshot {
	c := *s
	for _, k := range ItemKinds {
		k.canonicalList(&c)
	}
	return &c
}

// ItemKind is one top-level list of a Snapshot: its items are what a store
// keeps, diffs and versions one by one. ItemKinds lists every kind, so a
// store driven by it stores a new list (or a new field of an item) without
// any change of its own.
type ItemKind interface {
	// Name is the kind's name in the audit log and the editing API
	// (KindRule, …).
	Name() string
	// Len is the number of items of this kind in s.
	Len(s *Snapshot) int
	// ID is the id of item i of s (a cash price's or licensure entry's is
	// its state).
	ID(s *Snapshot, i int) string
	// Item returns a pointer to item i of s (*Rule, …). The item may be
	// shared with other snapshots: never change it; Set a new one.
	Item(s *Snapshot, i int) any
	// Set makes item i of s the item v points to (*Rule, …), Append adds
	// it at the end, and Delete removes item i. s's list must be its own
	// (see Clone); v must not change afterwards.
	Set(s *Snapshot, i int, v any)
	Append(s *Snapshot, v any)
	Delete(s *Snapshot, i int)
	// CanonicalJSON returns item i of s in canonical form (see Canonical)
	// as JSON: equal items give equal bytes. s is not modified.
	CanonicalJSON(s *Snapshot, i int) ([]byte, error)
	// Same reports whether item i of a and item j of b are the same value
	// byte for byte (the same strings and lists, not merely equal ones): a
	// cheap test that an item was left untouched by an edit. False says
	// nothing; compare CanonicalJSON then.
	Same(a *Snapshot, i int, b *Snapshot, j int) bool
	// Splice sets dst's list to parts in order: part.Old >= 0 takes items
	// Old to Old+N-1 of src's list, otherwise part.JSON is decoded as a
	// new item (canonicalized).
	Splice(dst, src *Snapshot, parts []Part) error
	// Clone gives s's list a backing array of its own, so items can be
	// replaced without touching the snapshot s was copied from.
	Clone(s *Snapshot)
	// Canonicalize puts item i of s in canonical form: an item that
	// changes is replaced by a canonical copy (s's list must be its own).
	Canonicalize(s *Snapshot, i int)
	// Form gives s's list itself its canonical form: nil or empty.
	Form(s *Snapshot)
	// AppendJSON decodes b as an item, in canonical form, at the end of
	// s's list.
	AppendJSON(s *Snapshot, b []byte) error
	// Clip removes the spare capacity of s's list, so an append copies it.
	Clip(s *Snapshot)
	// DecodeJSON decodes b as an item, in canonical form, and returns a
	// pointer to it.
	DecodeJSON(b []byte) (any, error)
	// canonicalList puts s's list in canonical form, copying the list
	// first if any item changes.
	canonicalList(s *Snapshot)
	// sameList reports whether a's and b's lists are the very same: the
	// same length and backing array (not merely the same items).
	sameList(a, b *Snapshot) bool
}

// Part is a run of items of the source list, or one new item, of a list
// Splice builds.
type Part struct {
	Old  int    // index in the source list of the run's first item, or -1
	N    int    // the run's length (at least 1) when Old >= 0
	JSON []byte // the new item's JSON when Old is -1
}

// ItemKinds lists every item kind in catalog order. Add a new top-level
// list of Snapshot here, with its canonical form, and stores keep it.
var ItemKinds = []ItemKind{
	valueKind(KindPlan, "plans", true, func(s *Snapshot) *[]Plan { return &s.Plans }, func(p *Plan) string { return p.ID }, canonicalPlan),
	valueKind(KindCondition, "conditions", true, func(s *Snapshot) *[]Condition { return &s.Conditions }, func(c *Condition) string { return c.ID }, canonicalCondition),
	pointerKind(KindRule, "rules", true, func(s *Snapshot) *[]*Rule { return &s.Rules }, func(r *Rule) string { return r.ID }, canonicalRule),
	valueKind(KindFeeSchedule, "fee_schedules", false, func(s *Snapshot) *[]FeeSchedule { return &s.FeeSchedules }, func(f *FeeSchedule) string { return f.ID }, canonicalFeeSchedule),
	valueKind(KindCashPrice, "cash_prices", false, func(s *Snapshot) *[]CashPrice { return &s.CashPrices }, func(c *CashPrice) string { return c.State }, canonicalCashPrice),
	valueKind(KindLicensure, "licensure", false, func(s *Snapshot) *[]Licensure { return &s.Licensure }, func(l *Licensure) string { return l.State }, canonicalLicensure),
}

// KindLicensure items are keyed by state.
const KindLicensure = "licensure"

// ItemKindNamed returns the kind called name, or nil.
func ItemKindNamed(name string) ItemKind {
	for _, k := range ItemKinds {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// itemKind implements ItemKind for a list of E, each element holding one T:
// the T itself (valueKind), or a pointer to it (pointerKind: Rules, whose
// revisions share the rules they did not change). canonical puts a T in
// canonical form in place and reports whether it changed anything.
type itemKind[T, E any] struct {
	name      string
	field     string // the list's name in a catalog document
	always    bool   // the list is written even when empty (not omitempty)
	list      func(*Snapshot) *[]E
	id        func(*T) string
	canonical func(*T) bool
	// at is the item an element holds; hold makes an element that holds
	// the item at v, which must not change afterwards (a pointerKind's
	// element is v itself).
	at   func(e *E) *T
	hold func(v *T) E
}

func valueKind[T any](name, field string, always bool, list func(*Snapshot) *[]T, id func(*T) string, canonical func(*T) bool) ItemKind {
	return &itemKind[T, T]{name, field, always, list, id, canonical,
		func(e *T) *T { return e }, func(v *T) T { return *v }}
}

func pointerKind[T any](name, field string, always bool, list func(*Snapshot) *[]*T, id func(*T) string, canonical func(*T) bool) ItemKind {
	return &itemKind[T, *T]{name, field, always, list, id, canonical,
		func(e **T) *T { return *e }, func(v *T) *T { return v }}
}

func (k *itemKind[T, E]) Name() string       { return k.name }
func (k *itemKind[T, E]) key() string        { return k.field }
func (k *itemKind[T, E]) writtenEmpty() bool { return k.always }

// item is item i of s's list.
func (k *itemKind[T, E]) item(s *Snapshot, i int) *T { return k.at(&(*k.list(s))[i]) }

func (k *itemKind[T, E]) DecodeJSON(b []byte) (any, error) {
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s item: %w", k.name, err)
	}
	k.canonical(v)
	return v, nil
}
func (k *itemKind[T, E]) Len(s *Snapshot) int          { return len(*k.list(s)) }
func (k *itemKind[T, E]) ID(s *Snapshot, i int) string { return k.id(k.item(s, i)) }
func (k *itemKind[T, E]) Item(s *Snapshot, i int) any  { return k.item(s, i) }

func (k *itemKind[T, E]) Set(s *Snapshot, i int, v any) { (*k.list(s))[i] = k.hold(v.(*T)) }

func (k *itemKind[T, E]) Append(s *Snapshot, v any) {
	l := k.list(s)
	*l = append(*l, k.hold(v.(*T)))
}

func (k *itemKind[T, E]) Delete(s *Snapshot, i int) { l := k.list(s); *l = slices.Delete(*l, i, i+1) }

func (k *itemKind[T, E]) CanonicalJSON(s *Snapshot, i int) ([]byte, error) {
	v := *k.item(s, i)
	k.canonical(&v)
	b, err := json.Marshal(&v)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", k.name, k.id(&v), err)
	}
	return b, nil
}

func (k *itemKind[T, E]) Same(a *Snapshot, i int, b *Snapshot, j int) bool {
	x, y := k.item(a, i), k.item(b, j)
	if x == y {
		return true
	}
	n := unsafe.Sizeof(*x)
	return string(unsafe.Slice((*byte)(unsafe.Pointer(x)), n)) == string(unsafe.Slice((*byte)(unsafe.Pointer(y)), n))
}

func (k *itemKind[T, E]) Splice(dst, src *Snapshot, parts []Part) error {
	old := *k.list(src)
	n := 0
	for _, p := range parts {
		if p.Old >= 0 {
			n += p.N
		} else {
			n++
		}
	}
	out := make([]E, 0, n)
	for _, p := range parts {
		if p.Old >= 0 {
			out = append(out, old[p.Old:p.Old+p.N]...)
			continue
		}
		v, err := k.DecodeJSON(p.JSON)
		if err != nil {
			return err
		}
		out = append(out, k.hold(v.(*T)))
	}
	*k.list(dst) = k.form(out)
	return nil
}

// Canonicalize replaces item i with its canonical form when that differs:
// the item itself, which another snapshot may share, is not changed.
func (k *itemKind[T, E]) Canonicalize(s *Snapshot, i int) {
	v := *k.item(s, i)
	if k.canonical(&v) {
		(*k.list(s))[i] = k.hold(&v)
	}
}

func (k *itemKind[T, E]) sameList(a, b *Snapshot) bool {
	x, y := *k.list(a), *k.list(b)
	return len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
}

func (k *itemKind[T, E]) Form(s *Snapshot) { l := k.list(s); *l = k.form(*l) }

func (k *itemKind[T, E]) AppendJSON(s *Snapshot, b []byte) error {
	v, err := k.DecodeJSON(b)
	if err != nil {
		return err
	}
	k.Append(s, v)
	return nil
}

func (k *itemKind[T, E]) Clip(s *Snapshot) { l := k.list(s); *l = slices.Clip(*l) }

func (k *itemKind[T, E]) Clone(s *Snapshot) { l := k.list(s); *l = k.form(slices.Clone(*l)) }

func (k *itemKind[T, E]) canonicalList(s *Snapshot) {
	l := k.list(s)
	copied := false
	for i := range *l {
		v := *k.at(&(*l)[i])
		if !k.canonical(&v) {
			continue
		}
		if !copied {
			*l = slices.Clone(*l)
			copied = true
		}
		(*l)[i] = k.hold(&v)
	}
	*l = k.form(*l)
}

// form is the canonical form of the list itself.
func (k *itemKind[T, E]) form(l []E) []E {
	if k.always {
		return always(l)
	}
	return omit(l)
}

// The canonical forms of the items: each reports whether it changed v. A
// list inside an item that is changed is copied first, so an item shared
// with another snapshot is never changed in place.

func canonicalPlan(p *Plan) bool {
	ch := set(&p.CostSharing, always(p.CostSharing))
	for j := range p.CostSharing {
		if c := p.CostSharing[j]; (c.CopaySteps == nil) != (len(c.CopaySteps) == 0) {
			p.CostSharing = slices.Clone(p.CostSharing)
			p.CostSharing[j].CopaySteps = nil
			ch = true
		}
	}
	ch = set(&p.Notes, omit(p.Notes)) || ch
	ch = set(&p.Sources, omit(p.Sources)) || ch
	return ch
}

func canonicalCondition(d *Condition) bool {
	ch := set(&d.ICD10, omit(d.ICD10))
	ch = set(&d.ICD10Families, omit(d.ICD10Families)) || ch
	ch = set(&d.RetiredICD10, omit(d.RetiredICD10)) || ch
	for j := range d.RetiredICD10 {
		if d.RetiredICD10[j].ReplacedBy == nil {
			d.RetiredICD10 = slices.Clone(d.RetiredICD10)
			d.RetiredICD10[j].ReplacedBy = []string{}
			ch = true
		}
	}
	ch = set(&d.Sources, omit(d.Sources)) || ch
	return ch
}

func canonicalRule(r *Rule) bool {
	ch := set(&r.Criteria, omit(r.Criteria))
	ch = set(&r.Limits.Windows, omit(r.Limits.Windows)) || ch
	ch = set(&r.Limits.Extensions, omit(r.Limits.Extensions)) || ch
	ch = set(&r.Providers, omit(r.Providers)) || ch
	for j := range r.Providers {
		if c := r.Providers[j].Credentials; c != nil && len(c) == 0 {
			r.Providers = slices.Clone(r.Providers)
			r.Providers[j].Credentials = nil
			ch = true
		}
	}
	ch = set(&r.Billing.CPT, omit(r.Billing.CPT)) || ch
	ch = set(&r.Billing.Modifiers, omit(r.Billing.Modifiers)) || ch
	ch = set(&r.Billing.Notes, omit(r.Billing.Notes)) || ch
	ch = set(&r.Notes, omit(r.Notes)) || ch
	ch = set(&r.Sources, always(r.Sources)) || ch
	return ch
}

func canonicalFeeSchedule(f *FeeSchedule) bool {
	ch := false
	if f.AmountsCents == nil {
		f.AmountsCents = map[string]int64{}
		ch = true
	}
	ch = set(&f.Notes, omit(f.Notes)) || ch
	ch = set(&f.Sources, always(f.Sources)) || ch
	return ch
}

func canonicalCashPrice(c *CashPrice) bool { return set(&c.Sources, always(c.Sources)) }

func canonicalLicensure(l *Licensure) bool {
	ch := set(&l.Requirements, omit(l.Requirements))
	ch = set(&l.Notes, omit(l.Notes)) || ch
	ch = set(&l.Sources, always(l.Sources)) || ch
	return ch
}

// set stores v in *p and reports whether that changed *p (nil versus empty
// is a change; the elements are the same either way).
func set[T any](p *[]T, v []T) bool {
	if (*p == nil) == (v == nil) {
		return false
	}
	*p = v
	return true
}

// omit is the canonical form of an omitempty list: nil when empty.
func omit[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// always is the canonical form of a list that is always written: never nil.
func always[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
