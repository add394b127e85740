package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// repetitiveSnapshot is a catalog the size of a few decode batches whose
// items repeat each other's strings, lists and pointed-to values, as a
// generated catalog does, with a few values the decoders read the long way
// (escapes, non-ASCII text, scopes of odd shape).
func repetitiveSnapshot(rules int) *Snapshot {
	yes, no := true, false
	capA, capB := int64(50000), int64(75000)
	oop := int64(300000)
	states := [][]string{{"CA"}, {"NY", "NJ"}, {"TX", "OK", "NM"}, {"WA"}}
	notes := [][]string{nil, {"Synthetic rule for load and scale tests."}, {"Prior authorization \"PA\" may apply.", "Voir la notice — naïve café."}}
	crit := [][]Criterion{nil,
		{{ID: "pain_12_weeks", Test: "pain_weeks >= 12", Question: "Has the pain lasted 12 weeks or longer?", Failure: "Not covered: the pain must have lasted 12 weeks or longer."}},
		{{ID: "nonspecific", Test: "systemic_cause == false", Question: "Is the pain free of a systemic cause?"}, {ID: "pain_12_weeks", Test: "pain_weeks >= 12", Question: "Has the pain lasted 12 weeks or longer?"}},
	}
	s := &Snapshot{}
	for p := range 6 {
		s.Plans = append(s.Plans, Plan{
			ID: fmt.Sprintf("plan-%d", p), Name: fmt.Sprintf("Plan %d", p), Payer: []string{"Contoso", "Fabrikam"}[p%2],
			Type: Commercial, States: Scope{Items: states[p%len(states)]}, BenefitPeriod: BenefitPeriod{Kind: CalendarYear},
			CostSharing: []CostSharing{{Network: InNetwork, DeductibleCents: 50000, CopayCents: 2500, OOPMaxCents: &oop},
				{Network: OutNetwork, CoinsurancePercent: 40, BalanceBilling: true}},
			Notes: notes[p%len(notes)],
		})
	}
	for c := range 5 {
		s.Conditions = append(s.Conditions, Condition{ID: fmt.Sprintf("cond_%d", c), Name: "Chronic low back pain", ICD10: []string{"M54.50", "M54.59"}})
	}
	// Rules i and i+12 differ in their ids only.
	for i := range rules {
		k := i % 12
		r := &Rule{
			ID:            fmt.Sprintf("plan-%d-r%d", k%6, i),
			Plan:          fmt.Sprintf("plan-%d", k%6),
			States:        Scope{Items: states[k%len(states)]},
			Conditions:    Scope{Items: []string{fmt.Sprintf("cond_%d", k%4)}},
			EffectiveFrom: NewDate(2023+k%3, time.March, 1),
			Status:        []Status{Covered, Conditional, NotCovered}[k%3],
			Summary:       []string{"Covered, up to 12 visits per benefit year.", "Covered for chronic pain\tof 12 weeks.", "Not covered."}[k%3],
			Criteria:      crit[k%len(crit)],
			Limits: Limits{Windows: []Window{{Period: PerBenefitYear, Visits: 12}, {Period: PerRollingDays, Days: 90, Visits: 12 + k%2}},
				DollarCapCents: []*int64{nil, &capA, &capB}[k%3]},
			Electroacupuncture: []*bool{nil, &yes, &no}[k%3],
			Providers:          []ProviderRule{{Type: "licensed_acupuncturist", Eligible: true}, {Type: "chiropractor", Eligible: k%2 == 0, Note: "Only where the state licenses chiropractors."}},
			Billing:            Billing{CPT: []string{"97810", "97811", "97813", "97814"}, Modifiers: []Modifier{{Code: "GP", When: "Under a therapy plan of care."}}},
			Notes:              notes[k%len(notes)],
			Sources:            []Source{{Title: fmt.Sprintf("Evidence of coverage for plan-%d", k%6), URL: fmt.Sprintf("https://example.org/eoc/plan-%d", k%6)}},
		}
		switch k {
		case 5:
			r.States = AllOf
		case 7:
			r.Conditions = Scope{Items: []string{}}
		case 11:
			r.States = Scope{Items: []string{"C\u00e1", "N\"Y"}}
		}
		s.Rules = append(s.Rules, r)
	}
	s.FeeSchedules = []FeeSchedule{{ID: "fs", Name: "FS", Network: InNetwork, AmountsCents: map[string]int64{"97810": 100}, Sources: []Source{}}}
	s.CashPrices = []CashPrice{{State: "CA", FirstVisitCents: 9000, FollowUpCents: 7000, Sources: []Source{{Title: "T", URL: "https://x.org"}}}}
	s.Licensure = []Licensure{{State: "CA", Status: Licensed, Notes: notes[1], Sources: []Source{{Title: "T", URL: "https://x.org"}}}}
	return s
}

