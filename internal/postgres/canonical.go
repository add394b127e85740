package postgres

import (
	"slices"

	"github.com/acucover/acucover/internal/catalog"
)

// canonical returns a copy of s in the one form a catalog takes after a trip
// through YAML (catalog.Parse of catalog.Marshal) and through the database:
// an empty list is nil where the field is omitempty, and non-nil where it is
// always written. catalog.ContentHash marshals JSON, which writes a nil
// non-omitempty list as null and an empty one as [], so without this the
// same catalog could hash two ways and import(export()) would not be a
// no-op. s is not modified.
func canonical(s *catalog.Snapshot) *catalog.Snapshot {
	c := *s
	c.Plans = slices.Clone(s.Plans)
	for i := range c.Plans {
		c.Plans[i].CostSharing = slices.Clone(c.Plans[i].CostSharing)
	}
	c.Conditions = slices.Clone(s.Conditions)
	for i := range c.Conditions {
		c.Conditions[i].RetiredICD10 = slices.Clone(c.Conditions[i].RetiredICD10)
	}
	c.Rules = slices.Clone(s.Rules)
	for i := range c.Rules {
		c.Rules[i].Providers = slices.Clone(c.Rules[i].Providers)
	}
	c.FeeSchedules = slices.Clone(s.FeeSchedules)
	c.CashPrices = slices.Clone(s.CashPrices)
	canonicalize(&c)
	return &c
}

// canonicalize puts s in canonical form in place (see canonical). Use it
// only on a snapshot nobody else holds, such as one just loaded.
func canonicalize(c *catalog.Snapshot) {
	c.Plans = always(c.Plans)
	for i := range c.Plans {
		p := &c.Plans[i]
		p.CostSharing = always(p.CostSharing)
		for j := range p.CostSharing {
			p.CostSharing[j].CopaySteps = omit(p.CostSharing[j].CopaySteps)
		}
		p.Notes = omit(p.Notes)
		p.Sources = omit(p.Sources)
	}
	c.Conditions = always(c.Conditions)
	for i := range c.Conditions {
		d := &c.Conditions[i]
		d.ICD10 = omit(d.ICD10)
		d.ICD10Families = omit(d.ICD10Families)
		d.RetiredICD10 = omit(d.RetiredICD10)
		for j := range d.RetiredICD10 {
			d.RetiredICD10[j].ReplacedBy = always(d.RetiredICD10[j].ReplacedBy)
		}
		d.Sources = omit(d.Sources)
	}
	c.Rules = always(c.Rules)
	for i := range c.Rules {
		r := &c.Rules[i]
		r.Criteria = omit(r.Criteria)
		r.Limits.Windows = omit(r.Limits.Windows)
		r.Limits.Extensions = omit(r.Limits.Extensions)
		r.Providers = omit(r.Providers)
		for j := range r.Providers {
			r.Providers[j].Credentials = omit(r.Providers[j].Credentials)
		}
		r.Billing.CPT = omit(r.Billing.CPT)
		r.Billing.Modifiers = omit(r.Billing.Modifiers)
		r.Billing.Notes = omit(r.Billing.Notes)
		r.Notes = omit(r.Notes)
		r.Sources = always(r.Sources)
	}
	c.FeeSchedules = omit(c.FeeSchedules)
	for i := range c.FeeSchedules {
		f := &c.FeeSchedules[i]
		if f.AmountsCents == nil {
			f.AmountsCents = map[string]int64{}
		}
		f.Notes = omit(f.Notes)
		f.Sources = always(f.Sources)
	}
	c.CashPrices = omit(c.CashPrices)
	for i := range c.CashPrices {
		c.CashPrices[i].Sources = always(c.CashPrices[i].Sources)
	}
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
