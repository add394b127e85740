package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
)

func TestOpenAPIDocumentIsValid(t *testing.T) {
	s := mustSpec(t)
	// Every route the router serves is documented, and nothing else is.
	var served []string
	for _, r := range newTestServer(t, mustDefault(t)).engine.Routes() {
		if strings.HasPrefix(r.Path, "/console/") {
			continue // the billing console's HTML pages (internal/console), not API operations
		}
		served = append(served, r.Method+" "+strings.ReplaceAll(r.Path, ":id", "{id}"))
	}
	var documented []string
	for path, item := range s.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sortStrings := cmp.Transformer("sort", func(in []string) []string {
		out := append([]string(nil), in...)
		slices.Sort(out)
		return out
	})
	if diff := cmp.Diff(documented, served, sortStrings); diff != "" {
		t.Errorf("routes mismatch (-documented +served):\n%s", diff)
	}
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("x: %w", coverage.ErrInvalidInput), 400},
		{fmt.Errorf("x: %w", catalog.ErrUnknownState), 400},
		{fmt.Errorf("x: %w", catalog.ErrMalformedCode), 400},
		{errInvalidRequest, 400},
		{catalog.ErrUnknownPlan, 404},
		{catalog.ErrUnknownCondition, 404},
		{catalog.ErrPlanNotOffered, 422},
		{catalog.ErrRetiredCode, 422},
		{coverage.ErrContradictory, 422},
		{errTooLarge, 413},
		{errUnsupportedMedia, 415},
		{fieldErr("plan", "x", catalog.ErrUnknownPlan), 404},
		{&requestError{fields: []coverage.InputError{{Field: "a", Msg: "x", Kind: catalog.ErrUnknownState}, {Field: "b", Msg: "y", Kind: errInvalidRequest}}}, 400},
		{errors.New("disk on fire"), 500},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			t.Parallel()
			if got := statusFor(tc.err); got != tc.want {
				t.Errorf("statusFor(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// TestRoutes runs every route's success and error answers through the real
// router and checks each against openapi.json.
func TestRoutes(t *testing.T) {
	t.Parallel()
	def := newTestServer(t, mustDefault(t))
	fx := newTestServer(t, mustFixture(t))
	for _, tc := range []struct {
		name   string
		srv    *testServer
		req    request
		status int
		check  func(t *testing.T, body map[string]any)
	}{
		{"healthz", def, get("/healthz"), 200, wantFields(map[string]any{"status": "ok"})},
		{"readyz", fx, get("/readyz"), 200, wantFields(map[string]any{"status": "ready", "catalog_revision": mustFixture(t).CatalogRevision(), "store_revision": "fixture-1", "version": "test"})},
		{"openapi", def, get("/openapi.json"), 200, wantFields(map[string]any{"openapi": "3.0.3"})},
		{"states", def, get("/v1/states"), 200, func(t *testing.T, b map[string]any) {
			st := b["states"].([]any)
			if len(st) != 51 {
				t.Errorf("%d states, want 51", len(st))
			}
			if diff := cmp.Diff(map[string]any{"code": "AK", "name": "Alaska"}, st[0]); diff != "" {
				t.Errorf("first state mismatch (-want +got):\n%s", diff)
			}
		}},
		{"states rejects parameters", def, get("/v1/states?x=1"), 400, problemField("x")},
		{"conditions", def, get("/v1/conditions"), 200, func(t *testing.T, b map[string]any) {
			conds := b["conditions"].([]any)
			want := map[string]any{"id": "neck_pain", "name": "Neck pain", "icd10": []any{"M54.2"}, "icd10_families": []any{},
				"evidence": "Evidence-backed chronic pain use. M54.6 is thoracic spine pain, not neck pain."}
			if diff := cmp.Diff(want, conds[1]); diff != "" {
				t.Errorf("neck_pain mismatch (-want +got):\n%s", diff)
			}
		}},
		{"conditions fixture", fx, get("/v1/conditions"), 200, func(t *testing.T, b map[string]any) {
			if got := ids(b["conditions"]); !cmp.Equal(got, []string{"back_pain", "headache"}) {
				t.Errorf("conditions = %v", got)
			}
		}},
		{"plans", def, get("/v1/plans"), 200, func(t *testing.T, b map[string]any) {
			want := []string{"medicare-part-b", "medicaid", "example-ma-ppo", "example-ppo-gold", "example-hmo-copay", "example-epo-capped", "medicare-advantage", "va-health-care", "tricare", "fehb-bcbs-basic", "marketplace"}
			if diff := cmp.Diff(want, ids(b["plans"])); diff != "" {
				t.Errorf("plans mismatch (-want +got):\n%s", diff)
			}
			medicare := b["plans"].([]any)[0].(map[string]any)
			if n := len(medicare["states"].([]any)); n != 51 {
				t.Errorf("medicare-part-b offered in %d states, want all 51 listed", n)
			}
		}},
		{"plans by state, any case", def, get("/v1/plans?state=wa"), 200, wantPlans("medicare-part-b", "medicaid", "example-ppo-gold", "example-epo-capped", "medicare-advantage", "va-health-care", "tricare", "fehb-bcbs-basic", "marketplace")},
		{"plans by type", def, get("/v1/plans?type=commercial"), 200, wantPlans("example-ppo-gold", "example-hmo-copay", "example-epo-capped", "va-health-care", "tricare", "fehb-bcbs-basic")},
		{"plans by q", def, get("/v1/plans?q=MEDICARE"), 200, wantPlans("medicare-part-b", "medicare-advantage")},
		{"plans by q matches payer", def, get("/v1/plans?q=example%20care%20health"), 200, wantPlans("example-hmo-copay")},
		{"plans all filters", def, get("/v1/plans?state=TX&type=commercial&q=choice"), 200, wantPlans("example-epo-capped")},
		{"plans none match", def, get("/v1/plans?state=AL&type=medicaid&q=no-such-plan"), 200, wantPlans()},
		{"plans fixture by state", fx, get("/v1/plans?state=NV"), 200, wantPlans("fx-ppo", "fx-medicaid")},
		{"plans bad state", def, get("/v1/plans?state=ZZ"), 400, problemField("state")},
		{"plans bad type", def, get("/v1/plans?type=hmo"), 400, problemField("type")},
		{"plans unknown parameter", def, get("/v1/plans?sate=CA"), 400, problemField("sate")},
		{"plans repeated parameter", def, get("/v1/plans?state=CA&state=NY"), 400, problemField("state")},
		{"plan", fx, get("/v1/plans/fx-ppo"), 200, func(t *testing.T, b map[string]any) {
			want := map[string]any{
				"id": "fx-ppo", "name": "Fixture PPO", "payer": "Fixture Mutual", "type": "commercial",
				"states": []any{"CA", "NV"}, "benefit_period": map[string]any{"kind": "plan_year", "start_month": 7.0},
				"notes": []any{"Fixture plan."},
				"cost_sharing": []any{map[string]any{
					"network": "in", "effective_from": "2024-07-01", "effective_to": nil,
					"deductible_cents": 10000.0, "deductible_applies": true, "copay_cents": 2000.0,
					"copay_steps":         []any{map[string]any{"after_visits": 5.0, "copay_cents": 3000.0}},
					"coinsurance_percent": 0.0, "oop_max_cents": 100000.0, "balance_billing": false, "note": "",
				}},
				"sources": []any{map[string]any{"title": "Fixture source", "url": "https://example.com/fx-ppo", "date": "2024-06-01"}},
				"rules": []any{
					map[string]any{"id": "fx-ppo-back", "states": "all", "conditions": []any{"back_pain"}, "status": "covered",
						"effective_from": "2024-07-01", "effective_to": nil,
						"summary": "Fixture PPO covers back pain: 4 visits a month, 10 a plan year, prior authorization after 3 visits, at most $500 a plan year."},
					map[string]any{"id": "fx-ppo-other", "states": "all", "conditions": "all", "status": "not_covered",
						"effective_from": nil, "effective_to": nil, "summary": "Fixture PPO covers only back pain."},
				},
				"catalog_revision": mustFixture(t).CatalogRevision(),
			}
			if diff := cmp.Diff(want, b); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s", diff)
			}
		}},
		{"plan medicare rules", def, get("/v1/plans/medicare-part-b"), 200, func(t *testing.T, b map[string]any) {
			want := []string{"medicare-b-before-ncd-30-3-3", "medicare-b-non-covered", "medicare-b-fibromyalgia", "medicare-b-osteoarthritis", "medicare-b-clbp"}
			if diff := cmp.Diff(want, ids(b["rules"])); diff != "" {
				t.Errorf("rules mismatch (-want +got):\n%s", diff)
			}
			cs := b["cost_sharing"].([]any)[2].(map[string]any) // 2024, 2025, 2026
			if cs["deductible_cents"] != 28300.0 || cs["oop_max_cents"] != nil {
				t.Errorf("2026 cost sharing = %v, want deductible 28300 and no OOP max", cs)
			}
		}},
		{"plan unknown", def, get("/v1/plans/nope"), 404, problemField("plan")},
		{"plan with parameter", def, get("/v1/plans/medicaid?x=1"), 400, problemField("x")},
		{"coverage get", def, get("/v1/coverage?plan=medicare-part-b&state=ca&condition=neck_pain&date=2026-01-05"), 200,
			wantFields(map[string]any{"status": "not_covered", "state": "CA", "date": "2026-01-05"})},
		{"coverage get default date", def, get("/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain"), 200,
			wantFields(map[string]any{"date": "2026-03-15"})},
		{"coverage fixture limits", fx, post(`{"plan":"fx-ppo","state":"NV","condition":"M54.50","usage":{"visits_this_year":3,"visits_this_month":2}}`), 200,
			func(t *testing.T, b map[string]any) {
				wantFields(map[string]any{"status": "covered", "visits_remaining": 2.0})(t, b)
				pa := b["prior_authorization"].(map[string]any)
				if diff := cmp.Diff(map[string]any{"required": "after_visits", "after_visits": 3.0, "required_now": true}, pa); diff != "" {
					t.Errorf("prior_authorization mismatch (-want +got):\n%s", diff)
				}
				if got := b["limits"].(map[string]any)["dollar_cap_cents"]; got != 50000.0 {
					t.Errorf("dollar_cap_cents = %v, want 50000", got)
				}
			}},
		{"coverage fixture month used up", fx, post(`{"plan":"fx-ppo","state":"CA","condition":"back_pain","usage":{"visits_this_year":4,"visits_this_month":4}}`), 200,
			wantFields(map[string]any{"status": "not_covered", "visits_remaining": 0.0})},
		{"coverage fixture unknown", fx, get("/v1/coverage?plan=fx-medicaid&state=OH&condition=G44.209"), 200, wantFields(map[string]any{"status": "unknown"})},
		{"coverage missing everything", def, get("/v1/coverage"), 400, problemField("condition", "plan", "state")},
		{"coverage unknown plan", def, get("/v1/coverage?plan=nope&state=CA&condition=neck_pain"), 404, problemField("plan")},
		{"coverage bad date", def, get("/v1/coverage?plan=medicaid&state=CA&condition=neck_pain&date=2026-02-30"), 400, problemField("date")},
		{"coverage post not json", def, request{method: "POST", target: "/v1/coverage", body: "plan=x", contentType: "application/x-www-form-urlencoded"}, 415, nil},
		{"coverage post too large", def, post(`{"plan":"` + strings.Repeat("a", testMaxBody) + `"}`), 413, nil},
		{"body on a GET too large", def, request{method: http.MethodGet, target: "/v1/states", body: strings.Repeat(" ", testMaxBody+1)}, 413, nil},
		{"unknown route", def, get("/v2/coverage"), 404, nil},
		{"trailing slash", def, get("/v1/plans/"), 404, nil},
		{"wrong method", def, request{method: http.MethodDelete, target: "/v1/plans"}, 405, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req.build()
			rec := tc.srv.serve(req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tc.status, rec.Body)
			}
			checkResponse(t, req, rec)
			if rec.Code < 300 {
				if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
					t.Errorf("Content-Type = %q", got)
				}
			}
			if tc.check != nil {
				tc.check(t, decode(t, rec))
			}
		})
	}
}