// sharedOnce fails unless equal strings, equal short lists and equal
// pointed-to values in s are one copy each, as share leaves them.
func sharedOnce(t *testing.T, name string, s *Snapshot) {
	t.Helper()
	strs := map[string]unsafe.Pointer{}
	lists := map[string]unsafe.Pointer{}
	ptrs := map[any]unsafe.Pointer{}
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 5 {
			t.Errorf(name+": "+format, args...)
		}
	}
	var walk func(v reflect.Value, top bool)
	walk = func(v reflect.Value, top bool) {
		switch v.Kind() {
		case reflect.String:
			str := v.String()
			if str == "" {
				return
			}
			p := unsafe.Pointer(unsafe.StringData(str))
			if q, ok := strs[str]; ok && q != p {
				fail("two copies of string %q", str)
			}
			strs[str] = p
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), false)
				}
			}
		case reflect.Slice:
			n := v.Len()
			for i := range n {
				walk(v.Index(i), false)
			}
			size := uintptr(n) * v.Type().Elem().Size()
			if n == 0 || size > maxSharedList {
				return
			}
			if v.Cap() != n {
				fail("a %s of %d has spare capacity %d", v.Type(), n, v.Cap())
			}
			if top {
				return
			}
			k := v.Type().String() + "\x00" + string(unsafe.Slice((*byte)(v.UnsafePointer()), size))
			if q, ok := lists[k]; ok && q != v.UnsafePointer() {
				fail("two copies of a %s %v", v.Type(), v.Interface())
			}
			lists[k] = v.UnsafePointer()
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			walk(v.Elem(), false)
			switch v.Elem().Kind() {
			case reflect.Struct:
				return // an item of a list (a rule): its own
			}
			k := v.Elem().Interface()
			if q, ok := ptrs[k]; ok && q != v.UnsafePointer() {
				fail("two copies of *%v", k)
			}
			ptrs[k] = v.UnsafePointer()
		}
	}
	sv := reflect.ValueOf(s).Elem()
	for i := range sv.NumField() {
		walk(sv.Field(i), true)
	}
}

// TestReadDocumentSharesAsParse: a catalog that ReadDocument reads (its
// batches shared as they decode, JSON and YAML, block and flow lists) is
// the catalog Parse reads, equal strings, lists and values shared as share
// shares them: equal items are Same, and share finds nothing left to share.
func TestReadDocumentSharesAsParse(t *testing.T) {
	in := repetitiveSnapshot(5 * batchItems / 2)
	var docs []struct {
		name string
		doc  []byte
	}
	for _, f := range []string{"json", "yaml"} {
		var b bytes.Buffer
		if err := WriteDocument(&b, in, f); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, struct {
			name string
			doc  []byte
		}{f, b.Bytes()})
	}
	y, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, struct {
		name string
		doc  []byte
	}{"yaml (Marshal)", y})
	// Flow lists are decoded whole, not in batches.
	flow := &Snapshot{Plans: in.Plans, Conditions: in.Conditions, Rules: in.Rules[:40]}
	var flowYAML []byte
	for _, k := range []string{"plans", "conditions", "rules"} {
		v := reflect.ValueOf(flow).Elem().FieldByNameFunc(func(f string) bool { return strings.EqualFold(f, k) })
		js, err := json.Marshal(v.Interface())
		if err != nil {
			t.Fatal(err)
		}
		flowYAML = fmt.Appendf(flowYAML, "%s: %s\n", k, js)
	}
	docs = append(docs, struct {
		name string
		doc  []byte
	}{"yaml flow lists", flowYAML})

	rules := ItemKindNamed(KindRule)
	for _, d := range docs {
		want, _, err := Parse(d.doc)
		if err != nil {
			t.Fatalf("%s: Parse: %v", d.name, err)
		}
		got, _, err := ReadDocument(bytes.NewReader(d.doc), nil)
		if err != nil {
			t.Fatalf("%s: ReadDocument: %v", d.name, err)
		}
		if len(got.Rules) == 0 {
			t.Fatalf("%s: no rules read", d.name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ReadDocument's snapshot differs from Parse's", d.name)
		}
		sharedOnce(t, d.name+" (Parse)", want)
		sharedOnce(t, d.name+" (ReadDocument)", got)
		// Rules 0 and 12·60 (another batch) differ in id only: with the
		// id made equal they are byte for byte the same item.
		if j := 12 * 60; j < len(got.Rules) {
			a, b := got.Rules[0], *got.Rules[j]
			b.ID = a.ID
			x, y := &Snapshot{Rules: []*Rule{a}}, &Snapshot{Rules: []*Rule{&b}}
			if !rules.Same(x, 0, y, 0) {
				t.Errorf("%s: rules 0 and %d, equal but for their ids, are not Same", d.name, j)
			}
		}
		// share of what ReadDocument shared changes nothing.
		again := *got
		for _, k := range ItemKinds {
			k.Clone(&again)
		}
		share(&again)
		for i := range got.Rules {
			if !rules.Same(got, i, &again, i) {
				t.Fatalf("%s: share changed rule %d of ReadDocument's snapshot", d.name, i)
			}
		}
	}
}

