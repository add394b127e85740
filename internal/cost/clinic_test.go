package cost

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/coverage"
)

// testClinic charges 97810 $85.00 and 97811 $35.50 (97810 $90.00 from
// 2026-04-01), 97813 $95.00; it has a contract with Example PPO Gold for
// 97810 at $68.40 and 97811 at $30.00, one with all of Example Mutual's
// plans for 97813 at $50.00, and is in Example PPO Gold's network and out
// of Example Care HMO's.
func testClinic() *clinic.Clinic {
	c := &clinic.Clinic{
		ID: "lotus", Name: "Lotus Acupuncture", NPI: "1234567893", TIN: "12-3456789",
		Locations: []clinic.Location{{ID: "main", AddressLines: []string{"1 Main St"}, City: "Oakland", State: "CA", ZIP: "94612", PlaceOfService: "11"}},
		CashPrices: []clinic.CashPrice{
			{CPT: "97810", Price: 8500, EffectiveFrom: date("2026-01-01"), EffectiveTo: date("2026-04-01")},
			{CPT: "97810", Price: 9000, EffectiveFrom: date("2026-04-01")},
			{CPT: "97811", Price: 3550, EffectiveFrom: date("2026-01-01")},
			{CPT: "97813", Price: 9500, EffectiveFrom: date("2026-01-01")},
		},
		Contracts: []clinic.Contract{
			{Payer: "example-mutual-insurance-fictional", Plan: "example-ppo-gold", CPT: "97810", Allowed: 6840, EffectiveFrom: date("2026-01-01")},
			{Payer: "example-mutual-insurance-fictional", Plan: "example-ppo-gold", CPT: "97811", Allowed: 3000, EffectiveFrom: date("2026-01-01")},
			{Payer: "example-mutual-insurance-fictional", CPT: "97813", Allowed: 5000, EffectiveFrom: date("2026-01-01")},
		},
		Networks: map[string]catalog.Network{"example-ppo-gold": catalog.InNetwork, "example-hmo-copay": catalog.OutNetwork},
	}
	if ps := c.Validate(""); ps != nil {
		panic(ps)
	}
	return c
}

