package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
)

// FuzzGFEAccept: any Accept header picks one of the four forms or is 406,
// never a panic.
func FuzzGFEAccept(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/pdf", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
		"application/fhir+json;q=0.5, application/json;q=0.4", "image/png", "text/*;q=0", ";;;,", "application/json;q=abc", "a/b;q=1e999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		form, err := gfeFormat(accept)
		switch {
		case err != nil:
			if !errors.Is(err, errNotAcceptable) || form != "" {
				t.Fatalf("gfeFormat(%q) = %q, %v", accept, form, err)
			}
		case form != gfeJSON && form != gfeHTML && form != gfePDF && form != gfeFHIR:
			t.Fatalf("gfeFormat(%q) = %q", accept, form)
		}
	})
}

// FuzzClinicBody: a clinic body is decoded strictly and validated; whatever
// it holds, that is an error or a valid clinic with an ETag, never a panic.
func FuzzClinicBody(f *testing.F) {
	for _, s := range []string{
		`{"id":"lotus","name":"Lotus","npi":"1234567893","tin":"12-3456789","locations":[{"id":"main","address_lines":["1 Main St"],"city":"Oakland","state":"CA","zip":"94612","place_of_service":"11"}],"cash_prices":[{"cpt":"97810","price":85.5,"effective_from":"2026-01-01"}]}`,
		`{"id":"x","cash_prices":[{"cpt":"97810","price":"$85.505","effective_from":"2026-01-01"}]}`,
		`{"networks":{"a":"sideways"},"sliding_scale":{"basis_points":-1}}`, `{"contracts":[{"allowed":1e99}]}`, `[]`, `{"id":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var c clinic.Clinic
		if err := decodeStrict([]byte(body), &c); err != nil {
			return
		}
		if ps := c.Validate(""); ps == nil {
			if tag := clinic.ETag(&c); !strings.HasPrefix(tag, `"`) {
				t.Fatalf("ETag %q", tag)
			}
		}
	})
}

// FuzzClinicEstimateBody: estimates priced at a clinic answer 2xx or a 4xx
// problem, never a 5xx.
func FuzzClinicEstimateBody(f *testing.F) {
	for _, s := range []string{
		`{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","start_date":"2026-03-16","course":{"visits":3},"clinic":"lotus-acupuncture"}`,
		`{"plan":"example-ppo-gold","state":"CA","condition":"neck_pain","start_date":"2025-03-16","course":{"visits":3,"electroacupuncture":true},"clinic":"riverbend","network":"out"}`,
		`{"plan":"medicare-part-b","state":"TX","condition":"chronic_low_back_pain","start_date":"2026-03-16","course":{"visits_per_week":3,"weeks":52,"minutes_per_visit":60},"clinic":"riverbend","charge_cents":1}`,
		`{"clinic":""}`, `{"clinic":"nowhere"}`,
	} {
		f.Add(s)
	}
	cs, err := clinic.LoadFile("../clinic/testdata/clinics.yaml")
	if err != nil {
		f.Fatal(err)
	}
	e := newEngine(Deps{Store: catalog.NewStore(mustDefault(f)), Now: func() time.Time { return testNow }, Clinics: clinic.NewFileStore(cs)})
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/estimates", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		checkFuzzAnswer(t, rec)
	})
}
