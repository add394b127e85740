package console

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

// formValues is what a browser submits for entries, untouched.
func formValues(es []entry) url.Values {
	v := url.Values{}
	for _, e := range es {
		switch {
		case e.Kind == "field" && e.Input != "readonly":
			v.Set(e.Path, e.Value)
		case e.Kind == "open" && e.Count != "":
			v.Set(e.Count, strconv.Itoa(e.N))
		}
	}
	return v
}

// TestFormRoundTrip: every plan, rule and fee schedule of the default
// catalog survives the form unchanged (same canonical JSON, so the same
// ETag), and its field diff with itself is empty.
func TestFormRoundTrip(t *testing.T) {
	snap, err := catalog.DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range editables {
		for i := range catalog.ItemKindNamed(k.kind()).Len(snap) {
			id := catalog.ItemKindNamed(k.kind()).ID(snap, i)
			item, _ := k.get(nil, snap, id)
			got, errs := k.fromForm(formValues(buildForm(item, nil)), id)
			if errs != nil {
				t.Fatalf("%s %s: %v", k.noun(), id, errs)
			}
			if canonical(got) != canonical(item) {
				t.Errorf("%s %s changed through the form:\n%s\n%s", k.noun(), id, canonical(item), canonical(got))
			}
			if d := fieldDiff(item, got); len(d) != 0 {
				t.Errorf("%s %s: diff with itself %v", k.noun(), id, d)
			}
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d items checked", n)
	}
}

func TestFormEdits(t *testing.T) {
	snap, err := catalog.DefaultSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	k := editableAt("plans")
	item, _ := k.get(nil, snap, "medicare-part-b")
	v := formValues(buildForm(item, nil))
	v.Set("cost_sharing.2.deductible_cents", "28400")
	v.Set("cost_sharing.0.remove", "yes")
	v.Set("notes.new", "A new note")
	v.Set("notes.0", "")
	got, errs := k.fromForm(v, "medicare-part-b")
	if errs != nil {
		t.Fatal(errs)
	}
	p := got.(*catalog.Plan)
	if len(p.CostSharing) != 2 || p.CostSharing[1].DeductibleCents != 28400 {
		t.Fatalf("cost sharing after the edit: %+v", p.CostSharing)
	}
	if p.Notes[len(p.Notes)-1] != "A new note" || len(p.Notes) != len(item.(*catalog.Plan).Notes) {
		t.Errorf("notes after the edit: %q", p.Notes)
	}
	d := fieldDiff(item, got)
	if len(d) == 0 || d[0].Field == "" {
		t.Fatalf("diff %v", d)
	}
	// Unreadable values are reported by form name.
	v.Set("cost_sharing.1.copay_cents", "12.50")
	v.Set("cost_sharing.1.effective_from", "March 1")
	v.Set("cost_sharing.1.oop_max_cents", "lots")
	_, errs = k.fromForm(v, "medicare-part-b")
	for _, name := range []string{"cost_sharing.1.copay_cents", "cost_sharing.1.effective_from", "cost_sharing.1.oop_max_cents"} {
		if errs[name] == "" {
			t.Errorf("no problem for %s: %v", name, errs)
		}
	}
	// A list element can be added.
	if !k.add(got, "cost_sharing") || len(got.(*catalog.Plan).CostSharing) != 3 {
		t.Error("add cost_sharing did not add one")
	}
	if k.add(got, "name") || k.add(got, "nope.0") {
		t.Error("add accepted a path that is not a list")
	}
}

// FuzzDecodeForm: any submitted form decodes without panicking.
func FuzzDecodeForm(f *testing.F) {
	f.Add("limits.windows.n", "3", "limits.windows.1.visits", "x")
	f.Add("providers.n", "1000000", "providers.0.type", "")
	f.Add("billing.cpt.n", "-1", "states", "all")
	f.Add("effective_from", "2026-13-01", "limits.dollar_cap_cents", "99999999999999999999")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		form := url.Values{k1: {v1}, k2: {v2}}
		for _, k := range editables {
			item, _ := k.fromForm(form, "x")
			buildForm(item, form)
			k.add(item, k2)
			flatten(item)
		}
	})
}