// BenchmarkReadDocument reads a repetitive catalog of 20,000 rules, as
// JSON and as YAML.
func BenchmarkReadDocument(b *testing.B) {
	in := repetitiveSnapshot(20_000)
	for _, f := range []string{"json", "yaml"} {
		var doc bytes.Buffer
		if err := WriteDocument(&doc, in, f); err != nil {
			b.Fatal(err)
		}
		b.Run(f, func(b *testing.B) {
			b.SetBytes(int64(doc.Len()))
			b.ReportAllocs()
			for b.Loop() {
				s, _, err := ReadDocument(bytes.NewReader(doc.Bytes()), nil)
				if err != nil || len(s.Rules) != len(in.Rules) {
					b.Fatalf("read %d rules, err %v", len(s.Rules), err)
				}
			}
		})
	}
}

// TestItemReaderAsAppendJSON: an ItemReader given a store's items (their
// canonical JSON, kind by kind, several batches of rules) returns what
// AppendJSON item by item and then share give, shared as share leaves it;
// an item that does not decode is named by kind and place.
func TestItemReaderAsAppendJSON(t *testing.T) {
	in := repetitiveSnapshot(5 * batchItems / 2)
	want := &Snapshot{}
	r := NewItemReader()
	for ki, k := range ItemKinds {
		for i := range k.Len(in) {
			b, err := k.CanonicalJSON(in, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.AppendJSON(want, b); err != nil {
				t.Fatal(err)
			}
			r.Add(ki, b)
		}
	}
	share(want)
	got, err := r.Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("ItemReader's snapshot differs from AppendJSON's")
	}
	sharedOnce(t, "ItemReader", got)

	// Added in reverse, gathered in order.
	r = NewItemReader()
	n := len(in.Rules)
	order := make([]int, n)
	for i := range n {
		b, _ := ItemKinds[kiRule].CanonicalJSON(in, n-1-i)
		r.Add(kiRule, b)
		order[i] = n - 1 - i
	}
	orders := make([][]int, len(ItemKinds))
	orders[kiRule] = order
	got, err = r.Snapshot(orders)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rules, want.Rules) {
		t.Fatal("rules added in reverse and gathered in order differ from AppendJSON's")
	}

	r = NewItemReader()
	defer r.Close()
	for i := range batchItems + 3 {
		b, _ := ItemKinds[kiRule].CanonicalJSON(in, i)
		if i == batchItems+1 {
			b = []byte(`{"id": 7}`)
		}
		r.Add(kiRule, b)
	}
	_, err = r.Snapshot(nil)
	var ie *ItemError
	if !errors.As(err, &ie) || ie.Kind != kiRule || ie.Index != batchItems+1 {
		t.Fatalf("a rule that does not decode: %v, want an *ItemError for rule %d", err, batchItems+1)
	}
}
