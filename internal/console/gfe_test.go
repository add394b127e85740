package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
	"github.com/acucover/acucover/internal/httpapi"
)

// gfeEnv is newDBEnv with the clinic file's two clinics imported and a key
// scoped to the first (lotus-acupuncture) in each of reader and editor.
type gfeEnv struct {
	*dbEnv
	scoped map[access.Role]string
}

func newGFEEnv(t *testing.T) *gfeEnv {
	t.Helper()
	ctx := context.Background()
	e := newDBEnv(t)
	data, err := os.ReadFile("../clinic/testdata/clinics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := clinic.ParseFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.db.ImportClinics(ctx, cs, "test"); err != nil {
		t.Fatal(err)
	}
	g := &gfeEnv{dbEnv: e, scoped: map[access.Role]string{}}
	for _, r := range []access.Role{access.Reader, access.Editor} {
		secret, _, err := e.db.CreateClinicKey(ctx, "lotus-"+string(r), r, "lotus-acupuncture", "test")
		if err != nil {
			t.Fatal(err)
		}
		g.scoped[r] = secret
	}
	return g
}

// clinicForm is a check priced at a clinic, a week ahead (a Good Faith
// Estimate is issued before care starts), with the clinic's network status.
func clinicForm(e *gfeEnv, clinicID string) url.Values {
	day := catalog.DateOf(e.clock.Now().UTC()).AddDays(7).String()
	return url.Values{"clinic": {clinicID}, "plan": {"example-ppo-gold"}, "state": {"NY"}, "condition": {"M54.2"}, "date": {day},
		"visits_per_week": {"2"}, "weeks": {"4"}, "minutes": {"45"}, "network": {""}}
}

// apiEstimate is POST /v1/estimates for the form's question priced at its
// clinic, with key: the totals the console must show.
func apiEstimate(t *testing.T, e *gfeEnv, key string, f url.Values) (billed, patient int64) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"clinic": f.Get("clinic"), "plan": f.Get("plan"), "state": f.Get("state"),
		"condition": f.Get("condition"), "start_date": f.Get("date"),
		"course": map[string]any{"visits_per_week": 2, "weeks": 4, "minutes_per_visit": 45}})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/estimates", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Totals struct {
			BilledCents  int64 `json:"billed_cents"`
			PatientCents int64 `json:"patient_cents"`
		} `json:"totals"`
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/estimates = %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Totals.BilledCents, out.Totals.PatientCents
}

func withCSRF(b *browser, f url.Values) url.Values {
	out := url.Values{"csrf": {b.csrf("/console/check")}}
	for k, v := range f {
		out[k] = v
	}
	return out
}

