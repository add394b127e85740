package coverage

import j "github.com/acucover/acucover/internal/jsonenc"

// AppendJSON appends d's JSON encoding to dst and returns the extended
// buffer. The bytes are exactly those of encoding/json with HTML escaping
// off (gin's PureJSON) without the trailing newline an Encoder adds; the
// tests hold it to that for every decision of the default catalog, and
// TestDecisionJSONInSync for every field, set and unset. It is the
// hand-written fast path of the response: no reflection, and no allocation
// beyond growing dst.
//
// Keep it in step with the struct tags: a field added to Decision or to any
// type it holds must be added here too (TestDecisionJSONInSync fails until it is).
func (d *Decision) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"status":`...)
	dst = j.String(dst, string(d.Status))
	dst = append(dst, `,"plan":{"id":`...)
	dst = j.String(dst, d.Plan.ID)
	dst = append(dst, `,"name":`...)
	dst = j.String(dst, d.Plan.Name)
	dst = append(dst, `,"payer":`...)
	dst = j.String(dst, d.Plan.Payer)
	dst = append(dst, `,"type":`...)
	dst = j.String(dst, string(d.Plan.Type))
	dst = append(dst, `},"state":`...)
	dst = j.String(dst, d.State)
	dst = append(dst, `,"condition":{"id":`...)
	dst = j.String(dst, d.Condition.ID)
	dst = append(dst, `,"name":`...)
	dst = j.String(dst, d.Condition.Name)
	dst = append(dst, `,"icd10":`...)
	dst = j.Strings(dst, d.Condition.ICD10)
	dst = append(dst, `,"icd10_families":`...)
	dst = j.Strings(dst, d.Condition.ICD10Families)
	if d.Condition.MatchedICD10 != "" {
		dst = append(dst, `,"matched_icd10":`...)
		dst = j.String(dst, d.Condition.MatchedICD10)
	}
	dst = append(dst, `},"date":`...)
	dst = j.Date(dst, d.Date)
	dst = append(dst, `,"limits":`...)
	dst = appendLimits(dst, d.Limits)
	dst = append(dst, `,"visits_remaining":`...)
	dst = j.IntPtr(dst, d.VisitsRemaining)
	dst = append(dst, `,"cost_sharing":`...)
	dst = appendCostSharing(dst, d.CostSharing)
	dst = append(dst, `,"prior_authorization":`...)
	dst = appendPriorAuth(dst, d.PriorAuthorization)
	dst = append(dst, `,"referral_required":`...)
	dst = j.Bool(dst, d.ReferralRequired)
	dst = append(dst, `,"electroacupuncture":`...)
	dst = j.BoolPtr(dst, d.Electroacupuncture)

	dst = append(dst, `,"requirements":`...)
	if d.Requirements == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range d.Requirements {
			r := &d.Requirements[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = j.String(dst, r.ID)
			dst = append(dst, `,"description":`...)
			dst = j.String(dst, r.Description)
			dst = append(dst, `,"met":`...)
			dst = j.BoolPtr(dst, r.Met)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"provider_requirements":`...)
	if d.ProviderRequirements == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range d.ProviderRequirements {
			p := &d.ProviderRequirements[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"type":`...)
			dst = j.String(dst, p.Type)
			dst = append(dst, `,"eligible":`...)
			dst = j.Bool(dst, p.Eligible)
			dst = append(dst, `,"supervision_required":`...)
			dst = j.Bool(dst, p.SupervisionRequired)
			dst = append(dst, `,"credentials":`...)
			dst = j.Strings(dst, p.Credentials)
			if p.Note != "" {
				dst = append(dst, `,"note":`...)
				dst = j.String(dst, p.Note)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"billing":{"cpt":`...)
	dst = j.Strings(dst, d.Billing.CPT)
	dst = append(dst, `,"x12_service_type":`...)
	dst = j.String(dst, d.Billing.X12ServiceType)
	dst = append(dst, `,"modifiers":`...)
	dst = appendModifiers(dst, d.Billing.Modifiers)
	dst = append(dst, `,"notes":`...)
	dst = j.Strings(dst, d.Billing.Notes)

	dst = append(dst, `},"safety":`...)
	if d.Safety == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range d.Safety {
			s := &d.Safety[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"flag":`...)
			dst = j.String(dst, s.Flag)
			dst = append(dst, `,"level":`...)
			dst = j.String(dst, s.Level)
			dst = append(dst, `,"text":`...)
			dst = j.String(dst, s.Text)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"reasons":`...)
	if d.Reasons == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range d.Reasons {
			r := &d.Reasons[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"rule_id":`...)
			dst = j.String(dst, r.RuleID)
			dst = append(dst, `,"text":`...)
			dst = j.String(dst, r.Text)
			dst = append(dst, `,"source":{"title":`...)
			dst = j.String(dst, r.Source.Title)
			dst = append(dst, `,"url":`...)
			dst = j.String(dst, r.Source.URL)
			dst = append(dst, '}', '}')
		}
		dst = append(dst, ']')
	}

	dst = append(dst, `,"notes":`...)
	dst = j.Strings(dst, d.Notes)
	dst = append(dst, `,"catalog_revision":`...)
	dst = j.String(dst, d.CatalogRevision)
	dst = d.appendPayer(dst)
	return append(dst, '}')
}

func appendLimits(dst []byte, l *Limits) []byte {
	if l == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"visits_per_year":`...)
	dst = j.IntPtr(dst, l.VisitsPerYear)
	dst = append(dst, `,"windows":`...)
	if l.Windows == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range l.Windows {
			w := &l.Windows[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"period":`...)
			dst = j.String(dst, string(w.Period))
			if w.Days != 0 {
				dst = append(dst, `,"days":`...)
				dst = j.Int(dst, int64(w.Days))
			}
			if w.Months != 0 {
				dst = append(dst, `,"months":`...)
				dst = j.Int(dst, int64(w.Months))
			}
			dst = append(dst, `,"visits":`...)
			dst = j.Int(dst, int64(w.Visits))
			if w.Unit != "" {
				dst = append(dst, `,"unit":`...)
				dst = j.String(dst, string(w.Unit))
			}
			if w.Beyond != "" {
				dst = append(dst, `,"beyond":`...)
				dst = j.String(dst, string(w.Beyond))
			}
			if w.WaivedBy != "" {
				dst = append(dst, `,"waived_by":`...)
				dst = j.String(dst, w.WaivedBy)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"extensions":`...)
	if l.Extensions == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range l.Extensions {
			e := &l.Extensions[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"visits":`...)
			dst = j.Int(dst, int64(e.Visits))
			dst = append(dst, `,"requires":`...)
			dst = j.String(dst, e.Requires)
			dst = append(dst, `,"question":`...)
			dst = j.String(dst, e.Question)
			if e.Modifier != "" {
				dst = append(dst, `,"modifier":`...)
				dst = j.String(dst, e.Modifier)
			}
			if e.Note != "" {
				dst = append(dst, `,"note":`...)
				dst = j.String(dst, e.Note)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"dollar_cap_cents":`...)
	dst = j.Int64Ptr(dst, l.DollarCapCents)
	return append(dst, '}')
}

func appendCostSharing(dst []byte, c *CostSharing) []byte {
	if c == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"network":`...)
	dst = j.String(dst, string(c.Network))
	dst = append(dst, `,"deductible_cents":`...)
	dst = j.Int(dst, c.DeductibleCents)
	dst = append(dst, `,"deductible_applies":`...)
	dst = j.Bool(dst, c.DeductibleApplies)
	dst = append(dst, `,"copay_cents":`...)
	dst = j.Int(dst, c.CopayCents)
	if len(c.CopaySteps) > 0 {
		dst = append(dst, `,"copay_steps":[`...)
		for i, s := range c.CopaySteps {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCopayStep(dst, s)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"coinsurance_percent":`...)
	dst = j.Int(dst, int64(c.CoinsurancePercent))
	dst = append(dst, `,"oop_max_cents":`...)
	dst = j.Int64Ptr(dst, c.OOPMaxCents)
	return append(dst, '}')
}

func appendCopayStep(dst []byte, s CopayStep) []byte {
	dst = append(dst, `{"after_visits":`...)
	dst = j.Int(dst, int64(s.AfterVisits))
	dst = append(dst, `,"copay_cents":`...)
	dst = j.Int(dst, s.CopayCents)
	return append(dst, '}')
}

func appendPriorAuth(dst []byte, p *PriorAuthorization) []byte {
	if p == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"required":`...)
	dst = j.String(dst, string(p.Required))
	dst = append(dst, `,"after_visits":`...)
	dst = j.IntPtr(dst, p.AfterVisits)
	dst = append(dst, `,"required_now":`...)
	dst = j.BoolPtr(dst, p.RequiredNow)
	if p.Note != "" {
		dst = append(dst, `,"note":`...)
		dst = j.String(dst, p.Note)
	}
	return append(dst, '}')
}

func appendModifiers(dst []byte, ms []Modifier) []byte {
	if ms == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"code":`...)
		dst = j.String(dst, ms[i].Code)
		dst = append(dst, `,"when":`...)
		dst = j.String(dst, ms[i].When)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}