func TestMethodNotAllowedListsAllow(t *testing.T) {
	t.Parallel()
	rec := newTestServer(t, mustDefault(t)).do(t, request{method: http.MethodPut, target: "/v1/coverage"})
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status = %d, want 405", rec.Code)
	}
	if got := rec.Header().Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow = %q, want \"GET, POST\"", got)
	}
	checkProblem(t, rec)
}

func TestPostCoverageIsNotStored(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	for _, body := range []string{`{"plan":"medicaid","state":"CA","condition":"neck_pain"}`, `{"plan":"medicaid"}`} {
		rec := srv.do(t, post(body))
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", body, got)
		}
	}
}

// TestProblemDetails pins the exact problem a caller gets for the common
// mistakes: the detail must say what was wrong.
func TestProblemDetails(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	for _, tc := range []struct {
		name string
		req  request
		want problem
	}{
		{"missing", get("/v1/coverage?state=CA"), problem{
			Type: "urn:acucover:problem:invalid-request", Title: "Invalid request", Status: 400,
			Detail: "plan: is required; condition: is required", Instance: "/v1/coverage",
			Errors: []fieldError{{Field: "plan", Message: "is required"}, {Field: "condition", Message: "is required"}},
		}},
		{"not offered", get("/v1/coverage?plan=example-hmo-copay&state=TX&condition=neck_pain"), problem{
			Type: "urn:acucover:problem:plan-not-offered", Title: "Plan not offered in state", Status: 422,
			Detail:   `plan "example-hmo-copay" is not offered in TX; it is offered in CA`,
			Instance: "/v1/coverage",
			Errors:   []fieldError{{Field: "plan", Message: `plan "example-hmo-copay" is not offered in TX; it is offered in CA`}},
		}},
		{"unknown field", post(`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":{"pain_wks":3}}`), problem{
			Type: "urn:acucover:problem:invalid-request", Title: "Invalid request", Status: 400,
			Detail: "patient.pain_wks: is not a known field (did you mean \"pain_weeks\"?)", Instance: "/v1/coverage",
			Errors: []fieldError{{Field: "patient.pain_wks", Message: `is not a known field (did you mean "pain_weeks"?)`}},
		}},
		{"wrong type", post(`{"plan":"medicaid","state":"CA","condition":"neck_pain","usage":{"visits_this_year":"3"}}`), problem{
			Type: "urn:acucover:problem:invalid-request", Title: "Invalid request", Status: 400,
			Detail: "usage.visits_this_year: must be a whole number, not string", Instance: "/v1/coverage",
			Errors: []fieldError{{Field: "usage.visits_this_year", Message: "must be a whole number, not string"}},
		}},
		{"domain range", post(`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":{"pain_weeks":9999}}`), problem{
			Type: "urn:acucover:problem:invalid-input", Title: "Invalid input", Status: 400,
			Detail: "patient.pain_weeks must be between 0 and 5200", Instance: "/v1/coverage",
			Errors: []fieldError{{Field: "patient.pain_weeks", Message: "patient.pain_weeks must be between 0 and 5200"}},
		}},
		{"trailing data", post(`{"plan":"medicaid"} {}`), problem{
			Type: "urn:acucover:problem:invalid-request", Title: "Invalid request", Status: 400,
			Detail: "the body has data after the JSON object; send exactly one object", Instance: "/v1/coverage",
			Errors: []fieldError{{Field: "body", Message: "the body has data after the JSON object; send exactly one object"}},
		}},
		{"no HTML escaping", get("/v1/plans/n%3Co%3E&x"), problem{
			Type: "urn:acucover:problem:unknown-plan", Title: "Unknown plan", Status: 404,
			Detail: `plan: no plan "n<o>&x" in the catalog (GET /v1/plans lists them)`, Instance: "/v1/plans/n<o>&x",
			Errors: []fieldError{{Field: "plan", Message: `no plan "n<o>&x" in the catalog (GET /v1/plans lists them)`}},
		}},
		{"unknown state", get("/v1/coverage?plan=medicaid&state=XX&condition=neck_pain"), problem{
			Type: "urn:acucover:problem:unknown-state", Title: "Unknown state", Status: 400,
			Detail:   `state: "XX" is not a US state code (two letters, e.g. CA; DC is included)`,
			Instance: "/v1/coverage",
			Errors:   []fieldError{{Field: "state", Message: `"XX" is not a US state code (two letters, e.g. CA; DC is included)`}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := srv.do(t, tc.req)
			if strings.Contains(rec.Body.String(), `\u003c`) {
				t.Errorf("problem escapes HTML: %s", rec.Body)
			}
			var got problem
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(fieldError{}), cmp.FilterPath(isCause, cmp.Ignore())); diff != "" {
				t.Errorf("problem mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func isCause(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "cause"
}

func TestPanicIsA500ProblemWithoutDetail(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	srv.engine.GET("/boom", func(c *gin.Context) { panic("secret internals") })
	rec := srv.do(t, get("/boom"))
	want := problem{Type: "urn:acucover:problem:internal", Title: "Internal Server Error", Status: 500, Detail: "internal error", Instance: "/boom"}
	var got problem
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, rec.Body)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(fieldError{})); diff != "" {
		t.Errorf("problem mismatch (-want +got):\n%s", diff)
	}
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
	if logs := srv.logs.String(); !strings.Contains(logs, "secret internals") || !strings.Contains(logs, "stack=") {
		t.Errorf("panic not logged with its stack:\n%s", logs)
	}
}

func TestInternalErrorIsLoggedNotSent(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	a := &api{log: slog.New(slog.NewTextHandler(srv.logs, nil))}
	srv.engine.GET("/fail", a.handle(func(*gin.Context) error { return errors.New("database password rejected") }))
	rec := srv.do(t, get("/fail"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "password") {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
	checkProblem(t, rec)
	if !strings.Contains(srv.logs.String(), "database password rejected") {
		t.Errorf("internal error not logged:\n%s", srv.logs)
	}
}

func TestLogsCarryNoPatientData(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	srv.engine.POST("/boom", func(c *gin.Context) { panic("boom") })
	srv.do(t, request{method: http.MethodPost, target: "/boom?pain_weeks=31337", body: `{"pain_weeks": 27182}`})
	srv.do(t, get("/v1/coverage?plan=medicare-part-b&state=CA&condition=chronic_low_back_pain&pain=31337"))
	if logs := srv.logs.String(); strings.Contains(logs, "31337") || strings.Contains(logs, "27182") {
		t.Errorf("logs carry request data:\n%s", logs)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	ready := false
	h := New(Deps{Store: catalog.NewStore(mustFixture(t)), Ready: func() bool { return ready }})
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("not ready: status = %d, want 503", rec.Code)
	}
	checkResponse(t, req, rec)
	ready = true
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("ready: status = %d, want 200", rec.Code)
	}
}

func TestBodyLimitStreamed(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	// No Content-Length: the limit must hold while reading, too.
	req := httptest.NewRequest(http.MethodPost, "/v1/coverage", strings.NewReader(`{"plan":"`+strings.Repeat("x", 2*testMaxBody)+`"}`))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := srv.serve(req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413\n%s", rec.Code, rec.Body)
	}
	checkResponse(t, req, rec)
}

func TestServesOverRealHTTP(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(New(Deps{Store: catalog.NewStore(mustDefault(t))}))
	defer ts.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, ts.URL+"/v1/coverage?plan=medicare-part-b&state=CA&condition=m5450", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// Plain text for clients, not HTML-escaped (\u0026).
	if !strings.Contains(string(body), `"Centers for Medicare & Medicaid Services"`) {
		t.Errorf("payer not written as plain text:\n%s", body)
	}
	var d coverage.Decision
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Status != catalog.Conditional || d.Condition.MatchedICD10 != "M54.50" {
		t.Errorf("got status %s, matched %q; want conditional, M54.50", d.Status, d.Condition.MatchedICD10)
	}
}

// wantFields checks that the body has these top-level values.
func wantFields(want map[string]any) func(*testing.T, map[string]any) {
	return func(t *testing.T, b map[string]any) {
		t.Helper()
		got := map[string]any{}
		for k := range want {
			got[k] = b[k]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("fields mismatch (-want +got):\n%s", diff)
		}
	}
}

func wantPlans(want ...string) func(*testing.T, map[string]any) {
	return func(t *testing.T, b map[string]any) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if diff := cmp.Diff(want, ids(b["plans"])); diff != "" {
			t.Errorf("plans mismatch (-want +got):\n%s", diff)
		}
	}
}

// problemField checks that a problem's errors[] names exactly these fields.
func problemField(fields ...string) func(*testing.T, map[string]any) {
	return func(t *testing.T, b map[string]any) {
		t.Helper()
		got := []string{}
		errs, _ := b["errors"].([]any)
		for _, e := range errs {
			got = append(got, e.(map[string]any)["field"].(string))
		}
		slices.Sort(got)
		if diff := cmp.Diff(fields, got); diff != "" {
			t.Errorf("problem fields mismatch (-want +got):\n%s", diff)
		}
	}
}

func ids(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(map[string]any)["id"].(string))
	}
	return out
}

// TestNewServerBoundsSlowClients checks that the server acucover serves
// with bounds every phase a client could stall: headers, body, answer and
// the idle wait between requests, and the header size.
func TestNewServerBoundsSlowClients(t *testing.T) {
	h := http.NotFoundHandler()
	srv := NewServer(h)
	if srv.Handler == nil {
		t.Fatal("NewServer dropped the handler")
	}
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"WriteTimeout":      srv.WriteTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v, want a bound in (0, 2m]", name, d)
		}
	}
	if srv.ReadTimeout < srv.ReadHeaderTimeout {
		t.Errorf("ReadTimeout %v < ReadHeaderTimeout %v: a body could never be read", srv.ReadTimeout, srv.ReadHeaderTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d, want a bound below net/http's 1 MiB default", srv.MaxHeaderBytes)
	}
	if srv.Addr != "" || srv.ErrorLog != nil {
		t.Errorf("NewServer set Addr %q or ErrorLog; they are the binary's", srv.Addr)
	}
}
