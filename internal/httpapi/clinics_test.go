package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/gfe"
	"github.com/acucover/acucover/internal/history"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// The patient of the GFE tests: their name and date of birth must never
// reach a log.
const (
	phiName = "Zebulon Quixote Patientname"
	phiDOB  = "1968-11-23"
)

// A stored GFE is also answered as a page, a PDF and a FHIR Bundle; the
// response validator reads them as strings (FHIR as JSON).
func init() {
	for _, ct := range []string{"text/html", "application/pdf"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

func demoClinics(t testing.TB) []clinic.Clinic {
	t.Helper()
	cs, err := clinic.LoadFile("../clinic/testdata/clinics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func gfeBody(clinicID string) string {
	c := ""
	if clinicID != "" {
		c = `"clinic":"` + clinicID + `",`
	}
	return `{` + c + `"patient":{"name":"` + phiName + `","date_of_birth":"` + phiDOB + `"},
		"diagnoses":["M54.50"],"course":{"visits_per_week":2,"weeks":6},"scheduled_date":"2026-03-16"}`
}

// clinicServer is a dbServer holding the demo clinics (lotus-acupuncture
// and riverbend) and, besides the unscoped keys, keys of every role scoped
// to each: "lotus-reader", "riverbend-admin", ….
func clinicServer(t *testing.T) *dbServer {
	t.Helper()
	s := newDBServer(t)
	ctx := context.Background()
	if _, _, err := s.db.ImportClinics(ctx, demoClinics(t), "seed"); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []string{"lotus", "riverbend"} {
		id := map[string]string{"lotus": "lotus-acupuncture", "riverbend": "riverbend"}[cl]
		for _, r := range access.Roles {
			name := cl + "-" + string(r)
			secret, _, err := s.db.CreateClinicKey(ctx, name, r, id, "test")
			if err != nil {
				t.Fatal(err)
			}
			s.keys[name] = secret
		}
	}
	return s
}

// TestClinicScopeMatrix sends every clinic and GFE route, for lotus's data,
// every kind of key: none, unscoped, scoped to lotus, scoped to riverbend,
// each in every role. A key scoped to another clinic never reaches lotus's
// data; the role gates stay as for the catalog.
func TestClinicScopeMatrix(t *testing.T) {
	t.Parallel()
	s := clinicServer(t)
	ctx := context.Background()
	const own = "lotus-acupuncture"
	newGFE := func() int64 {
		t.Helper()
		rec, err := gfe.Create(ctx, s.db, mustDefault(t), gfe.Input{Clinic: own, Patient: gfe.Patient{Name: "A Patient", DateOfBirth: catalog.NewDate(1980, 1, 2)},
			Diagnoses: []string{"M54.50"}, Course: gfe.Course{Visits: ptrTo(2)}, ScheduledDate: catalog.NewDate(2026, 3, 16)}, "", catalog.NewDate(2026, 3, 15), "seed")
		if err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	readable := newGFE()
	clinicBody := func() (string, string) {
		t.Helper()
		cl, etag, err := s.db.Clinic(ctx, own)
		if err != nil {
			t.Fatal(err)
		}
		cl.Name = strings.TrimSuffix(cl.Name, " (edited)") + " (edited)"
		b, _ := json.Marshal(cl)
		return string(b), etag
	}
	type route struct {
		name    string
		min     access.Role // "" for a public route
		ok      int
		other   int // what a key scoped to another clinic gets
		request func() call
		check   func(t *testing.T, cred, body string)
	}
	routes := []route{
		{"GET /v1/admin/clinics", access.Editor, 200, 200, func() call { return call{method: "GET", target: "/v1/admin/clinics"} },
			func(t *testing.T, cred, body string) {
				switch {
				case strings.HasPrefix(cred, "riverbend-") && strings.Contains(body, own):
					t.Errorf("%s lists another clinic: %s", cred, body)
				case strings.HasPrefix(cred, "lotus-") && (strings.Contains(body, `"riverbend"`) || !strings.Contains(body, own)):
					t.Errorf("%s lists %s; want its own clinic only", cred, body)
				case !strings.Contains(cred, "-") && (!strings.Contains(body, own) || !strings.Contains(body, `"riverbend"`)):
					t.Errorf("unscoped %s lists %s; want both clinics", cred, body)
				}
			}},
		{"GET /v1/admin/clinics/{id}", access.Editor, 200, 403, func() call { return call{method: "GET", target: "/v1/admin/clinics/" + own} }, nil},
		{"PUT /v1/admin/clinics/{id}", access.Editor, 200, 403, func() call {
			body, etag := clinicBody()
			return call{method: "PUT", target: "/v1/admin/clinics/" + own, body: body, header: map[string]string{"If-Match": etag}}
		}, nil},
		{"POST /v1/admin/clinics", access.Editor, 409, 403, func() call {
			body, _ := clinicBody()
			return call{method: "POST", target: "/v1/admin/clinics", body: body}
		}, nil},
		// A stale If-Match: a permitted key gets 412 and deletes nothing.
		{"DELETE /v1/admin/clinics/{id}", access.Admin, 412, 403, func() call {
			return call{method: "DELETE", target: "/v1/admin/clinics/" + own, header: map[string]string{"If-Match": `"stale"`}}
		}, nil},
		{"POST /v1/estimates", "", 200, 403, func() call {
			return call{method: "POST", target: "/v1/estimates", body: `{"plan":"example-ppo-gold","state":"CA","condition":"depression","start_date":"2026-03-16","course":{"visits":2},"clinic":"` + own + `"}`}
		}, nil},
		{"POST /v1/gfe", access.Reader, 201, 403, func() call { return call{method: "POST", target: "/v1/gfe", body: gfeBody(own)} }, nil},
		{"GET /v1/gfe/{id}", access.Reader, 200, 404, func() call { return call{method: "GET", target: fmt.Sprintf("/v1/gfe/%d", readable)} }, nil},
		{"DELETE /v1/gfe/{id}", access.Editor, 204, 404, func() call { return call{method: "DELETE", target: fmt.Sprintf("/v1/gfe/%d", newGFE())} }, nil},
	}
	creds := []string{""}
	for _, scope := range []string{"", "lotus-", "riverbend-"} {
		for _, r := range access.Roles {
			creds = append(creds, scope+string(r))
		}
	}
	calls := 0
	for _, rt := range routes {
		for _, cred := range creds {
			role := access.Role(cred[strings.LastIndex(cred, "-")+1:])
			var want int
			switch {
			case rt.min == "":
				want = rt.ok
				if strings.HasPrefix(cred, "riverbend-") {
					want = rt.other
				}
			case cred == "":
				want = http.StatusUnauthorized
			case !role.Allows(rt.min):
				want = http.StatusForbidden
			case strings.HasPrefix(cred, "riverbend-"):
				want = rt.other
			default:
				want = rt.ok
			}
			c := rt.request()
			c.key = cred
			rec := s.call(t, c)
			calls++
			if rec.Code != want {
				t.Errorf("%s with key %q = %d, want %d\n%s", rt.name, cred, rec.Code, want, rec.Body)
			}
			if rec.Code == http.StatusNotFound && rt.other == 404 && strings.Contains(rec.Body.String(), own) {
				t.Errorf("%s with key %q: the 404 names the other clinic: %s", rt.name, cred, rec.Body)
			}
			if rt.check != nil && rec.Code == 200 {
				rt.check(t, cred, rec.Body.String())
			}
		}
	}
	if calls != len(routes)*10 {
		t.Errorf("%d calls, want %d", calls, len(routes)*10)
	}
	// Every other route that needs a key (the catalog's editing API,
	// revisions, audit log) refuses a clinic-scoped key of any role.
	shared := 0
	for _, r := range s.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/v1/admin/") || clinicRoute(r.Path) {
			continue
		}
		shared++
		for _, cred := range []string{"lotus-admin", "riverbend-editor"} {
			target := strings.ReplaceAll(r.Path, ":id", "1")
			if rec := s.call(t, call{method: r.Method, target: target, key: cred}); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "scoped to clinic") {
				t.Errorf("%s %s with clinic key %s = %d, want 403\n%s", r.Method, r.Path, cred, rec.Code, rec.Body)
			}
		}
	}
	if shared < 20 {
		t.Errorf("only %d shared admin routes checked", shared)
	}
	// The other clinic's keys changed nothing: lotus still has the GFE they
	// could not delete, and is not deleted.
	if _, err := s.db.GFE(ctx, readable, ""); err != nil {
		t.Errorf("lotus's estimate: %v", err)
	}
	if _, _, err := s.db.Clinic(ctx, own); err != nil {
		t.Errorf("lotus: %v", err)
	}
}

// TestGFERoundTrip: a GFE made over HTTP is stored, read back in every
// form, its cents equal the estimator's at the same clinic prices and hand
// arithmetic, and its patient's name and date of birth never reach a log.
func TestGFERoundTrip(t *testing.T) {
	t.Parallel()
	s := clinicServer(t)
	rec := s.call(t, call{method: "POST", target: "/v1/gfe", key: "lotus-reader", body: gfeBody("")})
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /v1/gfe = %d\n%s", rec.Code, rec.Body)
	}
	var r gfe.Record
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	// 12 visits of 30 minutes at Lotus's 2026 cash prices: 12 × ($85.00 +
	// $35.50) = 12 × 12050 = 144600 cents.
	if r.GFE.TotalCents != 144600 || r.Clinic != "lotus-acupuncture" || r.GFE.Number != gfe.FormatNumber(r.ID) || r.GFE.Issued.String() != "2026-03-15" {
		t.Fatalf("record: total %d, clinic %s, number %s, issued %s", r.GFE.TotalCents, r.Clinic, r.GFE.Number, r.GFE.Issued)
	}
	if loc := rec.Header().Get("Location"); loc != fmt.Sprintf("/v1/gfe/%d", r.ID) || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Location %q, Cache-Control %q", loc, rec.Header().Get("Cache-Control"))
	}
	// The estimator, for a plan that does not cover the course (self-pay),
	// at the same clinic: the same cents.
	est := s.call(t, call{method: "POST", target: "/v1/estimates", key: "lotus-reader",
		body: `{"plan":"example-ppo-gold","state":"CA","condition":"depression","start_date":"2026-03-16","course":{"visits_per_week":2,"weeks":6},"clinic":"lotus-acupuncture"}`})
	var b struct {
		Totals struct {
			PatientCents int64 `json:"patient_cents"`
		} `json:"totals"`
		Assumptions []string `json:"assumptions"`
	}
	if err := json.Unmarshal(est.Body.Bytes(), &b); err != nil || est.Code != 200 {
		t.Fatalf("estimate = %d %v\n%s", est.Code, err, est.Body)
	}
	if b.Totals.PatientCents != r.GFE.TotalCents {
		t.Errorf("estimate's self-pay total %d != the GFE's %d", b.Totals.PatientCents, r.GFE.TotalCents)
	}
	if !strings.Contains(strings.Join(b.Assumptions, "\n"), "Lotus Community Acupuncture's cash (self-pay) prices") {
		t.Errorf("the estimate does not say it used the clinic's prices: %q", b.Assumptions)
	}

	target := fmt.Sprintf("/v1/gfe/GFE-%06d", r.ID)
	for _, tc := range []struct {
		accept, contentType, contains string
	}{
		{"", "application/json; charset=utf-8", `"total_cents":144600`},
		{"application/json", "application/json; charset=utf-8", phiName},
		{"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8", "Good Faith Estimate"},
		{"application/pdf", "application/pdf", "%PDF-"},
		{"application/fhir+json", "application/fhir+json", `"resourceType":"Bundle"`},
	} {
		rec := s.call(t, call{method: "GET", target: target, key: "lotus-reader", header: map[string]string{"Accept": tc.accept}})
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.contentType || !strings.Contains(strings.ReplaceAll(rec.Body.String(), `": `, `":`), tc.contains) {
			t.Errorf("GET Accept %q = %d %q, body without %q", tc.accept, rec.Code, rec.Header().Get("Content-Type"), tc.contains)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("GET Accept %q: Cache-Control %q, want no-store", tc.accept, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := s.call(t, call{method: "GET", target: target, key: "lotus-reader", header: map[string]string{"Accept": "image/png"}}); rec.Code != http.StatusNotAcceptable {
		t.Errorf("Accept image/png = %d, want 406", rec.Code)
	}
	// Bad input is a 400 listing every field, and still logs no PHI.
	bad := strings.Replace(gfeBody(""), `"M54.50"`, `"not-a-code"`, 1)
	bad = strings.Replace(bad, `"weeks":6`, `"weeks":60`, 1)
	rec = s.call(t, call{method: "POST", target: "/v1/gfe", key: "lotus-reader", body: bad})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"diagnoses[0]"`) || !strings.Contains(rec.Body.String(), `"field":"course.weeks"`) {
		t.Errorf("bad GFE = %d\n%s", rec.Code, rec.Body)
	}
	// A period of care over 12 months is refused.
	long := strings.Replace(gfeBody(""), `"scheduled_date":"2026-03-16"`, `"scheduled_date":"2026-03-16","period_end":"2027-03-16"`, 1)
	if rec := s.call(t, call{method: "POST", target: "/v1/gfe", key: "lotus-reader", body: long}); rec.Code != 400 || !strings.Contains(rec.Body.String(), "12 months") {
		t.Errorf("13-month period of care = %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.call(t, call{method: "DELETE", target: target, key: "lotus-editor"}); rec.Code != http.StatusNoContent {
		t.Errorf("DELETE = %d", rec.Code)
	}
	if rec := s.call(t, call{method: "GET", target: target, key: "lotus-reader"}); rec.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE = %d", rec.Code)
	}

	logs := s.logs.String()
	if !strings.Contains(logs, "/v1/gfe") {
		t.Fatalf("the logs did not capture the requests, so the check below proves nothing:\n%s", logs)
	}
	for _, phi := range []string{phiName, "Patientname", phiDOB, "11/23/1968", "November 23, 1968"} {
		if strings.Contains(logs, phi) {
			t.Errorf("the logs contain the patient's %q", phi)
		}
	}
	es, err := s.db.Audit(context.Background(), history.Filter{Resource: "gfe", Limit: 10})
	if err != nil || len(es) != 2 {
		t.Fatalf("gfe audit = %d entries, %v; want create and delete", len(es), err)
	}
	for _, e := range es {
		if strings.Contains(string(e.After)+string(e.Before), "Patientname") || strings.Contains(string(e.After)+string(e.Before), phiDOB) {
			t.Errorf("the audit log holds the patient: %s %s", e.Before, e.After)
		}
	}
}

// TestClinicsFromFile: serve --clinics FILE without a database prices
// estimates at the file's clinics; GFEs and clinic editing say they need
// PostgreSQL.
func TestClinicsFromFile(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := &testServer{engine: newEngine(Deps{Store: catalog.NewStore(mustDefault(t)), Now: func() time.Time { return testNow },
		Clinics: clinic.NewFileStore(demoClinics(t))}), logs: logs}
	rec := s.do(t, request{method: "POST", target: "/v1/estimates",
		body: `{"plan":"example-ppo-gold","state":"CA","condition":"depression","start_date":"2026-03-16","course":{"visits":2},"clinic":"riverbend"}`})
	// Riverbend: 97810 $110 + 97811 $45.25 = 15525 a visit, self-pay.
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"patient_cents":31050`) {
		t.Errorf("estimate at riverbend = %d\n%s", rec.Code, rec.Body)
	}
	rec = s.do(t, request{method: "POST", target: "/v1/estimates",
		body: `{"plan":"example-ppo-gold","state":"CA","condition":"depression","start_date":"2026-03-16","course":{"visits":2},"clinic":"nowhere"}`})
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "unknown-clinic") || !strings.Contains(rec.Body.String(), `"field":"clinic"`) {
		t.Errorf("unknown clinic = %d\n%s", rec.Code, rec.Body)
	}
	rec = s.do(t, request{method: "POST", target: "/v1/gfe", body: gfeBody("riverbend")})
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "stored in PostgreSQL") {
		t.Errorf("GFE without a database = %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.do(t, get("/v1/admin/clinics")); rec.Code != 503 {
		t.Errorf("admin clinics without a database = %d", rec.Code)
	}
}

