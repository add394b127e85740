package httpapi

import (
	"bytes"
	"unicode/utf8"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/cost"
	"github.com/acucover/acucover/internal/coverage"
)

// The POST bodies are decoded first by a small hand-written reader that
// knows their shapes and accepts only the plain form of each: exact field
// names each at most once, strings without escapes, whole numbers without
// exponents or leading zeros, null only for optional (pointer) fields.
// That is what clients send, and it decodes several times faster than
// encoding/json's reflection. Anything else — a typo, an escape, a float,
// a duplicate, a syntax error — makes it give up, and decodeStrict decodes
// the body again and reports what is wrong exactly as before. Where the
// fast reader succeeds, it produces exactly what decodeStrict does
// (FuzzFastDecode).

// fastCoverageRequest decodes a POST /v1/coverage body.
func fastCoverageRequest(body []byte, req *coverageRequest) bool {
	r := jsonReader{b: body}
	return r.top(func(name []byte) bool {
		switch string(name) {
		case "plan":
			return r.str(&req.Plan)
		case "state":
			return r.str(&req.State)
		case "condition":
			return r.str(&req.Condition)
		case "date":
			return r.optStr(&req.Date)
		case "patient":
			return r.patient(&req.Patient)
		case "usage":
			return r.usage(&req.Usage)
		case "provider":
			return r.provider(&req.Provider)
		}
		return false
	})
}

// fastEstimateRequest decodes a POST /v1/estimates body.
func fastEstimateRequest(body []byte, req *cost.Request) bool {
	r := jsonReader{b: body}
	return r.top(func(name []byte) bool {
		switch string(name) {
		case "plan":
			return r.str(&req.Plan)
		case "state":
			return r.str(&req.State)
		case "condition":
			return r.str(&req.Condition)
		case "start_date":
			var s string
			if !r.str(&s) {
				return false
			}
			d, err := catalog.ParseDate(s)
			req.StartDate = d
			return err == nil
		case "course":
			return r.object(func(name []byte) bool {
				c := &req.Course
				switch string(name) {
				case "visits_per_week":
					return r.optInt(&c.VisitsPerWeek)
				case "weeks":
					return r.optInt(&c.Weeks)
				case "visits":
					return r.optInt(&c.Visits)
				case "minutes_per_visit":
					return r.optInt(&c.MinutesPerVisit)
				case "one_on_one_minutes":
					return r.optInt(&c.OneOnOneMinutes)
				case "electroacupuncture":
					return r.boolean(&c.Electroacupuncture)
				}
				return false
			})
		case "network":
			var s string
			ok := r.str(&s)
			req.Network = catalog.Network(s)
			return ok
		case "accumulators":
			return r.object(func(name []byte) bool {
				a := &req.Accumulators
				switch string(name) {
				case "deductible_met_cents":
					return r.int64(&a.DeductibleMetCents)
				case "oop_met_cents":
					return r.int64(&a.OOPMetCents)
				case "visits_this_year":
					return r.int(&a.VisitsThisYear)
				case "visits_last_90_days":
					return r.int(&a.VisitsLast90Days)
				case "visits_this_month":
					return r.int(&a.VisitsThisMonth)
				case "units_this_year":
					return r.int(&a.UnitsThisYear)
				case "first_visit_date":
					return r.optDate(&a.FirstVisitDate)
				}
				return false
			})
		case "charge_cents":
			if r.null() {
				req.ChargeCents = nil
				return true
			}
			req.ChargeCents = new(int64)
			return r.int64(req.ChargeCents)
		case "clinic":
			return r.str(&req.Clinic)
		case "patient":
			return r.patient(&req.Patient)
		case "provider":
			return r.provider(&req.Provider)
		}
		return false
	})
}

func (r *jsonReader) patient(p **coverage.Patient) bool {
	return optObject(r, p, func(pt *coverage.Patient, name []byte) bool {
		switch string(name) {
		case "pain_weeks":
			return r.optInt(&pt.PainWeeks)
		case "systemic_cause":
			return r.optBool(&pt.SystemicCause)
		case "surgery_related":
			return r.optBool(&pt.SurgeryRelated)
		case "pregnancy_related":
			return r.optBool(&pt.PregnancyRelated)
		case "improving":
			return r.optBool(&pt.Improving)
		case "age_under_21":
			return r.optBool(&pt.AgeUnder21)
		case "flags":
			return r.strs(&pt.Flags)
		}
		return false
	})
}

func (r *jsonReader) usage(p **coverage.Usage) bool {
	return optObject(r, p, func(u *coverage.Usage, name []byte) bool {
		switch string(name) {
		case "visits_this_year":
			return r.optInt(&u.VisitsThisYear)
		case "visits_last_90_days":
			return r.optInt(&u.VisitsLast90Days)
		case "visits_this_month":
			return r.optInt(&u.VisitsThisMonth)
		case "units_this_year":
			return r.optInt(&u.UnitsThisYear)
		case "first_visit_date":
			return r.optDate(&u.FirstVisitDate)
		}
		return false
	})
}

