package clinic

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/catalog"
)

func date(s string) catalog.Date {
	d, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func demo(t *testing.T) []Clinic {
	t.Helper()
	cs, err := LoadFile("testdata/clinics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestCheckNPI(t *testing.T) {
	t.Parallel()
	// 1234567893 is the example in the NPI check-digit standard; 1245319599
	// is a well-known valid NPI shape used in examples.
	for _, ok := range []string{"1234567893", "1245319599", "1003000126"} {
		if err := CheckNPI(ok); err != nil {
			t.Errorf("CheckNPI(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"1234567890", "1234567894", "123456789", "12345678931", "12345678a3", "", "1245319590"} {
		if CheckNPI(bad) == nil {
			t.Errorf("CheckNPI(%q) = nil, want an error", bad)
		}
	}
	if got := NPICheckDigit("123456789"); got != '3' {
		t.Errorf("NPICheckDigit(123456789) = %c, want 3", got)
	}
}

func TestTIN(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"12-3456789": "123456789", "987654321": "987654321"} {
		if got, ok := TINDigits(in); !ok || got != want {
			t.Errorf("TINDigits(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"123-45-6789", "12345678", "1234567890", "12-345678a", "ab-cdefghi", ""} {
		if CheckTIN(bad) == nil {
			t.Errorf("CheckTIN(%q) = nil, want an error", bad)
		}
	}
}

func TestParseMoney(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Money{"85": 8500, "85.5": 8550, "85.50": 8550, "$85.05": 8505, "0": 0, "0.01": 1, "999999999.99": 99999999999} {
		got, err := ParseMoney(in)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"85.005", "85.", ".5", "-1", "+1", "1e3", "8,500", "", "$", "1000000000", "85.5.5", "0x10", "８５"} {
		if got, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", bad, got)
		}
	}
	if got := Dollars(123456789); got != "1,234,567.89" {
		t.Errorf("Dollars = %q", got)
	}
	if got := Dollars(-5); got != "-0.05" {
		t.Errorf("Dollars(-5) = %q", got)
	}
}

func TestLoadDemoAndLookups(t *testing.T) {
	t.Parallel()
	cs := demo(t)
	if len(cs) != 2 {
		t.Fatalf("got %d clinics, want 2", len(cs))
	}
	c := &cs[0]
	for _, tc := range []struct {
		cpt, on string
		want    int64
		ok      bool
	}{
		{"97810", "2026-03-01", 8500, true},
		{"97810", "2025-12-31", 8000, true}, // the 2025 price, [from, to)
		{"97810", "2026-01-01", 8500, true}, // to is exclusive
		{"97811", "2026-03-01", 3550, true},
		{"97811", "2025-06-01", 0, false}, // no 2025 price
		{"99213", "2026-03-01", 0, false},
	} {
		got, ok := c.CashPrice(tc.cpt, date(tc.on))
		if got != tc.want || ok != tc.ok {
			t.Errorf("CashPrice(%s, %s) = %d, %v; want %d, %v", tc.cpt, tc.on, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		payer, plan, cpt, on string
		want                 int64
		ok                   bool
	}{
		{"example-mutual-insurance-fictional", "example-ppo-gold", "97810", "2026-06-01", 6840, true},   // plan contract wins
		{"example-mutual-insurance-fictional", "example-ppo-gold", "97810", "2027-01-01", 6210, true},   // plan contract ended: payer-wide
		{"example-mutual-insurance-fictional", "example-hmo-silver", "97810", "2026-06-01", 6210, true}, // payer-wide
		{"other-payer", "example-ppo-gold", "97810", "2026-06-01", 6840, true},
		{"other-payer", "other-plan", "97810", "2026-06-01", 0, false},
		{"example-mutual-insurance-fictional", "", "97811", "2026-06-01", 0, false},
		{"example-mutual-insurance-fictional", "", "97810", "2025-06-01", 0, false},
	} {
		got, ok := c.ContractedRate(tc.payer, tc.plan, tc.cpt, date(tc.on))
		if got != tc.want || ok != tc.ok {
			t.Errorf("ContractedRate(%s, %s, %s, %s) = %d, %v; want %d, %v", tc.payer, tc.plan, tc.cpt, tc.on, got, ok, tc.want, tc.ok)
		}
	}
	if n, ok := c.Network("example-ppo-gold"); !ok || n != catalog.InNetwork {
		t.Errorf("Network(gold) = %q, %v", n, ok)
	}
	if n, ok := c.Network("example-hmo-silver"); !ok || n != catalog.OutNetwork {
		t.Errorf("Network(silver) = %q, %v", n, ok)
	}
	if _, ok := c.Network("unknown"); ok {
		t.Error("Network(unknown) is known")
	}
	if got, _ := cs[1].CashPrice("97811", date("2026-02-01")); got != 4525 {
		t.Errorf("riverbend 97811 = %d, want 4525 (written \"$45.25\")", got)
	}
	if c.Location("main") == nil || c.Location("nope") != nil {
		t.Error("Location lookup is wrong")
	}
}

func TestSlidingScaleRounding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bp    int
		cents int64
		want  int64
	}{
		{2500, 8500, 2125},
		{2500, 3550, 888}, // 887.5 rounds half up
		{3333, 100, 33},   // 33.33
		{1500, 3, 0},      // 0.45
		{5000, 1, 1},      // 0.5 rounds up
		{5000, 3, 2},      // 1.5 rounds up
		{10000, 12345, 12345},
		{1, 5000, 1}, // 0.5
		{1, 4999, 0}, // 0.4999
	} {
		s := &SlidingScale{BasisPoints: tc.bp}
		if got := s.Discount(tc.cents); got != tc.want {
			t.Errorf("Discount(%d bp of %d) = %d, want %d", tc.bp, tc.cents, got, tc.want)
		}
	}
	if (*SlidingScale)(nil).Discount(100) != 0 {
		t.Error("nil scale discounts")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := Clinic{
		ID: "Bad ID", NPI: "1234567890", TIN: "123-45-6789",
		Locations: []Location{
			{ID: "a", AddressLines: []string{""}, State: "XX", ZIP: "9411", PlaceOfService: "1"},
			{ID: "a", AddressLines: []string{"1 Main"}, City: "X", State: "CA", ZIP: "94110", PlaceOfService: "11"},
		},
		CashPrices: []CashPrice{
			{CPT: "9781", Price: -1, EffectiveFrom: date("2026-01-01")},
			{CPT: "97810", Price: 100, EffectiveFrom: date("2026-01-01")},
			{CPT: "97810", Price: 100, EffectiveFrom: date("2026-06-01"), EffectiveTo: date("2026-03-01")},
			{CPT: "97811", Price: 100},
		},
		SlidingScale: &SlidingScale{BasisPoints: 0},
		Contracts:    []Contract{{Payer: "", CPT: "97810", Allowed: MaxPrice + 1, EffectiveFrom: date("2026-01-01")}},
		Networks:     map[string]catalog.Network{"gold": "maybe"},
	}
	ps := c.Validate("clinics[3]")
	want := []string{
		"clinics[3].id:", "clinics[3].name:", "clinics[3].npi:", "clinics[3].tin:",
		"clinics[3].locations[0].address_lines[0]:", "clinics[3].locations[0].city:", "clinics[3].locations[0].state:",
		"clinics[3].locations[0].zip:", "clinics[3].locations[0].place_of_service:", "clinics[3].locations[1].id: location \"a\" is listed twice",
		"clinics[3].cash_prices[0].cpt:", "clinics[3].cash_prices[0].price:", "clinics[3].cash_prices[2].effective_to:",
		"clinics[3].cash_prices[3].effective_from:", "clinics[3].sliding_scale.basis_points:", "clinics[3].sliding_scale.eligibility:",
		"clinics[3].contracts[0].payer:", "clinics[3].contracts[0].allowed:", "clinics[3].networks.gold:",
	}
	got := ps.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q:\n%s", w, got)
		}
	}
	if len(ps) < len(want) {
		t.Errorf("got %d problems, want at least %d", len(ps), len(want))
	}
	// Overlapping prices for one code are refused; adjacent ones are not.
	ok := demo(t)[0]
	if ps := ok.Validate(""); ps != nil {
		t.Fatalf("demo clinic: %v", ps)
	}
	ok.CashPrices = append(ok.CashPrices, CashPrice{CPT: "97811", Price: 1, EffectiveFrom: date("2026-05-01")})
	if ps := ok.Validate(""); len(ps) != 1 || !strings.Contains(ps[0].String(), "overlaps") {
		t.Errorf("overlap: %v", ps)
	}
}

func TestParseFileStrict(t *testing.T) {
	t.Parallel()
	good, err := os.ReadFile("testdata/clinics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ doc, want string }{
		"unknown field":    {strings.Replace(string(good), "    tin: 12-3456789", "    tin: 12-3456789\n    fax: 555", 1), "field fax not found"},
		"not whole cents":  {strings.Replace(string(good), "price: 85.00", "price: 85.005", 1), `"85.005" is not dollars and whole cents`},
		"negative":         {strings.Replace(string(good), "price: 85.00", "price: -85", 1), "not dollars"},
		"bad date":         {strings.Replace(string(good), "effective_from: 2026-01-01}", "effective_from: 2026-02-30}", 1), "2026-02-30"},
		"two documents":    {string(good) + "\n---\nclinics: []\n", "single YAML document"},
		"empty":            {"", "empty"},
		"no clinics":       {"clinics: []\n", "lists no clinics"},
		"duplicate clinic": {string(good) + strings.Replace(string(good)[strings.Index(string(good), "  - id: riverbend"):], "", "", 1), "already clinics[1]"},
		"json unknown":     {`{"clinics":[],"extra":1}`, "unknown field"},
		"json not cents":   {`{"clinics":[{"id":"a","cash_prices":[{"cpt":"97810","price":1.234}]}]}`, "not dollars and whole cents"},
		"json trailing":    {`{"clinics":[]} {}`, "single object"},
		"invalid in file":  {strings.Replace(string(good), `npi: "1234567893"`, `npi: "1234567894"`, 1), "clinics[0].npi"},
		"money as a map":   {strings.Replace(string(good), "price: 85.00", "price: {a: 1}", 1), "number of dollars"},
	} {
		_, err := ParseFile([]byte(tc.doc))
		var ps Problems
		if !errors.As(err, &ps) {
			t.Errorf("%s: err = %v, want Problems", name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant it to mention %q", name, err, tc.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	cs := demo(t)
	b, err := json.Marshal(File{Clinics: cs})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"price":35.50`) {
		t.Errorf("money is not written as dollars: %s", b)
	}
	back, err := ParseFile(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b2, _ := json.Marshal(File{Clinics: back})
	if string(b) != string(b2) {
		t.Errorf("round trip changed the clinics:\n%s\n%s", b, b2)
	}
}

// FuzzParseFile: any input is parsed or refused with Problems, never a
// panic; what parses is valid and survives a JSON round trip.
func FuzzParseFile(f *testing.F) {
	good, err := os.ReadFile("testdata/clinics.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"clinics":[{"id":"a"}]}`))
	f.Add([]byte("clinics:\n  - id: a\n    cash_prices: [{cpt: '97810', price: 1.5}]\n"))
	f.Add([]byte("clinics: [{price: 85.005}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ParseFile(data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v is not Problems", err)
			}
			return
		}
		for i := range cs {
			if ps := cs[i].Validate(""); ps != nil {
				t.Fatalf("parsed an invalid clinic: %v", ps)
			}
		}
		b, err := json.Marshal(File{Clinics: cs})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseFile(b); err != nil {
			t.Fatalf("round trip: %v\n%s", err, b)
		}
	})
}

// The example clinic file in this package's README parses and is valid.
func TestREADMEExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "## The clinic file")
	if i < 0 {
		t.Fatal("README has no clinic file section")
	}
	s = s[i:]
	start := strings.Index(s, "```yaml\n")
	end := strings.Index(s[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no yaml example in the clinic file section")
	}
	cs, err := ParseFile([]byte(s[start+8 : start+8+end]))
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := cs[0].CashPrice("97811", date("2026-05-01")); p != 3550 {
		t.Errorf("97811 = %d", p)
	}
}