// TestClinicAdmin: create, validate, replace with If-Match, audit, and
// delete (refused while the clinic has estimates; revokes its keys).
func TestClinicAdmin(t *testing.T) {
	t.Parallel()
	s := clinicServer(t)
	cs := demoClinics(t)
	nc := cs[1]
	nc.ID, nc.Name = "cedar", "Cedar Acupuncture"
	b, _ := json.Marshal(nc)
	rec := s.call(t, call{method: "POST", target: "/v1/admin/clinics", key: "editor", body: string(b)})
	if rec.Code != 201 || rec.Header().Get("Location") != "/v1/admin/clinics/cedar" || rec.Header().Get("ETag") != clinic.ETag(&nc) {
		t.Fatalf("create = %d %q %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Header().Get("ETag"), rec.Body)
	}
	// Every problem at once, by field path.
	bad := strings.Replace(strings.Replace(string(b), `"npi":"1245319599"`, `"npi":"1245319590"`, 1), `"zip":"78701-1234"`, `"zip":"7870"`, 1)
	rec = s.call(t, call{method: "PUT", target: "/v1/admin/clinics/cedar", key: "editor", body: bad, header: map[string]string{"If-Match": clinic.ETag(&nc)}})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"npi"`) || !strings.Contains(rec.Body.String(), `"field":"locations[0].zip"`) {
		t.Errorf("invalid PUT = %d\n%s", rec.Code, rec.Body)
	}
	// Money that is not whole cents is refused, not rounded.
	cents := strings.Replace(string(b), `"price":110.00`, `"price":110.005`, 1)
	if cents == string(b) {
		t.Fatalf("no price to change in %s", b)
	}
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/clinics/cedar", key: "editor", body: cents, header: map[string]string{"If-Match": clinic.ETag(&nc)}}); rec.Code != 400 {
		t.Errorf("price 110.005 = %d, want 400\n%s", rec.Code, rec.Body)
	}
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/clinics/cedar", key: "editor", body: string(b)}); rec.Code != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match = %d, want 428", rec.Code)
	}
	if rec := s.call(t, call{method: "PUT", target: "/v1/admin/clinics/riverbend", key: "editor", body: string(b), header: map[string]string{"If-Match": `"x"`}}); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"id"`) {
		t.Errorf("PUT with another id = %d\n%s", rec.Code, rec.Body)
	}
	nc.Name = "Cedar Community Acupuncture"
	b2, _ := json.Marshal(nc)
	rec = s.call(t, call{method: "PUT", target: "/v1/admin/clinics/cedar", key: "editor", body: string(b2), header: map[string]string{"If-Match": clinic.ETag(&cs[1])}})
	if rec.Code != http.StatusPreconditionFailed {
		t.Errorf("PUT with a stale ETag = %d, want 412", rec.Code)
	}
	old := cs[1]
	old.ID, old.Name = "cedar", "Cedar Acupuncture"
	rec = s.call(t, call{method: "PUT", target: "/v1/admin/clinics/cedar", key: "editor", body: string(b2), header: map[string]string{"If-Match": clinic.ETag(&old)}})
	if rec.Code != 200 || rec.Header().Get("ETag") != clinic.ETag(&nc) {
		t.Fatalf("PUT = %d %q\n%s", rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	audit := s.call(t, call{method: "GET", target: "/v1/admin/audit?resource=clinic&resource_id=cedar", key: "editor"})
	if audit.Code != 200 || strings.Count(audit.Body.String(), `"resource":"clinic"`) != 2 || !strings.Contains(audit.Body.String(), `"key":"editor"`) {
		t.Errorf("audit = %d\n%s", audit.Code, audit.Body)
	}

	// A clinic with a stored estimate cannot be deleted; its keys go with it.
	secret, _, err := s.db.CreateClinicKey(context.Background(), "cedar-desk", access.Reader, "cedar", "test")
	if err != nil {
		t.Fatal(err)
	}
	s.keys["cedar-desk"] = secret
	rec = s.call(t, call{method: "POST", target: "/v1/gfe", key: "cedar-desk", body: gfeBody("")})
	if rec.Code != 201 {
		t.Fatalf("GFE = %d\n%s", rec.Code, rec.Body)
	}
	var r gfe.Record
	json.Unmarshal(rec.Body.Bytes(), &r)
	del := call{method: "DELETE", target: "/v1/admin/clinics/cedar", key: "admin", header: map[string]string{"If-Match": clinic.ETag(&nc)}}
	if rec := s.call(t, del); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "in-use") {
		t.Errorf("delete with an estimate = %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.call(t, call{method: "DELETE", target: fmt.Sprintf("/v1/gfe/%d", r.ID), key: "editor"}); rec.Code != 204 {
		t.Fatalf("delete the estimate = %d", rec.Code)
	}
	if rec := s.call(t, del); rec.Code != http.StatusNoContent {
		t.Errorf("delete = %d\n%s", rec.Code, rec.Body)
	}
	if rec := s.call(t, call{method: "POST", target: "/v1/gfe", key: "cedar-desk", body: gfeBody("")}); rec.Code != http.StatusUnauthorized {
		t.Errorf("the deleted clinic's key = %d, want 401", rec.Code)
	}
}