// TestClinicPricesHandComputed: the cents at the clinic's own prices,
// against arithmetic written out by hand.
func TestClinicPricesHandComputed(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	tests := []struct {
		name       string
		req        Request
		want       []row
		network    catalog.Network
		wantAssume []string
	}{
		{
			// PPO Gold in network (the clinic's record), deductible met, 20%
			// coinsurance. Billed 8500 + 3550 = 12050. Allowed: contract 6840 +
			// 3000 = 9840 (below billed). Coinsurance 20% × 9840 = 1968, plan
			// 9840 − 1968 = 7872. From 2026-04-01 97810 is $90.00: billed 9000 +
			// 3550 = 12550, allowed still 9840.
			name: "ppo gold in network at contracted rates",
			req: Request{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-26"),
				Course:       Course{Visits: ptr(3)},
				Accumulators: Accumulators{DeductibleMetCents: 150000, OOPMetCents: 150000}},
			network: catalog.InNetwork,
			want: []row{
				{Date: "2026-03-26", Covered: true, Billed: 12050, Allowed: 9840, Coins: 1968, Plan: 7872, Patient: 1968},
				{Date: "2026-03-29", Covered: true, Billed: 12050, Allowed: 9840, Coins: 1968, Plan: 7872, Patient: 1968},
				{Date: "2026-04-02", Covered: true, Billed: 12550, Allowed: 9840, Coins: 1968, Plan: 7872, Patient: 1968},
			},
			wantAssume: []string{"Lotus Acupuncture is in Example PPO Gold", "97810 $68.40 (Lotus Acupuncture's contracted rate) + 1 × 97811 $30.00", "= $98.40 a visit",
				"97810 $85.00 + 1 × 97811 $35.50 = $120.50", "from 2026-04-02: Lotus Acupuncture's cash (self-pay) prices, 97810 $90.00"},
		},
		{
			// Deductible not met ($1,500): each visit's allowed 9840 goes to the
			// deductible; the patient pays 9840, the plan 0.
			name: "ppo gold deductible not met",
			req: Request{Plan: "example-ppo-gold", State: "CA", Condition: "neck_pain", StartDate: date("2026-02-02"),
				Course: Course{Visits: ptr(2)}},
			network: catalog.InNetwork,
			want: []row{
				{Date: "2026-02-02", Covered: true, Billed: 12050, Allowed: 9840, Ded: 9840, Patient: 9840},
				{Date: "2026-02-05", Covered: true, Billed: 12050, Allowed: 9840, Ded: 9840, Patient: 9840},
			},
		},
		{
			// 45 minutes electro: 97813 $95.00 + 2 × 97814 — the clinic has no cash
			// price for 97814, so this is refused (see TestClinicPricesRefused).
			// 15 minutes electro: billed 9500; the payer-wide contract allows 5000;
			// deductible met: 20% = 1000, plan 4000.
			name: "payer-wide contract for 97813",
			req: Request{Plan: "example-ppo-gold", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-02-02"),
				Course:       Course{Visits: ptr(1), MinutesPerVisit: ptr(15), Electroacupuncture: true},
				Accumulators: Accumulators{DeductibleMetCents: 150000, OOPMetCents: 150000}},
			network: catalog.InNetwork,
			want: []row{
				{Date: "2026-02-02", Covered: true, Billed: 9500, Allowed: 5000, Coins: 1000, Plan: 4000, Patient: 1000},
			},
			wantAssume: []string{"97813 $50.00 (Lotus Acupuncture's contracted rate)"},
		},
		{
			// Depression is not covered by PPO Gold: self-pay at the clinic's cash
			// prices, 8500 + 3550 = 12050 a visit.
			name: "not covered is self-pay at the clinic's cash prices",
			req: Request{Plan: "example-ppo-gold", State: "CA", Condition: "depression", StartDate: date("2026-02-02"),
				Course: Course{Visits: ptr(2)}},
			network: catalog.InNetwork,
			want:    []row{self("2026-02-02", 12050), self("2026-02-05", 12050)},
		},
		{
			// The clinic is out of the HMO's network (its record): the HMO does not
			// cover out-of-network visits, so they are self-pay at 12050.
			name: "out of network by the clinic's record",
			req: Request{Plan: "example-hmo-copay", State: "CA", Condition: "neck_pain", StartDate: date("2026-02-02"),
				Course: Course{Visits: ptr(1)}},
			network:    catalog.OutNetwork,
			want:       []row{self("2026-02-02", 12050)},
			wantAssume: []string{"Lotus Acupuncture is out of Example Care HMO"},
		},
		{
			// Medicare: no contracts; the fee schedule allows 3703 + 2847 = 6550,
			// below the clinic's 12050. Deductible met: 20% = 1310, plan 5240.
			name: "medicare uses its fee schedule, billed at the clinic's prices",
			req: Request{Provider: phys, Plan: "medicare-part-b", State: "CA", Condition: "chronic_low_back_pain", StartDate: date("2026-03-02"),
				Course: Course{Visits: ptr(1)}, Patient: clbp(ptr(true)),
				Accumulators: Accumulators{DeductibleMetCents: 28300, OOPMetCents: 28300}},
			want: []row{
				{Date: "2026-03-02", Covered: true, Billed: 12050, Allowed: 6550, Coins: 1310, Plan: 5240, Patient: 1310},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := EstimateAt(ix, tc.req, testClinic())
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, rows(b)); d != "" {
				t.Errorf("visits (-want +got):\n%s", d)
			}
			if tc.network != "" && b.Network != tc.network {
				t.Errorf("network = %q, want %q", b.Network, tc.network)
			}
			all := strings.Join(b.Assumptions, "\n")
			for _, w := range append(tc.wantAssume, "Lotus Acupuncture's cash (self-pay) price") {
				if !strings.Contains(all, w) {
					t.Errorf("assumptions lack %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, "catalog's national average") || strings.Contains(all, "cash price, $112") {
				t.Errorf("assumptions still name the catalog's average price:\n%s", all)
			}
			var sum Totals
			for i := range b.Visits {
				sum.add(&b.Visits[i])
			}
			if sum != b.Totals {
				t.Errorf("totals %+v are not the sum of the visits %+v", b.Totals, sum)
			}
		})
	}
}

func TestClinicPricesRefused(t *testing.T) {
	t.Parallel()
	ix := mustDefault(t)
	base := Request{Plan: "example-ppo-gold", State: "CA", Condition: "neck_pain", StartDate: date("2026-02-02"), Course: Course{Visits: ptr(1)}}
	for _, tc := range []struct {
		name  string
		mod   func(r *Request)
		field string
		kind  error
	}{
		{"no cash price for an add-on", func(r *Request) { r.Course.Electroacupuncture = true }, "clinic", coverage.ErrInvalidInput},
		{"before the clinic's prices", func(r *Request) { r.StartDate = date("2025-06-02") }, "clinic", coverage.ErrInvalidInput},
		{"charge_cents too", func(r *Request) { r.ChargeCents = ptr[int64](9000) }, "charge_cents", coverage.ErrContradictory},
		{"network against the record", func(r *Request) { r.Network = catalog.OutNetwork }, "network", coverage.ErrContradictory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mod(&r)
			_, err := EstimateAt(ix, r, testClinic())
			var ie *coverage.InputError
			if !errors.Is(err, tc.kind) || !errors.As(err, &ie) || ie.Field != tc.field {
				t.Errorf("err = %v, want %v naming %s", err, tc.kind, tc.field)
			}
		})
	}
	r := base
	r.Clinic = "lotus"
	if _, err := Estimate(ix, r); !errors.Is(err, coverage.ErrInvalidInput) {
		t.Errorf("Estimate with a clinic it was not given: err = %v", err)
	}
}

func TestPayerID(t *testing.T) {
	for in, want := range map[string]string{
		"Example Mutual Insurance (fictional)":     "example-mutual-insurance-fictional",
		"Centers for Medicare & Medicaid Services": "centers-for-medicare-medicaid-services",
		"  Blue Shield of California ":             "blue-shield-of-california",
	} {
		if got := PayerID(in); got != want {
			t.Errorf("PayerID(%q) = %q, want %q", in, got, want)
		}
	}
}
