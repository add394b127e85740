// Package clinic is a clinic's own data: who it is (name, NPI, TIN), where it
// treats (locations with their place of service code), what it charges
// self-pay patients (cash prices per CPT code and an optional sliding-scale
// discount), what payers allow it under contract (per payer or plan, per CPT,
// with effective dates) and whether it is in or out of network per plan.
//
// It is pure: a Clinic is a value, Validate reports every problem at once,
// and the lookups take the date they are asked about. Money is integer cents.
// Clinic files (ParseFile) load a list of clinics for demos; storage comes
// later and will return the same Clinic values.
package clinic

import (
	"github.com/acucover/acucover/internal/catalog"
)

// Clinic is one practice (a tenant).
type Clinic struct {
	// ID names the clinic in requests: lower case letters, digits, '-' and
	// '_', starting with a letter (catalog.ValidID).
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// NPI is the clinic's 10-digit National Provider Identifier (type 2,
	// organization, or the solo practitioner's type 1).
	NPI string `yaml:"npi" json:"npi"`
	// TIN is the 9-digit Tax Identification Number, written as 9 digits or
	// in EIN form NN-NNNNNNN.
	TIN          string        `yaml:"tin" json:"tin"`
	Locations    []Location    `yaml:"locations" json:"locations"`
	CashPrices   []CashPrice   `yaml:"cash_prices" json:"cash_prices"`
	SlidingScale *SlidingScale `yaml:"sliding_scale,omitempty" json:"sliding_scale,omitempty"`
	Contracts    []Contract    `yaml:"contracts,omitempty" json:"contracts,omitempty"`
	// Networks is the clinic's network status per plan id ("in" or "out").
	// A plan that is not listed is unknown, not out of network.
	Networks map[string]catalog.Network `yaml:"networks,omitempty" json:"networks,omitempty"`
}

// Location is a place where the clinic treats patients.
type Location struct {
	ID           string   `yaml:"id" json:"id"`
	Name         string   `yaml:"name,omitempty" json:"name,omitempty"`
	AddressLines []string `yaml:"address_lines" json:"address_lines"`
	City         string   `yaml:"city" json:"city"`
	// State is the two-letter USPS code (50 states, DC and territories).
	State string `yaml:"state" json:"state"`
	// ZIP is NNNNN or NNNNN-NNNN.
	ZIP string `yaml:"zip" json:"zip"`
	// PlaceOfService is the CMS place of service code, two digits: 11 is an
	// office, 02 and 10 are telehealth, 22 an on-campus hospital outpatient
	// department.
	PlaceOfService string `yaml:"place_of_service" json:"place_of_service"`
}

// CashPrice is the clinic's self-pay price for one unit of a CPT code, in
// force on [EffectiveFrom, EffectiveTo); a zero EffectiveTo is open-ended.
type CashPrice struct {
	CPT           string       `yaml:"cpt" json:"cpt"`
	Price         Money        `yaml:"price" json:"price"`
	EffectiveFrom catalog.Date `yaml:"effective_from" json:"effective_from"`
	EffectiveTo   catalog.Date `yaml:"effective_to,omitempty" json:"effective_to,omitzero"`
}

// SlidingScale is a discount off the cash price for patients who meet the
// clinic's eligibility rule (income, for example). The discount is
// BasisPoints/10000 of each charge, rounded half up to the cent: 2500 is
// 25 %. acucover does not decide eligibility; the caller says whether the
// patient is eligible.
type SlidingScale struct {
	BasisPoints int    `yaml:"basis_points" json:"basis_points"`
	Eligibility string `yaml:"eligibility" json:"eligibility"`
}

// Contract is an allowed amount a payer has agreed with the clinic for one
// unit of a CPT code. Plan, when set, narrows it to one plan of the payer; a
// plan's own contract wins over its payer's. In force on
// [EffectiveFrom, EffectiveTo); a zero EffectiveTo is open-ended.
type Contract struct {
	Payer         string       `yaml:"payer" json:"payer"`
	Plan          string       `yaml:"plan,omitempty" json:"plan,omitempty"`
	CPT           string       `yaml:"cpt" json:"cpt"`
	Allowed       Money        `yaml:"allowed" json:"allowed"`
	EffectiveFrom catalog.Date `yaml:"effective_from" json:"effective_from"`
	EffectiveTo   catalog.Date `yaml:"effective_to,omitempty" json:"effective_to,omitzero"`
}

func inForce(from, to, d catalog.Date) bool {
	return !d.Before(from) && (to.IsZero() || d.Before(to))
}

// Location returns the location with id, or nil.
func (c *Clinic) Location(id string) *Location {
	for i := range c.Locations {
		if c.Locations[i].ID == id {
			return &c.Locations[i]
		}
	}
	return nil
}

// CashPrice returns the clinic's cash price in cents for one unit of cpt on
// d, and false when the clinic has no price for it that day.
func (c *Clinic) CashPrice(cpt string, d catalog.Date) (int64, bool) {
	for _, p := range c.CashPrices {
		if p.CPT == cpt && inForce(p.EffectiveFrom, p.EffectiveTo, d) {
			return int64(p.Price), true
		}
	}
	return 0, false
}

// ContractedRate returns the allowed amount in cents for one unit of cpt on
// d under plan (of payer): the plan's own contract if there is one in force,
// else the payer's contract for all its plans. False means no contract.
func (c *Clinic) ContractedRate(payer, plan, cpt string, d catalog.Date) (int64, bool) {
	var payerWide *Contract
	for i := range c.Contracts {
		k := &c.Contracts[i]
		if k.CPT != cpt || !inForce(k.EffectiveFrom, k.EffectiveTo, d) {
			continue
		}
		if plan != "" && k.Plan == plan {
			return int64(k.Allowed), true
		}
		if k.Plan == "" && k.Payer == payer && payer != "" {
			payerWide = k
		}
	}
	if payerWide != nil {
		return int64(payerWide.Allowed), true
	}
	return 0, false
}

// Network returns the clinic's network status for plan, and false when the
// clinic has not said.
func (c *Clinic) Network(plan string) (catalog.Network, bool) {
	n, ok := c.Networks[plan]
	return n, ok
}

// Discount returns the sliding-scale discount on a charge of cents:
// cents×BasisPoints/10000 rounded half up to the cent. A nil scale gives 0.
func (s *SlidingScale) Discount(cents int64) int64 {
	if s == nil || cents <= 0 {
		return 0
	}
	return (cents*int64(s.BasisPoints) + 5000) / 10000
}
