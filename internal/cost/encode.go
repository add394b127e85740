package cost

import j "github.com/acucover/acucover/internal/jsonenc"

// AppendJSON appends b's JSON encoding to dst and returns the extended
// buffer: exactly the bytes of encoding/json with HTML escaping off (gin's
// PureJSON) without the Encoder's trailing newline, with no reflection and
// no allocation beyond growing dst. The coverage part is
// coverage.Decision.AppendJSON.
//
// Keep it in step with the struct tags: a field added to Breakdown, Visit,
// Totals or Accumulators must be added here too (TestBreakdownJSONInSync
// fails until it is).
func (b *Breakdown) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"coverage":`...)
	dst = b.Coverage.AppendJSON(dst)
	dst = append(dst, `,"network":`...)
	dst = j.String(dst, string(b.Network))
	dst = append(dst, `,"visits":`...)
	if b.Visits == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range b.Visits {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = b.Visits[i].appendJSON(dst)
		}
		dst = append(dst, ']')
	}
	t := &b.Totals
	dst = append(dst, `,"totals":{"visits":`...)
	dst = j.Int(dst, int64(t.Visits))
	dst = append(dst, `,"covered_visits":`...)
	dst = j.Int(dst, int64(t.CoveredVisits))
	dst = append(dst, `,"billed_cents":`...)
	dst = j.Int(dst, t.BilledCents)
	dst = append(dst, `,"allowed_cents":`...)
	dst = j.Int(dst, t.AllowedCents)
	dst = append(dst, `,"plan_cents":`...)
	dst = j.Int(dst, t.PlanCents)
	dst = append(dst, `,"patient_cents":`...)
	dst = j.Int(dst, t.PatientCents)
	dst = append(dst, `,"deductible_cents":`...)
	dst = j.Int(dst, t.DeductibleCents)
	dst = append(dst, `,"copay_cents":`...)
	dst = j.Int(dst, t.CopayCents)
	dst = append(dst, `,"coinsurance_cents":`...)
	dst = j.Int(dst, t.CoinsuranceCents)
	dst = append(dst, `,"over_cap_cents":`...)
	dst = j.Int(dst, t.OverCapCents)
	dst = append(dst, `,"balance_billed_cents":`...)
	dst = j.Int(dst, t.BalanceBilledCents)
	a := &b.AccumulatorsAfter
	dst = append(dst, `},"accumulators_after":{"deductible_met_cents":`...)
	dst = j.Int(dst, a.DeductibleMetCents)
	dst = append(dst, `,"oop_met_cents":`...)
	dst = j.Int(dst, a.OOPMetCents)
	dst = append(dst, `,"visits_this_year":`...)
	dst = j.Int(dst, int64(a.VisitsThisYear))
	dst = append(dst, `,"visits_last_90_days":`...)
	dst = j.Int(dst, int64(a.VisitsLast90Days))
	dst = append(dst, `,"visits_this_month":`...)
	dst = j.Int(dst, int64(a.VisitsThisMonth))
	dst = append(dst, `,"units_this_year":`...)
	dst = j.Int(dst, int64(a.UnitsThisYear))
	if a.FirstVisitDate != nil {
		dst = append(dst, `,"first_visit_date":`...)
		dst = j.Date(dst, *a.FirstVisitDate)
	}
	s := &b.Summary
	dst = append(dst, `},"summary":{"status":`...)
	dst = j.String(dst, s.Status)
	dst = append(dst, `,"covered_visits":`...)
	dst = j.Int(dst, int64(s.CoveredVisits))
	dst = append(dst, `,"not_covered_visits":`...)
	dst = j.Int(dst, int64(s.NotCoveredVisits))
	dst = append(dst, `,"conditional_visits":`...)
	dst = j.Int(dst, int64(s.ConditionalVisits))
	dst = append(dst, `,"unknown_visits":`...)
	dst = j.Int(dst, int64(s.UnknownVisits))
	dst = append(dst, `,"partially_covered":`...)
	dst = j.Bool(dst, s.PartiallyCovered)
	dst = append(dst, `,"text":`...)
	dst = j.String(dst, s.Text)
	dst = append(dst, `},"assumptions":`...)
	dst = j.Strings(dst, b.Assumptions)
	return append(dst, '}')
}

func (v *Visit) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"n":`...)
	dst = j.Int(dst, int64(v.N))
	dst = append(dst, `,"date":`...)
	dst = j.Date(dst, v.Date)
	dst = append(dst, `,"codes":`...)
	dst = j.Strings(dst, v.Codes)
	dst = append(dst, `,"modifiers":`...)
	dst = j.Strings(dst, v.Modifiers)
	dst = append(dst, `,"status":`...)
	dst = j.String(dst, string(v.Status))
	dst = append(dst, `,"covered":`...)
	dst = j.Bool(dst, v.Covered)
	if v.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = j.String(dst, v.Reason)
	}
	dst = append(dst, `,"prior_authorization_required":`...)
	dst = j.Bool(dst, v.PriorAuthorizationRequired)
	dst = append(dst, `,"billed_cents":`...)
	dst = j.Int(dst, v.BilledCents)
	dst = append(dst, `,"allowed_cents":`...)
	dst = j.Int(dst, v.AllowedCents)
	dst = append(dst, `,"deductible_cents":`...)
	dst = j.Int(dst, v.DeductibleCents)
	dst = append(dst, `,"copay_cents":`...)
	dst = j.Int(dst, v.CopayCents)
	dst = append(dst, `,"coinsurance_cents":`...)
	dst = j.Int(dst, v.CoinsuranceCents)
	dst = append(dst, `,"over_cap_cents":`...)
	dst = j.Int(dst, v.OverCapCents)
	dst = append(dst, `,"balance_billed_cents":`...)
	dst = j.Int(dst, v.BalanceBilledCents)
	dst = append(dst, `,"plan_cents":`...)
	dst = j.Int(dst, v.PlanCents)
	dst = append(dst, `,"patient_cents":`...)
	dst = j.Int(dst, v.PatientCents)
	return append(dst, '}')
}
