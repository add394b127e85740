package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestProblemsCarryFieldErrors: every 400 lists errors[], even one about
// the body or the query as a whole, so a client can always point at what
// was wrong.
func TestProblemsCarryFieldErrors(t *testing.T) {
	s := newTestServer(t, mustDefault(t))
	for _, tc := range []struct {
		name  string
		req   request
		field string
	}{
		{"empty body", post(" "), "body"},
		{"trailing data", post(`{"plan":"medicaid"} {}`), "body"},
		{"not an object", post(`[]`), "body"},
		{"syntax", post(`{"plan":}`), "body"},
		{"bad query encoding", get("/v1/coverage?plan=%"), "query"},
		{"NUL in path", get("/v1/plans/a%00b"), "query"},
		{"bad date", get("/v1/coverage?plan=medicare-part-b&state=CA&condition=neck_pain&date=2026-02-30"), "date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, tc.req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			p := decode(t, rec)
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("no errors[]: %s", rec.Body)
			}
			if f := errs[0].(map[string]any)["field"]; f != tc.field {
				t.Errorf("errors[0].field = %v, want %q", f, tc.field)
			}
		})
	}
}

// TestBatchItemProblemsCarryFieldErrors: a check that is not an object is a
// 400 pointing at the check.
func TestBatchItemProblemsCarryFieldErrors(t *testing.T) {
	s := newTestServer(t, mustDefault(t))
	rec := s.do(t, request{method: http.MethodPost, target: "/v1/coverage/batch", body: `{"checks":[7]}`})
	var out struct {
		Results []struct{ Problem *problem } `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Results) != 1 || out.Results[0].Problem == nil {
		t.Fatalf("batch = %d %v: %s", rec.Code, err, rec.Body)
	}
	if p := out.Results[0].Problem; p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "checks[0]" {
		t.Errorf("problem %+v, want a 400 with errors[0].field checks[0]", p)
	}
}

// TestProblemsUseOpenAPIPaths: messages naming a route name it as the
// OpenAPI document does ({id}), not as Gin does (:id).
func TestProblemsUseOpenAPIPaths(t *testing.T) {
	s := newTestServer(t, mustDefault(t))
	for _, tc := range []struct {
		target string
		want   string
	}{
		{"/v1/plans/medicare-part-b?x=1", "/v1/plans/{id}"},
		{"/v1/admin/plans/medicare-part-b", "/v1/admin/plans/{id}"},
	} {
		rec := s.do(t, get(tc.target))
		body := rec.Body.String()
		if rec.Code < 400 || !strings.Contains(body, tc.want) || strings.Contains(body, ":id") {
			t.Errorf("GET %s: %d %s; want a problem naming %s", tc.target, rec.Code, body, tc.want)
		}
	}
	if got := pathTemplate("/v1/admin/rules/:id/history"); got != "/v1/admin/rules/{id}/history" {
		t.Errorf("pathTemplate = %q", got)
	}
}
