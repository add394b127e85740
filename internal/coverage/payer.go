package coverage

import j "github.com/acucover/acucover/internal/jsonenc"

// PayerFact is one value a payer's eligibility response states for the
// member (an X12 271 or its JSON rendering) that an answer used: what it is,
// its display value and the segment it came from, e.g. "EB*B*IND*64***27*25.00
// (segment 18)". Package eligibility builds them.
type PayerFact struct {
	What   string `json:"what"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Conflict is a disagreement between the payer's statement about this member
// and the catalog's rule (or the caller's own figures), with the side the
// answer used and why.
type Conflict struct {
	Kind        string `json:"kind"`
	Payer       string `json:"payer"`
	PayerSource string `json:"payer_source"`
	Catalog     string `json:"catalog"`
	Used        string `json:"used"`
	Why         string `json:"why"`
}

// appendPayer appends the payer_facts and conflicts members of a Decision
// (both omitted when empty: answers without eligibility are unchanged).
func (d *Decision) appendPayer(dst []byte) []byte {
	if len(d.PayerFacts) > 0 {
		dst = append(dst, `,"payer_facts":[`...)
		for i := range d.PayerFacts {
			f := &d.PayerFacts[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"what":`...)
			dst = j.String(dst, f.What)
			dst = append(dst, `,"value":`...)
			dst = j.String(dst, f.Value)
			dst = append(dst, `,"source":`...)
			dst = j.String(dst, f.Source)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(d.Conflicts) > 0 {
		dst = append(dst, `,"conflicts":[`...)
		for i := range d.Conflicts {
			c := &d.Conflicts[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"kind":`...)
			dst = j.String(dst, c.Kind)
			dst = append(dst, `,"payer":`...)
			dst = j.String(dst, c.Payer)
			dst = append(dst, `,"payer_source":`...)
			dst = j.String(dst, c.PayerSource)
			dst = append(dst, `,"catalog":`...)
			dst = j.String(dst, c.Catalog)
			dst = append(dst, `,"used":`...)
			dst = j.String(dst, c.Used)
			dst = append(dst, `,"why":`...)
			dst = j.String(dst, c.Why)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return dst
}