func (r *jsonReader) provider(p **coverage.Provider) bool {
	return optObject(r, p, func(pr *coverage.Provider, name []byte) bool {
		switch string(name) {
		case "type":
			return r.str(&pr.Type)
		case "supervised":
			return r.optBool(&pr.Supervised)
		case "credentials_met":
			return r.optBool(&pr.CredentialsMet)
		case "medicare_participation":
			return r.str(&pr.MedicareParticipation)
		}
		return false
	})
}

// optObject reads null, setting *p to nil as encoding/json does, or an
// object into a new T whose fields field reads.
func optObject[T any](r *jsonReader, p **T, field func(v *T, name []byte) bool) bool {
	if r.null() {
		*p = nil
		return true
	}
	v := new(T)
	*p = v
	return r.object(func(name []byte) bool { return field(v, name) })
}

// jsonReader reads the plain JSON the fast decoders accept; every method
// reports false where the body leaves that form.
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// top reads the whole body: one object, then only white space.
func (r *jsonReader) top(field func(name []byte) bool) bool {
	if !utf8.Valid(r.b) || !r.object(field) {
		return false
	}
	r.space()
	return r.i == len(r.b)
}

// object reads an object, calling field with each name, positioned at its
// value, which field must read. A repeated name fails: encoding/json would
// keep the last value, merging objects, which is not worth copying.
func (r *jsonReader) object(field func(name []byte) bool) bool {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '{' {
		return false
	}
	r.i++
	r.space()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return true
	}
	var seen [16][]byte // no object here has more fields
	n := 0
	for {
		r.space()
		name, ok := r.raw()
		if !ok || n == len(seen) {
			return false
		}
		for _, s := range seen[:n] {
			if bytes.Equal(s, name) {
				return false
			}
		}
		seen[n] = name
		n++
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return false
		}
		r.i++
		r.space()
		if !field(name) {
			return false
		}
		r.space()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			return true
		default:
			return false
		}
	}
}

// raw reads a string without escapes or control characters and returns its
// bytes in the body.
func (r *jsonReader) raw() ([]byte, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	start := r.i + 1
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			r.i = j + 1
			return r.b[start:j], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (r *jsonReader) str(dst *string) bool {
	if r.null() {
		return true // encoding/json leaves a string alone on null
	}
	s, ok := r.raw()
	*dst = string(s)
	return ok
}

func (r *jsonReader) optStr(dst **string) bool {
	if r.null() {
		*dst = nil
		return true
	}
	s := new(string)
	*dst = s
	return r.str(s)
}

func (r *jsonReader) strs(dst *[]string) bool {
	if r.null() {
		*dst = nil
		return true
	}
	if r.i >= len(r.b) || r.b[r.i] != '[' {
		return false
	}
	r.i++
	r.space()
	out := []string{}
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		*dst = out
		return true
	}
	for {
		r.space()
		s, ok := r.raw()
		if !ok {
			return false
		}
		out = append(out, string(s))
		r.space()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			*dst = out
			return true
		default:
			return false
		}
	}
}

// int64 reads a whole number of at most 18 digits: no sign but '-', no
// leading zero, fraction or exponent (encoding/json refuses the latter two
// for integers, with an error decodeStrict words).
func (r *jsonReader) int64(dst *int64) bool {
	if r.null() {
		return true
	}
	neg := r.i < len(r.b) && r.b[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var v int64
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		v = v*10 + int64(r.b[r.i]-'0')
		r.i++
	}
	n := r.i - start
	if n == 0 || n > 18 || (n > 1 && r.b[start] == '0') {
		return false
	}
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	if neg {
		v = -v
	}
	*dst = v
	return true
}

func (r *jsonReader) int(dst *int) bool {
	v := int64(*dst)
	ok := r.int64(&v)
	*dst = int(v)
	return ok
}

func (r *jsonReader) optInt(dst **int) bool {
	if r.null() {
		*dst = nil
		return true
	}
	v := new(int)
	*dst = v
	return r.int(v)
}

func (r *jsonReader) boolean(dst *bool) bool {
	switch {
	case r.null():
		return true
	case r.word("true"):
		*dst = true
		return true
	case r.word("false"):
		*dst = false
		return true
	}
	return false
}

func (r *jsonReader) optBool(dst **bool) bool {
	if r.null() {
		*dst = nil
		return true
	}
	v := new(bool)
	*dst = v
	return r.boolean(v)
}

// optDate reads null or a YYYY-MM-DD string; a string that is not a date
// gives up, so the strict decoder reports it.
func (r *jsonReader) optDate(dst **catalog.Date) bool {
	if r.null() {
		*dst = nil
		return true
	}
	s, ok := r.raw()
	if !ok {
		return false
	}
	d, err := catalog.ParseDate(string(s))
	if err != nil {
		return false
	}
	*dst = &d
	return true
}

func (r *jsonReader) null() bool { return r.word("null") }

// word reads the literal w if it is next.
func (r *jsonReader) word(w string) bool {
	if len(r.b)-r.i < len(w) || string(r.b[r.i:r.i+len(w)]) != w {
		return false
	}
	r.i += len(w)
	return true
}