// TestClinicScopeAndRoles checks server-side what the page hides: a reader
// cannot make a Good Faith Estimate, a key scoped to one clinic can neither
// price at nor make estimates for another, and sees only its own clinic.
func TestClinicScopeAndRoles(t *testing.T) {
	t.Parallel()
	e := newGFEEnv(t)

	reader := e.browser(t)
	reader.signIn(e.role[access.Reader])
	page := reader.get("/console/check").body
	if strings.Contains(page, `id="make-gfe"`) || !strings.Contains(page, `value="riverbend"`) {
		t.Errorf("an unscoped reader's check page: want every clinic and no GFE button")
	}
	f := clinicForm(e, "lotus-acupuncture")
	f.Set("gfe_name", "Maria Example-Lopez")
	f.Set("gfe_dob", "1971-04-09")
	if r := reader.post("/console/gfe", withCSRF(reader, f)); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "Not allowed") {
		t.Errorf("a reader's POST /console/gfe = %d, want 403 Not allowed", r.StatusCode)
	}

	lotus := e.browser(t)
	lotus.signIn(e.scoped[access.Editor])
	page = lotus.get("/console/check").body
	if strings.Contains(page, `value="riverbend"`) || !strings.Contains(page, `value="lotus-acupuncture" selected`) ||
		strings.Contains(page, "None: the catalog") || !strings.Contains(page, `id="make-gfe"`) {
		t.Errorf("a lotus-scoped editor's check page: want only lotus, preselected, and the GFE button:\n%s", page)
	}
	other := clinicForm(e, "riverbend")
	if r := lotus.post("/console/check", withCSRF(lotus, other)); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "cannot price for another clinic") {
		t.Errorf("a lotus key pricing at riverbend = %d, want 403 on the clinic field", r.StatusCode)
	}
	other.Set("gfe_name", "Maria Example-Lopez")
	other.Set("gfe_dob", "1971-04-09")
	if r := lotus.post("/console/gfe", withCSRF(lotus, other)); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "cannot make estimates for another clinic") {
		t.Errorf("a lotus key making a riverbend GFE = %d, want 403", r.StatusCode)
	}
	// Its own clinic works, and the estimate is its clinic's only.
	f.Set("clinic", "lotus-acupuncture")
	r := lotus.post("/console/gfe", withCSRF(lotus, f))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/gfe/") {
		t.Fatalf("a lotus editor's GFE = %d → %q, want 303 to its page\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	loc := r.Header.Get("Location")
	if r := reader.get(loc + "/pdf"); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.body, "%PDF") {
		t.Errorf("an unscoped reader's GET %s/pdf = %d, want the PDF", loc, r.StatusCode)
	}
	riverReader, _, err := e.db.CreateClinicKey(context.Background(), "river-reader", access.Reader, "riverbend", "test")
	if err != nil {
		t.Fatal(err)
	}
	river := e.browser(t)
	river.signIn(riverReader)
	if r := river.get(loc + "/print"); r.StatusCode != http.StatusNotFound {
		t.Errorf("a riverbend key reading lotus's estimate = %d, want 404", r.StatusCode)
	}
}

// TestNoDatabaseNoGFE: without a database an editor gets no GFE button and
// is told why, and the route refuses.
func TestNoDatabaseNoGFE(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	b := e.browser(t)
	b.signIn(e.keys.add(t, "ed", access.Editor))
	page := b.get("/console/check").body
	if strings.Contains(page, `id="make-gfe"`) || !strings.Contains(page, "runs without a database, so none can be made here") {
		t.Errorf("without a database the check page should say why there is no GFE button:\n%s", page)
	}
	if !strings.Contains(page, "No clinics are set up") {
		t.Errorf("without clinics the chooser should say so")
	}
	r := b.post("/console/gfe", url.Values{"csrf": {b.csrf("/console/check")}, "clinic": {"x"}, "gfe_name": {"A"}})
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /console/gfe without a database = %d, want 503", r.StatusCode)
	}
}

// TestGFENotLogged makes a Good Faith Estimate (one refused, one made, then
// opened) through a server logging everything it logs, access log included,
// and finds no patient name or date of birth in it.
func TestGFENotLogged(t *testing.T) {
	t.Parallel()
	e := newGFEEnv(t)
	var logs bytes.Buffer
	srv := httptest.NewServer(httpapi.New(httpapi.Deps{Store: catalog.NewStore(e.ix), Keys: e.db, Editor: e.db, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), AccessLog: &logs}))
	t.Cleanup(srv.Close)
	b := (&env{srv: srv, clock: e.clock, ix: e.ix}).browser(t)
	b.signIn(e.role[access.Editor])
	f := clinicForm(e, "lotus-acupuncture")
	f.Set("gfe_name", "Zebedee Quillfeather")
	f.Set("gfe_dob", "1969-02-30") // refused: no such day
	if r := b.post("/console/gfe", withCSRF(b, f)); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a GFE with an impossible date of birth = %d, want 422", r.StatusCode)
	}
	f.Set("gfe_dob", "1969-02-03")
	r := b.post("/console/gfe", withCSRF(b, f))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("make GFE = %d\n%s", r.StatusCode, r.body)
	}
	if r := b.get(r.Header.Get("Location") + "/print"); !strings.Contains(r.body, "Zebedee Quillfeather") {
		t.Errorf("the printable page does not name the patient")
	}
	for _, s := range []string{"Zebedee", "Quillfeather", "1969-02-03", "1969-02-30"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the logs contain patient data %q:\n%s", s, logs.String())
		}
	}
	if logs.Len() == 0 {
		t.Error("nothing was logged: the check proves nothing")
	}
}
